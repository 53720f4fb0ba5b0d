"""Feature-maps panel: each conv/pool layer's output shape and neuron count, and its maps of one fixed sample."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.strip import Strip

from tuinn.report.summary import format_shape
from tuinn.train.snapshot import FeatureMap, Snapshot
from tuinn.tui.widgets.heatmap import DIVERGING, GREY, SteadyScale, heatmap_strips
from tuinn.tui.widgets.panel import Panel

MAX_ZOOM = 4


def tile_rows(fm: FeatureMap, zoom: int) -> int:
    """Text lines one layer takes: its heading and its tiles."""
    return 1 + -(-fm.shape[0] * zoom // 2)


def zoom_for(maps: tuple[FeatureMap, ...], height: int) -> int:
    """The largest pixel zoom (up to MAX_ZOOM, each map at most 12 pixels tall) at which all layers fit."""
    for zoom in range(MAX_ZOOM, 1, -1):
        if sum(tile_rows(fm, min(zoom, max(1, 12 // fm.shape[0]))) for fm in maps) <= height:
            return zoom
    return 1


def heading(fm: FeatureMap, shown: int) -> Text:
    """'conv2d_1  2×2×3 = 12 neurons', and how many channels are drawn."""
    text = Text.assemble((fm.layer, "bold"), f"  {format_shape(fm.shape)} = {fm.neurons:,} neurons")
    if shown < fm.shape[2]:
        text.append(f"  {shown}/{fm.shape[2]} shown", "dim")
    return text


class FeatureMapsPanel(Panel):
    """Each channel a small tile: grey for non-negative maps, orange/blue for signed ones; steady per-layer scales."""

    TITLE = "Feature maps"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scales: dict[str, SteadyScale] = {}

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        lines: list[Strip] = []
        zoom = zoom_for(snapshot.feature_maps, height)
        for fm in snapshot.feature_maps:
            h, w, c = fm.shape
            z = min(zoom, max(1, 12 // h))
            shown = max(1, min(c, (width + 1) // (w * z + 1)))
            scale = self._scales.setdefault(fm.layer, SteadyScale(symmetric=False))
            scale.fit(fm.maps)
            palette = DIVERGING if scale.lo < 0 else GREY
            # Tiles side by side, one blank (NaN) pixel column between channels.
            tiles = np.full((h * z, shown * (w * z + 1) - 1), np.nan)
            for k in range(shown):
                tile = np.repeat(np.repeat(fm.maps[:, :, k], z, axis=0), z, axis=1)
                tiles[:, k * (w * z + 1) : k * (w * z + 1) + w * z] = tile
            lines += self.text_lines([heading(fm, shown)], width)
            lines += heatmap_strips(tiles, scale, palette)
        return lines
