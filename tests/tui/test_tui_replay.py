"""Replay: the app on a recording, read-only; keys play, pause, step and scrub; every panel as recorded."""

from __future__ import annotations

import dataclasses
import io

import pytest
from tui_support import SMALL, WIDE, panel_text, screen_text, trainer_app

from tuinn.config import load_preset, preset_names
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless
from tuinn.train.recorder import Recorder, Recording
from tuinn.train.trainer import Trainer
from tuinn.tui import keys
from tuinn.tui.app import TuinnApp
from tuinn.tui.replay_source import JUMP, ReplaySource
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


def replay_app(recording: Recording) -> TuinnApp:
    """The app on a replay of `recording`, paused at its first frame."""
    return TuinnApp(ReplaySource(recording, autoplay=False))


def status(app) -> str:
    return panel_text(app, StatusPanel)


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("preset", sorted(set(preset_names()) - NOT_RUNNABLE))
async def test_every_preset_replays_at_every_size(recordings, preset, size) -> None:
    recording = Recording(recordings[preset])
    app = replay_app(recording)
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
    app = replay_app(recording)
    async with app.run_test(size=WIDE) as pilot:
        assert app.source.player.position == 0 and "Step 0 " in status(app)
        await pilot.press("full_stop")
        assert app.source.player.position == 1
        assert f"Step {recording[1].step:,}" in status(app)
        await pilot.press("right_square_bracket")
        assert app.source.player.position == 1 + JUMP
        await pilot.press("comma")
        assert app.source.player.position == JUMP
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.source.player.position == 0
        await pilot.press("end")
        assert app.source.player.position == n - 1 and "paused" in screen_text(app)
        await pilot.press("space")  # at the end, play starts again from the first frame
        assert app.source.player.playing and app.source.player.position < n // 2
        await pilot.pause(0.5)
        assert 0 < app.source.player.position
        await pilot.press("space")
        held = app.source.player.position
        await pilot.pause(0.3)
        assert app.source.player.position == held and not app.source.player.playing


async def test_replay_changes_nothing_and_has_no_training_keys(recordings) -> None:
    recording = Recording(recordings["xor"])
    app = replay_app(recording)
    async with app.run_test(size=WIDE) as pilot:
        before = status(app)
        await pilot.press("a", "r", "plus", "o", "n")  # training keys of the live app: not bound here
        assert not hasattr(app.source, "trainer") and app.source.player.position == 0
        assert status(app) == before


async def test_replay_offers_the_registrys_replay_keys(recordings) -> None:
    app = replay_app(Recording(recordings["xor"]))
    async with app.run_test(size=WIDE):
        bound = [b for _, b in app._bindings if b.action != "command_palette" and b.key not in ("ctrl+q", "ctrl+c")]
        assert bound == keys.REPLAY_KEYS
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {b.tooltip for b in keys.REPLAY_KEYS} <= commands
        assert not {e.name for e in keys.RUN_PALETTE} & commands  # nothing that edits a run


async def test_the_app_records_from_step_0_and_not_past_the_runs_end(tmp_path) -> None:
    config = load_preset("xor")
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=20))
    now = [0.0]
    recorder = Recorder(tmp_path / "app.rec", clock=lambda: now[0])
    app = trainer_app(Trainer(config, stop_at_target=False), recorder=recorder)
    async with app.run_test(size=WIDE) as pilot:
        while not app.snapshot.finished:
            now[0] += 1.0
            app.source.advance(3)
            await pilot.pause()
        for _ in range(20):  # the finished run is still on screen, frame after frame
            now[0] += 10.0
            app.source.publish()
            await pilot.pause()
    recorder.close()
    recording = Recording(tmp_path / "app.rec")
    steps = [recording[i].step for i in range(len(recording))]
    assert steps[0] == 0 and not recording[0].finished  # a replay starts where the run did
    assert steps == sorted(steps) and steps[-1] == 20
    assert sum(recording[i].finished for i in range(len(recording))) == 1


async def test_a_watched_run_replays_its_pace_as_the_limit_it_was(tmp_path) -> None:
    trainer = Trainer(load_preset("xor"), stop_at_target=False)
    recorder = Recorder(tmp_path / "watched.rec")
    for _ in range(2):
        trainer.step()
        recorder.write(dataclasses.replace(trainer.snapshot(), speed=2.8, watching=True))
    recorder.close()
    app = TuinnApp(ReplaySource(Recording(tmp_path / "watched.rec"), autoplay=False))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        status = panel_text(app, StatusPanel)
        assert "limit 2.8/s" in status and "full speed" not in status  # here s is the replay's speed
