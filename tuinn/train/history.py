"""History: bounded, downsampled series, so memory stays flat however long a run goes."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Series attributes that are scalars; the arrays are _steps, _values and _pending_sum
SERIES_SCALARS = ("_len", "_group", "_pending_steps", "_pending")


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

    def append(self, step: float, value: Any) -> None:
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

    def state(self, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        """What a checkpoint keeps: the scalars returned, the arrays put in `arrays` under `prefix`."""
        arrays[f"{prefix}.steps"], arrays[f"{prefix}.values"] = self._steps, self._values
        arrays[f"{prefix}.pending_sum"] = self._pending_sum
        return {"capacity": self.capacity, "width": self.width, **{k: getattr(self, k) for k in SERIES_SCALARS}}

    def restore(self, prefix: str, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Go back to a state(); ValueError (nothing changed) if it is of another size."""
        if (state["capacity"], state["width"]) != (self.capacity, self.width):
            raise ValueError(
                f"history {prefix} holds {state['width']} values x {state['capacity']}, "
                f"the run needs {self.width} x {self.capacity}"
            )
        targets = (("steps", self._steps), ("values", self._values), ("pending_sum", self._pending_sum))
        for key, target in targets:
            saved = arrays[f"{prefix}.{key}"]
            if saved.shape != target.shape:
                raise ValueError(f"array {prefix}.{key} has shape {saved.shape}, not {target.shape}")
        for key, target in targets:
            target[...] = arrays[f"{prefix}.{key}"]
        for k in SERIES_SCALARS:
            setattr(self, k, state[k])


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

    def record_figures(self, step: int, figures: dict[str, float | None]) -> None:
        """An evaluation's figures, but the training loss (recorded every step) and those not measured."""
        for name, value in figures.items():
            if value is not None and name != "train_loss":
                self.record(name, step, value)

    def state(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        """Every series' state(), keyed by name (the gradient norms as 'grad_norms')."""
        series = {**self.curves, "grad_norms": self.grad_norms}
        return {name: s.state(f"history/{name}", arrays) for name, s in series.items()}

    def restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Go back to a state()."""
        for name, s in {**self.curves, "grad_norms": self.grad_norms}.items():
            s.restore(f"history/{name}", state[name], arrays)
