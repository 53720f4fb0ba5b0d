"""Probes: the small measurements of a model that views show (surfaces, maps, matrices)."""

from __future__ import annotations

from typing import cast

import numpy as np

from tuinn.data.features import expand
from tuinn.nn import Network
from tuinn.nn.layers import Maxout
from tuinn.train.snapshot import DecisionSurface, FeatureMap, Kernels, NeuronLayer, SampleView

GRID = 48  # decision-surface resolution per axis
MAXOUT = "maxout"  # a maxout layer's units' activation: the max of their pieces
MAX_GRAD_ROWS, MAX_GRAD_COLS = 32, 64


def predicted_classes(out: np.ndarray, loss_name: str) -> np.ndarray:
    """Class labels from a network output: argmax, or a threshold for one output unit."""
    if out.shape[1] > 1:
        return np.asarray(out.argmax(axis=1))
    threshold = 0.0 if loss_name == "hinge" else 0.5
    return (out[:, 0] >= threshold).astype(np.int64)


def decision_surface(
    net: Network,
    train: tuple[np.ndarray | None, np.ndarray],
    val: tuple[np.ndarray | None, np.ndarray],
    task: str,
    features: tuple[str, ...] = (),
    max_points: int = 400,
) -> DecisionSurface | None:
    """The network's output (and every unit's) over the plane of 2-D points, plus (some of) the points.

    `train` and `val` are (points, labels); train points None: not 2-D data, val points None: none shown.
    With `features`, the network sees those features of each point of the plane.
    """
    train_x, val_x = train[0], val[0]
    if train_x is None:
        return None
    if val_x is None:
        val_x = train_x[:0]
        val = (val_x, train[1][:0])
    x_all = np.concatenate([train_x, val_x]) if len(val_x) else train_x
    lo, hi = x_all.min(axis=0), x_all.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], GRID)
    ys = np.linspace(lo[1], hi[1], GRID)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(net.dtype)
    if features:
        grid = expand(grid, features)
    layers = [NeuronLayer("input", None, np.ascontiguousarray(grid.T.reshape(-1, GRID, GRID), dtype=np.float32))]
    h = grid
    for layer in net.layers:
        h = layer.forward(h, False)
        if h.ndim != 2 or "W" not in layer.parameters:
            continue
        values = np.ascontiguousarray(h.T.reshape(-1, GRID, GRID), dtype=np.float32)
        if layer.parameters["W"].ndim == 2:
            layers.append(
                NeuronLayer(
                    layer.name,
                    layer.activation,
                    values,
                    np.array(layer.parameters["W"], dtype=np.float32),
                    np.array(layer.parameters["b"], dtype=np.float32) if "b" in layer.parameters else None,
                )
            )
        elif isinstance(layer, Maxout):  # each unit has one weight vector per piece: its map, not one set of weights
            layers.append(NeuronLayer(layer.name, MAXOUT, values))
    out = h
    if task == "classification" and out.shape[1] > 1:
        values, vrange = out.argmax(axis=1).astype(np.float64), (0.0, float(out.shape[1] - 1))
    elif task == "classification":
        values = out[:, 0].astype(np.float64)
        vrange = (-1.0, 1.0) if net.loss.name == "hinge" else (0.0, 1.0)
        values = np.clip(values, *vrange)
    else:
        values = out[:, 0].astype(np.float64)
        vrange = (-1.0, 1.0)
    parts = [(x, y, i == 1) for i, (x, y) in enumerate(((train_x, train[1]), (val_x, val[1]))) if len(x)]
    total = sum(len(x) for x, _, _ in parts)
    step = max(1, total // max_points)
    points = np.concatenate([x[::step] for x, _, _ in parts]).astype(np.float64)
    labels = np.concatenate([np.asarray(y).reshape(len(y), -1)[::step, 0] for _, y, _ in parts])
    is_val = np.concatenate([np.full(len(x[::step]), v) for x, _, v in parts])
    if task == "classification":
        inputs = points.astype(net.dtype)
        correct = (
            predicted_classes(net.forward(expand(inputs, features) if features else inputs), net.loss.name) == labels
        )
    else:
        correct = np.ones(len(points), dtype=bool)
    return DecisionSurface(
        xs=xs,
        ys=ys,
        values=values.reshape(GRID, GRID),
        points=points,
        labels=labels,
        value_range=vrange,
        is_val=is_val,
        correct=np.asarray(correct, dtype=bool),
        neurons=tuple(layers),
    )


def _image_layers(net: Network, sample: np.ndarray) -> tuple[tuple[FeatureMap, ...], np.ndarray]:
    """Outputs of every layer with an image-shaped (H, W, C) output for one sample, and the network's output."""
    maps = []
    h = sample[None]
    for layer in net.layers:
        h = layer.forward(h, False)
        if len(layer.output_shape) == 3:
            maps.append(
                FeatureMap(
                    layer=layer.name,
                    type=layer.describe(),
                    shape=cast(tuple[int, int, int], tuple(layer.output_shape)),
                    neurons=layer.neurons,
                    maps=np.array(h[0], dtype=np.float32),
                )
            )
    return tuple(maps), h[0]


def class_probabilities(out: np.ndarray, loss_name: str) -> np.ndarray:
    """A probability per class from one sample's output: softmax rows as they are, one unit as (1 - p, p)."""
    out = np.asarray(out, dtype=np.float64).ravel()
    if len(out) > 1:
        p = np.clip(out, 0.0, None)
        return p / p.sum() if p.sum() > 0 else np.full(len(out), 1.0 / len(out))
    one = float(np.clip((out[0] + 1) / 2 if loss_name == "hinge" else out[0], 0.0, 1.0))
    return np.array([1.0 - one, one])


def sample_view(
    net: Network, x: np.ndarray, label: int, index: int, count: int, source: str, class_names: tuple[str, ...]
) -> tuple[SampleView, tuple[FeatureMap, ...]]:
    """One image sample as the network sees it, and its feature maps, from one forward pass."""
    maps, out = _image_layers(net, x)
    probabilities = class_probabilities(out, net.loss.name)
    names = class_names or tuple(str(k) for k in range(len(probabilities)))
    view = SampleView(index, count, source, np.array(x, dtype=np.float32), int(label), probabilities, names)
    return view, maps


def conv_kernels(net: Network) -> tuple[Kernels, ...]:
    """Every conv layer's kernels, (kh, kw, filters), averaged over its input channels."""
    return tuple(
        Kernels(l.name, int(l.parameters["W"].shape[2]), np.array(l.parameters["W"].mean(axis=2), dtype=np.float32))
        for l in net.layers
        if "W" in l.parameters and l.parameters["W"].ndim == 4
    )


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: row = true, column = predicted."""
    pairs = np.asarray(labels, dtype=np.int64) * classes + np.asarray(predicted, dtype=np.int64)
    return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


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
