"""Probes: the small measurements of a model that views show (surfaces, maps, matrices)."""

from __future__ import annotations

import numpy as np

from tuinn.data.features import expand
from tuinn.nn import Network
from tuinn.train.snapshot import DecisionSurface, FeatureMap

GRID = 48  # decision-surface resolution per axis
MAX_GRAD_ROWS, MAX_GRAD_COLS = 32, 64


def predicted_classes(out: np.ndarray, loss_name: str) -> np.ndarray:
    """Class labels from a network output: argmax, or a threshold for one output unit."""
    if out.shape[1] > 1:
        return out.argmax(axis=1)
    threshold = 0.0 if loss_name == "hinge" else 0.5
    return (out[:, 0] >= threshold).astype(np.int64)


def decision_surface(
    net: Network, x: np.ndarray | None, labels: np.ndarray, task: str, features: tuple[str, ...] = (),
    max_points: int = 400,
) -> DecisionSurface | None:
    """The network's output over the plane of 2-D points `x` (None: not 2-D data), plus (some of) the points.

    With `features`, the network sees those features of each point of the plane.
    """
    if x is None:
        return None
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], GRID)
    ys = np.linspace(lo[1], hi[1], GRID)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(net.dtype)
    if features:
        grid = expand(grid, features)
    out = net.forward(grid)
    if task == "classification" and out.shape[1] > 1:
        values, vrange = out.argmax(axis=1).astype(np.float64), (0.0, float(out.shape[1] - 1))
    elif task == "classification":
        values = out[:, 0].astype(np.float64)
        vrange = (-1.0, 1.0) if net.loss.name == "hinge" else (0.0, 1.0)
        values = np.clip(values, *vrange)
    else:
        values = out[:, 0].astype(np.float64)
        vrange = (-1.0, 1.0)
    step = max(1, len(x) // max_points)
    return DecisionSurface(
        xs=xs,
        ys=ys,
        values=values.reshape(GRID, GRID),
        points=np.array(x[::step], dtype=np.float64),
        labels=np.array(labels[::step]),
        value_range=vrange,
    )


def feature_maps(net: Network, sample: np.ndarray) -> tuple[FeatureMap, ...]:
    """Outputs of every layer with an image-shaped (H, W, C) output, for one sample."""
    maps = []
    h = sample[None]
    for layer in net.layers:
        h = layer.forward(h, False)
        if len(layer.output_shape) == 3:
            maps.append(
                FeatureMap(
                    layer=layer.name,
                    type=layer.describe(),
                    shape=tuple(layer.output_shape),
                    neurons=layer.neurons,
                    maps=np.array(h[0], dtype=np.float32),
                )
            )
    return tuple(maps)


def gradient_matrix(grad: np.ndarray) -> np.ndarray:
    """A 2-D view of a weight gradient, block-averaged down to at most 32 x 64 cells."""
    g = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad
    rows, cols = g.shape
    fr, fc = -(-rows // MAX_GRAD_ROWS), -(-cols // MAX_GRAD_COLS)
    if fr > 1 or fc > 1:
        pr, pc = (-rows) % fr, (-cols) % fc
        g = np.pad(g, ((0, pr), (0, pc)))
        g = g.reshape(g.shape[0] // fr, fr, g.shape[1] // fc, fc).mean(axis=(1, 3))
    return np.array(g, dtype=np.float32)
