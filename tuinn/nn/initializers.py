"""Weight initialisers by name; every draw comes from the seeded Generator passed in."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tuinn.nn.arrays import FloatArray

Shape = tuple[int, ...]

Initializer = Callable[[np.random.Generator, Shape, int, int, np.dtype[Any]], FloatArray]


def _zeros(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> FloatArray:
    return np.zeros(shape, dtype=dtype)


def _uniform(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> FloatArray:
    return rng.uniform(-0.05, 0.05, size=shape).astype(dtype)


def _normal(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> FloatArray:
    return (rng.standard_normal(shape) * 0.05).astype(dtype)


def _glorot(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> FloatArray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def _he(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> FloatArray:
    w: FloatArray = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
    return w


INITIALIZERS: dict[str, Initializer] = {
    "zeros": _zeros,
    "uniform": _uniform,
    "normal": _normal,
    "glorot": _glorot,
    "xavier": _glorot,
    "he": _he,
}


def get_initializer(name: str) -> Initializer:
    """The initialiser called `name`; KeyError naming the choices otherwise."""
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise KeyError(f"unknown initializer {name!r}; known: {', '.join(INITIALIZERS)}") from None


def initialize(name: str, rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: Any) -> FloatArray:
    """Draw a weight array of `shape` with the initialiser called `name`."""
    return get_initializer(name)(rng, shape, fan_in, fan_out, np.dtype(dtype))
