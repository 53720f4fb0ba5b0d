"""Learning-rate schedules: the lr of every step as a pure function of the epoch and the batch within it.

The warmup comes first (linear from `warmup_start` × lr up to lr, per epoch or per step, as
PyTorch's LinearLR); the decay starts when it ends and counts whole epochs from there, as
PyTorch's SequentialLR([LinearLR, decay], milestones=[warmup]) does. The decays are
StepLR, ExponentialLR and CosineAnnealingLR with eta_min, except that the cosine stays at
min_lr after its period instead of rising again, and min_lr is a floor for step and
exponential too. An override (`+`/`-`, SetLearningRate) scales the whole schedule, peak
and floor, from then on: `Schedule.scaled`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from tuinn.config import MAX_LR, TrainConfig
from tuinn.config.schedule_table import ScheduleConfig

MIN_LR = 1e-8  # an override never takes the lr below this


@dataclass(frozen=True)
class Schedule:
    """A run's schedule with its peak `lr`, its floor `min_lr` and the run's planned `epochs`."""

    settings: ScheduleConfig
    lr: float
    min_lr: float
    epochs: int

    @classmethod
    def of(cls, train: TrainConfig) -> "Schedule":
        """The schedule a [train] table describes."""
        return cls(train.schedule, train.lr, train.schedule.min_lr, train.epochs)

    def warmup_epochs(self, steps_per_epoch: int) -> int:
        """The epochs the warmup takes, counted as the decay's clock skips them."""
        s = self.settings
        return s.warmup_epochs or s.warmup_steps // steps_per_epoch

    def lr_at(self, epoch: int, batch: int, steps_per_epoch: int) -> float:
        """The lr of batch `batch` (from 0) of epoch `epoch` (from 0)."""
        s = self.settings
        if s.warmup_steps and epoch * steps_per_epoch + batch < s.warmup_steps:
            return self.lr * _ramp(s.warmup_start, epoch * steps_per_epoch + batch, s.warmup_steps)
        if epoch < s.warmup_epochs:
            return self.lr * _ramp(s.warmup_start, epoch, s.warmup_epochs)
        warm = self.warmup_epochs(steps_per_epoch)
        return self.decayed(epoch - warm, max(1, self.epochs - warm))

    def decayed(self, epoch: int, run_epochs: int) -> float:
        """The decay's lr `epoch` epochs after it began, for a decay planned over `run_epochs`."""
        s = self.settings
        if s.kind == "constant":
            return self.lr
        if s.kind == "cosine":
            period = s.period_epochs or run_epochs
            t = min(epoch, period)
            return self.min_lr + (self.lr - self.min_lr) * (1 + math.cos(math.pi * t / period)) / 2
        power = epoch // s.step_epochs if s.kind == "step" else epoch
        return max(self.min_lr, self.lr * s.factor**power)

    def scaled(self, factor: float) -> "Schedule":
        """The schedule × `factor` (peak and floor alike), the peak kept within MIN_LR..MAX_LR."""
        peak = min(max(self.lr * factor, MIN_LR), MAX_LR)
        return dataclasses.replace(self, lr=peak, min_lr=min(self.min_lr * (peak / self.lr), peak))

    def train_config(self, train: TrainConfig) -> TrainConfig:
        """`train` with this schedule's peak and floor: what a saved experiment or checkpoint holds."""
        return dataclasses.replace(train, lr=self.lr, schedule=dataclasses.replace(train.schedule, min_lr=self.min_lr))


def _ramp(start: float, done: int, length: int) -> float:
    """The warmup's factor after `done` of `length` epochs or steps: from `start` up to 1."""
    return start + (1.0 - start) * done / length
