"""A baseline to compare with: B pins the run on screen; its curves stay as a grey ghost on the loss panel and the
full chart through a new preset, an edit and a reset, and leave with unpin. The tour's comparison stops pin it."""

from __future__ import annotations

import re

import pytest
from textual.widgets import OptionList
from tui_support import SMALL, WIDE, loss_text, panel_text, reveal, screen_text, step_app, tour_app

from tuinn.config import preset_names
from tuinn.config.tour_file import load_tour
from tuinn.train import commands as cmd
from tuinn.tui.app import TuinnApp
from tuinn.tui.tour_guide import TourPosition
from tuinn.tui.widgets.chart import ChartPanel, LossChart
from tuinn.tui.widgets.ghost import GHOST_STYLE
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.presets import PresetBrowser

STOPS = load_tour()
SPARKLINES = (100, 30)  # circle's and spiral's loss as sparklines (a chart at 80x24 and from 120x40)


def names_baseline(text: str, label: str) -> bool:
    """Whether `text` names the baseline `label` as the sparklines ("baseline: ...") or the chart's legend
    ("baseline (validation): ...") do."""
    return re.search(r"baseline( \((validation|train)\))?: " + re.escape(label), text) is not None


def loss_rows(app: TuinnApp) -> list[str]:
    """The loss panel's lines as the screen shows them."""
    return [strip.text for strip in app.query_one(LossPanel)._lines]


def ghost_cells(app: TuinnApp) -> str:
    """The characters the loss panel draws in the ghost's style."""
    panel = app.query_one(LossPanel)
    return "".join(
        seg.text
        for strip in panel._lines
        for seg in strip
        if seg.style and seg.style.color and seg.style.color.name == GHOST_STYLE
    )


def baseline_rows(app: TuinnApp) -> list[str]:
    return [row for row in loss_rows(app) if row.lstrip().startswith("baseline")]


async def pin_after(app: TuinnApp, pilot, steps: int) -> None:
    app.source.advance(steps)
    await pilot.pause()
    await pilot.press("B")
    await pilot.pause()


async def test_b_pins_the_run_and_the_loss_panel_draws_its_ghost_through_an_edit_a_reset_and_a_preset() -> None:
    app = step_app("circle")
    async with app.run_test(size=SPARKLINES) as pilot:
        assert app.baseline is None and not baseline_rows(app) and not ghost_cells(app).strip()
        await pin_after(app, pilot, 60)
        await reveal(app, pilot, LossPanel)  # (its tab, when the lesson's panels took the first screen)
        pinned = app.baseline
        assert pinned is not None and pinned.preset == "circle" and pinned.step == 60
        assert len(pinned.curves["val_metric"]) == len(app.snapshot.curves["val_metric"])
        # the ghost rows: one under val loss, one under val acc, drawn in the ghost's colour
        rows = loss_rows(app)
        ghosts = [i for i, row in enumerate(rows) if row.startswith("  baseline")]
        assert [rows[i - 1].split()[:2] for i in ghosts] == [["val", "loss"], ["val", "acc"]]
        assert any(ch in "▁▂▃▄▅▆▇█" for ch in ghost_cells(app))
        acc = f"{app.snapshot.val_metric:.2f}"  # the live run is the pinned one, so far
        text = panel_text(app, LossPanel)  # a short panel: the comparison on one line, the figures first
        assert f"baseline val acc {acc} (now {acc}) · circle" in text
        await pilot.press("p")  # the full chart names what differs: nothing yet
        await pilot.pause()
        assert "baseline (validation): circle · the same settings" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()

        app.send(cmd.CycleActivation(1))  # an edit: tanh -> the next activation, the weights kept
        app.source.advance(5)
        await pilot.pause()
        assert app.baseline is pinned
        await pilot.press("p")
        await pilot.pause()
        assert "activation tanh→" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("r")  # a reset
        await pilot.pause()
        app.source.advance(3)
        await pilot.pause()
        assert app.baseline is pinned and baseline_rows(app)

        await pilot.press("b")  # another preset, from the browser
        assert isinstance(app.screen, PresetBrowser)
        app.screen.query_one(OptionList).highlighted = preset_names().index("spiral")
        await pilot.press("enter")
        await pilot.pause()
        app.source.advance(3)
        await pilot.pause(0.2)
        assert app.snapshot.preset == "spiral" and app.baseline is pinned
        await reveal(app, pilot, LossPanel)
        text = panel_text(app, LossPanel)
        assert re.search(r"baseline val acc [0-9.]+ \(now ([0-9.]+|—)\) · circle", text), text
        assert any(ch in "▁▂▃▄▅▆▇█" for ch in ghost_cells(app))
        # the axis runs to the longer of the two runs: the baseline's 60 steps, not the new run's 3
        assert "0 … 100 steps" in text

        await pilot.press("B")  # B again: unpin
        await pilot.pause()
        assert app.baseline is None and not baseline_rows(app)
        assert not any(ch in "▁▂▃▄▅▆▇█" for ch in ghost_cells(app))


async def test_the_palette_pins_and_unpins() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Pin as baseline" in titles and "Unpin baseline" in titles
        app.source.advance(20)
        await pilot.pause()
        for entry, pinned in (("Pin as baseline", True), ("Unpin baseline", False)):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*entry)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert (app.baseline is not None) == pinned, entry


async def test_nothing_is_pinned_before_the_first_step() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("B")
        await pilot.pause()
        assert app.baseline is None


async def test_the_full_chart_draws_the_ghost_in_dots_with_its_label() -> None:
    app = step_app("circle")
    async with app.run_test(size=WIDE) as pilot:
        await pin_after(app, pilot, 250)  # ten evaluations
        await pilot.press("r")  # the live run starts again with another activation: it no longer hides the ghost
        app.send(cmd.CycleActivation(1))
        app.source.advance(10)
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        chart = app.screen.query_one(LossChart)
        text = str(chart.render())
        assert "··· baseline (validation): circle · activation tanh→" in text
        canvas = text.split("··· baseline")[0]
        assert canvas.count("·") > 20  # the ghost's dots on both plots
        await pilot.press("B")  # B works over the chart too: unpin, and the chart is redrawn without it
        await pilot.pause()
        assert app.baseline is None
        assert "baseline" not in str(chart.render())


@pytest.mark.parametrize("size", [SMALL, WIDE])
async def test_the_ghost_fits_the_loss_panel_at_every_size(size) -> None:
    app = step_app("digits-small-deep")
    async with app.run_test(size=size) as pilot:
        await pin_after(app, pilot, 30)
        app.source.advance(5)
        await pilot.pause()
        chart = bool(app.query(ChartPanel))  # the loss drawn as the chart when the layout gives it the rows
        panel = await reveal(app, pilot, ChartPanel if chart else LossPanel)
        column = panel.parent.content_region
        assert panel.region.bottom <= column.bottom, "the panel is drawn cut"
        text = screen_text(app)
        if chart:  # the ghost's dots on the plots, named with the figures compared under them
            assert "baseline (validation): digits-small-deep" in text and "final val acc" in text
            assert loss_text(app).split("··· baseline")[0].count("·") > 20
        else:
            assert "baseline val acc" in text or "baseline: digits-small-deep" in text
            assert "val acc" in text and any(ch in "▁▂▃▄▅▆▇█" for ch in ghost_cells(app))


async def test_a_comparison_stop_pins_the_earlier_run_when_walking_to_it() -> None:
    """Walking from the shallow net (stop 7) to the deep one (stop 8): the shallow run, finished, is pinned."""
    shallow = next(i for i, s in enumerate(STOPS) if s.preset == "digits-small-shallow")
    app = tour_app(TourPosition(STOPS, shallow))
    async with app.run_test(size=WIDE) as pilot:
        assert app.baseline is None  # stop 7 compares with nothing
        app.source.advance(720)  # its whole budget: 60 epochs of 12 steps
        await pilot.pause()
        assert app.snapshot.finished
        shallow_acc = app.snapshot.val_metric
        await pilot.press("greater_than_sign")
        await pilot.pause()
        app.source.advance(5)
        await pilot.pause()
        assert app.snapshot.preset == "digits-small-deep"
        assert app.baseline is not None and app.baseline.preset == "digits-small-shallow"
        assert app.baseline.figures["val_metric"] == shallow_acc
        assert names_baseline(loss_text(app), "digits-small-shallow · layers 2→9")
        await pilot.press("greater_than_sign")  # on to a stop that compares with nothing: the tour's pin goes
        await pilot.pause()
        assert app.baseline is None


async def test_starting_at_the_limited_data_stop_pins_the_shallow_run_computed_in_the_background() -> None:
    """`tuinn tour --stop 8`: the previous stop's run was never on screen; its whole run is computed and pinned."""
    deep = next(i for i, s in enumerate(STOPS) if s.preset == "digits-small-deep")
    app = tour_app(TourPosition(STOPS, deep))
    async with app.run_test(size=WIDE) as pilot:
        for _ in range(100):  # a fraction of a second on an idle machine
            await pilot.pause(0.05)
            if app.baseline is not None:
                break
        assert app.baseline is not None and app.baseline.preset == "digits-small-shallow"
        assert app.baseline.epoch == 60 and app.baseline.figures["val_metric"] > 0.9  # its lesson: it meets 0.9
        app.source.advance(5)
        await pilot.pause()
        assert names_baseline(loss_text(app), "digits-small-shallow")


async def test_walking_to_deep_relu_pins_deep_sigmoid() -> None:
    relu = next(i for i, s in enumerate(STOPS) if s.preset == "deep-relu")
    app = tour_app(TourPosition(STOPS, relu - 1))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("greater_than_sign")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.baseline is not None:
                break
        assert app.baseline is not None and app.baseline.preset == "deep-sigmoid"
        app.source.advance(3)
        await pilot.pause()
        text = loss_text(app)  # the whole label, or (the stop's lesson taking the rows) the one-line comparison
        short = re.search(r"baseline val acc [0-9.]+ \(now [^)]+\) · deep-sigmoid", text)
        assert names_baseline(text, "deep-sigmoid · activation sigmoid→relu") or short, text


async def test_a_pin_made_with_b_outlives_a_stop_without_comparison() -> None:
    app = tour_app(TourPosition(STOPS, 2))
    async with app.run_test(size=WIDE) as pilot:
        if STOPS[2].start == "paused":
            await pilot.press("space")  # the stop waits for space, as its banner says
        await pin_after(app, pilot, 10)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.baseline is not None and app.baseline.preset == STOPS[2].preset


def test_the_ghost_style_is_not_a_live_curves_colour():
    from tuinn.tui.widgets.loss import CURVE_STYLES

    assert GHOST_STYLE not in CURVE_STYLES.values()


# --- pictures -----------------------------------------------------------------------------------


def ghost_app_before(app: TuinnApp, keys: tuple[str, ...], tab: type | None = None):
    """deep-sigmoid trained through its budget and pinned, then deep-relu opened and trained 600 steps; `keys`,
    or the tab of the panel of type `tab` opened (as a click on it would)."""

    async def run_before(pilot) -> None:
        from tuinn.config import load_preset

        app.source.advance(2500)
        await pilot.press("B")
        app.send(cmd.OpenPreset(load_preset("deep-relu")))
        app.source.advance(600)
        await pilot.pause()
        app.clear_notifications()  # (the toast of B would sit in the picture)
        await pilot.pause()
        await pilot.press(*keys)
        if tab is not None:
            await reveal(app, pilot, tab)
        await pilot.pause()

    return run_before


def test_the_ghost_on_the_full_chart(snap_compare) -> None:
    app = step_app("deep-sigmoid")
    assert snap_compare(app, terminal_size=WIDE, run_before=ghost_app_before(app, ("p",)))


def test_the_ghost_on_the_loss_panel_at_80x24(snap_compare) -> None:
    app = step_app("deep-sigmoid")
    assert snap_compare(app, terminal_size=SMALL, run_before=ghost_app_before(app, (), tab=ChartPanel))


@pytest.mark.parametrize("size", [SPARKLINES, WIDE])
async def test_a_baseline_measured_otherwise_ghosts_only_its_loss(size: tuple[int, int]) -> None:
    """A classifier pinned beside a regression: the accuracy has no place on the mse row; the loss ghost stays."""
    app = step_app("circle")
    async with app.run_test(size=size) as pilot:  # the loss as sparklines, then as the chart
        await pin_after(app, pilot, 200)  # (its validation curve: a point every 10 steps)
        from tuinn.config import load_preset

        app.send(cmd.OpenPreset(load_preset("regression")))
        app.source.advance(5)
        await pilot.pause(0.2)
        assert app.snapshot.metric_name != "accuracy"
        # the figures compared are the losses too (in full, or in the one-line comparison of a short panel)
        assert re.search(r"(final|baseline) val loss [0-9.]+", loss_text(app)), loss_text(app)
        if app.query(ChartPanel):  # the loss as the chart: the ghost's dots on the loss plot, none on the mse plot
            # (the metric's plot is titled by it; the loss plot's title names it too, in brackets)
            loss_plot, metric_plot = loss_text(app).split("··· baseline")[0].rsplit("mean squared error", 1)
            assert loss_plot.count("·") > 5 and metric_plot.count("·") == 0
        else:
            await reveal(app, pilot, LossPanel)
            rows = loss_rows(app)
            ghosts = [i for i, row in enumerate(rows) if row.startswith("  baseline")]
            assert len(ghosts) == 1 and rows[ghosts[0] - 1].startswith("val loss")


async def test_a_run_that_cannot_be_computed_is_said_and_nothing_is_pinned() -> None:
    from tuinn.config import load_preset

    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        app.pins.compute(load_preset("mnist-cnn"))  # its data files are not given
        for _ in range(40):
            await pilot.pause(0.05)
            if app._notifications:
                break
        messages = [n.message for n in app._notifications]
        assert any("could not compute mnist-cnn's run to compare with" in m for m in messages), messages
        assert app.baseline is None
