"""The training path: a network's hidden layers, with max-pooling moved before the activation.

For a non-decreasing activation f, f(max(a, b)) = max(f(a), f(b)): a layer with a ReLU
(or leaky ReLU, or linear) activation followed by max-pooling gives the same output if it
pools its pre-activations and applies f to the pooled values, a quarter of them for 2×2
windows. Backward, f' is then taken on the pooled values too, and pooling routes the
gradient to the winner of the pre-activations. For relu the result is the same: where a
window's winner differs (every value ≤ 0), f' is 0 on both paths. Inference runs the
layers as they are (their outputs are what the views show).
"""

from __future__ import annotations

import numpy as np

from tuinn.nn.layers import ActivatedLayer, Layer
from tuinn.nn.layers.pooling import MaxPool2D

#: activations that commute with max-pooling exactly (piecewise linear, non-decreasing)
COMMUTING = frozenset({"relu", "leaky_relu", "linear"})


class PoolBeforeActivation:
    """An activated layer and the max-pooling after it, trained as linear, pool, activation."""

    def __init__(self, layer: ActivatedLayer, pool: MaxPool2D) -> None:
        self.layer, self.pool = layer, pool
        self._fused = False
        self._pooled: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        layer, pool = self.layer, self.pool
        self._fused = layer.activation in COMMUTING  # checked each time: activations switch
        if not self._fused:
            return pool.forward(layer.forward(x, training), training)
        pooled = pool.forward(layer.forward(x, training, skip_activation=True), training)
        self._pooled = pooled
        self._out = layer._act.fn(pooled)
        return self._out

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        layer, pool = self.layer, self.pool
        if not self._fused:
            return layer.backward(pool.backward(dy))
        if layer.activation != "linear":
            assert self._pooled is not None and self._out is not None, "backward needs a forward first"
            dp = layer._act.grad(self._pooled, self._out)  # a new array: multiplied in place
            np.multiply(dp, dy, out=dp)
            dy = dp
        return layer.linear_backward(pool.backward(dy))


def training_path(layers: list[Layer]) -> list[Layer | PoolBeforeActivation]:
    """`layers` with each activated layer that a MaxPool2D follows paired with it."""
    path: list[Layer | PoolBeforeActivation] = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        following = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, ActivatedLayer) and isinstance(following, MaxPool2D):
            path.append(PoolBeforeActivation(layer, following))
            i += 2
        else:
            path.append(layer)
            i += 1
    return path
