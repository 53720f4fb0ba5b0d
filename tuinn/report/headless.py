"""The headless run: the train/ driver steps the Trainer; a Reporter reads its Snapshots; the exit code."""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence

from tuinn.report.console import Reporter
from tuinn.report.summary import summary_table
from tuinn.train.recorder import FrameSink
from tuinn.train.runner import run_to_end
from tuinn.train.snapshot import Event, Snapshot
from tuinn.train.trainer import Trainer

EXIT_TARGET_MET, EXIT_TARGET_MISSED = 0, 1


class _Reporting:
    """The driver's listener: hands the Snapshots it is given to a Reporter."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    def started(self, snap: Snapshot) -> None:
        self.reporter.start(snap, summary_table(snap.summary, snap.input_shape))

    def wants_epoch(self, epoch: int, epochs: int) -> bool:
        return self.reporter.wants_epoch(epoch, epochs)

    def epoch(self, snap: Snapshot, events: Sequence[Event]) -> None:
        if snap.epoch and not snap.diverged:
            self.reporter.epoch(snap)
        for event in events:
            self.reporter.event(snap, str(event))


def run_headless(
    trainer: Trainer, reporter: Reporter, stop_signal: Callable[[], int] = lambda: 0, recorder: FrameSink | None = None
) -> int:
    """Train to the end (or the target), reporting epochs and events; 0 if the target is met.

    `stop_signal()` is the number of a stop signal received (0: none): training ends after
    the current step, and the exit status is 128 + that number (130 SIGINT, 143 SIGTERM).
    A `recorder` gets a full Snapshot at the start, at every evaluated epoch and at the end (a keyframe).
    """
    snap = run_to_end(trainer, _Reporting(reporter), stop_signal, recorder)
    code = EXIT_TARGET_MET if snap.target_met and not snap.diverged else EXIT_TARGET_MISSED
    text = verdict(snap, code)
    if stop_signal():
        code = 128 + stop_signal()
        text = (
            f"Stopped by {signal.Signals(stop_signal()).name} after {snap.epoch} epochs "
            f"({snap.step} steps); target {snap.target} {'met' if snap.target_met else 'not met'} by then."
        )
    reporter.end(snap, text, code)
    return code


def target_value(snap: Snapshot) -> float | None:
    """The figure the run's target is about, as the Snapshot shows it (None: none, or accuracy of a regression)."""
    metric = snap.experiment.target.metric if snap.experiment else ""
    if snap.task == "regression" and metric.endswith("accuracy"):
        return None
    figures = {
        "train_accuracy": snap.train_metric,
        "val_accuracy": snap.val_metric,
        "train_loss": snap.train_loss,
        "val_loss": snap.val_loss,
    }
    return figures.get(metric)


def verdict(snap: Snapshot, code: int) -> str:
    """The closing sentence, from the final Snapshot: the target met or missed, and why when the preset says."""
    assert snap.experiment is not None
    target = snap.experiment.target
    value = target_value(snap)
    shown = "n/a" if value is None else f"{value:.4f}"
    where = f"after {snap.epoch} epoch{'s' * (snap.epoch != 1)} ({snap.step} steps)"
    if snap.stopped_early:
        where += f", {snap.stopped_early}"
    if snap.diverged:
        return f"Diverged: {snap.diverged}. Target {snap.target} missed."
    if code == EXIT_TARGET_MET:
        return f"Target met: {target.metric.replace('_', ' ')} = {shown} ({snap.target}) {where}."
    why = f" {target.explain_miss}" if target.explain_miss else ""
    return f"Target missed: {target.metric.replace('_', ' ')} = {shown}, wanted {snap.target} {where}.{why}"
