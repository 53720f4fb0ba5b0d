"""A panel paints its rows inside its frame itself: every row the very segments Textual's StylesCache would paint."""

from __future__ import annotations

import pytest
from panel_host import PanelHost, run_snapshots
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.network import NetworkView
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.panel_frame import frame_of
from tuinn.tui.widgets.status import StatusPanel

#: panel -> the preset it is drawn from
PANELS: dict[type[Panel], str] = {
    NetworkView: "spiral",
    DecisionPanel: "spiral",
    LossPanel: "spiral",
    StatusPanel: "xor",
    GradientsPanel: "deep-sigmoid",
    ConfusionPanel: "digits-cnn",
}


def textuals_rows(panel: Panel, crop: Region) -> list[list[object]]:
    """The rows of `crop` as Textual's StylesCache paints them from the panel's content lines (nothing kept)."""
    panel._styles_cache.clear()
    return [list(strip) for strip in Widget.render_lines(panel, crop)]


def painted_rows(panel: Panel, crop: Region) -> list[list[object]]:
    """The rows of `crop` as the panel paints them."""
    return [list(strip) for strip in panel.render_lines(crop)]


@pytest.mark.parametrize("kind", list(PANELS))
@pytest.mark.parametrize(("colours", "ascii"), [("truecolor", False), ("256", True)])
async def test_framed_rows_equal_textuals_rows(kind: type[Panel], colours: str, ascii: bool) -> None:
    first, second = run_snapshots(PANELS[kind], 20, 60)
    app = PanelHost(kind(), colours, ascii)
    async with app.run_test(size=(90, 34)) as pilot:
        app.screen.set_class(ascii, "-ascii")  # the ASCII border, as the app sets it
        for snapshot in (first, second):  # the second: the changed rows drawn again
            app.panel.update_snapshot(snapshot)
            await pilot.pause()
            panel, (width, height) = app.panel, app.panel.outer_size
            assert frame_of(panel, panel.outer_size) is not None
            for crop in (Region(0, 0, width, height), Region(3, 1, width - 5, height - 2)):
                assert painted_rows(panel, crop) == textuals_rows(panel, crop)
        left_edge = panel.render_lines(Region(0, 1, 1, 1))[0].text
        assert left_edge == ("|" if ascii else "│")  # the border the stylesheet gives an (ASCII) screen


async def test_a_tinted_panel_is_painted_by_textual() -> None:
    """A style whose effects change every cell (here a tint) leaves the painting of each row to Textual."""
    (snapshot,) = run_snapshots("xor", 10)
    app = PanelHost(StatusPanel())
    async with app.run_test(size=(90, 30)) as pilot:
        app.panel.update_snapshot(snapshot)
        app.panel.styles.tint = "red 40%"
        await pilot.pause()
        panel, (width, height) = app.panel, app.panel.outer_size
        assert frame_of(panel, panel.outer_size) is None
        crop = Region(0, 0, width, height)
        assert painted_rows(panel, crop) == textuals_rows(panel, crop)
        assert any(isinstance(row, Strip) for row in panel.render_lines(crop))


@pytest.mark.parametrize("width", [4, 5])
async def test_a_panel_with_no_room_inside_its_frame_is_painted_by_textual(width: int) -> None:
    (snapshot,) = run_snapshots("xor", 10)
    app = PanelHost(StatusPanel())
    async with app.run_test(size=(90, 30)) as pilot:
        app.panel.styles.width = width
        app.panel.update_snapshot(snapshot)
        await pilot.pause()
        panel, (outer_width, height) = app.panel, app.panel.outer_size
        assert outer_width == width
        crop = Region(0, 0, outer_width, height)
        assert painted_rows(panel, crop) == textuals_rows(panel, crop)
