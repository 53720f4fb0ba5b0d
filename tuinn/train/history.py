"""History: bounded, downsampled series, so memory stays flat however long a run goes."""

from __future__ import annotations

import numpy as np


class Series:
    """Up to `capacity` points of (step, value-vector); when full, adjacent pairs merge.

    After a merge each stored point stands for twice as many raw points as
    before, and new raw points are averaged in groups of that size, so the
    series always spans the whole run at an even resolution. A stored step is
    the mean of the raw steps it stands for, so it sits where its value belongs.
    """

    def __init__(self, width: int = 1, capacity: int = 512) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.capacity = capacity
        self.width = width
        self._steps = np.zeros(capacity, dtype=np.float64)
        self._values = np.zeros((capacity, width), dtype=np.float64)
        self._len = 0
        self._group = 1  # raw points per stored point
        self._pending_sum = np.zeros(width)
        self._pending_steps = 0.0
        self._pending = 0

    def append(self, step: int, value) -> None:
        """Add one raw point (a float, or a vector of `width` floats)."""
        self._pending_sum += value
        self._pending_steps += step
        self._pending += 1
        if self._pending < self._group:
            return
        if self._len == self.capacity:
            self._merge_pairs()
        self._steps[self._len] = self._pending_steps / self._pending
        self._values[self._len] = self._pending_sum / self._pending
        self._len += 1
        self._pending_sum[:] = 0.0
        self._pending_steps = 0.0
        self._pending = 0

    def _merge_pairs(self) -> None:
        half = self.capacity // 2
        self._steps[:half] = 0.5 * (self._steps[0 : self.capacity : 2] + self._steps[1 : self.capacity : 2])
        self._values[:half] = 0.5 * (self._values[0 : self.capacity : 2] + self._values[1 : self.capacity : 2])
        self._len = half
        self._group *= 2

    def __len__(self) -> int:
        return self._len

    @property
    def steps(self) -> np.ndarray:
        """A copy of the stored steps."""
        return self._steps[: self._len].copy()

    @property
    def values(self) -> np.ndarray:
        """A copy of the stored values: shape (n,) for width 1, else (n, width)."""
        v = self._values[: self._len]
        return (v[:, 0] if self.width == 1 else v).copy()

    def with_columns(self, columns: list[int | None]) -> "Series":
        """A copy whose column j is this series' column columns[j] (None: NaN, no data yet)."""
        other = Series(len(columns), self.capacity)
        other._steps[:] = self._steps
        other._len, other._group = self._len, self._group
        for j, c in enumerate(columns):
            other._values[:, j] = np.nan if c is None else self._values[:, c]
        return other

    def last(self) -> float | None:
        return float(self._values[self._len - 1, 0]) if self._len else None


class History:
    """The named series of one run: losses, metrics, the learning rate and per-layer gradient norms."""

    CURVES = ("train_loss", "val_loss", "train_metric", "val_metric")
    #: curves of a phase before training: the reconstruction loss of layer-wise pretraining
    PHASE_CURVES = ("recon_loss",)
    #: the learning rate (it follows the schedule and the user's overrides), recorded at the steps it changes
    RATE_CURVES = ("lr",)

    def __init__(self, grad_layers: int, capacity: int = 512) -> None:
        self.curves = {name: Series(1, capacity) for name in self.CURVES + self.PHASE_CURVES + self.RATE_CURVES}
        self.grad_norms = Series(grad_layers, capacity=128)

    def record(self, name: str, step: int, value: float) -> None:
        self.curves[name].append(step, value)
