"""Half-block heatmaps: fixed palettes, steady scales, and the renderer that turns values into Strips.

A text cell shows two pixels: "▀" with the foreground colour for the upper
pixel and the background colour for the lower one. Values are quantised to a
palette's levels, so small changes leave most cells (and lines) identical. A
missing value (NaN: a gap between tiles, the padding of an odd row) is not
drawn: the panel's own background shows there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuinn.tui.widgets.light_strip import LightStrip

UPPER_HALF = "▀"
LOWER_HALF = "▄"
NO_DATA = -1  # palette index of a missing value (NaN)
NO_DATA_RGB = (40, 40, 40)
NO_DATA_ANSI = 235  # the 256-colour grey nearest NO_DATA_RGB


RGB = tuple[int, int, int]


def _rgb(values: np.ndarray) -> RGB:
    """Three numbers (0-255) as an RGB triple of ints."""
    r, g, b = (int(round(float(c))) for c in values)
    return r, g, b


def _ramp(anchors: list[RGB], levels: int) -> tuple[RGB, ...]:
    """`levels` colours interpolated evenly through the anchor colours."""
    a = np.array(anchors, dtype=float)
    t = np.linspace(0, len(a) - 1, levels)
    i = np.minimum(t.astype(int), len(a) - 2)
    f = (t - i)[:, None]
    rgb = a[i] * (1 - f) + a[i + 1] * f
    return tuple(_rgb(row) for row in rgb)


def _xterm_colours() -> np.ndarray:
    """RGB of the 256-colour palette's fixed part: the 6×6×6 cube (16-231) and the grey ramp (232-255)."""
    steps = np.array([0, 95, 135, 175, 215, 255])
    cube = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(-1, 3)
    greys = np.repeat((8 + 10 * np.arange(24))[:, None], 3, axis=1)
    return np.vstack([np.zeros((16, 3), int), cube, greys])


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB colours: distances there follow what the eye sees."""
    c = np.asarray(rgb, dtype=float) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = c @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz /= np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


XTERM = _xterm_colours()
XTERM_LAB = _lab(XTERM[16:])


CANDIDATES = 40  # 256-colour entries considered for each colour of a ramp
REPEAT_COST = 4.0  # CIELAB units: the price of drawing two neighbouring levels alike
COLOURED = 10.0  # CIELAB chroma from which a colour reads as a hue rather than a grey
PINK_SALMON = (345.0, 60.0)  # CIELAB hue angles (degrees, wrapping through 0) of pinks, salmons and reds


def in_pink_salmon(hue: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Whether colours of these CIELAB hues and chromas read as pink, salmon or red."""
    lo, hi = PINK_SALMON
    return ((hue >= lo) | (hue < hi)) & (chroma >= COLOURED)


def hue_and_chroma(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CIELAB hue angle (degrees, 0-360) and chroma of CIELAB colours."""
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360, np.hypot(lab[..., 1], lab[..., 2])


def nearest_xterm(colours: tuple[tuple[int, int, int], ...]) -> tuple[int, ...]:
    """256-colour indices (16-255) for a ramp: the closest in CIELAB whose lightness runs the way the ramp's does.

    Each colour's nearest entries are candidates; a dynamic programme picks one
    per colour with the least total distance (neighbours drawn alike cost extra) such that lightness never steps
    against the ramp's own direction (so viridis stays dark-to-bright and the
    orange-white-blue ramp rises to white and falls), with no stray hues: a
    colour that is not pink, salmon or red is never drawn in one (the cube's
    nearest step to a pale orange is often salmon, to an off-white pink).
    """
    lab = _lab(np.array(colours))
    distance = np.sqrt(((lab[:, None, :] - XTERM_LAB[None]) ** 2).sum(axis=-1))
    stray = ~in_pink_salmon(*hue_and_chroma(lab))[:, None] & in_pink_salmon(*hue_and_chroma(XTERM_LAB))[None, :]
    distance = np.where(stray, np.inf, distance)
    candidates = np.argsort(distance, axis=1)[:, :CANDIDATES]
    cost = distance[np.arange(len(lab))[:, None], candidates]
    light = XTERM_LAB[candidates][..., 0]
    total, back = cost[0].copy(), []
    for i in range(1, len(lab)):
        rising = np.sign(lab[i, 0] - lab[i - 1, 0])
        step = (light[i][None, :] - light[i - 1][:, None]) * rising  # (previous, current)
        allowed = (step >= 0) if rising else np.ones_like(step, dtype=bool)
        same = candidates[i][None, :] == candidates[i - 1][:, None]
        paths = np.where(allowed, total[:, None] + REPEAT_COST * same, np.inf)
        back.append(paths.argmin(axis=0))
        total = paths.min(axis=0) + cost[i]
    choice = [int(total.argmin())]
    for pointers in reversed(back):
        choice.append(int(pointers[choice[-1]]))
    return tuple(int(candidates[i, c]) + 16 for i, c in enumerate(reversed(choice)))


class Palette:
    """A fixed list of colours, with the Rich styles of cell pairs cached.

    `ansi` (one 256-colour index per colour) is set on the palette drawn for a
    terminal without truecolor; its cells then name those indices, so the
    terminal shows exactly the steps chosen here rather than its own rounding.
    """

    def __init__(
        self, name: str, colours: tuple[tuple[int, int, int], ...], ansi: tuple[int, ...] | None = None
    ) -> None:
        self.name = name
        self.colours = colours
        self.ansi = ansi
        self._in_256: Palette | None = None
        self._cells: list[Segment] | None = None

    def __len__(self) -> int:
        return len(self.colours)

    def rgb(self, index: int) -> tuple[int, int, int]:
        return NO_DATA_RGB if index == NO_DATA else self.colours[index]

    def colour(self, index: int) -> Color:
        """The Rich colour of entry `index`: a 256-colour index or an RGB triple."""
        if self.ansi is None:
            return _rgb_colour(self.rgb(index))
        return Color.from_ansi(NO_DATA_ANSI if index == NO_DATA else self.ansi[index])

    def cells(self) -> list[Segment]:
        """The segment of every half-block cell, at `cell_code(upper, lower)`: made once per palette."""
        if self._cells is None:
            levels = range(NO_DATA, len(self))
            self._cells = [Segment(*self._cell(upper, lower)) for upper in levels for lower in levels]
        return self._cells

    def cell_code(self, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """The index into `cells()` of each cell showing palette entries `upper` over `lower`."""
        codes: np.ndarray = (upper - NO_DATA) * (len(self) + 1) + (lower - NO_DATA)
        return codes

    def _cell(self, upper: int, lower: int) -> tuple[str, Style | None]:
        if upper == NO_DATA and lower == NO_DATA:
            return " ", None
        if upper == NO_DATA:
            return LOWER_HALF, Style(color=self.colour(lower))
        if lower == NO_DATA:
            return UPPER_HALF, Style(color=self.colour(upper))
        if upper == lower:
            return " ", Style(bgcolor=self.colour(lower))
        return UPPER_HALF, Style(color=self.colour(upper), bgcolor=self.colour(lower))

    def at(self, colour_system: str | None) -> Palette:
        """This palette as a terminal with `colour_system` ("truecolor", "256", ...) shows it best."""
        if colour_system == "truecolor" or self.ansi is not None:
            return self
        if self._in_256 is None:
            ansi = nearest_xterm(self.colours)
            self._in_256 = Palette(self.name, tuple(_rgb(XTERM[i]) for i in ansi), ansi)
        return self._in_256


@lru_cache(maxsize=1024)
def _rgb_colour(rgb: tuple[int, int, int]) -> Color:
    return Color.from_rgb(*rgb)


# Perceptually ordered dark-to-bright (viridis-like): gradient magnitudes.
MAGNITUDE = Palette(
    "magnitude", _ramp([(48, 18, 59), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], 24)
)
# TF Playground's orange <-> white <-> blue: signed values and two-class outputs.
DIVERGING = Palette("diverging", _ramp([(245, 147, 34), (232, 234, 235), (8, 119, 189)], 21))
GREY = Palette("grey", _ramp([(0, 0, 0), (255, 255, 255)], 16))
# Distinct colours for up to ten classes.
CLASSES = Palette(
    "classes",
    (
        (245, 147, 34),
        (8, 119, 189),
        (80, 180, 80),
        (200, 70, 70),
        (150, 100, 200),
        (140, 90, 60),
        (230, 120, 190),
        (130, 130, 130),
        (190, 190, 50),
        (40, 190, 200),
    ),
)


class Scale:
    """Maps values in [lo, hi] onto a palette's levels (clipped; NaN -> NO_DATA).

    A scale with no range (every value 0) puts everything on its neutral level:
    the middle of a centred (signed) scale, the bottom of a one-sided one.
    """

    def __init__(self, lo: float, hi: float, centred: bool | None = None) -> None:
        self.lo, self.hi = float(lo), float(hi)
        self.centred = self.lo < 0 < self.hi or self.lo == self.hi == 0 if centred is None else centred

    def neutral(self, levels: int) -> int:
        """The level of a value on a scale with no range: the middle when centred, else the lowest."""
        return levels // 2 if self.centred else 0

    def indices(self, values: np.ndarray, levels: int) -> np.ndarray:
        indices: np.ndarray = stack_indices(np.asarray(values)[None], [self], levels)[0]
        return indices


def stack_indices(values: np.ndarray, scales: Sequence[Scale], levels: int) -> np.ndarray:
    """Palette indices of a stack of arrays (along the first axis), each on its own scale, in one NumPy pass."""
    v = np.asarray(values, dtype=float)
    shape = (len(scales),) + (1,) * (v.ndim - 1)
    lo = np.array([s.lo for s in scales]).reshape(shape)
    hi = np.array([s.hi for s in scales]).reshape(shape)
    flat = hi == lo  # no range: the scale's neutral level
    idx = np.floor((v - lo) / np.where(flat, 1.0, hi - lo) * levels)
    idx = np.clip(np.nan_to_num(idx, nan=NO_DATA), 0, levels - 1).astype(int)
    idx = np.where(flat, np.array([s.neutral(levels) for s in scales]).reshape(shape), idx)
    idx[np.isnan(v)] = NO_DATA
    return idx


def nice_ceil(x: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= x (x > 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-9))


class SteadyScale(Scale):
    """A scale 0..limit or ±limit whose limit moves only in coarse 1-2-5 steps, so colours do not flicker.

    The limit grows at once when a value goes past it, and shrinks only when
    every value has stayed below a tenth of it. The scale is symmetric when
    `symmetric`, or else when the values go negative.
    """

    def __init__(self, symmetric: bool = True) -> None:
        super().__init__(0.0, 0.0, centred=symmetric)
        self.symmetric = symmetric

    def fit(self, values: np.ndarray) -> None:
        """Adjust the scale to `values` (with hysteresis)."""
        finite = values[np.isfinite(values)]
        peak = float(np.abs(finite).max()) if finite.size else 0.0
        if peak > self.hi or 0.0 < peak < self.hi / 10:
            self.hi = nice_ceil(peak)
        self.lo = -self.hi if self.symmetric or (finite.size and finite.min() < 0) else 0.0
        self.centred = self.symmetric or self.lo < 0


class LayerScales:
    """A SteadyScale per layer, all started afresh when the run starts again (its step goes back)."""

    def __init__(self, symmetric: bool = True) -> None:
        self.symmetric = symmetric
        self._scales: dict[str, SteadyScale] = {}
        self._step = 0

    def fit(self, layer: str, values: np.ndarray, step: int) -> SteadyScale:
        """Layer `layer`'s scale, adjusted to `values` seen at `step`."""
        if step < self._step:
            self._scales.clear()
        self._step = step
        scale = self._scales.setdefault(layer, SteadyScale(self.symmetric))
        scale.fit(values)
        return scale


def fit_columns(values: np.ndarray, width: int) -> np.ndarray:
    """Fit the last axis into `width` columns by averaging whole groups of points, left-aligned.

    The group size is a whole number that changes only when the series outgrows
    the width, so the columns already drawn stay the same as points arrive.
    """
    n = values.shape[-1]
    group = max(1, -(-n // max(width, 1)))
    if group == 1:
        return values
    pad = (-n) % group
    padded = np.pad(values.astype(float), [(0, 0)] * (values.ndim - 1) + [(0, pad)], constant_values=np.nan)
    return _nanmean(padded.reshape(*values.shape[:-1], -1, group), axis=-1)


def _nanmean(a: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Mean ignoring NaN; NaN where a group has no numbers (and no warning)."""
    count = np.sum(~np.isnan(a), axis=axis)
    return np.where(count > 0, np.nansum(a, axis=axis) / np.maximum(count, 1), np.nan)


def fit_grid(values: np.ndarray, rows: int, cols: int, max_zoom: int = 4) -> np.ndarray:
    """Scale a 2-D array by one whole factor to fit rows × cols pixels: block means down, repeats up."""
    h, w = values.shape
    shrink = max(-(-h // max(rows, 1)), -(-w // max(cols, 1)))
    if shrink > 1:
        ph, pw = (-h) % shrink, (-w) % shrink
        v = np.pad(values.astype(float), ((0, ph), (0, pw)), constant_values=np.nan)
        return _nanmean(v.reshape(v.shape[0] // shrink, shrink, v.shape[1] // shrink, shrink), axis=(1, 3))
    zoom = max(1, min(max_zoom, rows // h, cols // w))
    return np.repeat(np.repeat(values, zoom, axis=0), zoom, axis=1)


@dataclass(frozen=True)
class Marks:
    """Characters drawn over cells of a half-block picture (data points): each marked cell's line and column, and
    which of the distinct `cells` (a character and its style) it shows."""

    lines: np.ndarray
    columns: np.ndarray
    which: np.ndarray
    cells: tuple[Segment, ...]


NO_MARKS = Marks(np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=int), ())


def half_block_strips(indices: np.ndarray, palette: Palette, marks: Marks = NO_MARKS) -> list[Strip]:
    """Text lines showing a (pixel rows × columns) array of palette indices, two pixel rows a line, `marks` over them.

    Runs of equal cells become one segment, found with NumPy, and every cell's
    style is made once per palette, so a frame costs little.
    """
    if len(indices) % 2:
        indices = np.vstack([indices, np.full((1, indices.shape[1]), NO_DATA)])
    codes = palette.cell_code(indices[0::2], indices[1::2])
    cells = palette.cells()
    if len(marks.which):
        codes[marks.lines, marks.columns] = len(cells) + marks.which  # after the palette's cells: the marks
        cells = cells + list(marks.cells)
    width = codes.shape[1]
    return [LightStrip(segments, width) for segments in code_segments(codes, cells)]


def code_segments(codes: np.ndarray, cells: list[Segment]) -> list[list[Segment]]:
    """A line's segments per row of cell codes (indices into `cells`), one segment per run of equal codes.

    The runs are found with NumPy and each distinct (code, length) is made into a segment once.
    """
    rows, width = codes.shape
    if not rows or not width:
        return [[] for _ in range(rows)]
    begins = np.ones(codes.shape, dtype=bool)
    begins[:, 1:] = codes[:, 1:] != codes[:, :-1]
    row, column = np.nonzero(begins)  # every run, line by line, left to right
    last = np.append(row[1:] != row[:-1], True)  # the last run of its line
    lengths = np.where(last, width, np.append(column[1:], width)) - column
    keys = codes[row, column] * (width + 1) + lengths  # a run's code and length in one number
    distinct, which = np.unique(keys, return_inverse=True)
    made = []
    for key in distinct.tolist():
        code, length = divmod(key, width + 1)
        cell = cells[code]
        made.append(cell if length == 1 else Segment(cell.text * length, cell.style))
    runs = [made[i] for i in which.tolist()]
    ends = np.cumsum(np.bincount(row, minlength=rows)).tolist()
    return [runs[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def run_starts(codes: np.ndarray) -> list[list[int]]:
    """For each row of `codes`, the columns where a run of equal codes begins (the first column left out)."""
    starts: list[list[int]] = [[] for _ in range(len(codes))]
    rows, columns = np.nonzero(np.diff(codes, axis=1))
    for row, column in zip(rows.tolist(), (columns + 1).tolist()):
        starts[row].append(column)
    return starts


def heatmap_strips(values: np.ndarray, scale: Scale, palette: Palette) -> list[Strip]:
    """A 2-D array of values drawn in half blocks, two pixel rows per text line."""
    return half_block_strips(scale.indices(values, len(palette)), palette)


def range_labels(lo: float, hi: float) -> tuple[str, str]:
    """The two ends of a colour bar in a format chosen from the range, so that both read as what they are.

    Fixed decimals for magnitudes from 0.001 to 9999, scientific notation outside that,
    with the fewest significant digits that keep each end within 1% of its value and the
    two ends apart: a gradient of ±3.2e-05 reads `-3.2e-05 … +3.2e-05`, never `-0 … +0`.
    """
    peak = max(abs(lo), abs(hi))
    if peak == 0:
        return "0", "0"
    sign = "+" if lo < 0 else ""
    for digits in range(1, 7):
        if 1e-3 <= peak < 1e4:
            spec = f"{sign}.{max(0, digits - 1 - math.floor(math.log10(peak)))}f"
        else:
            spec = f"{sign}.{digits - 1}e"
        ends = format(lo, spec), format(hi, spec)
        close = all(abs(float(text) - value) <= 0.01 * peak for text, value in zip(ends, (lo, hi)))
        if close and ends[0] != ends[1]:
            break
    return ("0" if lo == 0 else ends[0]), ("0" if hi == 0 else ends[1])


def colour_bar(scale: Scale, palette: Palette, width: int, fmt: str | None = None) -> Strip:
    """A legend line: low value, a bar of the palette's colours, high value (`fmt`, or a format fitting the range).

    A scale with no range (every value 0) is said in words, beside the neutral colour its cells are drawn in.
    """
    ends = float.hex(scale.lo), float.hex(scale.hi)  # exact, and -0.0 apart from 0.0
    return _colour_bar(*ends, scale.neutral(len(palette)), palette, width, fmt)


@lru_cache(maxsize=256)
def _colour_bar(low_end: str, high_end: str, neutral: int, palette: Palette, width: int, fmt: str | None) -> Strip:
    """The colour bar of a scale between two ends (float.hex): made once, as it stays the same for frames on end."""
    lo, hi = float.fromhex(low_end), float.fromhex(high_end)
    if lo == hi:
        colour = palette.colour(neutral)
        return Strip([Segment("  ", Style(bgcolor=colour)), Segment(f" all {format(hi, 'g')}")]).simplify()
    low, high = (fmt.format(lo), fmt.format(hi)) if fmt else range_labels(lo, hi)
    bar = max(2, min(len(palette), width - len(low) - len(high) - 2))  # the numbers whole, the bar what room is left
    levels = np.linspace(0, len(palette) - 1, bar).round().astype(int)
    segments = [Segment(low + " ")]
    segments += [Segment(" ", Style(bgcolor=palette.colour(int(i)))) for i in levels]
    segments.append(Segment(" " + high))
    return Strip(segments).simplify()
