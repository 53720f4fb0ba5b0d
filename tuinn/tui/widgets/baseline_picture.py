"""The pinned baseline's picture, small: its decision boundary or its confusion matrix, beside the full chart."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from tuinn.train.baseline import Baseline
from tuinn.tui.widgets.ghost import GHOST_STYLE
from tuinn.tui.widgets.heatmap import CLASSES, DIVERGING, MAGNITUDE, Palette, Scale, fit_grid, half_block_strips

THUMB_PIXELS = 20  # the picture fits THUMB_PIXELS × THUMB_PIXELS half-block pixels (10 lines)
THUMB_ROOM = 100  # the chart screen shows the picture from this many columns up


def thumbnail_indices(baseline: Baseline, palette_for: dict[str, Palette]) -> tuple[np.ndarray, Palette] | None:
    """Palette indices of the baseline's picture (top row = largest y for a boundary), and the palette."""
    picture = baseline.picture
    if picture is None:
        return None
    if baseline.picture_kind == "confusion":
        palette = palette_for["magnitude"]
        grid = fit_grid(picture.astype(float), THUMB_PIXELS, THUMB_PIXELS)
        return Scale(0.0, max(float(picture.max()), 1.0)).indices(grid, len(palette)), palette
    grid = fit_grid(picture[::-1].astype(float), THUMB_PIXELS, THUMB_PIXELS)
    lo, hi = baseline.picture_range
    if lo == 0.0 and hi > 1.0:  # predicted classes
        classes = palette_for["classes"]
        return np.rint(np.nan_to_num(grid)).astype(int) % len(classes), classes
    palette = palette_for["diverging"]
    return Scale(lo, hi).indices(grid, len(palette)), palette


def thumbnail(baseline: Baseline, colour_system: str | None) -> Text:
    """The picture in half blocks, under a line saying what it is."""
    palettes = {p.name: p.at(colour_system) for p in (MAGNITUDE, DIVERGING, CLASSES)}
    drawn = thumbnail_indices(baseline, palettes)
    what = "confusion" if baseline.picture_kind == "confusion" else "boundary"
    head = Text(f"{what} at step {baseline.step:,}", GHOST_STYLE)
    if drawn is None:
        return head
    lines = [Text.assemble(*((seg.text, seg.style or "") for seg in strip)) for strip in half_block_strips(*drawn)]
    return Text("\n").join([head, *lines])


class BaselinePicture(Static):
    """The baseline's picture at the chart's side: shown when a baseline with a picture is pinned and there is room."""

    DEFAULT_CSS = """
    BaselinePicture { dock: right; width: auto; height: auto; border: round $panel-lighten-2; margin: 1 1 0 0; }
    """

    def __init__(self) -> None:
        super().__init__(id="baseline-picture")
        self.border_title = "baseline"
        self.display = False

    def show(self, baseline: Baseline | None, colour_system: str | None, room: int) -> None:
        """Draw `baseline`'s picture (hidden when there is none, or fewer than THUMB_ROOM columns of `room`)."""
        self.display = baseline is not None and baseline.picture is not None and room >= THUMB_ROOM
        if baseline is not None and self.display:
            self.update(thumbnail(baseline, colour_system))
