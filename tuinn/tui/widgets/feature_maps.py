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
        for fm, z, per_row, shown in layout(snapshot.feature_maps, width, height):
            scale = self._scales.setdefault(fm.layer, SteadyScale(symmetric=False))
            scale.fit(fm.maps)
            palette = DIVERGING if scale.lo < 0 else GREY
            lines += self.text_lines([heading(fm, shown)], width)
            lines += heatmap_strips(tile_grid(fm.maps[:, :, :shown], z, per_row), scale, palette)
        return lines


def layout(maps: tuple[FeatureMap, ...], width: int, height: int) -> list[tuple[FeatureMap, int, int, int]]:
    """(map, zoom, tiles per row, channels shown) per layer: the most channels that fit, then the biggest zoom."""
    best: list[tuple[FeatureMap, int, int, int]] = []
    for zoom in range(1, MAX_ZOOM + 1):
        zooms = [min(zoom, max(1, 12 // fm.shape[0])) for fm in maps]
        spare = height - sum(tile_rows(fm, z) for fm, z in zip(maps, zooms))
        if spare < 0 and zoom > 1:  # zoom 1 is drawn even when it does not fit: the panel clips
            break
        per_row = [max(1, min(fm.shape[2], (width + 1) // (fm.shape[1] * z + 1))) for fm, z in zip(maps, zooms)]
        rows = [1] * len(maps)
        grew = True
        while grew:  # one more row of tiles for each layer in turn, while there is room and something to show
            grew = False
            for i, (fm, z) in enumerate(zip(maps, zooms)):
                cost = -(-(fm.shape[0] * z + 1) // 2)
                if rows[i] * per_row[i] < fm.shape[2] and cost <= spare:
                    rows[i] += 1
                    spare -= cost
                    grew = True
        plan = [(fm, z, n, min(fm.shape[2], n * r)) for fm, z, n, r in zip(maps, zooms, per_row, rows)]
        if not best or sum(p[3] for p in plan) >= sum(p[3] for p in best):
            best = plan
    return best


def tile_grid(maps: np.ndarray, zoom: int, per_row: int) -> np.ndarray:
    """Channels of an (H, W, C) map as zoomed tiles, `per_row` to a row, NaN gaps between them."""
    h, w, c = maps.shape
    th, tw = h * zoom, w * zoom
    rows = -(-c // per_row)
    grid = np.full((rows * (th + 1) - 1, min(c, per_row) * (tw + 1) - 1), np.nan)
    zoomed = np.repeat(np.repeat(maps, zoom, axis=0), zoom, axis=1)
    for k in range(c):  # one slice copy per channel
        r, col = divmod(k, per_row)
        grid[r * (th + 1) : r * (th + 1) + th, col * (tw + 1) : col * (tw + 1) + tw] = zoomed[:, :, k]
    return grid
