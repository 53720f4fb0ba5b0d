"""Every built-in preset in the app, at 120x40 and 80x24: stepped, every tab and screen visited, nothing raised."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent, TabPane
from tui_support import SMALL, WIDE, preset_app, screen_text

from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.chart import LossChartScreen
from tuinn.tui.widgets.dashboard import Dashboard, lesson_of
from tuinn.tui.widgets.help import HelpScreen

# keys that change the run, each followed by a step so every panel redraws what it did
STEERING = (
    "a",
    "A",
    "plus",
    "minus",
    "o",
    "right_square_bracket",
    "left_square_bracket",
    "s",
    "r",
    "full_stop",
    "full_stop",
    "comma",
    "m",
    "c",
    "v",  # the pictures: unit or sample, misclassified, channels, points
)


async def visit_every_screen(app: TuinnApp, pilot) -> None:
    """Step, steer with every key, open each tab (small terminals), the help and the chart."""
    app.source.advance(3)
    for key in STEERING:
        await pilot.press(key)
        app.source.advance(1)
    tabs = app.query(TabbedContent)
    for tabbed in tabs:
        for pane in tabbed.query(TabPane):
            tabbed.active = pane.id
            await pilot.pause()
            app.source.advance(1)
            assert pane.display and pane.size.height > 0, pane.id
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen)
    await pilot.press("escape")
    await pilot.press("p")
    assert isinstance(app.screen, LossChartScreen)
    await pilot.press("escape")
    await pilot.press("space", "n", "n", "space")  # pause, two single steps, resume
    app.source.advance(2)
    await pilot.pause()


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
async def test_every_preset_opens_steps_and_shows_its_panels(app_preset: str, size, mnist_folder) -> None:
    app = preset_app(app_preset, mnist_folder)
    async with app.run_test(size=size) as pilot:
        await visit_every_screen(app, pilot)
        text = screen_text(app)
        assert app.source.trainer.step_count >= 5
        assert "Traceback" not in text and "Error" not in text
        # tabs when the plan sends panels to them (always at 80x24); the lesson's panels on the first screen
        plan = app.query_one(Dashboard).plan
        assert bool(app.query(TabbedContent)) == bool(plan.tabs) and (size != SMALL or plan.tabs)
        assert set(lesson_of(app.snapshot)) <= set(plan.shown)
        await pilot.press("q")
    assert app.return_value == 0
