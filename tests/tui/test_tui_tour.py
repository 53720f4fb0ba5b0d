"""The tour in the app: every stop in one window, > and < to walk it, t for the whole text, the palette entry."""

from __future__ import annotations

import pytest
from tui_support import SMALL, WIDE, panel_text, screen_text, step_app, tour_app

from tuinn.config import load_preset
from tuinn.config.tour_file import load_tour
from tuinn.tui.app import TuinnApp
from tuinn.tui.tour_guide import TourPanel, TourPosition
from tuinn.tui.widgets.about import AboutCard
from tuinn.tui.widgets.status import StatusPanel

STOPS = load_tour()


def tour_text(app: TuinnApp) -> str:
    return " ".join(app.query_one(TourPanel).render().plain.split())


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
@pytest.mark.parametrize("size", [SMALL, WIDE, (200, 60)])
async def test_the_tour_walks_every_stop_forward_and_back(size) -> None:
    app = tour_app(TourPosition(STOPS))
    async with app.run_test(size=size) as pilot:
        for i, stop in enumerate(STOPS):
            if i:
                await pilot.press("greater_than_sign")
            await pilot.pause()
            if stop.start == "paused":  # read first: space starts the run
                await pilot.press("n")
                await pilot.press("space")
                await pilot.pause()
                assert app.snapshot.step == 1 and not app.snapshot.paused
                app.source.advance(1)
            else:
                app.source.advance(2)  # every stop's run trains in this window
            await pilot.pause()
            assert f"Tour {i + 1}/{len(STOPS)} · {stop.when} · {stop.title[:30]}" in tour_text(app)
            assert app.source.trainer.config.name == stop.preset and app.snapshot.step == 2
            if size != SMALL:
                assert f"Preset {stop.preset}" in panel_text(app, StatusPanel)
            # the banner: heading and keys (t shows every section), in short where the heading needs the room
            assert "t the whole text" in tour_text(app) or "t text · " in tour_text(app)
            if size[1] >= 45:  # a two-line banner: what to look at, too
                assert "Look:" in tour_text(app)
        await pilot.press("greater_than_sign")  # past the last stop: stays, and says so
        await pilot.pause()
        assert app.tour.position.index == len(STOPS) - 1
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.source.trainer.config.name == STOPS[-2].preset and f"Tour {len(STOPS) - 1}/" in tour_text(app)


async def test_t_shows_the_whole_text_and_the_tera_table() -> None:
    index = next(i for i, s in enumerate(STOPS) if s.table == "million-pixels")
    app = tour_app(TourPosition(STOPS, index))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        text = screen_text(app)
        assert "1,000,001,000,000 (1.0 T)" in text and "History:" in text
        assert STOPS[index].history.split(".")[0][:60] in " ".join(text.split()) or "Yann LeCun" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "1,000,001,000,000 (1.0 T)" not in screen_text(app)


async def test_the_palette_starts_the_tour_at_the_preset_on_screen() -> None:
    app = step_app("xor")
    xor_stop = next(i for i, s in enumerate(STOPS) if s.preset == "xor")
    async with app.run_test(size=WIDE) as pilot:
        assert not app.query_one(TourPanel).display and app.tour.position is None
        assert "Tour" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Tour")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.tour.position is not None and app.tour.position.index == xor_stop, app.tour.position
        assert app.source.trainer.config.name == "xor"  # the run on screen goes on
        assert app.query_one(TourPanel).display and f"Tour {xor_stop + 1}/" in tour_text(app)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.source.trainer.config.name == STOPS[xor_stop + 1].preset


async def test_a_stop_whose_lesson_is_over_in_seconds_starts_paused_and_says_space_starts_it() -> None:
    paused = [i for i, s in enumerate(STOPS) if s.start == "paused"]
    assert {STOPS[i].preset for i in paused} >= {"perceptron-xor", "xor"}
    app = tour_app(TourPosition(STOPS, paused[0]))
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        await pilot.pause()
        assert app.snapshot.paused and app.snapshot.step == 0
        assert "paused · space to start" in panel_text(app, StatusPanel)
        await pilot.press("space")
        app.source.advance(3)
        await pilot.pause()
        assert app.snapshot.step == 3 and "space to start" not in panel_text(app, StatusPanel)
        watched = next(i for i, s in enumerate(STOPS) if s.start == "watch" and i > paused[0])
        await pilot.press(*["greater_than_sign"] * (watched - paused[0]))  # a stop at the watching pace runs
        await pilot.pause()
        assert app.source.trainer.config.name == STOPS[watched].preset and not app.source.latest.paused
        assert app.source.latest.watching


async def test_a_tour_key_outside_the_tour_starts_it_here() -> None:
    app = step_app("deep-relu")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert (
            app.tour.position is not None
            and app.tour.position.stop.preset == "deep-relu"
            and app.source.trainer.config.name == "deep-relu"
        )


@pytest.mark.parametrize("preset", sorted({s.preset for s in STOPS if load_preset(s.preset).target.explain_miss}))
async def test_a_run_missed_by_design_leaves_the_tour_banner_on_screen(preset: str) -> None:
    index = next(i for i, s in enumerate(STOPS) if s.preset == preset)
    app = tour_app(TourPosition(STOPS, index))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        if app.snapshot.paused:
            await pilot.press("space")
        while not app.source.trainer.finished:
            app.source.advance(50)
        await pilot.pause()
        assert app.snapshot.finished and not app.snapshot.target_met
        assert not app.query_one(AboutCard).display, "the About banner would be drawn over the tour's"
        assert f"Tour {index + 1}/{len(STOPS)}" in tour_text(app)
