"""Decision-boundary panel: the model's output (or one selected unit's) over the input plane, with the data points.

As on TF Playground: orange and blue regions, training points filled, validation
points hollow, a misclassified point drawn as a cross in its own class colour,
so it stands out on the region of the other class; tick values on both axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import DecisionSurface, NeuronLayer, Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.heatmap import (
    CLASSES,
    DIVERGING,
    Marks,
    Palette,
    Scale,
    colour_bar,
    half_block_strips,
    nice_ceil,
)
from tuinn.tui.widgets.light_strip import join
from tuinn.tui.widgets.panel import Panel

TRAIN_POINT, VAL_POINT, WRONG_POINT = "●", "○", "✕"
POINT_GLYPHS = (TRAIN_POINT, VAL_POINT, WRONG_POINT)  # by what a point is: trained on, validation, misclassified
BLANK_MARK = len(POINT_GLYPHS)  # the glyph index of the blank cells each side of a wide mark
SMALL_SET = 16  # data sets with at most this many points get marks three cells wide (XOR's four corners)
Y_AXIS = 6  # cells for the y tick labels
MIN_PICTURE = (20, 10)  # cells of the picture at the least: columns, lines
WANT_PICTURE = 96  # columns of picture worth growing to (half as many lines)
CAPTION_LINES = 4  # the x axis, the colour bar and the points under the picture; a unit's name over it
#: which points the panel draws (key `v` steps through them)
POINT_FILTERS = ("all", "train", "validation", "misclassified")
#: activations whose output has a fixed range, so every unit of theirs is drawn on the same scale
UNIT_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "softsign": (-1.0, 1.0), "step": (0.0, 1.0)}


@dataclass(frozen=True)
class UnitChoice:
    """A unit picked in the neuron grid: `layer` indexes DecisionSurface.neurons."""

    layer: int
    unit: int


def all_units(layers: tuple[NeuronLayer, ...]) -> list[UnitChoice]:
    """Every unit of every layer, inputs first: the order `,` and `.` step through."""
    return [UnitChoice(i, k) for i, layer in enumerate(layers) for k in range(layer.units)]


def is_multiclass(d: DecisionSurface) -> bool:
    """Whether the surface holds predicted classes (0..K-1, K > 2) rather than a probability or value."""
    return d.value_range[0] == 0.0 and d.value_range[1] > 1.0


def unit_scale(layer: NeuronLayer, values: np.ndarray) -> Scale:
    """The scale one unit is drawn on: its activation's range, or ±(a 1-2-5 bound of its values)."""
    return unit_scales(layer, values[None])[0]


def unit_scales(layer: NeuronLayer, maps: np.ndarray) -> list[Scale]:
    """The scale of each of a stack of unit maps (units, G, G), worked out for the stack at once."""
    if layer.activation in UNIT_RANGES:
        return [Scale(*UNIT_RANGES[layer.activation])] * len(maps)
    flat = maps.reshape(len(maps), -1)
    finite = np.isfinite(flat)
    peaks = np.where(finite, np.abs(flat), 0.0).max(axis=1, initial=0.0).tolist()
    negative: list[bool] = np.asarray((np.where(finite, flat, 0.0) < 0).any(axis=1)).tolist()
    seen: list[bool] = np.asarray(finite.any(axis=1)).tolist()
    scales = []
    for peak, have, below in zip(peaks, seen, negative):
        top = nice_ceil(max(peak if have else 1.0, 1e-6))
        scales.append(Scale(-top if below else 0.0, top))
    return scales


def resample(values: np.ndarray, size: int) -> np.ndarray:
    """A (G, G) grid (or a stack of them) picked down (or repeated up) to size × size, top row = largest y."""
    pick = np.arange(size) * values.shape[-2] // size
    grid: np.ndarray = values[..., ::-1, :][..., pick, :][..., pick]
    return grid


def nice_ticks(lo: float, hi: float, count: int = 4) -> np.ndarray:
    """About `count` round values (1-2-5 steps) inside [lo, hi]."""
    step = nice_ceil((hi - lo) / max(count, 1)) if hi > lo else 1.0
    return np.arange(math.ceil(lo / step) * step, hi + 1e-9 * step, step)


def tick_label(value: float) -> str:
    return f"{0.0 if abs(value) < 1e-12 else value:g}"


@lru_cache(maxsize=256)
def point_style(fill: Color) -> Style:
    """A point: a cell in its class's colour with a black or white glyph, whichever contrasts."""
    r, g, b = fill.get_truecolor()
    light = 0.299 * r + 0.587 * g + 0.114 * b > 140
    return Style(color="black" if light else "white", bgcolor=fill, bold=True)


class DecisionPanel(Panel):
    """Half-block cells coloured by the output; data points on top; axes with tick values."""

    TITLE = "Decision boundary"
    READS = ("decision", "task")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.unit: UnitChoice | None = None  # None: the network's output
        self.points = POINT_FILTERS[0]
        self._marked: tuple[tuple[object, ...], Marks] | None = None  # what the marks were placed from, and them

    def choose(self, unit: UnitChoice | None, points: str) -> None:
        """Show `unit` (None: the network's output) and the `points` set of POINT_FILTERS."""
        self.unit, self.points = unit, points
        self._redraw()

    def view(self) -> tuple[object, ...]:
        return self.unit, self.points

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """A picture of at least MIN_PICTURE cells with its axes and captions; square pictures up to WANT_PICTURE."""
        columns, lines = MIN_PICTURE
        return Need.content(
            Y_AXIS + columns,
            lines + CAPTION_LINES,
            Y_AXIS + WANT_PICTURE,
            WANT_PICTURE // 2 + CAPTION_LINES,
            aspect=2.0,
        )

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        d = snapshot.decision
        if d is None:
            return []
        self.caption(title="Regression surface" if snapshot.task == "regression" else self.TITLE)
        choice = self.unit
        layer = d.neurons[choice.layer] if choice is not None and choice.layer < len(d.neurons) else None
        unit = choice.unit if choice is not None and layer is not None and choice.unit < layer.units else None
        head, foot = self._captions(snapshot, d, layer, unit, width)
        size = max(2, min(width - Y_AXIS, 2 * (height - len(head) - len(foot) - 1)))
        size -= size % 2  # whole text lines: no half-empty row at the bottom
        if layer is not None and unit is not None:
            values = resample(layer.values[unit], size)
            scale, palette = unit_scale(layer, layer.values[unit]), self.ramp(DIVERGING)
            indices = scale.indices(values, len(palette))
        else:
            indices, palette, scale = self._surface(d, size)
        picture = half_block_strips(indices, palette, self._marks(snapshot, d, size))
        return head + self._with_axes(d, picture, size) + foot

    def _surface(self, d: DecisionSurface, size: int) -> tuple[np.ndarray, Palette, Scale]:
        """Palette indices of the network's output, resampled to size × size."""
        values, scale = resample(d.values, size), Scale(*d.value_range)
        if is_multiclass(d):
            classes = self.ramp(CLASSES)
            return np.rint(values).astype(int) % len(classes), classes, scale
        palette = self.ramp(DIVERGING)
        return scale.indices(values, len(palette)), palette, scale

    def _marks(self, s: Snapshot, d: DecisionSurface, size: int) -> Marks:
        """The points the filter lets through, over a picture of `size` cells: worked out again only when the points,
        whether each is right, or what they are drawn on changed."""
        arrays = (d.points, d.labels, d.correct, d.is_val, d.xs[[0, -1]], d.ys[[0, -1]])
        key = (size, self.points, s.task, d.value_range, self.terminal.colour_system, *(a.tobytes() for a in arrays))
        if self._marked is None or self._marked[0] != key:
            self._marked = key, self._place_marks(s, d, size)
        return self._marked[1]

    def _place_marks(self, s: Snapshot, d: DecisionSurface, size: int) -> Marks:
        """Each kept point's glyph in its style at its cell (with a blank cell each side in a small set); where two
        fall on one cell, the later point's."""
        keep = np.ones(len(d.points), dtype=bool)
        if self.points == "train":
            keep = ~d.is_val
        elif self.points == "validation":
            keep = d.is_val.copy()
        elif self.points == "misclassified":
            keep = ~d.correct
        (x0, x1), (y0, y1) = (d.xs[0], d.xs[-1]), (d.ys[0], d.ys[-1])
        cols = np.clip(((d.points[:, 0] - x0) / (x1 - x0) * size).astype(int), 0, size - 1)
        rows = np.clip(((y1 - d.points[:, 1]) / (y1 - y0) * size).astype(int), 0, size - 1)
        styles, style_of = self._point_styles(s, d)
        right, validation = np.asarray(d.correct, dtype=bool), np.asarray(d.is_val, dtype=bool)
        glyph = np.where(right, np.where(validation, 1, 0), 2)
        kept = np.flatnonzero(keep)
        lines, columns, glyph, style = rows[kept] // 2, cols[kept], glyph[kept], style_of[kept]
        if len(d.points) <= SMALL_SET and size >= 12:  # wide: a blank cell in the point's style each side first
            lines, style = np.repeat(lines, 3), np.repeat(style, 3)
            columns = (columns[:, None] + np.array([-1, 1, 0])).ravel()
            glyph = np.stack([np.full_like(glyph, BLANK_MARK), np.full_like(glyph, BLANK_MARK), glyph], axis=1).ravel()
            inside = (columns >= 0) & (columns < size)
            lines, columns, glyph, style = lines[inside], columns[inside], glyph[inside], style[inside]
        cell = lines * size + columns
        last = len(cell) - 1 - np.unique(cell[::-1], return_index=True)[1]  # each cell's last mark
        distinct, which = np.unique(glyph[last] * len(styles) + style[last], return_inverse=True)
        glyphs = (*POINT_GLYPHS, " ")
        cells = tuple(Segment(glyphs[m // len(styles)], styles[m % len(styles)]) for m in distinct.tolist())
        return Marks(lines[last], columns[last], which.reshape(-1), cells)

    def _point_styles(self, s: Snapshot, d: DecisionSurface) -> tuple[list[Style], np.ndarray]:
        """The distinct styles of the points and each point's among them, in its colour: its class's colour (the end of
        the ramp for two classes), or its value on the scale."""
        labels = np.asarray(d.labels, dtype=float)
        if is_multiclass(d):
            palette = self.ramp(CLASSES)
            indices = labels.astype(int) % len(palette)
        else:
            palette = self.ramp(DIVERGING)
            if s.task == "classification":
                indices = np.where(labels != 0, len(palette) - 1, 0)
            else:
                indices = Scale(*d.value_range).indices(labels, len(palette))
        distinct, which = np.unique(indices, return_inverse=True)
        return [point_style(palette.colour(int(i))) for i in distinct.tolist()], which.reshape(-1)

    def _with_axes(self, d: DecisionSurface, picture: list[Strip], size: int) -> list[Strip]:
        """The picture with y tick values on its left and x tick values under it."""
        (x0, x1), (y0, y1) = (d.xs[0], d.xs[-1]), (d.ys[0], d.ys[-1])
        lines = len(picture)
        y_labels = [""] * lines
        for v in nice_ticks(y0, y1, max(3, lines // 4)):
            line = min(lines - 1, int((y1 - v) / (y1 - y0) * size) // 2)
            y_labels[line] = tick_label(v)
        gutter = self.text_lines([Text(label.rjust(Y_AXIS - 1) + " ", "dim") for label in y_labels], Y_AXIS)
        rows = [join([g, p]) for g, p in zip(gutter, picture)]
        axis = [" "] * (size + Y_AXIS)
        for v in nice_ticks(x0, x1, max(3, size // 10)):
            label = tick_label(v)
            col = Y_AXIS + int((v - x0) / (x1 - x0) * size) - len(label) // 2
            if all(c == " " for c in axis[max(0, col - 1) : col + len(label) + 1]) and col + len(label) <= len(axis):
                axis[col : col + len(label)] = list(label)
        return rows + self.text_lines([Text("".join(axis), "dim")], size + Y_AXIS)

    def _captions(
        self, s: Snapshot, d: DecisionSurface, layer: NeuronLayer | None, unit: int | None, width: int
    ) -> tuple[list[Strip], list[Strip]]:
        """Lines above the picture (the chosen unit) and under it (colour scale, points, weights)."""
        head: list[Strip] = []
        foot: list[Strip] = []
        palette = self.ramp(DIVERGING)
        if layer is not None and unit is not None:
            name = unit_label(layer, unit)
            head = self.text_lines(
                [Text.assemble((name, "bold"), (f"  {layer.activation or 'input'}   , . other units", "dim"))], width
            )
            foot.append(
                join(
                    [
                        self.text_lines([Text("output ", "dim")], 7)[0],
                        colour_bar(unit_scale(layer, layer.values[unit]), palette, width - 7, "{:+g}"),
                    ]
                )
            )
            foot += self._weights(layer, unit, width)
        elif is_multiclass(d):
            classes = self.ramp(CLASSES)
            legend = Text.assemble(
                ("class ", "dim"),
                *((f"■{k} ", Style(color=classes.colour(k))) for k in range(int(d.value_range[1]) + 1)),
            )
            foot += self.text_lines([legend], width)
        else:
            what = "P(class 1)" if s.task == "classification" else "prediction"
            label = self.text_lines([Text(what + " ", "dim")], len(what) + 1)[0]
            foot.append(join([label, colour_bar(Scale(*d.value_range), palette, width - len(what) - 1, "{:g}")]))
        points = f"{TRAIN_POINT} train" + (f"  {VAL_POINT} validation" if d.is_val.any() else "")
        if s.task == "classification":
            points += f"  {WRONG_POINT} wrong"
        foot += self.text_lines([Text(points, "dim")], width)
        self.caption(subtitle=f"v: {self.points} points")
        return head, foot

    def _weights(self, layer: NeuronLayer, unit: int, width: int) -> list[Strip]:
        """The unit's incoming weights as a signed colour strip and as numbers, and its bias."""
        if layer.weights is None:
            return []
        w = layer.weights[:, unit]
        peak = nice_ceil(max(float(np.abs(w).max()), 1e-6))
        palette = self.ramp(DIVERGING)
        cells = Scale(-peak, peak).indices(w, len(palette))
        strip = Text.assemble(("w ", "dim"), *((" ", Style(bgcolor=palette.colour(int(c)))) for c in cells))
        bias = "" if layer.bias is None else f"  b {layer.bias[unit]:+.3g}"
        strip.append(f"  ±{peak:g}{bias}", "dim")
        numbers = Text(" ".join(f"{v:+.2f}" for v in w), "dim")
        return self.text_lines([strip], width) + self.rich_lines(numbers, width)[:2]


def unit_label(layer: NeuronLayer, unit: int) -> str:
    """'dense_2 unit 5/16', or the input feature's name."""
    if layer.is_input:
        return f"input {unit + 1}/{layer.units}"
    return f"{layer.name} unit {unit + 1}/{layer.units}"
