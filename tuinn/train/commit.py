"""Committing a planned change (a lab.Plan) to a run: the one place an edit of the record takes effect.

The plan's record, data and network become the run's; surgeries carry the optimizer's state, the
gradient history keeps the columns of the layers that stayed, and the plan's events are recorded.
"""

from __future__ import annotations

from typing import Protocol

from tuinn.config import RunConfig
from tuinn.train import lab, setup, views
from tuinn.train.evaluation import Evaluator
from tuinn.train.run_parts import RunParts
from tuinn.train.schedule import Schedule


class CommittableRun(RunParts, Protocol):
    """A run a plan can be committed to (the Trainer is one)."""

    threads: int
    schedule: Schedule

    def follow_schedule(self) -> None:
        """Give the optimizer the schedule's lr for the step about to run."""
        ...

    def event(self, kind: str, text: str, step: int | None = None) -> None:
        """Mark the run's history with an event."""
        ...


def commit(run: CommittableRun, plan: lab.Plan) -> None:
    """Make the plan's record, data and network the run's, carrying the optimizer's state through the surgeries."""
    old_weighted = views.weighted_layers(run)
    if plan.surgeries:
        run.network = lab.carry(run.optimizer.state.get("all", {}), run.network, plan.surgeries)
        run.network.set_threads(run.threads)
        weighted = views.weighted_layers(run)
        columns = lab.kept_columns(plan.surgeries, old_weighted, weighted)
        run.history.grad_norms = run.history.grad_norms.with_columns(columns)
        run.probe.layer = min(run.probe.layer, max(0, len(weighted) - 1))
    setup.apply_layer_settings(run.network, plan.config)
    if plan.dataset is not run.dataset:
        run.dataset = plan.dataset
        run.evaluator = Evaluator(plan.config, plan.dataset, run.network)
        run.clock.restart_epoch(len(plan.dataset.x_train))
    old, run.config = run.config, plan.config
    _apply_training(run, old)
    run.clock.evaluated_at = None
    for kind, text in plan.events:
        run.event(kind, text)


def _apply_training(run: CommittableRun, old: RunConfig) -> None:
    """Batch size, epochs, optimizer and schedule as the record now says."""
    train = run.config.train
    run.clock.resize(len(run.dataset.x_train), setup.batch_size(run.config, run.dataset))
    if train.epochs != old.train.epochs:
        run.clock.budget = max(train.epochs, run.clock.epoch + 1)
    if train.optimizer != old.train.optimizer:
        run.optimizer = setup.build_optimizer(run.config, run.lr)
    else:
        for key, value in train.optimizer_options.items():
            setattr(run.optimizer, key, value)
    run.schedule = Schedule.of(train)
    run.follow_schedule()
    run.early_stop.target = run.config.target  # a new patience counts from the evaluations already waited
