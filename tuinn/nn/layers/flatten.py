"""Flatten: (N, H, W, C) -> (N, H*W*C), so image features can feed a dense layer."""

from __future__ import annotations

import math

import numpy as np

from tuinn.nn.layers.base import Layer, Shape


class Flatten(Layer):
    """Reshape each sample to a vector, in NHWC (row-major) order; no parameters."""

    kind = "flatten"

    def configure(self, input_shape: Shape) -> Shape:
        self.input_shape = tuple(input_shape)
        self.output_shape = (math.prod(input_shape),)
        return self.output_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy.reshape(dy.shape[0], *self.input_shape)

    def describe(self) -> str:
        return "Flatten"
