"""Where a run is measured: the end of an epoch (regularly, at the last one, or when seconds have passed).

The Evaluator returns the figures; these functions record them on the run: History points, the target
and its event, the gradient norms' column, early stopping.
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from tuinn.train.evaluation import EVAL_SECONDS, eval_every, target_value
from tuinn.train.run_parts import RunParts


class MeasuredRun(RunParts, Protocol):
    """A run measured as it trains (the Trainer is one)."""

    stop_at_target: bool

    def event(self, kind: str, text: str, step: int | None = None) -> None:
        """Mark the run's history with an event."""
        ...


def end_epoch(run: MeasuredRun) -> None:
    """Count the epoch; measure where the run is checked (and where readers are shown figures); stop if due."""
    clock, status = run.clock, run.status
    clock.epoch += 1
    last = clock.epoch >= clock.budget
    every = eval_every(run.config.train.epochs)
    regular = clock.epoch % every == 0  # early stopping counts these only: the same on any machine
    if last or regular or time.perf_counter() - clock.eval_time >= EVAL_SECONDS:
        norms = list(run.network.weight_grad_norms().values())
        run.history.grad_norms.append(clock.step, np.log10(np.maximum(norms, 1e-30)))
        evaluate(run)
        if status.target_met and run.stop_at_target:
            status.finished = True
        elif regular and run.early_stop.update(current(run), clock.epoch):
            status.finished = True
            status.stopped_early = run.early_stop.message(every)
            run.event("early_stop", status.stopped_early)
    if last:
        status.finished = True


def evaluate(run: MeasuredRun) -> dict[str, float | None]:
    """Measure the network and record the figures, the target and its event; once per step.

    A second call before the weights or activations change returns the same figures
    without running the network again.
    """
    clock, status = run.clock, run.status
    if clock.evaluated_at == clock.step:
        return run.last.figures
    clock.evaluated_at, clock.eval_time = clock.step, time.perf_counter()
    run.last = run.evaluator.measure(run.network)
    run.history.record_figures(clock.step, run.last.figures)
    status.target_met = run.config.target.met(current(run))
    if status.target_met and not status.target_announced:  # the first time: a later crossing is not news
        status.target_announced = True
        run.event("target", f"target met: {run.config.target.describe()}")
    return run.last.figures


def current(run: RunParts) -> float | None:
    """The current value of the metric the target is about."""
    return target_value(run.config, run.dataset.task, run.last.figures)
