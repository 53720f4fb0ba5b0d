"""The training thread: steps in the background, publishes snapshots, obeys pacing and stop."""

import time

from tuinn.train import commands as cmd
from tuinn.train.runner import TrainingThread
from tuinn.train.trainer import Trainer


def wait_until(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_thread_trains_publishes_and_stops(xor_config):
    published = []
    runner = TrainingThread(Trainer(xor_config, stop_at_target=False), on_snapshot=published.append, interval=0.02)
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.finished)
        assert runner.latest.epoch == 500
        assert len(published) >= 1 and published[-1].step <= 500
    finally:
        runner.stop()
    assert not runner.alive


def test_pacing_limits_the_step_rate(xor_config):
    runner = TrainingThread(Trainer(xor_config, stop_at_target=False), interval=0.05)
    runner.speed = 50
    runner.start()
    try:
        time.sleep(1.0)
        steps = runner.trainer.step_count
    finally:
        runner.stop()
    assert 25 <= steps <= 75, steps


def test_commands_reach_the_thread(xor_config):
    runner = TrainingThread(Trainer(xor_config, stop_at_target=False), interval=0.02)
    runner.start()
    try:
        runner.trainer.submit(cmd.Pause())
        assert wait_until(lambda: runner.latest.paused)
        step = runner.trainer.step_count
        time.sleep(0.2)
        assert runner.trainer.step_count == step
        runner.trainer.submit(cmd.Step())
        assert wait_until(lambda: runner.trainer.step_count == step + 1)
    finally:
        runner.stop()


def test_s_lifts_the_watching_pace_of_a_running_thread_for_good(xor_config):
    runner = TrainingThread(Trainer(xor_config, stop_at_target=False), interval=0.02)
    runner.watch()
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.watching and runner.latest.step > 0)
        runner.submit(cmd.CycleSpeed())
        assert wait_until(lambda: not runner.latest.watching)
        assert wait_until(lambda: runner.latest.step > 100)  # full speed: the ramp would take seconds
        assert runner.speed is None and runner.latest.speed is None
    finally:
        runner.stop()


def test_an_error_in_the_thread_stops_training_with_a_message(xor_config, monkeypatch):
    trainer = Trainer(xor_config, stop_at_target=False)
    runner = TrainingThread(trainer, interval=0.02)

    def broken_step():
        raise RuntimeError("boom")

    monkeypatch.setattr(trainer, "step", broken_step)
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.finished)
    finally:
        runner.stop()
    assert "internal error: RuntimeError: boom" in runner.latest.diverged
    assert not runner.alive
