"""Finite-difference gradient checks shared by the engine's tests (float64, central differences).

Import it from a test in this folder with ``from gradcheck import check_grad``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tuinn.nn.layers import Layer

#: the largest relative error a float64 analytic gradient may show against central differences
TOLERANCE = 1e-6


def numerical_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f(x) / dx by central differences; `x` (float64) is perturbed in place and restored.

    `f` may ignore its argument and read `x` through a view (a network parameter, say).
    """
    if x.dtype != np.float64 or not x.flags.c_contiguous:
        raise TypeError(f"gradient checks need a contiguous float64 array, got {x.dtype}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f(x)
        flat[i] = old - eps
        down = f(x)
        flat[i] = old
        gflat[i] = (up - down) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), and 0 when both are zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0.0 else float(np.linalg.norm(a - b) / denom)


def check_grad(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, tol: float = TOLERANCE) -> float:
    """Assert that `analytic` matches the numerical gradient of `f` at `x`; return the error."""
    numeric = numerical_grad(f, x)
    assert analytic.shape == x.shape, f"gradient shape {analytic.shape} != {x.shape}"
    err = relative_error(np.asarray(analytic, dtype=np.float64), numeric)
    assert err < tol, f"relative error {err:.3g} >= {tol:g}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"
    return err


def projection(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """A fixed random array `r`: checking sum(r * y) checks every output of y at once."""
    return np.random.default_rng(seed).standard_normal(shape)


def check_layer(layer: Layer, x: np.ndarray, seed: int = 1) -> None:
    """Check a built float64 layer's parameter gradients and its input gradient.

    The scalar checked is sum(r * layer.forward(x, training=True)) for a fixed random r,
    so the layer's forward must be deterministic (seed any randomness before calling).
    """
    r = projection(seed, (x.shape[0], *layer.output_shape))

    def loss(v: np.ndarray) -> float:
        return float(np.sum(r * layer.forward(v, True)))

    layer.forward(x, True)
    dx = layer.backward(r)
    grads = {key: g.copy() for key, g in layer.gradients.items()}
    for key, p in layer.parameters.items():
        check_grad(lambda _: loss(x), p, grads[key])
    check_grad(loss, x.copy(), dx)
