"""A reader of the screen for the empty-rows tests: how many rows inside each panel's border show nothing at all."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.readout import Readout


def blank_rows(app: TuinnApp, widget: Widget) -> int:
    """Rows of `widget`'s content area (inside border and padding) as the screen shows them: every cell a space on
    the widget's own background (no glyph, no colour block)."""
    region = widget.content_region.intersection(widget.screen.region)  # (a tab taller than the screen: what it shows)
    own = widget.rich_style.bgcolor
    strips = app.screen._compositor.render_strips()
    blank = 0
    for y in range(region.y, region.bottom):
        cells = strips[y].crop(region.x, region.right)
        if all(not seg.text.strip() and (seg.style is None or seg.style.bgcolor in (None, own)) for seg in cells):
            blank += 1
    return blank


def shown(widget: Widget) -> bool:
    """Whether `widget` is drawn on the screen (not on a hidden tab); a panel taller than its tab, in part."""
    return widget.display and widget.region.intersection(widget.screen.region).area > 0


def panel_blank_rows(app: TuinnApp) -> dict[str, tuple[int, int]]:
    """Each panel on screen (and the projector's readout): its blank rows and its content height."""
    found: dict[str, tuple[int, int]] = {}
    for widget in [*app.query(Panel), *app.query(Readout)]:
        if shown(widget):
            found[type(widget).__name__] = (blank_rows(app, widget), widget.content_region.height)
    for k, column in enumerate(app.query(".column")):
        if shown(column):
            found[f"under-column-{k + 1}"] = (band_under(column), column.region.height)
    return found


def band_under(column: Widget) -> int:
    """Lines of a column of panels under its last panel (none of them draws there)."""
    bottom = max((child.region.bottom for child in column.children if child.display), default=column.region.y)
    return column.region.bottom - bottom


async def every_tab(app: TuinnApp, pilot) -> dict[str, dict[str, tuple[int, int]]]:
    """`panel_blank_rows` with each tab of the dashboard opened in turn (the screen as it is when it has no tabs)."""
    tabs = list(app.query(TabbedContent))
    if not tabs:
        return {"": panel_blank_rows(app)}
    counts = {}
    for pane in app.query(TabPane):
        tabs[0].active = pane.id
        await pilot.pause()
        await pilot.pause()
        counts[str(pane.id)] = panel_blank_rows(app)
    return counts


__all__ = ["ChartPanel", "blank_rows", "every_tab", "panel_blank_rows", "shown"]
