"""The pictures of a watched model, made small: feature maps, the sample, class probabilities, the plane."""

from __future__ import annotations

import numpy as np

MAX_CHANNELS = 16  # feature maps: the first channels of a layer
MAX_SIDE = 32  # feature maps: block-averaged down to at most this many cells a side


def shrink(maps: np.ndarray, side: int = MAX_SIDE, channels: int = MAX_CHANNELS) -> np.ndarray:
    """(H, W, C) maps as float32, block-averaged to at most `side` a side, keeping the first `channels`."""
    maps = maps[:, :, :channels]
    h, w = maps.shape[:2]
    fh, fw = -(-h // side), -(-w // side)
    if fh > 1 or fw > 1:
        maps = np.pad(maps, ((0, (-h) % fh), (0, (-w) % fw), (0, 0)), mode="edge")
        maps = maps.reshape(maps.shape[0] // fh, fh, maps.shape[1] // fw, fw, -1).mean(axis=(1, 3))
    return np.ascontiguousarray(maps, dtype=np.float32)


def probabilities(row: np.ndarray) -> np.ndarray:
    """One sample's class probabilities from its output row: kept when it already is one, else a softmax.

    A single output is a binary classifier's logit or probability: (1 - p, p).
    """
    row = np.asarray(row, dtype=np.float64).ravel()
    if len(row) == 1:
        p = float(row[0]) if 0.0 <= row[0] <= 1.0 else float(1 / (1 + np.exp(-row[0])))
        return np.array([1.0 - p, p])
    if (row >= 0).all() and abs(row.sum() - 1.0) < 1e-4:
        return row
    e = np.exp(row - row.max())
    softmax: np.ndarray = e / e.sum()
    return softmax


def plane(points: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs, ys and the (grid², 2) points of a grid over the 2-D `points`, padded by a tenth of their span."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def plane_values(out: np.ndarray, grid: int) -> tuple[np.ndarray, tuple[float, float]]:
    """The surface a model's outputs over the plane draw: the class (several outputs) or the one output's value."""
    if out.shape[1] > 1:
        return out.argmax(axis=1).reshape(grid, grid).astype(np.float64), (0.0, float(out.shape[1] - 1))
    values = out[:, 0].astype(np.float64)
    if values.min() < 0.0 or values.max() > 1.0:
        values = 1 / (1 + np.exp(-values))
    return values.reshape(grid, grid), (0.0, 1.0)
