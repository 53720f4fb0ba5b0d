"""Early stopping ([target] patience): stop a run whose metric has not improved for N evaluations.

As Keras's EarlyStopping: an evaluation improves on the best so far when it is better by
more than `min_delta`; `patience` evaluations in a row that do not, and the run stops.
"""

from __future__ import annotations

from typing import Any

from tuinn.config import Target

#: the watch's state a checkpoint carries
STATE = ("best", "best_epoch", "waited")


class EarlyStop:
    """Counts evaluations since the target's metric last improved; `update` says when to stop."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.best: float | None = None
        self.best_epoch = 0
        self.waited = 0

    @property
    def active(self) -> bool:
        return self.target.patience > 0

    def update(self, value: float | None, epoch: int) -> bool:
        """Take the metric measured at `epoch`; True when `patience` evaluations have passed without improvement."""
        if not self.active or value is None or value != value:  # off, no figure, or NaN
            return False
        sign = 1.0 if self.target.higher_is_better else -1.0
        if self.best is None or sign * (value - self.best) > self.target.min_delta:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            return False
        self.waited += 1
        return self.waited >= self.target.patience

    def restart(self) -> None:
        """Train on after an early stop: the count starts again (the best so far is kept)."""
        self.waited = 0

    def message(self, epochs_per_evaluation: int) -> str:
        """The one line that says why the run stopped."""
        t = self.target
        name = t.metric.replace("_", " ")
        by = f" by more than {t.min_delta:g}" if t.min_delta else ""
        span = f" ({t.patience * epochs_per_evaluation} epochs)"
        return (
            f"stopped early: {name} has not improved{by} for {t.patience} evaluations{span}; "
            f"best {self.best:.4f} at epoch {self.best_epoch}"
        )

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps."""
        return {k: getattr(self, k) for k in STATE}

    def restore(self, state: dict[str, Any]) -> None:
        """Go back to a state(); a watch that had stopped the run starts counting again (resuming trains on)."""
        for k in STATE:
            setattr(self, k, state[k])
        if self.waited >= self.target.patience:
            self.restart()
