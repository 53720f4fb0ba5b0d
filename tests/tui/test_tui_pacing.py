"""Watchable runs in the app: frames before the first landmark, `s` lifts the pace, `w` watches again, `n` steps on."""

from __future__ import annotations

import pytest
from tui_support import WIDE, panel_text, step_app

from tuinn.config import load_preset
from tuinn.train.pace import FRAMES_BEFORE_LANDMARK, Landmark
from tuinn.train.setup import quiet_float_errors
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.status import StatusPanel

FRAME = 0.1  # seconds between the frames a live run publishes


def landmark_step(preset: str) -> int:
    """The step of the preset's first landmark (loss halved, target met or run over), trained flat out."""
    trainer, watch = Trainer(load_preset(preset), stop_at_target=False), Landmark()
    with quiet_float_errors():
        while watch.observe(trainer) is None:
            trainer.step()
    return trainer.step_count


@pytest.mark.parametrize("preset", ["xor", "circle", "perceptron-xor"])
async def test_a_run_shows_frames_at_the_watching_pace_before_its_first_landmark(preset: str) -> None:
    landmark = landmark_step(preset)
    app = step_app(preset)
    async with app.run_test(size=WIDE) as pilot:
        app.source.driver.watch()  # as the app's live source starts every run
        before, steps = 0, []
        while app.snapshot.step < landmark:
            app.source.play(FRAME)
            await pilot.pause()
            steps.append(app.snapshot.step)
            if app.snapshot.step < landmark:
                before += 1
                if before <= FRAMES_BEFORE_LANDMARK:
                    assert "steps/s · s: full speed" in panel_text(app, StatusPanel).split("Watching")[1]
        assert before >= FRAMES_BEFORE_LANDMARK, (preset, landmark, steps)
        assert len(set(steps[:FRAMES_BEFORE_LANDMARK])) >= 5  # the run moves on screen, frame after frame


async def test_s_lifts_the_watching_pace_to_full_speed(xor_app) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.driver.watch()
        xor_app.source.play(FRAME)
        await pilot.pause()
        assert xor_app.snapshot.watching
        await pilot.press("s")
        await pilot.pause()
        assert not xor_app.snapshot.watching and xor_app.snapshot.speed is None
        assert "Watching" not in panel_text(xor_app, StatusPanel)


async def test_w_watches_the_run_again_from_its_seed(xor_app) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        first = xor_app.source.trainer.network.flat_params.copy()
        xor_app.source.advance(50)
        await pilot.press("space")  # paused: watching again runs it all the same
        await pilot.press("w")
        await pilot.pause()
        s = xor_app.snapshot
        assert s.step == 0 and s.watching and not s.paused
        assert (xor_app.source.trainer.network.flat_params == first).all()
        xor_app.source.play(FRAME)
        await pilot.pause()
        assert 0 < xor_app.snapshot.step < 5 and "Watching" in panel_text(xor_app, StatusPanel)


async def test_n_on_a_finished_run_steps_on_paused() -> None:
    app = step_app("perceptron-xor")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(400)
        await pilot.pause()
        assert app.snapshot.finished
        await pilot.press("n")
        await pilot.pause()
        s = app.snapshot
        assert s.step == 401 and s.paused and not s.finished
        await pilot.press("n")
        await pilot.pause()
        assert app.snapshot.step == 402
