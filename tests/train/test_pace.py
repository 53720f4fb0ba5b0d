"""The watching pace: a ramp that holds at the run's first landmark and is lifted after it; the landmark watch."""

from __future__ import annotations

import math

import pytest

from tests.clock_support import FakeClock
from tuinn.config import load_preset
from tuinn.train import commands as cmd
from tuinn.train.pace import HOLD, START, TOP, Landmark, WatchPace
from tuinn.train.runner import TrainingThread
from tuinn.train.setup import quiet_float_errors
from tuinn.train.state import RunStatus
from tuinn.train.trainer import Trainer


class FakeRun:
    """A run's clock and status, set by the test."""

    class RunClock:
        epoch = 0
        epoch_losses: list[float] = []

    def __init__(self) -> None:
        self.clock = FakeRun.RunClock()
        self.status = RunStatus()

    def epoch_ends(self, *losses: float) -> None:
        self.clock.epoch += 1
        self.clock.epoch_losses = list(losses)


def test_the_ramp_starts_slow_and_its_steps_are_the_integral_of_its_limit() -> None:
    pace = WatchPace(cruise=None)
    assert pace.limit(0) == START and pace.limit(1) == pytest.approx(2 * START)
    dt = 1e-3
    riemann = sum(pace.limit(i * dt) * dt for i in range(4000))
    assert pace.steps_by(4.0) == pytest.approx(riemann, rel=1e-3)
    assert pace.steps_by(0) == 0


def test_the_landmark_holds_the_pace_then_lifts_it_after_hold_seconds() -> None:
    run, pace = FakeRun(), WatchPace(cruise=1000.0)
    pace.elapsed = 2.0
    run.status.target_met = True
    pace.stepped(run)
    assert pace.landmark.seen == "target met" and pace.landmark_at == 2.0
    held = pace.limit()
    pace.elapsed = 2.0 + HOLD - 0.01
    assert pace.limit() == held and not pace.over  # the landmark is shown at the pace it came at
    assert pace.steps_by(pace.elapsed) - pace.steps_by(2.0) == pytest.approx(held * (HOLD - 0.01))
    pace.elapsed = 2.0 + HOLD
    assert pace.over


def test_the_ramp_is_over_once_it_reaches_the_cruise_without_a_landmark() -> None:
    pace = WatchPace(cruise=100.0)
    pace.elapsed = math.log2(100.0 / START) - 0.01
    assert not pace.over
    pace.elapsed += 0.02
    assert pace.over
    unlimited = WatchPace(cruise=None)
    unlimited.elapsed = math.log2(TOP / START) + 0.01
    assert unlimited.over


def test_a_landmark_is_the_epoch_mean_loss_halved_not_one_batch() -> None:
    run, watch = FakeRun(), Landmark()
    run.epoch_ends(0.8, 0.6)  # the first epoch: 0.7
    assert watch.observe(run) is None
    run.clock.epoch_losses = [0.01]  # a batch within an epoch: not yet
    assert watch.observe(run) is None
    run.epoch_ends(0.5, 0.3)  # 0.4: not half
    assert watch.observe(run) is None
    run.epoch_ends(0.4, 0.3)  # 0.35: half of 0.7
    assert watch.observe(run) == "loss halved"


def test_a_perceptrons_zero_loss_is_no_baseline_and_the_run_over_is_a_landmark() -> None:
    run, watch = FakeRun(), Landmark()
    run.epoch_ends(0.0, 0.0)
    run.epoch_ends(0.0, 0.0)
    assert watch.observe(run) is None
    run.status.finished = True
    assert watch.observe(run) == "run over"


def test_the_driver_lifts_the_watching_pace_to_the_cruise_a_few_seconds_after_the_landmark(xor_config) -> None:
    clock = FakeClock()
    trainer = Trainer(xor_config, stop_at_target=False)
    driver = TrainingThread(trainer, clock=clock)
    driver.watch()
    assert driver.snapshot().watching and driver.speed == START
    with quiet_float_errors():
        while driver.pace is not None and clock.now < 30:
            clock.now += 0.1
            while driver.tick() == 0.0:
                pass
    assert driver.pace is None and driver.speed == driver.watchable_speed()
    assert not driver.snapshot().watching


def test_paused_time_does_not_count_and_s_lifts_the_pace(xor_config) -> None:
    clock = FakeClock()
    trainer = Trainer(xor_config, stop_at_target=False)
    driver = TrainingThread(trainer, clock=clock)
    driver.watch()
    driver.submit(cmd.Pause())
    driver.tick()
    clock.now = 100.0
    driver.tick()
    assert driver.pace is not None and driver.pace.elapsed == 0.0 and trainer.step_count == 0
    driver.submit(cmd.CycleSpeed())
    driver.apply_commands()  # (in the thread that steps, as the watching pace sets the speed too)
    assert driver.pace is None and driver.speed is None
    driver.submit(cmd.CycleSpeed())
    driver.apply_commands()
    assert driver.speed == 1000.0  # then s cycles the limits as before


def test_a_watched_reset_and_a_new_preset_start_at_the_watching_pace(xor_config) -> None:
    trainer = Trainer(xor_config, stop_at_target=False)
    driver = TrainingThread(trainer, clock=FakeClock())
    trainer.run_epochs(5)
    driver.submit(cmd.Reset())
    driver.apply_commands()
    assert driver.pace is None and trainer.step_count == 0  # r keeps the speed limit as it was
    driver.submit(cmd.Reset(watch=True))
    driver.apply_commands()
    assert driver.pace is not None and driver.pace.steps == 0
    driver.submit(cmd.CycleSpeed())
    driver.submit(cmd.OpenPreset(load_preset("circle")))
    driver.apply_commands()
    assert driver.pace is not None and trainer.config.name == "circle"
