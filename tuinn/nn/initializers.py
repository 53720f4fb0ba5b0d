"""Weight initialisers by name; every draw comes from the seeded Generator passed in."""

from __future__ import annotations

from typing import Callable

import numpy as np

Initializer = Callable[[np.random.Generator, tuple[int, ...], int, int, np.dtype], np.ndarray]


def _zeros(rng, shape, fan_in, fan_out, dtype):
    return np.zeros(shape, dtype=dtype)


def _uniform(rng, shape, fan_in, fan_out, dtype):
    return rng.uniform(-0.05, 0.05, size=shape).astype(dtype)


def _normal(rng, shape, fan_in, fan_out, dtype):
    return (rng.standard_normal(shape) * 0.05).astype(dtype)


def _glorot(rng, shape, fan_in, fan_out, dtype):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def _he(rng, shape, fan_in, fan_out, dtype):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


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


def initialize(
    name: str, rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int, dtype
) -> np.ndarray:
    """Draw a weight array of `shape` with the initialiser called `name`."""
    return get_initializer(name)(rng, shape, fan_in, fan_out, np.dtype(dtype))
