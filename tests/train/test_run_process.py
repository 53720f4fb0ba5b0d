"""A run training in its own process: Snapshots come, commands reach it, the stop tells its end; bugs and deaths are told."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time

import pytest

from tuinn.config import load_preset, with_overrides
from tuinn.train import commands as cmd
from tuinn.train.run_process import FRAMES_PIPE_BYTES, RunFailed, RunProcess, widen_pipe
from tuinn.train.runner import TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer


def endless_xor() -> TrainingThread:
    """xor that never finishes within a test, stepping flat out."""
    return TrainingThread(Trainer(with_overrides(load_preset("xor"), epochs=100_000_000), stop_at_target=False))


class Screen:
    """Stands for the app: keeps what came, says each one is drawn."""

    def __init__(self, process: RunProcess) -> None:
        self.process = process
        self.seen: list[Snapshot] = []
        self.came = threading.Condition()

    def __call__(self, snapshot: Snapshot) -> None:
        with self.came:
            self.seen.append(snapshot)
            self.came.notify_all()
        self.process.shown(snapshot)

    def wait_for(self, ok, seconds: float = 20.0) -> Snapshot:
        deadline = time.monotonic() + seconds
        with self.came:
            while not (self.seen and ok(self.seen[-1])):
                left = deadline - time.monotonic()
                assert left > 0, f"no such Snapshot came; the last: step {self.seen[-1].step if self.seen else None}"
                self.came.wait(left)
            return self.seen[-1]


def started(thread: TrainingThread, **options) -> tuple[RunProcess, Screen]:
    process = RunProcess(thread, **options)
    screen = Screen(process)
    process.start(screen)
    return process, screen


def test_the_run_trains_in_another_process_and_obeys_the_apps_commands() -> None:
    process, screen = started(endless_xor())
    try:
        assert process.pid != os.getpid()
        screen.wait_for(lambda s: s.step > 0)
        process.submit(cmd.Pause())
        paused = screen.wait_for(lambda s: s.paused)
        time.sleep(0.3)
        assert screen.seen[-1].step == paused.step, "a paused run sends no new steps"
        process.submit(cmd.Step())
        screen.wait_for(lambda s: s.step == paused.step + 1)
        process.submit(cmd.SetActivation("relu"))
        screen.wait_for(lambda s: "relu" in s.activations.values())
    finally:
        process.stop(10)
    assert not process.alive and process.error is None
    with pytest.raises(ChildProcessError):  # ended and reaped
        os.waitpid(process.pid, os.WNOHANG)


def test_snapshots_wait_for_the_screen_to_draw_the_last_one() -> None:
    process = RunProcess(endless_xor())
    came: list[Snapshot] = []
    process.start(came.append)  # a screen that never says it drew anything
    try:
        process.submit(cmd.CycleSpeed())  # (full speed: a Snapshot due every 0.1 s)
        time.sleep(1.5)
        # the run sends a Snapshot once the last is drawn, else after a second: 1.5 s -> the start, the answer, one more
        assert 1 <= len(came) <= 4, len(came)
    finally:
        process.stop(10)


def test_the_stop_runs_on_end_where_the_trainer_is_and_tells_the_app_its_lines(tmp_path, capfd) -> None:
    def on_end(trainer: Trainer) -> tuple[list[str], str | None]:
        print("this must not reach the terminal")  # (the run's process writes nothing on the app's screen)
        (tmp_path / "steps").write_text(str(trainer.step_count))
        return [f"trained {trainer.step_count} steps in process {os.getpid()}"], "--save x: no room"

    process, screen = started(endless_xor(), on_end=on_end)
    screen.wait_for(lambda s: s.step > 20)
    process.stop(10)
    assert process.end is not None and process.end.refusal == "--save x: no room"
    (line,) = process.end.lines
    steps = int((tmp_path / "steps").read_text())
    assert line == f"trained {steps} steps in process {process.pid}", (line, steps, process.pid)
    assert process.latest.step == steps, "the last Snapshot is the run as it ended"
    assert "must not reach" not in "".join(capfd.readouterr())


def test_a_bug_in_the_run_is_told_with_its_traceback() -> None:
    thread = endless_xor()

    def broken_step() -> None:
        raise ZeroDivisionError("a bug in a step")

    thread.trainer.step = broken_step  # type: ignore[method-assign]
    process, screen = started(thread, on_end=lambda t: (["never"], None))
    screen.wait_for(lambda s: s.finished)
    process.stop(10)
    assert isinstance(process.error, RunFailed)
    assert "ZeroDivisionError: a bug in a step" in str(process.error) and "broken_step" in str(process.error)
    assert process.end is not None and process.end.lines == (), "no --save of a run a bug stopped"


def test_a_run_whose_process_dies_is_told_and_the_stop_does_not_hang() -> None:
    process, screen = started(endless_xor())
    screen.wait_for(lambda s: s.step > 0)
    os.kill(process.pid, signal.SIGKILL)
    started_at = time.monotonic()
    process.stop(None)
    assert time.monotonic() - started_at < 5
    assert isinstance(process.error, RunFailed) and "SIGKILL" in str(process.error)
    assert process.end is None


def test_stop_signals_are_the_apps_to_act_on() -> None:
    process, screen = started(endless_xor())
    try:
        screen.wait_for(lambda s: s.step > 0)
        os.kill(process.pid, signal.SIGINT)
        os.kill(process.pid, signal.SIGTERM)
        step = screen.seen[-1].step
        screen.wait_for(lambda s: s.step > step + 10)
    finally:
        process.stop(10)
    assert process.error is None and process.end is not None


@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_the_pipe_of_snapshots_takes_a_large_snapshot_whole_before_the_app_reads_it() -> None:
    """spiral's Snapshot (470 KiB) goes into the pipe at once: the run does not wait for the app's reader."""
    readable, writable = os.pipe()
    try:
        widen_pipe(writable, FRAMES_PIPE_BYTES)
        os.set_blocking(writable, False)
        assert os.write(writable, bytes(480 << 10)) == 480 << 10  # (64 KiB at most in a pipe of the default size)
    finally:
        os.close(readable)
        os.close(writable)
