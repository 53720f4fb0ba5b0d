"""Early stopping: the watch by hand, and the Trainer stopping (and training on) with it."""

from __future__ import annotations

import dataclasses

import pytest

from tuinn.config import Target, load_preset
from tuinn.train import commands as cmd
from tuinn.train import measure
from tuinn.train.early_stop import EarlyStop
from tuinn.train.trainer import Trainer


def test_accuracy_must_rise_by_more_than_min_delta():
    watch = EarlyStop(Target(metric="val_accuracy", value=1.0, patience=2, min_delta=0.01))
    assert not watch.update(0.80, 1)
    assert not watch.update(0.805, 2)  # within min_delta: not an improvement (1 waited)
    assert not watch.update(0.82, 3)  # better by 0.02: the count starts again
    assert (watch.best, watch.best_epoch, watch.waited) == (0.82, 3, 0)
    assert not watch.update(0.70, 4)
    assert watch.update(0.829, 5)
    assert watch.message(10) == (
        "stopped early: val accuracy has not improved by more than 0.01 for 2 evaluations "
        "(20 epochs); best 0.8200 at epoch 3"
    )


def test_a_loss_must_fall_and_nan_or_none_do_not_count():
    watch = EarlyStop(Target(metric="val_loss", value=0.0, patience=1))
    assert not watch.update(0.5, 1) and not watch.update(0.4, 2)
    assert not watch.update(float("nan"), 3) and not watch.update(None, 4)
    assert watch.update(0.45, 5)


def test_patience_zero_never_stops():
    watch = EarlyStop(Target(patience=0))
    assert not any(watch.update(0.5, e) for e in range(100))


def plateau(epochs: int, patience: int):
    """gauss, whose val accuracy levels off below 1.0, with a target it cannot meet."""
    config = load_preset("gauss")
    train = dataclasses.replace(config.train, epochs=epochs)
    return dataclasses.replace(
        config, train=train, target=dataclasses.replace(config.target, value=1.0, patience=patience)
    )


def test_the_trainer_stops_with_a_message_and_an_event():
    t = Trainer(plateau(100, 5))
    t.run_epochs(100)
    assert t.finished and t.status.stopped_early and not t.status.target_met and not t.diverged
    assert t.epoch == t.early_stop.best_epoch + 5 < 100
    event = t.events[-1]
    assert event.kind == "early_stop" and event.text == t.status.stopped_early and event.epoch == t.epoch
    assert t.snapshot(detail=False).stopped_early == t.status.stopped_early


def test_only_the_regular_evaluations_count_so_the_stop_does_not_depend_on_the_machine(monkeypatch):
    """With 2000 epochs the run evaluates every 10; evaluations made because wall time passed do not count."""
    usual = Trainer(plateau(2000, 3))
    usual.run_epochs(2000)
    monkeypatch.setattr(measure, "EVAL_SECONDS", 0.0)  # a slow machine: every epoch is also evaluated
    slow = Trainer(plateau(2000, 3))
    slow.run_epochs(2000)
    assert usual.eval_every == 10 and usual.status.stopped_early
    assert (
        slow.epoch == usual.epoch and slow.epoch % 10 == 0 and slow.status.stopped_early == usual.status.stopped_early
    )


def test_training_on_after_an_early_stop_waits_patience_evaluations_again():
    t = Trainer(plateau(100, 4), stop_at_target=False)
    t.run_epochs(100)
    stopped = t.epoch
    t.submit(cmd.TogglePause())  # the app's space after the end: train on
    t.apply_commands()
    assert not t.finished and t.status.stopped_early is None
    t.run_epochs(100)
    assert t.status.stopped_early and t.epoch >= stopped + 4


@pytest.mark.parametrize("metric", ["val_loss", "train_accuracy"])
def test_any_target_metric_can_be_watched(metric):
    config = plateau(60, 3)
    value = 0.0 if metric.endswith("loss") else 1.0
    t = Trainer(dataclasses.replace(config, target=dataclasses.replace(config.target, metric=metric, value=value)))
    t.run_epochs(60)
    assert t.status.stopped_early and metric.replace("_", " ") in t.status.stopped_early


def test_a_lab_edit_of_the_patience_applies_to_the_running_watch():
    t = Trainer(plateau(100, 0))
    t.run_epochs(20)
    assert not t.finished
    t.submit(cmd.Edit((("target.patience", 2),)))
    t.run_epochs(80)
    assert t.refused is None and t.status.stopped_early and "for 2 evaluations" in t.status.stopped_early
