"""tuinn attach on a watched PyTorch run: the panels of a digits CNN, new steps arriving, steering the loop."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.tui.tui_support import WIDE, panel_text, screen_text
from tests.watch.torch_support import image_batch, nn, small_cnn, torch
from tuinn.train.stream import Stream
from tuinn.tui.app import TuinnApp
from tuinn.tui.attach_source import AttachSource
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel

EXAMPLE = Path(__file__).parents[2] / "examples" / "torch_digits.py"


@pytest.fixture(scope="module")
def digits_stream(tmp_path_factory) -> Path:
    """The digits example run for one epoch in its own process."""
    out = tmp_path_factory.mktemp("digits") / "digits.tuinn"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(out), "--epochs", "1", "--every", "10"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return out


async def test_the_app_shows_a_watched_cnn(digits_stream) -> None:
    stream = Stream(digits_stream)
    stream.poll()
    app = TuinnApp(AttachSource(stream))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        architecture = panel_text(app, ArchitecturePanel)
        for row in ("Conv2D(8, 3×3)", "8×8×8", "Conv2D(16, 3×3)", "4×4×16", "MaxPool2D(2×2)", "Dense(10)"):
            assert row in architecture
        last = stream[len(stream) - 1]
        assert last.grad_history_layers == ("0", "3", "7", "9") and last.grad_history.shape[0] == 4
        assert app.query(GradientsPanel) and app.query(FeatureMapsPanel)
        assert "the run finished" in screen_text(app)
        assert f"{len(stream)}/{len(stream)}" in screen_text(app)


class SlowLoop(threading.Thread):
    """A watched loop in a thread, a step every few milliseconds, keeping the lr it sees at each step."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        import tuinn

        self.model = small_cnn()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        sample, targets = image_batch(4)
        self.watcher = tuinn.watch(self.model, path, sample=sample, targets=targets, optimizer=self.opt, every=5)
        self.stop = threading.Event()
        self.steps = 0

    def run(self) -> None:
        while not self.stop.is_set():
            x, y = image_batch(8, seed=self.steps)
            loss = nn.functional.cross_entropy(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.watcher.step(loss=loss)
            self.steps += 1
            time.sleep(0.01)
        self.watcher.close()


async def wait_for(condition, pilot, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.1)
    return condition()


async def test_attached_while_the_loop_runs_it_follows_and_steers(tmp_path) -> None:
    loop = SlowLoop(tmp_path / "live.tuinn")
    loop.watcher.step(loss=1.0)  # the first frame, before the app opens
    loop.start()
    try:
        stream = Stream(tmp_path / "live.tuinn")
        stream.poll()
        app = TuinnApp(AttachSource(stream))
        async with app.run_test(size=WIDE) as pilot:
            first = app.source.player.snapshot.step
            assert await wait_for(lambda: app.source.player.snapshot.step > first + 5, pilot)
            assert "live" in screen_text(app)
            await pilot.press("plus")
            assert await wait_for(lambda: loop.opt.param_groups[0]["lr"] == pytest.approx(0.02), pilot)
            await pilot.press("space")
            await pilot.pause(0.5)
            held = loop.steps
            await pilot.pause(0.5)
            assert loop.steps == held and "paused by you" in screen_text(app)
            await pilot.press("space")
            assert await wait_for(lambda: loop.steps > held + 3, pilot)
            await pilot.press("minus", "minus")
            assert await wait_for(lambda: loop.opt.param_groups[0]["lr"] == pytest.approx(0.005), pilot)
    finally:
        loop.stop.set()
        loop.join(10)
    assert not loop.is_alive()


async def test_a_run_watched_without_an_optimizer_is_read_only(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    w = tuinn.watch(model, tmp_path / "ro.tuinn", sample=image_batch(2)[0])
    w.step(loss=1.0)
    stream = Stream(tmp_path / "ro.tuinn")
    stream.poll()
    app = TuinnApp(AttachSource(stream))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("plus")
        assert "(read-only)" in screen_text(app)
        assert not (tmp_path / "ro.tuinn.control").exists()
    w.close()


def test_attach_refuses_a_file_that_is_not_a_stream(tmp_path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    done = subprocess.run([sys.executable, "-m", "tuinn", "attach", str(other)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0
    assert "not a tuinn recording" in done.stderr


async def test_replay_plays_a_watched_stream_afterwards(digits_stream) -> None:
    from tuinn.train.recorder import Recording
    from tuinn.tui.replay_source import ReplaySource

    recording = Recording(digits_stream)
    app = TuinnApp(ReplaySource(recording, autoplay=False))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        assert f"frame {len(recording)}/{len(recording)}" in screen_text(app)
        assert "Conv2D(16, 3×3)" in panel_text(app, ArchitecturePanel)


async def test_the_attached_app_fits_80_by_24(digits_stream) -> None:
    from tests.tui.tui_support import SMALL

    stream = Stream(digits_stream)
    stream.poll()
    app = TuinnApp(AttachSource(stream))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "attach digits.tuinn" in text and f"step {stream[len(stream) - 1].step:,}" in text
        assert len(text.splitlines()) == 24
