"""Replay: the app on a recording, read-only; keys play, pause, step and scrub; every panel as recorded."""

from __future__ import annotations

import dataclasses
import io

import pytest
from tui_support import SMALL, WIDE, panel_text, screen_text

from tuinn.config import load_preset, preset_names
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless
from tuinn.train.recorder import Recorder, Recording
from tuinn.train.trainer import Trainer
from tuinn.tui.replay import JUMP, ReplayApp
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.status import StatusPanel

SIZES = [SMALL, WIDE, (200, 60)]
#: presets that need files the user supplies, or are too large to build
NOT_RUNNABLE = {"mnist-cnn", "fashion-cnn", "million-pixels"}


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """A short headless recording of every runnable preset, made once."""
    folder = tmp_path_factory.mktemp("recordings")
    made = {}
    for name in sorted(set(preset_names()) - NOT_RUNNABLE):
        config = load_preset(name)
        config = dataclasses.replace(
            config, train=dataclasses.replace(config.train, epochs=min(config.train.epochs, 12))
        )
        recorder = Recorder(folder / f"{name}.rec")
        run_headless(Trainer(config), JsonReporter(io.StringIO()), recorder=recorder)
        recorder.close()
        made[name] = folder / f"{name}.rec"
    return made


def status(app) -> str:
    return panel_text(app, StatusPanel)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("preset", sorted(set(preset_names()) - NOT_RUNNABLE))
async def test_every_preset_replays_at_every_size(recordings, preset, size) -> None:
    recording = Recording(recordings[preset])
    app = ReplayApp(recording, autoplay=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")
        last = recording[len(recording) - 1]
        text = screen_text(app)
        assert f"frame {len(recording)}/{len(recording)}" in text
        if size != SMALL:
            assert f"Step {last.step:,}" in status(app)
            assert bool(app.query(DecisionPanel)) == (last.decision is not None)
            assert bool(app.query(FeatureMapsPanel)) == bool(last.feature_maps)


async def test_keys_step_scrub_and_play(recordings) -> None:
    recording = Recording(recordings["spiral"])
    n = len(recording)
    assert n > JUMP + 2
    app = ReplayApp(recording, autoplay=False)
    async with app.run_test(size=WIDE) as pilot:
        assert app.player.position == 0 and "Step 0 " in status(app)
        await pilot.press("full_stop")
        assert app.player.position == 1
        assert f"Step {recording[1].step:,}" in status(app)
        await pilot.press("right_square_bracket")
        assert app.player.position == 1 + JUMP
        await pilot.press("comma")
        assert app.player.position == JUMP
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.player.position == 0
        await pilot.press("end")
        assert app.player.position == n - 1 and "paused" in screen_text(app)
        await pilot.press("space")  # at the end, play starts again from the first frame
        assert app.player.playing and app.player.position < n // 2
        await pilot.pause(0.5)
        assert 0 < app.player.position
        await pilot.press("space")
        held = app.player.position
        await pilot.pause(0.3)
        assert app.player.position == held and not app.player.playing


async def test_replay_changes_nothing_and_has_no_training_keys(recordings) -> None:
    recording = Recording(recordings["xor"])
    app = ReplayApp(recording, autoplay=False)
    async with app.run_test(size=WIDE) as pilot:
        before = status(app)
        await pilot.press("a", "r", "plus", "o", "n")  # training keys of the live app: not bound here
        assert app.trainer is None and app.player.position == 0
        assert status(app) == before
