"""Learning-rate schedules: values by hand, against PyTorch's schedulers, and followed by the Trainer."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from tuinn.config import load_preset, preset_names, with_overrides
from tuinn.config.schedule_table import ScheduleConfig
from tuinn.data import data_spec_for_path
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless
from tuinn.train import commands as cmd
from tuinn.train.recorder import Recorder, Recording
from tuinn.train.schedule import MIN_LR, Schedule
from tuinn.train.trainer import Trainer


def schedule(lr: float = 1.0, epochs: int = 20, **settings) -> Schedule:
    config = ScheduleConfig(**settings)
    return Schedule(config, lr, config.min_lr, epochs)


def per_epoch(s: Schedule, epochs: int, steps_per_epoch: int = 1) -> list[float]:
    return [s.lr_at(e, 0, steps_per_epoch) for e in range(epochs)]


# --- by hand ------------------------------------------------------------------------------
def test_constant_is_the_lr_throughout():
    assert per_epoch(schedule(0.3), 5) == [0.3] * 5


def test_step_multiplies_by_gamma_every_step_epochs():
    assert per_epoch(schedule(1.0, kind="step", step_epochs=2, gamma=0.5), 6) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    assert per_epoch(schedule(1.0, kind="step", step_epochs=1), 3) == pytest.approx(
        [1, 0.1, 0.01]
    )  # gamma 0.1 by default


def test_exponential_and_step_stop_at_min_lr():
    assert per_epoch(schedule(1.0, kind="exponential", gamma=0.5, min_lr=0.2), 5) == [1, 0.5, 0.25, 0.2, 0.2]
    assert per_epoch(schedule(1.0, kind="step", step_epochs=1, gamma=0.5, min_lr=0.3), 3) == [1, 0.5, 0.3]


def test_cosine_goes_from_lr_to_min_lr_over_the_run_and_stays_there():
    s = schedule(1.0, epochs=10, kind="cosine", min_lr=0.1)
    values = per_epoch(s, 14)
    assert values[0] == 1.0 and values[5] == pytest.approx(0.55) and values[10] == pytest.approx(0.1)
    assert values[10:] == [values[10]] * 4  # held at the floor (PyTorch's would rise again)
    assert all(a > b for a, b in zip(values[:10], values[1:11]))
    assert per_epoch(schedule(1.0, epochs=100, kind="cosine", period_epochs=4), 6)[4:] == [0.0, 0.0]


def test_warmup_rises_linearly_then_the_decay_starts_from_lr():
    s = schedule(1.0, epochs=12, kind="step", step_epochs=2, gamma=0.5, warmup_epochs=4, warmup_start=0.2)
    assert per_epoch(s, 9) == pytest.approx([0.2, 0.4, 0.6, 0.8, 1, 1, 0.5, 0.5, 0.25])


def test_warmup_in_steps_ramps_each_batch_and_the_decay_counts_epochs_after_it():
    s = schedule(1.0, epochs=10, kind="exponential", gamma=0.5, warmup_steps=5, warmup_start=0.5)
    lrs = [s.lr_at(e, b, 3) for e in range(4) for b in range(3)]
    assert lrs[:5] == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9])
    # step 5 is in epoch 1, the epoch the warmup ended in: the decay's first epoch; epoch 2 its second
    assert lrs[5:] == pytest.approx([1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25])


def test_scaling_scales_peak_and_floor_and_stays_in_range():
    s = schedule(0.5, epochs=10, kind="cosine", min_lr=0.1)
    doubled = s.scaled(2.0)
    assert (doubled.lr, doubled.min_lr) == (1.0, 0.2)
    assert per_epoch(doubled, 10) == [2 * v for v in per_epoch(s, 10)]
    assert s.scaled(1e-20).lr == MIN_LR and s.scaled(1e20).lr == 1000.0
    assert s.scaled(1e20).min_lr <= s.scaled(1e20).lr


# --- PyTorch as the oracle -------------------------------------------------------------------
def torch_lrs(make, lr: float, epochs: int) -> list[float]:
    """The lr PyTorch's scheduler gives each epoch (stepped once an epoch, as its docs do)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the schedules; it is not installed")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = make(torch.optim.lr_scheduler, optimizer)
    out = []
    for _ in range(epochs):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return out


ORACLE = [
    ("StepLR", dict(kind="step", step_epochs=3, gamma=0.5), lambda S, o: S.StepLR(o, step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(kind="exponential", gamma=0.9), lambda S, o: S.ExponentialLR(o, gamma=0.9)),
    (
        "CosineAnnealingLR",
        dict(kind="cosine", min_lr=0.001),
        lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    ),
    (
        "CosineAnnealingLR-period",
        dict(kind="cosine", min_lr=0.0, period_epochs=12),
        lambda S, o: S.CosineAnnealingLR(o, T_max=12),
    ),
    (
        "LinearLR",
        dict(warmup_epochs=5, warmup_start=0.25),
        lambda S, o: S.LinearLR(o, start_factor=0.25, total_iters=5),
    ),
    (
        "SequentialLR-cosine",
        dict(kind="cosine", min_lr=0.002, warmup_epochs=4, warmup_start=0.1),
        lambda S, o: S.SequentialLR(
            o,
            [S.LinearLR(o, start_factor=0.1, total_iters=4), S.CosineAnnealingLR(o, T_max=26, eta_min=0.002)],
            milestones=[4],
        ),
    ),
    (
        "SequentialLR-step",
        dict(kind="step", step_epochs=4, gamma=0.3, warmup_epochs=3, warmup_start=0.5),
        lambda S, o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.5, total_iters=3), S.StepLR(o, step_size=4, gamma=0.3)], milestones=[3]
        ),
    ),
]


@pytest.mark.parametrize("settings, make", [(s, m) for _, s, m in ORACLE], ids=[name for name, _, _ in ORACLE])
def test_the_schedules_equal_pytorchs(settings, make):
    epochs = 30
    ours = per_epoch(schedule(0.1, epochs=epochs, **settings), epochs)
    if settings.get("period_epochs"):
        ours, epochs = ours[:13], 13  # within the period and its end (after it, ours holds at min_lr)
    np.testing.assert_allclose(ours, torch_lrs(make, 0.1, epochs), rtol=1e-12, atol=1e-15)


def test_warmup_in_steps_equals_linearlr_stepped_every_batch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the schedules; it is not installed")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.2)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.3, total_iters=7)
    expected = []
    for _ in range(10):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        warmup.step()
    s = schedule(0.2, epochs=10, warmup_steps=7, warmup_start=0.3)
    np.testing.assert_allclose([s.lr_at(i // 5, i % 5, 5) for i in range(10)], expected, rtol=1e-12)


# --- the Trainer follows it ---------------------------------------------------------------------
def scheduled(name: str, epochs: int, **settings):
    config = load_preset(name)
    train = dataclasses.replace(config.train, epochs=epochs, stop_at_target=False, schedule=ScheduleConfig(**settings))
    return dataclasses.replace(config, train=train)


def test_the_trainer_steps_with_the_schedules_lr_and_records_it():
    t = Trainer(scheduled("spiral", 6, kind="step", step_epochs=2, gamma=0.5, warmup_steps=3))
    s = Schedule.of(t.config.train)
    seen = []
    while t.epoch < 6:
        t.step()
        seen.append(t.optimizer.lr)
    spe = t.clock.steps_per_epoch
    assert spe > 3 and seen == [s.lr_at(i // spe, i % spe, spe) for i in range(6 * spe)]
    curve = t.snapshot(detail=False).curves["lr"]
    changes = [i for i in range(len(seen)) if i == 0 or seen[i] != seen[i - 1]]  # 3 warmup steps, then epochs 2 and 4
    assert len(changes) == 6
    assert list(curve.steps) == [i + 1 for i in changes] + [6 * spe]  # where it changed, and held to the last step
    assert list(curve.values) == [seen[i] for i in changes] + [seen[-1]]
    assert t.snapshot(detail=False).schedule == "step ×0.5 every 2 epochs, warmup 3 steps from ×0.1"


def test_plus_scales_the_schedule_from_then_on_and_is_an_event():
    plain = Trainer(scheduled("xor", 12, kind="cosine", min_lr=0.01))
    plain.run_epochs(12)
    t = Trainer(scheduled("xor", 12, kind="cosine", min_lr=0.01))
    t.run_epochs(4)
    t.submit(cmd.ScaleLearningRate(2.0))
    t.run_epochs(8)
    lrs, base = t.history.curves["lr"].values, plain.history.curves["lr"].values
    assert list(lrs[:4]) == list(base[:4]) and list(lrs[4:]) == [2 * v for v in base[4:]]
    event = [e for e in t.events if e.kind == "lr"]
    assert len(event) == 1 and event[0].step == 4 and "schedule ×2 from here" in event[0].text
    assert t.config.train.lr == 2 * plain.config.train.lr and t.config.train.schedule.min_lr == 0.02


def test_set_learning_rate_sets_the_lr_now_and_scales_what_follows():
    t = Trainer(scheduled("xor", 10, kind="exponential", gamma=0.5))
    t.run_epochs(2)  # the next epoch's lr is 0.25 x peak
    peak = t.schedule.lr
    t.submit(cmd.SetLearningRate(0.1))
    t.run_epochs(2)
    assert t.history.curves["lr"].values[2] == pytest.approx(0.1)
    assert t.history.curves["lr"].values[3] == pytest.approx(0.05)
    assert t.schedule.lr == pytest.approx(0.4) and peak != t.schedule.lr


def test_reset_restarts_the_schedule_keeping_the_override():
    config = scheduled("xor", 10, kind="step", step_epochs=1, gamma=0.5)
    t = Trainer(config)
    t.run_epochs(3)
    t.submit(cmd.ScaleLearningRate(0.5))
    t.submit(cmd.Reset())
    t.apply_commands()
    t.run_epochs(1)
    assert t.history.curves["lr"].values.tolist() == [0.5 * config.train.lr]
    assert t.config.train.lr == 0.5 * config.train.lr  # the record holds the override


def test_a_lab_edit_of_the_schedule_applies_at_the_next_step():
    t = Trainer(scheduled("xor", 10))
    t.run_epochs(2)
    t.submit(cmd.Edit((("train.schedule.kind", "exponential"), ("train.schedule.gamma", 0.5))))
    t.run_epochs(1)
    assert t.refused is None
    assert t.history.curves["lr"].values[-1] == pytest.approx(t.config.train.lr * 0.25)


def test_a_recording_carries_the_lr_series_and_the_schedule(tmp_path):
    trainer = Trainer(scheduled("spiral", 8, kind="cosine", min_lr=1e-4, warmup_epochs=2))
    recorder = Recorder(tmp_path / "run.rec")
    run_headless(trainer, JsonReporter(io.StringIO()), recorder=recorder)
    recorder.close()
    recording = Recording(tmp_path / "run.rec")
    last = recording[len(recording) - 1]
    live = trainer.snapshot(detail=False).curves["lr"]
    recorded = last.curves["lr"]
    steps = np.arange(1, trainer.step_count + 1)

    def held(curve):  # the lr at each step: a step function, recorded where it changed (and where frames were taken)
        return curve.values[np.searchsorted(curve.steps, steps, side="right") - 1]

    np.testing.assert_array_equal(held(recorded), held(live))  # exact: curves are not quantized
    assert recorded.steps[-1] == live.steps[-1] == trainer.step_count
    assert last.schedule == "cosine to 0.0001, warmup 2 epochs from ×0.1"
    assert last.experiment is not None and last.experiment.train.schedule == trainer.config.train.schedule
    assert 0 < len(recording[1].curves["lr"]) < len(live)  # each frame has the series up to its step


@pytest.mark.parametrize("name", sorted(set(preset_names()) - {"million-pixels"}))
def test_every_preset_follows_a_schedule_step_by_step(name, mnist_folder):
    """Two epochs of each preset (the IDX ones on the test's MNIST-format folder; million-pixels
    has no data to train on) with a warmup in steps and a step decay: every step's lr is the schedule's."""
    config = load_preset(name)
    if config.needs_data:
        config = with_overrides(config, data=data_spec_for_path(str(mnist_folder), config.data))
    settings = ScheduleConfig(kind="step", step_epochs=1, gamma=0.5, warmup_steps=3, warmup_start=0.2)
    train = dataclasses.replace(config.train, epochs=2, stop_at_target=False, pretrain=None, schedule=settings)
    t = Trainer(dataclasses.replace(config, train=train))
    expected = Schedule.of(t.config.train)
    seen = []
    while not t.finished:
        t.step()
        seen.append(t.optimizer.lr)
    spe = t.clock.steps_per_epoch
    assert seen == [expected.lr_at(i // spe, i % spe, spe) for i in range(2 * spe)]
    assert t.snapshot(detail=False).curves["lr"].values[-1] == seen[-1]
