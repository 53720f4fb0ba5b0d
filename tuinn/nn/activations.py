"""Activation functions by name: each is a small object with `fn` and `grad`.

`grad(x, y)` is the element-wise derivative dy/dx, given the input `x` and the
output `y = fn(x)` (many derivatives are cheapest from `y`), as a new array the
caller may overwrite. Softmax is not
element-wise: it exists only as the output of softmax cross-entropy, where the
network fuses it with the loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from tuinn.nn.arrays import Array

# a Python float: a NumPy float64 scalar would promote float32 arrays to float64
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True)
class Activation:
    """A named element-wise activation: `fn(x)` and its derivative `grad(x, y)`."""

    name: str
    fn: Callable[[Array], Array]
    grad: Callable[[Array, Array], Array]


def _sigmoid(x: Array) -> Array:
    # the tanh form never overflows and costs three ufunc calls
    y = np.tanh(x * 0.5)
    y += 1.0
    y *= 0.5
    return y


#: read-only zero arrays by (shape, strides, dtype), the oldest first
_ZEROS: dict[tuple[Any, ...], Array] = {}
_ZEROS_KEPT = 8


def zeros_like(x: Array) -> Array:
    """A cached read-only array of zeros in `x`'s shape and memory layout.

    A hit only reads the cache: worker threads asking for the same shape at once all find
    it (a pop and re-insert on every hit made one of them allocate a fresh array now and then).
    """
    key = (x.shape, x.strides, x.dtype)
    zeros = _ZEROS.get(key)
    if zeros is None:
        zeros = np.zeros_like(x)
        zeros.flags.writeable = False
        _ZEROS[key] = zeros
        if len(_ZEROS) > _ZEROS_KEPT:  # (pop, not del: worker threads may drop the same one)
            _ZEROS.pop(next(iter(_ZEROS)), None)
    return zeros


def _relu(x: Array) -> Array:
    # against an array of zeros NumPy takes its fast loop (~1.4x faster than against the
    # scalar 0); a cached one saves allocating, filling and page-faulting it every call
    y: Array = np.maximum(x, zeros_like(x))
    return y


def relu_derivative(x: Array, out: Array) -> Array:
    """1 where x > 0, else 0, written into `out` (x's dtype) by the comparison in one pass (no boolean array)."""
    np.greater(x, 0, out=out, casting="unsafe")
    return out


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def _gelu_grad(x: Array, y: Array) -> Array:
    inner = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
    t = np.tanh(inner)
    dinner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x**2)
    grad: Array = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner
    return grad


def _softplus(x: Array) -> Array:
    y: Array = np.logaddexp(0.0, x).astype(x.dtype, copy=False)
    return y


def _swish(x: Array) -> Array:
    return x * _sigmoid(x)


def _swish_grad(x: Array, y: Array) -> Array:
    s = _sigmoid(x)
    return s + y * (1.0 - s)


def _softmax(x: Array) -> Array:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    y: Array = e / e.sum(axis=-1, keepdims=True)
    return y


def _no_elementwise_grad(x: Array, y: Array) -> Array:
    raise ValueError("softmax has no element-wise derivative: use it with softmax_cross_entropy")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("step", lambda x: (x >= 0).astype(x.dtype), lambda x, y: np.zeros_like(x)),
        Activation("linear", lambda x: x, lambda x, y: np.ones_like(x)),
        Activation("sigmoid", _sigmoid, lambda x, y: y * (1.0 - y)),
        Activation("tanh", np.tanh, lambda x, y: 1.0 - y * y),
        Activation("relu", _relu, lambda x, y: relu_derivative(x, np.empty_like(x))),
        Activation(
            "leaky_relu",
            lambda x: np.where(x > 0, x, LEAKY_SLOPE * x),
            lambda x, y: np.where(x > 0, 1.0, LEAKY_SLOPE).astype(x.dtype),
        ),
        Activation(
            "elu",
            lambda x: np.where(x > 0, x, ELU_ALPHA * np.expm1(np.minimum(x, 0))),
            lambda x, y: np.where(x > 0, 1.0, y + ELU_ALPHA).astype(x.dtype),
        ),
        Activation("gelu", _gelu, _gelu_grad),
        Activation("softplus", _softplus, lambda x, y: _sigmoid(x)),
        Activation("swish", _swish, _swish_grad),
        Activation("softmax", _softmax, _no_elementwise_grad),
    )
}

#: Activations a user can cycle through for hidden layers (softmax is output-only).
HIDDEN_ACTIVATIONS: tuple[str, ...] = tuple(n for n in ACTIVATIONS if n != "softmax")


def get_activation(name: str) -> Activation:
    """Return the activation called `name`, or raise KeyError listing the known names."""
    try:
        if not isinstance(name, str):
            raise KeyError(name)
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None
