"""Projector mode (key P, --projector): the main picture as large as the screen allows, the key numbers in large digits."""

from __future__ import annotations

import pytest
from textual.widgets import Digits
from tui_support import SMALL, WIDE, preset_app, screen_text, step_app, tour_app

from tuinn.config import load_preset
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.readout import Readout, big_number
from tuinn.tui.widgets.sample import SamplePanel

HUGE = (200, 60)
#: preset -> the panel that is the main picture in projector mode
STAGES = {
    "xor": DecisionPanel,
    "spiral": DecisionPanel,
    "regression": DecisionPanel,
    "deep-sigmoid": DecisionPanel,
    "digits-cnn": SamplePanel,
    "digits-mlp": ChartPanel,
    "and": DecisionPanel,
}


def figures(app: TuinnApp) -> list[str]:
    """The values the large digits show, top to bottom."""
    return [d.value for d in app.query_one(Readout).query(Digits)]


@pytest.mark.parametrize("size", [SMALL, WIDE, HUGE], ids=["80x24", "120x40", "200x60"])
@pytest.mark.parametrize("preset", list(STAGES))
async def test_projector_mode_shows_the_picture_large_and_the_numbers_in_digits(
    preset: str, size, mnist_folder
) -> None:
    app = preset_app(preset, mnist_folder)
    async with app.run_test(size=size) as pilot:
        app.source.advance(5)
        await pilot.pause()
        normal = {type(p): p.region.area for p in app.query(STAGES[preset])}
        await pilot.press("P")
        app.source.advance(3)
        app.source.trainer.evaluate()
        app.show(app.source.trainer.snapshot())
        await pilot.pause()
        s = app.snapshot
        assert not app.query(ArchitecturePanel)  # fewer panels
        stage = app.query_one(STAGES[preset])
        assert stage.region.width >= size[0] * 0.55 and stage.region.height >= size[1] - 2, stage.region
        if STAGES[preset] in normal:
            assert stage.region.area > normal[STAGES[preset]]
        loss = s.val_loss if s.separate_val else s.train_loss
        metric = s.val_metric if s.separate_val else s.train_metric
        assert figures(app) == [str(s.epoch), big_number(loss), big_number(metric, percent=s.metric_name == "accuracy")]
        readout = app.query_one(Readout)
        assert readout.region.height >= 3 * 4 and all(
            d.region.height == 3 for d in readout.query(Digits)
        )  # large digits
        text = screen_text(app)
        assert f"epoch (of {s.epochs:,})" in text and "? help" in text and "q quit" in text
        # the curves: the stage itself for a run with no picture, else a chart filling the rows under the digits
        charts = app.query(ChartPanel)
        assert len(charts) == 1 and not app.query(LossPanel)
        if STAGES[preset] is not ChartPanel:
            assert charts.first().parent.id == "readout-column" and charts.first().region.height >= 8
        assert "c channels" not in text  # no feature maps here: their key leaves the footer
        await pilot.press("P")
        await pilot.pause()
        assert app.query(ArchitecturePanel) and not app.query(Readout)


async def test_the_digits_follow_the_run_and_the_picture_keys_still_work() -> None:
    app = step_app(load_preset("spiral"), projector=True)  # as --projector starts it
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(30)
        app.source.trainer.evaluate()
        app.show(app.source.trainer.snapshot())
        await pilot.pause()
        first = figures(app)
        assert app.query(Readout) and first[0] == str(app.snapshot.epoch)
        app.source.advance(200)
        app.source.trainer.evaluate()
        app.show(app.source.trainer.snapshot())
        await pilot.pause()
        assert figures(app) != first and figures(app)[0] == str(app.snapshot.epoch)
        await pilot.press("full_stop", "full_stop", "full_stop")  # a hidden unit in the big panel
        assert "dense_1 unit 1/" in " ".join(strip.text for strip in app.query_one(DecisionPanel)._lines)
        await pilot.press("p")  # the chart opens over it
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert "Projector mode" in screen_text(app)


@pytest.mark.parametrize("colours", ["truecolor", "256"])
async def test_projector_mode_in_both_colour_systems_and_in_ascii(colours: str) -> None:
    app = preset_app("digits-cnn", None, colours)
    app.ascii = colours == "256"  # no UTF-8 locale: the figures in plain bold text
    async with app.run_test(size=HUGE) as pilot:
        await pilot.press("P")
        app.source.advance(3)
        await pilot.pause()
        text = screen_text(app)
        assert "epoch (of" in text and "Sample" in text
        if app.ascii:
            assert not app.query(Digits) and str(app.snapshot.epoch) in text
            r = app.query_one(Readout).region
            shown = [line[r.x : r.right] for line in text.splitlines()[r.y : r.bottom]]
            assert all(line.isascii() for line in shown), shown


@pytest.mark.parametrize("size", [WIDE, HUGE], ids=["120x40", "200x60"])
async def test_the_tour_in_projector_mode_walks_every_stop(size) -> None:
    """`tuinn tour --projector`: a class follows the story with each stop's picture large."""
    from tuinn.config.tour_file import load_tour
    from tuinn.tui.tour_guide import TourPanel, TourPosition

    stops = load_tour()
    app = tour_app(TourPosition(stops), projector=True)
    async with app.run_test(size=size) as pilot:
        for i, stop in enumerate(stops):
            if i:
                await pilot.press("greater_than_sign")
            await pilot.pause()
            app.source.advance(2)
            await pilot.pause()
            assert app.source.trainer.config.name == stop.preset
            assert app.query_one(Readout).border_title.startswith(stop.preset) and app.query_one(TourPanel).display
            assert figures(app)[0] == str(app.snapshot.epoch) and not app.query(ArchitecturePanel)
