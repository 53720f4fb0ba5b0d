"""Inverted dropout: zero a fraction `rate` of units while training, scale the rest."""

from __future__ import annotations

from typing import Any

import numpy as np

from tuinn.nn.layers.base import Layer


class Dropout(Layer):
    """Drops each unit with probability `rate` during training; the identity at inference."""

    kind = "dropout"

    def __init__(self, rate: float = 0.5, name: str | None = None) -> None:
        super().__init__(name)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self._rng: np.random.Generator | None = None
        self._mask: np.ndarray | None = None

    def allocate(self, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        self._rng = rng  # the masks come from the network's seeded stream

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        assert self._rng is not None, "a dropout layer draws its masks from the network's generator"
        keep = 1.0 - self.rate
        self._mask = (self._rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        y: np.ndarray = x * self._mask
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy if self._mask is None else dy * self._mask

    def describe(self) -> str:
        return f"Dropout({self.rate:g})"
