"""The lr in the app: a row of the loss panel that follows the schedule, the override marked; early stopping shown."""

from __future__ import annotations

import re

import pytest
from tui_support import SMALL, WIDE, loss_text, panel_text, reveal, screen_text, step_app

from tuinn.config import load_preset
from tuinn.config.settings import with_settings
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.loss import BARS, LABEL, LossPanel
from tuinn.tui.widgets.status import StatusPanel

HUGE = (200, 60)
COSINE = [
    "train.schedule.kind=cosine",
    "train.schedule.min_lr=0.001",
    "train.schedule.warmup_epochs=3",
    "train.epochs=12",
]


def scheduled_app(preset: str, settings: list[str], colour_system: str = "truecolor") -> TuinnApp:
    return step_app(with_settings(load_preset(preset), settings), colour_system=colour_system)


def loss_rows(app: TuinnApp) -> dict[str, str]:
    """The loss panel's rows by label (the first LABEL cells hold the label and the value)."""
    lines = [strip.text for strip in app.query_one(LossPanel)._lines]
    return {line[:11].strip(): line for line in lines if line[:11].strip()}


def lr_row(app: TuinnApp) -> bool:
    """Whether the panel drawing the loss (the sparklines, or the chart when tall) has an lr row."""
    if app.query(ChartPanel):
        return any(strip.text.split()[:1] == ["lr"] for strip in app.query_one(ChartPanel)._lines)
    return "lr" in loss_rows(app)


def lr_shown(app: TuinnApp) -> tuple[str, str, str, str]:
    """How the panel drawing the loss (the sparklines, or the chart when tall) shows the lr: its value as
    printed, its sparkline, the events row's marks, and a piece of the lr row to find on the screen."""
    if app.query(ChartPanel):
        lines = [strip.text for strip in app.query_one(ChartPanel)._lines]
        row = next(line for line in lines if line.split()[:1] == ["lr"] and set("".join(line.split()[1:])) <= set(BARS))
        value = next(m.group(1) for line in lines if (m := re.search(r"lr (\S+) \(0…", line)))
        events = next((line for line in lines if line.lstrip().startswith("events ")), "")
        return value, row.split(None, 1)[1].strip(), events.split("events", 1)[-1], row.strip()
    rows = loss_rows(app)
    row = rows["lr"]
    return row[11:].split()[0], row[LABEL:].strip(), rows["events"][LABEL:], row[: LABEL + 6]


@pytest.mark.parametrize("size", [SMALL, WIDE, HUGE], ids=["80x24", "120x40", "200x60"])
@pytest.mark.parametrize("colours", ["truecolor", "256"])
async def test_the_lr_row_draws_warmup_then_cosine_and_marks_the_override(size, colours) -> None:
    app = scheduled_app("spiral", COSINE, colours)
    async with app.run_test(size=size) as pilot:
        spe = app.source.trainer.clock.steps_per_epoch
        app.source.advance(8 * spe)
        await pilot.pause()
        await reveal(app, pilot, ChartPanel if app.query(ChartPanel) else LossPanel)
        value, sparkline, _, piece = lr_shown(app)
        assert piece in screen_text(app)  # on the screen, not only in the panel's lines
        assert value == f"{app.source.trainer.lr:.3g}"
        bars = [BARS.index(c) for c in sparkline]
        peak = bars.index(max(bars))
        assert bars[0] < max(bars) and bars[-1] < max(bars)  # up through the warmup, down the cosine
        assert all(a <= b for a, b in zip(bars[:peak], bars[1 : peak + 1]))
        assert all(a >= b for a, b in zip(bars[peak:], bars[peak + 1 :]))
        assert f"LR {app.source.trainer.lr:.4g} cosine" in panel_text(app, StatusPanel)
        before = app.source.trainer.lr
        await pilot.press("plus")
        app.source.advance(1)
        await pilot.pause()
        assert app.source.trainer.lr == pytest.approx(2 * app.source.trainer.schedule.scaled(0.5).lr_at(8, 1, spe))
        assert app.source.trainer.lr > 1.5 * before
        assert "l" in lr_shown(app)[2]
        assert "schedule ×2 from here" in panel_text(app, StatusPanel)
        await pilot.press("q")


async def test_a_constant_lr_takes_no_row_until_it_is_changed() -> None:
    app = step_app(load_preset("xor"))
    async with app.run_test(size=SMALL) as pilot:
        app.source.advance(20)
        await pilot.pause()
        await reveal(app, pilot, ChartPanel if app.query(ChartPanel) else LossPanel)  # the Loss tab: a chart
        assert "train" in loss_text(app)
        assert not lr_row(app)
        await pilot.press("minus")
        app.source.advance(5)
        await pilot.pause()
        assert lr_row(app)
        await pilot.press("q")


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "120x40"])
async def test_early_stopping_is_shown_in_the_status_panel(size) -> None:
    app = scheduled_app("gauss", ["target.value=1.0", "target.patience=4"])
    async with app.run_test(size=size) as pilot:
        while not app.source.trainer.finished:
            app.source.advance(25)
        await pilot.pause()
        text = panel_text(app, StatusPanel)
        assert app.source.trainer.status.stopped_early and app.source.trainer.epoch < app.source.trainer.clock.budget
        assert "stopped early" in text.split("Epoch")[0]  # the State field
        assert "has not improved for 4 evaluations" in text
        await pilot.press("q")
