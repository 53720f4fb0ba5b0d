"""The headless run: train with the same Trainer, report through a Reporter, return the exit code."""

from __future__ import annotations

import signal
from collections.abc import Callable

from tuinn.report.console import Reporter
from tuinn.report.summary import summary_table
from tuinn.train.recorder import Recorder
from tuinn.train.trainer import Trainer, quiet_float_errors

EXIT_TARGET_MET, EXIT_TARGET_MISSED = 0, 1


def run_headless(
    trainer: Trainer, reporter: Reporter, stop_signal: Callable[[], int] = lambda: 0, recorder: Recorder | None = None
) -> int:
    """Train to the end (or the target), reporting epochs and events; 0 if the target is met.

    `stop_signal()` is the number of a stop signal received (0: none): training ends after
    the current step, and the exit status is 128 + that number (130 SIGINT, 143 SIGTERM).
    A `recorder` gets a full Snapshot at the start, at every evaluated epoch and at the end (a keyframe).
    """
    snap = trainer.snapshot(detail=False)
    reporter.start(snap, summary_table(snap.summary, snap.input_shape))
    if recorder is not None:
        recorder.write(trainer.snapshot())
    with quiet_float_errors():
        _train(trainer, reporter, stop_signal, recorder)
    if not trainer.diverged:
        trainer.evaluate()  # the final figures (already measured if the last epoch was evaluated)
    snap = trainer.snapshot(detail=False)
    code = EXIT_TARGET_MET if snap.target_met and not snap.diverged else EXIT_TARGET_MISSED
    text = verdict(trainer, code)
    if stop_signal():
        code = 128 + stop_signal()
        text = (
            f"Stopped by {signal.Signals(stop_signal()).name} after {trainer.epoch} epochs "
            f"({trainer.step_count} steps); target {trainer.config.target.describe()} "
            f"{'met' if snap.target_met else 'not met'} by then."
        )
    reporter.end(snap, text, code)
    if recorder is not None:
        recorder.write(trainer.snapshot(), keyframe=True)
    return code


def _train(trainer: Trainer, reporter: Reporter, stop_signal: Callable[[], int], recorder: Recorder | None) -> None:
    """Step until finished (or stopped by a signal), printing throttled epoch lines and every event."""
    seen_events = len(trainer.events)
    epochs = trainer.config.train.epochs
    last_epoch = trainer.epoch
    while not trainer.finished and not stop_signal():
        pretraining = trainer.phase == "pretrain"  # (before the step that may end it)
        trainer.step()
        if (
            trainer.epoch == last_epoch
            and not trainer.finished
            and not (pretraining and len(trainer.events) != seen_events)
        ):
            continue  # (pretraining has no epochs of the run: its events are printed as they come)
        last_epoch = trainer.epoch
        if recorder is not None and trainer.epoch % trainer.eval_every == 0 and not trainer.finished:
            recorder.write(trainer.snapshot())
        new_events = list(trainer.events)[seen_events:]
        if new_events or trainer.finished or reporter.wants_epoch(trainer.epoch, epochs):
            if not trainer.diverged and not pretraining:
                trainer.evaluate()  # fresh figures for the line; skipped if this step was just evaluated
                new_events = list(trainer.events)[seen_events:]
            snap = trainer.snapshot(detail=False)
            if trainer.epoch and not trainer.diverged:
                reporter.epoch(snap)
            for event in new_events:
                reporter.event(snap, str(event))
            seen_events = len(trainer.events)


def verdict(trainer: Trainer, code: int) -> str:
    """The closing sentence: the target met or missed, and why when the preset says."""
    target = trainer.config.target
    value = trainer.target_value()
    shown = "n/a" if value is None else f"{value:.4f}"
    where = f"after {trainer.epoch} epoch{'s' * (trainer.epoch != 1)} ({trainer.step_count} steps)"
    if trainer.stopped_early:
        where += f", {trainer.stopped_early}"
    if trainer.diverged:
        return f"Diverged: {trainer.diverged}. Target {target.describe()} missed."
    if code == EXIT_TARGET_MET:
        return f"Target met: {target.metric.replace('_', ' ')} = {shown} ({target.describe()}) {where}."
    why = f" {target.explain_miss}" if target.explain_miss else ""
    return f"Target missed: {target.metric.replace('_', ' ')} = {shown}, wanted {target.describe()} {where}.{why}"
