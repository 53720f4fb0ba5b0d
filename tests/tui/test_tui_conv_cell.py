"""x opens how a conv cell is computed: the numbers on screen add up to the feature map's value, and follow the keys."""

from __future__ import annotations

import re

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent
from tui_support import SMALL, WIDE, seed_conv_trainer, step_app, trainer_app

from tuinn.nn.activations import get_activation
from tuinn.train.snapshot import ConvCell
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.conv_cell import ConvCellView, figure
from tuinn.tui.widgets.conv_cell_screen import ConvCellScreen
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel

HUGE = (200, 60)
SIZES = [SMALL, WIDE, HUGE]
EQUATION = re.compile(r"Σ (\S+) \+ bias (\S+) = (\S+) → (\w+) → (\S+)")


def cell_of(app: TuinnApp) -> ConvCell:
    assert isinstance(app.screen, ConvCellScreen)
    cell = app.screen.query_one(ConvCellView).snapshot.conv_cell  # type: ignore[union-attr]
    assert cell is not None
    return cell


def view_text(app: TuinnApp) -> str:
    """The conv-cell view's lines, joined by spaces."""
    view = app.screen.query_one(ConvCellView)
    return " ".join(" ".join(strip.text.split()) for strip in view._lines)


def read_equation(app: TuinnApp) -> tuple[float, float, float, str, float]:
    """Σ, bias, z, activation and value as the screen shows them."""
    match = EQUATION.search(view_text(app))
    assert match, view_text(app)
    total, bias, z, activation, value = match.groups()
    return float(total), float(bias), float(z), activation, float(value)


def assert_screen_adds_up(app: TuinnApp) -> None:
    """The numbers read from the screen add up, and are the feature map's value at the cell shown."""
    cell = cell_of(app)
    total, bias, z, activation, value = read_equation(app)
    assert activation == cell.activation
    assert z == pytest.approx(total + bias, abs=2e-4 * max(1.0, abs(z)))
    assert value == pytest.approx(float(get_activation(activation).fn(np.array([[z]]))[0, 0]), abs=1e-3)
    fm = next(f for f in app.snapshot.feature_maps if f.layer == cell.layer)
    assert figure(float(fm.maps[cell.row, cell.col, cell.channel])) == f"{value:.4g}"
    text = view_text(app)
    assert f"row {cell.row + 1}, col {cell.col + 1} of" in text
    assert f"output channel {cell.channel + 1}/" in text


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_x_opens_the_computation_of_seed_conv_and_the_keys_move_the_cell(size) -> None:
    app = trainer_app(seed_conv_trainer())
    async with app.run_test(size=size) as pilot:
        app.source.advance(10)
        await pilot.press("x")
        assert isinstance(app.screen, ConvCellScreen)
        cell = cell_of(app)
        assert (cell.layer, cell.channel, cell.row, cell.col) == ("conv2d_1", 0, 0, 0)
        text = view_text(app)
        for word in ("input patch", "kernel", "products", "⊙", "bias"):
            assert word in text
        assert_screen_adds_up(app)
        await pilot.press("right", "j", "c")
        cell = cell_of(app)
        assert (cell.channel, cell.row, cell.col) == (1, 1, 1)
        assert_screen_adds_up(app)
        await pilot.press("h", "C", "C")  # channels wrap: 1 -> 0 -> 2
        assert (cell_of(app).channel, cell_of(app).col) == (2, 0)
        before = cell_of(app)
        app.source.advance(20)  # training goes on under the modal: the numbers follow
        await pilot.pause()
        after = cell_of(app)
        assert app.screen.query_one(ConvCellView).snapshot.step == 30  # type: ignore[union-attr]
        assert not np.array_equal(before.kernel, after.kernel)
        assert_screen_adds_up(app)
        await pilot.press("full_stop")  # the next sample
        assert app.snapshot.sample is not None and app.snapshot.sample.index == 1
        assert_screen_adds_up(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ConvCellScreen)
        assert app.source.trainer.probe.cell is None  # closed: the run computes no cell
        assert app.snapshot.conv_cell is None
        maps = app.query_one(FeatureMapsPanel)  # (not drawn while covered) the dashboard shows the latest Snapshot
        assert maps.snapshot is app.snapshot and maps.snapshot.step == 30


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_digits_cnn_pages_its_input_channels_and_shows_a_pooling_winner(size) -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=size) as pilot:
        app.source.advance(5)
        await pilot.press("x", "right_square_bracket")
        cell = cell_of(app)
        assert cell.kind == "maxpool2d" and cell.winner is not None
        text = view_text(app)
        assert f"max of the window = {figure(cell.value)}" in text
        await pilot.press("right_square_bracket", "down", "l")  # conv2d_2: 16 input channels
        cell = cell_of(app)
        assert (cell.layer, cell.row, cell.col) == ("conv2d_2", 1, 1)
        assert_screen_adds_up(app)
        text = view_text(app)
        assert "Σ per input channel" in text
        shown = re.search(r"input channels (\d+)-(\d+) of 16", text)
        if size == SMALL:  # says what is paged, and i shows the next page
            assert shown is not None and shown.group(1) == "1"
            after = int(shown.group(2)) + 1
            await pilot.press("i")
            assert f"input channels {after}-" in view_text(app)
            assert f"input patch ch {after}" in view_text(app) and "input patch ch 1 " not in view_text(app)
        elif size == WIDE:
            assert shown is not None and int(shown.group(2)) > 1  # more room, more channels at once
        else:
            assert shown is None and "input patch ch 16" in text  # every input channel, side by side
        assert "Traceback" not in text


async def test_a_click_on_a_feature_map_cell_opens_it_at_that_cell() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        await pilot.pause()
        for tabs in app.query(TabbedContent):  # the lesson (sample, confusion) keeps the screen: maps on their tab
            tabs.active = "tab-feature-maps"
        await pilot.pause()
        panel = app.query_one(FeatureMapsPanel)
        assert panel.tiles
        tiles = panel.tiles[0]
        target = (2 * tiles.zoom + 1, tiles.top + 1)  # content cell: tile 1's third column, second line
        hit = panel.cell_at(*target)
        assert hit is not None and hit[:2] == (tiles.fm.layer, tiles.first)
        region = panel.content_region
        await pilot.click(offset=(region.x + target[0], region.y + target[1]))
        assert isinstance(app.screen, ConvCellScreen)
        cell = cell_of(app)
        assert (cell.layer, cell.channel, cell.row, cell.col) == hit
        assert_screen_adds_up(app)


async def test_ascii_and_256_colours_draw_the_computation() -> None:
    app = trainer_app(seed_conv_trainer(), ascii=True, colour_system="256")
    async with app.run_test(size=SMALL) as pilot:
        app.source.advance(5)
        await pilot.press("x")
        text = view_text(app)
        assert text.isascii(), [c for c in text if not c.isascii()]
        assert " * " in text and "sum " in text


async def test_x_is_not_offered_without_feature_maps() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("x")
        assert not isinstance(app.screen, ConvCellScreen)
        assert app.check_action("conv_cell", ()) is False


def test_seed_conv_computation_at_120x40(snap_compare) -> None:
    app = step_app("seed-conv")

    async def run_before(pilot: Pilot) -> None:
        app.source.advance(40)
        await pilot.press("x", "right", "c")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


async def test_another_preset_opened_under_the_view_shows_its_first_cell_or_closes_it() -> None:
    from tuinn.config import load_preset
    from tuinn.train import commands as cmd

    app = trainer_app(seed_conv_trainer())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("x", "right", "c")
        app.send(cmd.OpenPreset(load_preset("digits-cnn")))
        await pilot.pause()
        assert isinstance(app.screen, ConvCellScreen)
        cell = cell_of(app)
        assert (cell.layer, cell.channel, cell.row, cell.col) == ("conv2d_1", 0, 0, 0) and cell.in_shape == (8, 8, 1)
        assert_screen_adds_up(app)
        app.send(cmd.OpenPreset(load_preset("xor")))
        await pilot.pause()
        assert not isinstance(app.screen, ConvCellScreen)


async def test_a_folder_of_rgb_images_shows_three_input_channels(tmp_path) -> None:
    pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    from tests.data.image_files import write_shapes
    from tuinn.config import load_preset, with_overrides
    from tuinn.data import data_spec_for_path

    folder = write_shapes(tmp_path / "shapes", per_class=8, size=12, colour=True)
    config = load_preset("digits-cnn")
    app = step_app(with_overrides(config, data=data_spec_for_path(str(folder), config.data)))
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        await pilot.press("x", "down", "l")
        cell = cell_of(app)
        assert cell.patch.shape == (3, 3, 3) and (cell.row, cell.col) == (1, 1)
        text = view_text(app)
        assert all(f"input patch ch {k}" in text for k in (1, 2, 3))
        assert_screen_adds_up(app)


async def test_the_view_follows_a_run_training_in_its_own_process() -> None:
    import asyncio
    import time

    from tui_support import live_app

    from tuinn.config import load_preset

    app = live_app(load_preset("seed-conv"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("x", "right")
        deadline = time.monotonic() + 10

        async def shown() -> ConvCell | None:
            await asyncio.sleep(0.05)
            view = app.screen.query_one(ConvCellView)
            return view.snapshot.conv_cell if view.snapshot is not None else None

        while ((cell := await shown()) is None or cell.col != 1) and time.monotonic() < deadline:
            pass
        assert cell is not None and cell.col == 1, "the keys reach the run's process and the cell comes back"
        first_step = app.snapshot.step
        while app.snapshot.step < first_step + 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.snapshot.step >= first_step + 5
        assert_screen_adds_up(app)
        await pilot.press("q")
