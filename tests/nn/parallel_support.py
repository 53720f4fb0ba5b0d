"""Shared by the thread tests: a seeded classification batch, a few SGD steps, a relative difference."""

from __future__ import annotations

import numpy as np

from tuinn.nn import Network, make_optimizer


def batch(input_shape: tuple[int, ...], n: int = 128, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, *input_shape)).astype(dtype)
    return x, np.eye(10, dtype=dtype)[rng.integers(0, 10, n)]


def train(net: Network, steps: int = 5) -> list[float]:
    """The losses of `steps` SGD steps on one batch; the network's parameters move."""
    x, y = batch(net.input_shape, dtype=net.dtype)
    opt = make_optimizer("sgd", 0.1)
    losses = []
    for _ in range(steps):
        loss, _ = net.loss_and_grads(x, y)
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
        losses.append(loss)
    return losses


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b) / np.linalg.norm(b.astype(np.float64)))
