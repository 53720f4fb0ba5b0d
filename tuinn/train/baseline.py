"""A baseline: a run's curves, final figures and a thumbnail of its picture, frozen to compare a later run with.

The app pins one from the Snapshot on screen (key B); the tour pins the earlier stop of a
comparison; headless, `--baseline FILE` reads one from a recording or a saved run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuinn.config import RunConfig
from tuinn.config.config_diff import config_changes
from tuinn.train.checkpoint import Checkpoint, CheckpointError
from tuinn.train.recorder import Recording, RecordingError
from tuinn.train.setup import quiet_float_errors
from tuinn.train.snapshot import Curve, Snapshot

#: the curves a baseline keeps: the losses and the metric, training and validation
BASELINE_CURVES = ("train_loss", "val_loss", "train_metric", "val_metric")
THUMBNAIL = 16  # the decision surface is kept as at most THUMBNAIL × THUMBNAIL values
MAX_CHANGES = 3  # changes named in a label; more are counted
ZIP_MAGIC = b"PK"  # a saved run (.npz) is a zip file; a recording is JSON lines


class BaselineError(ValueError):
    """A file that holds no run to compare with; the message names the file."""


@dataclass(frozen=True)
class Baseline:
    """A run as it was when pinned: its record, curves, final figures and a small picture."""

    preset: str
    config: RunConfig | None
    step: int
    epoch: int
    metric_name: str
    separate_val: bool
    curves: dict[str, Curve]
    figures: dict[str, float | None]  # train_loss, val_loss, train_metric, val_metric
    picture: np.ndarray | None = None  # a thumbnail: the decision surface's values, or the confusion matrix
    picture_kind: str = ""  # "decision", "confusion" or "" (none)
    picture_range: tuple[float, float] = (0.0, 1.0)  # the values' range (the decision surface's)

    @classmethod
    def of(cls, s: Snapshot) -> "Baseline":
        """The baseline of the run in `s`, as it is now."""
        picture, kind, value_range = None, "", (0.0, 1.0)
        if s.decision is not None:
            values = s.decision.values
            every = max(1, -(-max(values.shape) // THUMBNAIL))
            picture, kind, value_range = values[::every, ::every].copy(), "decision", s.decision.value_range
        elif s.confusion is not None:
            picture, kind = s.confusion.copy(), "confusion"
        return cls(
            preset=s.preset,
            config=s.experiment,
            step=s.step,
            epoch=s.epoch,
            metric_name=s.metric_name,
            separate_val=s.separate_val,
            curves={name: s.curves[name] for name in BASELINE_CURVES if name in s.curves},
            figures={name: getattr(s, name) for name in BASELINE_CURVES},
            picture=picture,
            picture_kind=kind,
            picture_range=value_range,
        )

    @property
    def key_figure(self) -> str:
        """The figure to compare by: the validation metric, or the training one without a validation set."""
        return "val_metric" if self.separate_val else "train_metric"

    def label(self, live: RunConfig | None) -> str:
        """What the baseline is, against the `live` run's record: "deep-sigmoid · activation sigmoid→relu"."""
        if self.config is None or live is None:
            return self.preset
        changes = config_changes(self.config, live)
        if self.config.name == live.name and not changes:
            return f"{self.preset} · the same settings"
        shown = changes[:MAX_CHANGES] + ([f"+{len(changes) - MAX_CHANGES} more"] if len(changes) > MAX_CHANGES else [])
        return " · ".join([self.preset, ", ".join(shown)] if shown else [self.preset])


def figure_name(metric_name: str, key: str) -> str:
    """A figure's short name: "val acc", "train mse", "val loss"."""
    where, what = key.split("_")
    return f"{where} {'acc' if what == 'metric' and metric_name == 'accuracy' else metric_name if what == 'metric' else what}"


def read_baseline(path: str | os.PathLike[str]) -> Baseline:
    """The baseline in a recording (its last frame) or a saved run (a checkpoint); BaselineError naming the file."""
    target = Path(path)
    try:
        with target.open("rb") as f:
            saved_run = f.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    except OSError as e:
        raise BaselineError(f"{target}: {e.strerror or e}") from None
    try:
        return Baseline.of(_checkpoint_snapshot(Checkpoint(target)) if saved_run else Recording(target)[-1])
    except (RecordingError, CheckpointError) as e:
        raise BaselineError(str(e)) from None
    except (ValueError, OSError) as e:  # the saved run's data cannot be loaded again, or does not fit it
        raise BaselineError(f"{target}: its run cannot be rebuilt ({e})") from None


def _checkpoint_snapshot(checkpoint: Checkpoint) -> Snapshot:
    """The saved run's Snapshot, as it was when it was saved (its data is loaded again to draw its picture)."""
    from tuinn.train.trainer import Trainer  # (the app imports this module, and no Trainer)

    trainer = Trainer(checkpoint.config)
    checkpoint.restore(trainer)
    return trainer.snapshot()


def run_baseline(config: RunConfig, stopped: Callable[[], bool] = lambda: False) -> Baseline | None:
    """Train `config`'s run at full speed through its budget, as the app does (the target does not end it),
    and return its baseline; None if `stopped()` turned true on the way."""
    from tuinn.train.trainer import Trainer

    trainer = Trainer(config, stop_at_target=False)
    with quiet_float_errors():
        while not trainer.finished:
            if stopped():
                return None
            trainer.step()
        if not trainer.diverged:
            trainer.evaluate()
    return Baseline.of(trainer.snapshot())
