"""The app keeps up: frames at the --fps rate while they are cheap, fewer while drawing would take training's time; a light start."""

import pytest

from tuinn.tui.pacing import FramePacer


def readings(pacer: FramePacer, cost: float, frames_per_reading: int, n: int, flat_out: bool = True) -> float:
    """Feed `n` readings in which each frame cost the event loop `cost` CPU seconds; the last interval."""
    cpu = wall = 0.0
    frames = 0
    interval = pacer.update(cpu, wall, frames, flat_out)
    for _ in range(n):
        frames += frames_per_reading
        cpu += cost * frames_per_reading
        wall += 0.5
        interval = pacer.update(cpu, wall, frames, flat_out)
    return interval


def test_cheap_frames_come_at_the_fps_rate():
    pacer = FramePacer(fps=10, budget=0.08)
    assert readings(pacer, cost=0.002, frames_per_reading=5, n=6) == pytest.approx(0.1)


def test_costly_frames_are_spaced_so_the_screen_takes_the_budget():
    pacer = FramePacer(fps=10, budget=0.08, min_fps=1)
    interval = readings(pacer, cost=0.026, frames_per_reading=4, n=12)
    assert interval == pytest.approx(0.026 / 0.08, rel=1e-3)
    # at that interval the screen's share of the time is the budget
    assert pacer.frame_cost / interval == pytest.approx(0.08, rel=1e-3)


def test_the_interval_never_exceeds_the_minimum_frame_rate():
    pacer = FramePacer(fps=10, budget=0.08, min_fps=2)
    assert readings(pacer, cost=0.2, frames_per_reading=2, n=8) == pytest.approx(0.5)


def test_paused_or_paced_training_gets_every_frame_back_at_once():
    pacer = FramePacer(fps=10, budget=0.08)
    assert readings(pacer, cost=0.05, frames_per_reading=2, n=6) > 0.1
    assert pacer.update(100.0, 100.0, 1000, flat_out=False) == pytest.approx(0.1)


def test_a_reading_without_new_frames_keeps_the_interval():
    pacer = FramePacer(fps=10, budget=0.08, min_fps=1)
    before = readings(pacer, cost=0.04, frames_per_reading=3, n=6)
    assert pacer.update(1e3, 1e3, 18, flat_out=True) == before  # 18 frames: the count of the last reading


def test_the_estimate_follows_a_change_in_cost():
    pacer = FramePacer(fps=10, budget=0.1, min_fps=1)
    readings(pacer, cost=0.05, frames_per_reading=2, n=6)
    cpu, wall, frames = pacer._last
    for _ in range(12):
        frames += 2
        cpu += 2 * 0.005
        wall += 0.5
        interval = pacer.update(cpu, wall, frames, True)
    assert interval == pytest.approx(0.1, rel=1e-2)


def test_the_app_starts_without_loading_plotext():
    """The full chart's plotting library loads when `p` first opens it, not on the way to the first frame."""
    import subprocess
    import sys

    code = "import sys, tuinn.cli, tuinn.tui.app; sys.exit('plotext' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("every_core", [True, False])
def test_frames_are_paced_only_while_the_runs_threads_take_every_core(every_core: bool) -> None:
    import dataclasses

    from tuinn.config import load_preset
    from tuinn.nn.parallel import available_cores
    from tuinn.train.runner import TrainingThread
    from tuinn.train.trainer import Trainer
    from tuinn.tui.live_source import LiveSource

    cores = available_cores()
    threads = cores if every_core else max(1, cores - 1)
    source = LiveSource(TrainingThread(Trainer(load_preset("xor"), threads=threads)))
    try:
        source.process.latest = dataclasses.replace(source.latest, speed=None, paused=False, finished=False)
        assert source.flat_out() == (every_core or cores == 1)
        source.process.latest = dataclasses.replace(source.latest, paused=True)
        assert not source.flat_out(), "a paused run loses nothing to frames"
        source.process.latest = dataclasses.replace(source.latest, paused=False, speed=10.0)
        assert not source.flat_out(), "nor does one held to a speed limit"
    finally:
        source.stop(10)
