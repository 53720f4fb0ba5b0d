"""The training thread: steps in the background, publishes snapshots, obeys pacing and stop."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tuinn.config import with_overrides
from tuinn.train import commands as cmd
from tuinn.train import runner as runner_module
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


@pytest.mark.parametrize("command", [cmd.Pause(), cmd.Reset(watch=True)])
def test_a_command_that_comes_during_a_flat_out_step_is_applied_before_the_next(xor_config, command):
    """Stepping flat out, the thread takes no step between a command's arrival and its application."""
    config = with_overrides(xor_config, epochs=100_000_000)
    trainer = Trainer(config, stop_at_target=False)
    runner = TrainingThread(trainer, interval=60.0)
    stepped = trainer.step
    arrived: list[int] = []

    def step():
        loss = stepped()
        if trainer.step_count == 500 and not arrived:
            arrived.append(trainer.restarts)
            runner.submit(command)  # (as the app's message loop would, while this step ran)
        return loss

    trainer.step = step
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.paused or runner.latest.watching)
    finally:
        runner.stop()
    if isinstance(command, cmd.Pause):
        assert trainer.step_count == 500 and runner.latest.step == 500
    else:  # the new run is watched from its first step: it starts at the watching pace, not flat out
        assert trainer.restarts == arrived[0] + 1 and runner.pace is not None and trainer.step_count <= 2


def test_stepping_flat_out_waits_while_a_waiting_message_is_taken(xor_config, monkeypatch):
    """A message waiting for another thread of the process stops the steps until that thread has taken it."""
    monkeypatch.setattr(runner_module, "HANDOVER_WAIT", 30.0)
    trainer = Trainer(with_overrides(xor_config, epochs=100_000_000), stop_at_target=False)
    runner = TrainingThread(trainer, interval=60.0)
    message = threading.Event()
    runner.message_waiting = message.is_set
    runner.start()
    try:
        assert wait_until(lambda: trainer.step_count > 100)
        message.set()
        time.sleep(0.2)  # (the thread looks every millisecond)
        held = trainer.step_count
        time.sleep(0.2)
        assert trainer.step_count == held
        message.clear()
        runner.handed()
        assert wait_until(lambda: trainer.step_count > held + 100)
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


def test_a_finished_or_paused_run_publishes_no_copies(xor_config):
    """Once the run is over (or paused) no Snapshot comes at each interval: only a command's answer."""
    published = []
    config = with_overrides(xor_config, epochs=20)
    runner = TrainingThread(Trainer(config, stop_at_target=False), on_snapshot=published.append, interval=0.01)
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.finished)
        count = len(published)
        time.sleep(0.2)  # twenty intervals
        assert len(published) == count
        runner.submit(cmd.Pause())
        assert wait_until(lambda: runner.latest.paused)
        time.sleep(0.2)
        assert len(published) == count + 1
    finally:
        runner.stop()


def test_a_command_wakes_the_idle_thread_at_once(xor_config, monkeypatch):
    """A paused run looks at its commands when one comes, not at its next idle tick."""
    monkeypatch.setattr(runner_module, "IDLE_WAIT", 30.0)
    runner = TrainingThread(Trainer(xor_config, stop_at_target=False), interval=60.0)
    runner.trainer.submit(cmd.Pause())
    runner.start()
    try:
        assert wait_until(lambda: runner.latest.paused)
        runner.submit(cmd.Resume())
        assert wait_until(lambda: not runner.latest.paused, timeout=5.0)  # (an idle tick would take 30 s)
    finally:
        runner.stop()
    assert not runner.alive


@contextmanager
def screen_thread(config, monkeypatch, interval: float) -> Iterator[tuple[TrainingThread, list]]:
    """A running thread whose screen never says what it drew (until the test does), and what it published."""
    monkeypatch.setattr(runner_module, "UNSEEN_WAIT", 30.0)
    published = []
    # a budget the run cannot finish within the test (500 epochs of xor can be over on a loaded machine before
    # the command comes, leaving no steps to take after its answer)
    config = with_overrides(config, epochs=100_000_000)
    runner = TrainingThread(Trainer(config, stop_at_target=False), on_snapshot=published.append, interval=interval)
    runner.await_screen = True
    runner.start()
    try:
        assert wait_until(lambda: runner.trainer.step_count > 20 and len(published) == 1)  # (the first, at the start)
        yield runner, published
    finally:
        runner.stop()


def answer(runner: TrainingThread, published: list, command: cmd.Command):
    """Send `command`; the Snapshot published as its answer."""
    count = len(published)
    runner.submit(command)
    assert wait_until(lambda: len(published) == count + 1), (
        command,
        count,
        [(p.step, p.paused, p.lr) for p in published],
    )
    return published[-1]


def test_a_commands_answer_is_published_at_once_and_training_goes_on(xor_config, monkeypatch):
    with screen_thread(xor_config, monkeypatch, interval=60.0) as (runner, published):
        answered = answer(runner, published, cmd.ScaleLearningRate(0.5))
        assert answered.lr == runner.trainer.lr  # the command is in it
        assert wait_until(lambda: runner.trainer.step_count > answered.step + 20)  # the screen is not waited for
        assert answer(runner, published, cmd.Pause()).paused  # a new command is answered though the last is undrawn


def test_no_snapshot_is_built_while_the_screen_has_not_drawn_the_last(xor_config, monkeypatch):
    with screen_thread(xor_config, monkeypatch, interval=0.01) as (runner, published):
        time.sleep(0.3)  # thirty intervals
        assert len(published) == 1 and runner.trainer.step_count > published[0].step + 20  # training goes on
        runner.shown(published[0])
        assert wait_until(lambda: len(published) == 2)


@pytest.mark.parametrize("cost", [0.0, 0.02])
def test_snapshots_take_at_most_their_share_of_a_flat_out_runs_time(xor_config, cost):
    """A Snapshot that costs 20 ms of the thread's CPU comes at most every 20 ms / PUBLISH_SHARE; a cheap one at
    the interval."""
    published = []

    def costly(snapshot) -> None:
        published.append(snapshot)
        began = time.thread_time()
        while time.thread_time() - began < cost:
            pass

    config = with_overrides(xor_config, epochs=100_000_000)
    runner = TrainingThread(Trainer(config, stop_at_target=False), on_snapshot=costly, interval=0.01)
    runner.start()
    try:
        time.sleep(2.0)
        count = len(published)
    finally:
        runner.stop()
    if cost:
        assert count <= 2.0 * runner_module.PUBLISH_SHARE / cost + 2, count  # 5 a second at most, and the first
        assert runner.publish_cost >= cost
    else:
        assert count >= 20, count  # (100 at the interval on an idle machine)
