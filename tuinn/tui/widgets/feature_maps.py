"""Feature-maps panel: each conv/pool layer's output shape and neuron count, and its maps of one fixed sample."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip

from tuinn.report.summary import format_shape
from tuinn.train.snapshot import FeatureMap, Kernels, Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.heatmap import DIVERGING, GREY, LayerScales, Palette, Scale, heatmap_strips, nice_ceil
from tuinn.tui.widgets.panel import Panel

MAX_ZOOM = 4
MAX_TILE = 48  # pixels down a tile at most when a panel has room to spare (12 is what its need asks for)
SCALE_CELLS = 6  # cells of the colour scale on each layer's heading line
MIN_WIDTH, WANT_WIDTH = 44, 110  # cells across: the least for a heading and a row of tiles, and plenty


def tile_lines(fm: FeatureMap, zoom: int, rows: int) -> int:
    """Text lines `rows` rows of a layer's tiles take (two pixels a line, a pixel's gap between rows)."""
    return -(-(rows * (fm.shape[0] * zoom + 1) - 1) // 2)


def tile_lines_of(k: Kernels, zoom: int, rows: int) -> int:
    """Text lines `rows` rows of a layer's kernel tiles take."""
    return -(-(rows * (int(k.weights.shape[0]) * zoom + 1) - 1) // 2)


def tile_rows(fm: FeatureMap, zoom: int, heading_lines: int = 1) -> int:
    """Text lines one layer takes: its heading and its tiles."""
    return heading_lines + tile_lines(fm, zoom, 1)


def heading(fm: FeatureMap, first: int, shown: int, scale: Scale, palette: Palette, width: int) -> list[Text]:
    """'conv2d_1  2×2×3 = 12 neurons', which channels are drawn, and the layer's colour scale with its range.

    One line when it fits in `width`, else the channels and the scale go on a second line.
    """
    title = Text.assemble((fm.layer, "bold"), f"  {format_shape(fm.shape)} = {fm.neurons:,} neurons")
    extra = Text()
    channels = fm.shape[2]
    if shown < channels:
        extra.append(f"  ch {first + 1}-{min(channels, first + shown)}/{channels}", "yellow")
    extra.append(f"  {scale.lo:g} ", "dim")
    for i in np.linspace(0, len(palette) - 1, SCALE_CELLS).round().astype(int).tolist():
        extra.append(" ", Style(bgcolor=palette.colour(i)))
    extra.append(f" {scale.hi:g}", "dim")
    if title.cell_len + extra.cell_len <= width:
        return [title + extra]
    return [title, extra]


def page_start(page: int, shown: int, channels: int) -> int:
    """The first channel of page `page` (wrapping) when `shown` channels fit at a time."""
    pages = -(-channels // max(shown, 1))
    return (page % pages) * shown


@dataclass(frozen=True)
class Tiles:
    """Where one layer's tiles are drawn: from content line `top`, `per_row` tiles of channels `first`.. `first + shown`."""

    fm: FeatureMap
    top: int
    zoom: int
    per_row: int
    first: int
    shown: int

    def cell_at(self, x: int, y: int) -> tuple[int, int, int] | None:
        """(channel, row, col) of the map cell drawn at content cell (x, y) (its upper pixel), None off the tiles."""
        h, w, _ = self.fm.shape
        th, tw = h * self.zoom, w * self.zoom
        tile_r, py = divmod(2 * (y - self.top), th + 1)
        if py == th:  # the gap under a tile row: the line's lower pixel is the next tile's first row
            tile_r, py = tile_r + 1, 0
        tile_c, px = divmod(x, tw + 1)
        k = tile_r * self.per_row + tile_c
        if y < self.top or px == tw or tile_c >= self.per_row or k >= self.shown:
            return None
        return self.first + k, py // self.zoom, px // self.zoom


class FeatureMapsPanel(Panel):
    """Each channel a small tile: grey for non-negative maps, orange/blue for signed ones; steady per-layer scales.

    `c` pages every layer on to its next channels; the kernels of the layer
    selected with `[` `]` (a conv layer) are drawn under its maps.
    """

    TITLE = "Feature maps"
    READS = ("feature_maps", "kernels", "selected_layer", "step")

    class CellClicked(Message):
        """A cell of a feature map was clicked: (layer, channel, row, col)."""

        def __init__(self, layer: str, channel: int, row: int, col: int) -> None:
            super().__init__()
            self.layer, self.channel, self.row, self.col = layer, channel, row, col

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scales = LayerScales(symmetric=False)
        self.page = 0
        self.tiles: list[Tiles] = []  # where the last build drew each layer's tiles
        self._headings: dict[tuple[object, ...], int] = {}  # the layers and the width -> lines of a heading
        self._plans: dict[
            tuple[object, ...], list[tuple[int, int, int]]
        ] = {}  # shapes and size -> zoom, per row, shown

    def cell_at(self, x: int, y: int) -> tuple[str, int, int, int] | None:
        """(layer, channel, row, col) of the map cell at content cell (x, y), None off every tile."""
        for tiles in self.tiles:
            hit = tiles.cell_at(x, y)
            if hit is not None:
                return (tiles.fm.layer, *hit)
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        hit = self.cell_at(offset.x, offset.y) if offset is not None else None
        if hit is not None:
            self.post_message(self.CellClicked(*hit))

    def show_page(self, page: int) -> None:
        """Show page `page` of every layer's channels (wrapping per layer)."""
        self.page = page
        self._redraw()

    def view(self) -> tuple[object, ...]:
        return (self.page,)

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Every channel of every layer at zoom 1 (and the selected layer's kernels); at best, zoomed up."""

        def lines(width: int, zoom: int) -> int:  # (as build draws them: headings, tiles, two rows of kernels)
            probe = Scale(-0.001, 0.001)  # the longest range figures
            heads = max((len(heading(fm, 0, 1, probe, GREY, width)) for fm in snapshot.feature_maps), default=1)
            total = 0
            for fm in snapshot.feature_maps:
                z = min(zoom, max(1, 12 // fm.shape[0]))
                per_row = max(1, min(fm.shape[2], (width + 1) // (fm.shape[1] * z + 1)))
                total += heads + tile_lines(fm, z, -(-fm.shape[2] // per_row))
            k = next((k for k in snapshot.kernels if k.layer == snapshot.selected_layer), None)
            if k is not None:
                kz = 2 if k.weights.shape[0] <= 5 else 1
                per_row = max(1, (width + 1) // (k.weights.shape[1] * kz + 1))
                title = len(f"{k.weights.shape[2]} of {k.weights.shape[2]} kernels of {k.layer}  ±0.05, mean over ")
                total += -(-title // width) + tile_lines_of(k, kz, min(2, -(-k.weights.shape[2] // per_row)))
            return total

        return Need.content(MIN_WIDTH, lines(MIN_WIDTH, 1), WANT_WIDTH, lines(WANT_WIDTH, MAX_ZOOM))

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        kernels = next((k for k in snapshot.kernels if k.layer == snapshot.selected_layer), None)
        kernel_lines = self._kernels(kernels, width) if kernels else []
        lines: list[Strip] = []
        self.tiles = []
        at = None  # where the kernels go: under their layer's maps
        for fm, z, per_row, shown in self._layout(snapshot.feature_maps, width, height - len(kernel_lines)):
            scale = self._scales.fit(fm.layer, fm.maps, snapshot.step)
            palette = self.ramp(DIVERGING if scale.lo < 0 else GREY)
            first = page_start(self.page, shown, fm.shape[2])
            lines += self.text_lines(heading(fm, first, shown, scale, palette, width), width)
            self.tiles.append(Tiles(fm, len(lines), z, per_row, first, min(shown, fm.shape[2] - first)))
            lines += heatmap_strips(tile_grid(fm.maps[:, :, first : first + shown], z, per_row), scale, palette)
            if kernels and fm.layer == kernels.layer:
                at = len(lines)
        if kernels and at is not None:  # the lines the maps leave show more rows of kernels
            kernel_lines = self._kernels(kernels, width, height - len(lines))
            lines[at:at] = kernel_lines
            self.tiles = [replace(t, top=t.top + len(kernel_lines)) if t.top > at else t for t in self.tiles]
        return lines

    def _layout(self, maps: tuple[FeatureMap, ...], width: int, height: int) -> list[tuple[FeatureMap, int, int, int]]:
        """`layout` of these maps, worked out once per net and size (it reads only their shapes)."""
        key = (tuple(fm.shape for fm in maps), width, height)
        if key not in self._plans:
            self._plans[key] = [p[1:] for p in layout(maps, width, height, self._heading_lines(maps, width))]
        return [(fm, *plan) for fm, plan in zip(maps, self._plans[key])]

    def _heading_lines(self, maps: tuple[FeatureMap, ...], width: int) -> int:
        """Lines a heading takes: two when the longest range figures do not fit on one (worked out once per net)."""
        key = (tuple((fm.layer, fm.shape, fm.neurons) for fm in maps), width)
        if key not in self._headings:
            probe = Scale(-0.001, 0.001)  # the longest range figures
            self._headings[key] = max((len(heading(fm, 0, 1, probe, GREY, width)) for fm in maps), default=1)
        return self._headings[key]

    def _kernels(self, k: Kernels, width: int, room: int = 0) -> list[Strip]:
        """A tile per filter of the selected conv layer, on a symmetric scale: two rows of them, more where `room`
        lines allow."""
        peak = nice_ceil(max(float(np.abs(k.weights).max()), 1e-6))
        scale = Scale(-peak, peak)
        zoom = 2 if k.weights.shape[0] <= 5 else 1
        per_row = max(1, (width + 1) // (k.weights.shape[1] * zoom + 1))
        mean = f", mean over {k.in_channels} input channels" if k.in_channels > 1 else ""
        needed = -(-k.weights.shape[2] // per_row)

        def title(rows: int) -> list[Strip]:
            """'12 of 16 kernels of conv2d_1  ±2', wrapped in a narrow column."""
            shown = min(k.weights.shape[2], rows * per_row)
            count = f"{shown} of {k.weights.shape[2]}" if shown < k.weights.shape[2] else f"{shown}"
            text = Text.assemble((f"{count} kernels of ", "dim"), (k.layer, "bold"), (f"  ±{peak:g}{mean}", "dim"))
            return self.rich_lines(text, width)

        rows = min(2, needed)
        while rows < needed and len(title(rows + 1)) + tile_lines_of(k, zoom, rows + 1) <= room:
            rows += 1
        return title(rows) + heatmap_strips(
            tile_grid(k.weights[:, :, : rows * per_row], zoom, per_row), scale, self.ramp(DIVERGING)
        )


def layout(
    maps: tuple[FeatureMap, ...], width: int, height: int, heading_lines: int = 1
) -> list[tuple[FeatureMap, int, int, int]]:
    """(map, zoom, tiles per row, channels shown) per layer: the most channels that fit, then the most lines filled,
    then the biggest zoom."""
    best: list[tuple[FeatureMap, int, int, int]] = []
    for zooms in zoom_steps(maps, width):
        spare = height - sum(tile_rows(fm, z, heading_lines) for fm, z in zip(maps, zooms))
        if spare < 0 and best:  # the first step is drawn even when it does not fit: the panel clips
            break
        per_row = [max(1, min(fm.shape[2], (width + 1) // (fm.shape[1] * z + 1))) for fm, z in zip(maps, zooms)]
        rows = [1] * len(maps)
        grew = True
        while grew:  # one more row of tiles for each layer in turn, while there is room and something to show
            grew = False
            for i, (fm, z) in enumerate(zip(maps, zooms)):
                cost = tile_lines(fm, z, rows[i] + 1) - tile_lines(fm, z, rows[i])
                if rows[i] * per_row[i] < fm.shape[2] and cost <= spare:
                    rows[i] += 1
                    spare -= cost
                    grew = True
        plan = [(fm, z, n, min(fm.shape[2], n * r)) for fm, z, n, r in zip(maps, zooms, per_row, rows)]
        if not best or _worth(plan, heading_lines) >= _worth(best, heading_lines):
            best = plan
    return _zoom_into(best, width, height - sum(_worth([p], heading_lines)[1] for p in best))


def _zoom_into(
    plan: list[tuple[FeatureMap, int, int, int]], width: int, spare: int
) -> list[tuple[FeatureMap, int, int, int]]:
    """`plan` with layers zoomed one more step each in turn (the same channels shown, no tile over MAX_TILE pixels)
    while the `spare` lines hold them: the lines a common tile size leaves are filled."""
    plan = list(plan)
    grew = True
    while grew:
        grew = False
        for i, (fm, z, _, shown) in enumerate(plan):
            if (z + 1) * fm.shape[0] > MAX_TILE or (z + 1) * fm.shape[1] > width:
                continue
            per_row = max(1, min(shown, (width + 1) // (fm.shape[1] * (z + 1) + 1)))
            cost = tile_lines(fm, z + 1, -(-shown // per_row)) - tile_lines(fm, z, -(-shown // plan[i][2]))
            if cost <= spare:
                plan[i] = (fm, z + 1, per_row, shown)
                spare -= cost
                grew = True
    return plan


def _worth(plan: list[tuple[FeatureMap, int, int, int]], heading_lines: int) -> tuple[int, int]:
    """What a plan shows: its channels, then the lines its tiles fill (the fewer left empty, the better)."""
    lines = sum(heading_lines + tile_lines(fm, z, -(-shown // n)) for fm, z, n, shown in plan)
    return sum(p[3] for p in plan), lines


def zoom_steps(maps: tuple[FeatureMap, ...], width: int) -> list[list[int]]:
    """Each layer's zoom for tiles of 1, 2, .. MAX_TILE pixels down (each distinct step once): small maps zoom more,
    and no tile is wider than `width`."""
    steps: list[list[int]] = []
    for tile in range(1, MAX_TILE + 1):
        zooms = [max(1, min(tile // fm.shape[0], width // fm.shape[1])) for fm in maps]
        if not steps or zooms != steps[-1]:
            steps.append(zooms)
    return steps


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
