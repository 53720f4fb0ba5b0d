"""The teaching views, stepped from the test: neuron grid, CNN sample, channel paging, confusion matrix; every preset at every size."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.color import ColorType
from tui_support import SMALL, WIDE, panel_text, preset_app, reveal, screen_text, show_evaluation, step_app

from tuinn.config import load_preset, with_overrides
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import DecisionPanel, UnitChoice
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.heatmap import DIVERGING, GREY, MAGNITUDE, _lab
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.network import NetworkView
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.sample import SamplePanel
from tuinn.tui.widgets.status import StatusPanel

HUGE = (200, 60)
SIZES = (SMALL, WIDE, HUGE)


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
@pytest.mark.parametrize("colours", ["truecolor", "256"])
async def test_every_preset_opens_at_every_size_in_both_colour_systems(
    app_preset: str, colours: str, mnist_folder
) -> None:
    """80×24 and 120×40 in truecolor are also stepped key by key in test_tui_every_preset; here: all three sizes, both colour
    systems, and projector mode at each."""
    app = preset_app(app_preset, mnist_folder, colours)
    async with app.run_test(size=SMALL) as pilot:
        for size in SIZES:
            await pilot.resize_terminal(*size)
            app.source.advance(2)
            await pilot.pause()
            text = screen_text(app)
            assert "Status" in text and "? help" in text and "q quit" in text, (app_preset, size)
            assert all(p.size.width > 0 for p in app.query(Panel) if p.display and p.region.width)
            await pilot.press("P")  # projector mode at this size, then back
            app.source.advance(2)
            await pilot.pause()
            text = screen_text(app)
            assert "epoch (of" in text and "? help" in text and "q quit" in text, (app_preset, size, "projector")
            assert all(p.size.width > 0 for p in app.query(Panel) if p.display and p.region.width)
            await pilot.press("P")


# --- the network view (the main picture of 2-D presets) ----------------------------------


async def test_the_network_view_draws_every_unit_of_a_small_net() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        await pilot.pause()
        view = app.query_one(NetworkView)
        assert view.plan.hidden_units == 0 and view.plan.hidden_layers == 0  # 2 inputs, 4 hidden, 1 output
        assert "every weight drawn" in panel_text(app, NetworkView)
        assert view.plan.side >= 8  # at least 8×8 half-block pixels


async def test_selecting_a_unit_shows_it_in_the_big_panel_with_its_weights() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(20)
        await pilot.pause()
        before = [line.text for line in app.query_one(DecisionPanel)._lines]
        await pilot.press("full_stop", "full_stop", "full_stop")  # past the two inputs: dense_1's first unit
        decision = panel_text(app, DecisionPanel)
        assert "dense_1 unit 1/16" in decision and "tanh" in decision
        w = app.source.trainer.network.layers[0].parameters["W"][:, 0]
        assert " ".join(f"{v:+.2f}" for v in w) in decision  # the incoming weights as numbers
        assert f"b {app.source.trainer.network.layers[0].parameters['b'][0]:+.3g}" in decision
        assert [line.text for line in app.query_one(DecisionPanel)._lines] != before
        await pilot.press("comma", "comma", "comma")  # back to the network's output
        assert "P(class 1)" in panel_text(app, DecisionPanel)


async def test_clicking_a_node_selects_that_unit() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        await pilot.pause()
        view = app.query_one(NetworkView)
        column = view.plan.columns[2]  # the second column of units past the inputs
        x, y = view.gutter.left + column.x, view.gutter.top + column.tops[1]
        await pilot.click(NetworkView, offset=(x, y))
        layer = app.snapshot.decision.neurons[column.layer]
        assert f"{layer.name} unit 2/{layer.units}" in panel_text(app, DecisionPanel)


async def test_a_net_too_big_to_show_whole_says_so_and_follows_the_selection() -> None:
    app = step_app("spiral")
    async with app.run_test(size=SMALL) as pilot:
        app.source.advance(2)
        await pilot.pause()
        view = app.query_one(NetworkView)
        assert view.plan.hidden_units or view.plan.hidden_layers
        await pilot.press(*["full_stop"] * (2 + 16 + 16))  # two inputs, dense_1, then dense_2 to its last unit
        await pilot.pause()
        assert view.selected == UnitChoice(2, 15)
        assert view.plan.place(2, 15) is not None  # the window moved to the selected unit
        assert "dense_2 16" in " ".join(panel_text(app, NetworkView).split()) or view.equation() is not None


async def test_points_key_shows_only_the_misclassified() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        await pilot.pause()
        d = app.snapshot.decision

        def count() -> int:
            """Points drawn on the picture."""
            return sum(sum(line.text.count(g) for g in "●○✕") for line in app.query_one(DecisionPanel)._lines[1:-3])

        everything = count()
        await pilot.press("v", "v", "v")
        assert app.query_one(DecisionPanel).border_subtitle == "v: misclassified points"
        wrong = count()
        assert 0 < wrong < everything and wrong <= int((~d.correct).sum())


# --- the sample a CNN sees --------------------------------------------------------------------


def sample_figures(app: TuinnApp) -> tuple[str, list[float]]:
    text = panel_text(app, SamplePanel)
    true = re.search(r"true (\S+)", text).group(1)
    return true, [float(v) for v in re.findall(r"\b[01]\.\d{3}\b", text)]


async def test_the_sample_view_shows_the_true_label_and_ten_probabilities_summing_to_one() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE):
        app.source.advance(20)
        true, probabilities = sample_figures(app)
        v = app.snapshot.sample
        assert true == str(app.source.trainer.dataset.y_val[v.index])
        assert len(probabilities) == 10 and sum(probabilities) == pytest.approx(1.0, abs=0.006)
        assert f"validation {v.index + 1}/{v.count}" in panel_text(app, SamplePanel)


async def test_sample_keys_step_and_jump_to_the_misclassified() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(12)
        app.source.trainer.evaluate()
        await pilot.press("full_stop", "full_stop")
        assert app.snapshot.sample.index == 2 and "validation 3/" in panel_text(app, SamplePanel)
        await pilot.press("comma")
        assert app.snapshot.sample.index == 1
        await pilot.press("m")
        v = app.snapshot.sample
        assert v.predicted != v.label and "✕ wrong" in panel_text(app, SamplePanel)


async def test_channel_paging_reaches_the_last_channel() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=SMALL) as pilot:  # (from 120x40 the maps' tab holds every channel)
        app.source.advance(3)
        await reveal(app, pilot, FeatureMapsPanel)  # on its tab: the sample and the confusion are the lesson
        text = panel_text(app, FeatureMapsPanel)
        first = re.search(r"conv2d_2 .*? ch 1-(\d+)/32", text)
        assert first, text
        per_page = int(first.group(1))
        await pilot.press(*["c"] * (-(-32 // per_page) - 1))
        assert re.search(r"conv2d_2 .*? ch \d+-32/32", panel_text(app, FeatureMapsPanel))


async def test_kernels_of_the_selected_conv_layer_are_drawn() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=HUGE) as pilot:
        app.source.advance(3)
        await reveal(app, pilot, FeatureMapsPanel)
        assert "16 kernels of conv2d_1" in panel_text(app, FeatureMapsPanel)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await reveal(app, pilot, FeatureMapsPanel)  # 32 kernels more: the maps may move to a tab of their own
        assert "kernels of conv2d_2" in panel_text(
            app, FeatureMapsPanel
        ) and "mean over 16 input channels" in panel_text(app, FeatureMapsPanel)


# --- the confusion matrix ---------------------------------------------------------------------


async def test_the_confusion_matrix_sums_to_the_validation_count_and_its_diagonal_is_the_accuracy() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE):
        app.source.advance(12)
        show_evaluation(app)
        panel = app.query_one(ConfusionPanel)
        rows = [line.text.split() for line in panel._lines[1:11]]
        counts = np.array([[int(v) for v in row[1:11]] for row in rows])
        n = len(app.source.trainer.dataset.x_val)
        assert counts.sum() == n
        assert np.trace(counts) / n == pytest.approx(app.snapshot.val_metric)
        assert [float(row[11]) for row in rows] == pytest.approx(np.diag(counts) / counts.sum(axis=1), abs=0.006)
        assert panel.border_title == "Confusion (validation)"


# --- curves and numbers -----------------------------------------------------------------------


async def test_accuracy_one_is_drawn_at_the_top_and_a_truth_table_has_no_validation_rows() -> None:
    app = step_app("xor")
    async with app.run_test(size=(100, 30)):  # the sparklines (at 120x40 the layout gives the loss a chart's rows)
        app.source.advance(2000)
        text = panel_text(app, LossPanel)
        acc = re.search(r"train acc\s+1\.0000\s+(\S+)", text).group(1)
        assert acc.endswith("████")
        assert "val loss" not in text and "val acc" not in text


async def test_chance_accuracy_is_drawn_half_way() -> None:
    app = step_app("deep-sigmoid")
    async with app.run_test(size=(100, 30)):  # the loss as sparklines (at 120x40 a chart: the deep net takes a tab)
        app.source.advance(40)
        show_evaluation(app)
        acc = re.search(r"val acc\s+0\.5\d+\s+(\S+)", panel_text(app, LossPanel)).group(1)
        assert set(acc) <= set("▄▅")


async def test_a_long_epoch_budget_never_truncates() -> None:
    app = step_app(with_overrides(load_preset("xor"), epochs=20000))
    async with app.run_test(size=WIDE):
        app.source.advance(1025)
        assert "1025/20000" in panel_text(app, StatusPanel)


# --- over any link ----------------------------------------------------------------------------


def test_256_colour_ramps_are_monotone_in_lightness() -> None:
    for palette in (MAGNITUDE, GREY):
        lightness = _lab(np.array(palette.at("256").colours))[:, 0]
        assert np.all(np.diff(lightness) >= 0), palette.name
        assert len(set(palette.at("256").ansi)) >= 10
    lightness = _lab(np.array(DIVERGING.at("256").colours))[:, 0]
    peak = len(lightness) // 2
    assert np.all(np.diff(lightness[: peak + 1]) >= 0) and np.all(np.diff(lightness[peak:]) <= 0)


async def test_without_truecolor_the_pictures_use_256_colour_indices() -> None:
    app = step_app(load_preset("spiral"), colour_system="256")
    async with app.run_test(size=WIDE):
        app.source.advance(3)
        styles = [
            seg.style for line in app.query_one(DecisionPanel)._lines for seg in line if seg.style and seg.style.bgcolor
        ]
        assert styles and all(s.bgcolor.type == ColorType.EIGHT_BIT for s in styles)


async def test_without_utf8_the_panels_draw_ascii() -> None:
    app = step_app(load_preset("spiral"), ascii=True)
    async with app.run_test(size=WIDE):
        app.source.advance(3)
        for panel in app.query(Panel):
            assert all(line.text.isascii() for line in panel._lines), type(panel).__name__
        assert app.screen.has_class("-ascii")
