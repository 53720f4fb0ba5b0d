"""Gradients panel: log10 weight-gradient norm per layer over time with each layer's health, and the selected
layer's gradient matrix; while a run pretrains (no backprop yet), each layer's reconstruction loss instead."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from rich.text import Text
from textual.strip import Strip

from tuinn.train.health import band
from tuinn.train.snapshot import LayerStats, Snapshot
from tuinn.tui.layout import FEW_EMPTY_ROWS, Need
from tuinn.tui.widgets.health import (
    RATIO_CELLS,
    SHARE_CELLS,
    SHARE_WORDS,
    WORD_CELLS,
    legend,
    ratio_text,
    share_text,
)
from tuinn.tui.widgets.heatmap import (
    DIVERGING,
    MAGNITUDE,
    LayerScales,
    Scale,
    colour_bar,
    fit_columns,
    fit_grid,
    heatmap_strips,
)
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.pretrain_lanes import pretrain_lines

NORM_SCALE = Scale(-8.0, 2.0)  # log10 ‖∇W‖: fixed, so a row's colour means the same all run long
MIN_MATRIX_LINES = 5  # title, three lines of matrix, colour bar
SIDE_BY_SIDE = 18  # cells each half needs to put the matrix beside the history
MAX_ROW_LINES = 8  # lines a layer's history row grows to in a tall panel
MIN_EPOCHS, WANT_EPOCHS = 20, 120  # history columns: the least that shows a fade, and plenty
WANT_MATRIX_LINES = 20  # lines of matrix worth growing to
FILLED = (False, 0)  # the matrix kept and no line left empty: no row height does better


def matrix_lines(g: np.ndarray, width: int, rows: int) -> int:
    """Lines the gradient matrix `g` takes with up to `rows` lines of picture in `width` cells: its title, the
    picture as fit_grid zooms it (two pixel rows a line), its colour bar."""
    return 2 + -(-int(fit_grid(g, 2 * rows, width).shape[0]) // 2)


@dataclass(frozen=True)
class Stack:
    """How the panel stacks its parts under the history (heading, every layer's row, colour bar): whether the
    legend's line is drawn, whether the matrix is left out, and the lines left empty under them."""

    legend: bool
    matrix_left_out: bool
    empty: int


def stack(s: Snapshot, width: int, height: int, repeat: int) -> Stack:
    """How build stacks the history (rows `repeat` lines tall), the legend and the matrix in `width` × `height`:
    the legend's line only where the matrix keeps its least, the matrix only where it gets its least."""
    room = height - (len(s.grad_history_layers) * repeat + 2)
    g = s.selected_grad
    ratios = any(st.log_update_ratio is not None for st in s.layer_stats)
    legend = ratios and room - 1 >= (MIN_MATRIX_LINES if g is not None and room >= MIN_MATRIX_LINES else 0)
    room -= legend
    shown = g is not None and room >= MIN_MATRIX_LINES
    matrix = matrix_lines(g, width, room - 2) if g is not None and shown else 0
    return Stack(legend, g is not None and not shown, room - matrix)


def history_repeat(s: Snapshot, width: int, height: int) -> int:
    """Lines each layer's row of the history takes in a panel `height` lines tall: one, or more where the matrix
    leaves rows (a tall panel); the matrix (at its least, under the legend) keeps its rows while the rows still get
    two lines each. Where that leaves a band of empty lines (a matrix that zooms by whole cells), the row height
    up to MAX_ROW_LINES that leaves the fewest, the matrix kept; past it only where none up to it fills the band,
    the least that does."""
    layers = len(s.grad_history_layers)
    if not layers:
        return 1
    g = s.selected_grad
    matrix = 0 if g is None else matrix_lines(g, width, height)
    beside = (height - 2 - 1 - max(matrix, MIN_MATRIX_LINES)) // layers if matrix else 0  # with the legend, whole
    first = max(1, min(MAX_ROW_LINES, beside if beside >= 2 else (height - 2 - matrix) // layers))

    @cache
    def left(repeat: int) -> tuple[bool, int]:
        """(the matrix left out, lines left empty) with rows `repeat` lines tall."""
        drawn = stack(s, width, height, repeat)
        return drawn.matrix_left_out, drawn.empty

    if left(first)[1] <= FEW_EMPTY_ROWS:
        return first
    tallest = (height - 2) // layers
    best: int = min([first, *range(1, min(MAX_ROW_LINES, tallest) + 1)], key=lambda r: (*left(r), -r))
    for taller in range(MAX_ROW_LINES + 1, tallest + 1):  # past MAX_ROW_LINES: the least that leaves fewer
        if left(best) == FILLED:
            break
        if left(taller) < left(best):
            best = taller
    return best


MIN_HEATMAP = 12  # cells of history a row keeps before its health numbers take fewer cells
MIN_NARROW_HEATMAP = 2  # ... and in a narrow panel, before the share makes way for them
#: the health columns after each row's history, widest first: (ratio's band word, share's word)
HEALTH_FORMS = ((True, "word"), (False, "word"), (False, "short"), (False, ""))


class GradientsPanel(Panel):
    """Vanishing gradients show as rows fading toward the input; exploding ones as flaring rows."""

    TITLE = "Gradients"
    READS = (
        "grad_history",
        "grad_history_layers",
        "layer_stats",
        "selected_grad",
        "selected_layer",
        "step",
        "pretrain",
        "curves",
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scales = LayerScales()

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Every layer's row of the history, its heading and its colour bar; with room, rows MAX_ROW_LINES tall, the
        legend and the matrix under them."""
        names = snapshot.grad_history_layers
        label = max((len(n) for n in names), default=0) + 1
        lines = len(names) + 2
        g = snapshot.selected_grad
        matrix = 0 if g is None else matrix_lines(g, label + MIN_EPOCHS, WANT_MATRIX_LINES)
        tall = len(names) * MAX_ROW_LINES + 3 + matrix  # (the matrix as the least width draws it: no band when wider)
        return Need.content(label + MIN_EPOCHS, lines, label + WANT_EPOCHS, tall)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        if s.pretrain is not None and s.pretrain.names:  # no backprop yet: each layer's pretraining instead
            return pretrain_lines(s, width, height, self.text_lines)
        history_lines = len(s.grad_history_layers) + 2
        if height - history_lines >= MIN_MATRIX_LINES or width < 2 * SIDE_BY_SIDE:
            repeat = history_repeat(s, width, height)
            parts = stack(s, width, height, repeat)
            lines = self._history(s, width, repeat) + (self._legend(s, width) if parts.legend else [])
            return lines + self._matrix(s, width, height - len(lines))
        # a deep net: the matrix goes beside the history so that it stays in view
        half = width // 2
        left, right = self._history(s, half - 1), self._matrix(s, width - half, height)
        if len(left) < height:
            left += self._legend(s, half - 1)
        blank_left, blank_right = Strip.blank(half), Strip.blank(width - half)
        return [
            Strip.join(
                [
                    left[i].adjust_cell_length(half) if i < len(left) else blank_left,
                    right[i] if i < len(right) else blank_right,
                ]
            )
            for i in range(max(len(left), len(right)))
        ]

    def _history(self, s: Snapshot, width: int, repeat: int = 1) -> list[Strip]:
        """log10 ‖∇W‖ per layer over time (`repeat` lines a layer), each row ending in the layer's health; the colour bar."""
        names = s.grad_history_layers
        columns, label, health = _health_columns(s, width)
        right = columns.cells
        cols = max(1, width - label - right)
        lines = self.text_lines([Text("log10 ‖∇W‖ per layer, input at top, epochs →", "dim")], width)
        history = fit_columns(s.grad_history, cols) if s.grad_history.size else np.full((len(names), 1), np.nan)
        magnitude = self.ramp(MAGNITUDE)
        rows = heatmap_strips(np.repeat(history, 2 * repeat, axis=0), NORM_SCALE, magnitude)
        for i, row in enumerate(rows):
            first = i % repeat == 0
            name = names[i // repeat] if first else ""
            numbers_text = columns.text(health[i // repeat]) if first else Text("")
            left, numbers = self.text_lines([Text(name.ljust(label), "dim"), numbers_text], max(label, right))
            lines.append(Strip.join([left.crop(0, label), row.adjust_cell_length(cols), numbers.crop(0, right)]))
        lines.append(Strip.join([Strip.blank(label), colour_bar(NORM_SCALE, magnitude, cols, "{:+.0f}")]))
        return lines

    def _legend(self, s: Snapshot, width: int) -> list[Strip]:
        """What the ratio's colours mean, as a line (none before any layer has a ratio)."""
        if all(st.log_update_ratio is None for st in s.layer_stats):
            return []
        return self.text_lines([legend(width)], width)

    def _matrix(self, s: Snapshot, width: int, height: int) -> list[Strip]:
        """The selected layer's gradient matrix (rows: inputs, columns: units) on a steady symmetric scale."""
        if s.selected_grad is None or height < MIN_MATRIX_LINES:
            return []
        g = s.selected_grad
        scale = self._scales.fit(s.selected_layer or "", g, s.step)
        title = Text.assemble(
            ("∇W of ", "dim"),
            (s.selected_layer or "", "bold"),
            (f"  {g.shape[0]}×{g.shape[1]}   [ ] select layer", "dim"),
        )
        diverging = self.ramp(DIVERGING)
        picture = heatmap_strips(fit_grid(g, 2 * (height - 2), width), scale, diverging)
        return self.text_lines([title], width) + picture + [colour_bar(scale, diverging, width)]


def _health_columns(s: Snapshot, width: int) -> tuple[HealthColumns, int, list[LayerStats | None]]:
    """The widest health columns that leave the history MIN_HEATMAP cells in `width` (else MIN_NARROW_HEATMAP,
    else the narrowest), the cells of the rows' names, and each row's LayerStats."""
    names = s.grad_history_layers
    label = max((len(n) for n in names), default=0) + 1
    stats = {st.name: st for st in s.layer_stats}
    health = [stats.get(name) for name in names]
    forms = [HealthColumns.fit(health, *form) for form in HEALTH_FORMS]
    fitting = [c for least in (MIN_HEATMAP, MIN_NARROW_HEATMAP) for c in forms if width - label - c.cells >= least]
    columns = fitting[0] if fitting else forms[-1]
    return columns, label, health


@dataclass(frozen=True)
class HealthColumns:
    """The cells of the health numbers after each row: the ratio, its band word, the share (0: not shown)."""

    ratio: int
    word: int
    share: int
    share_form: str  # "word": 'sat 37%', "short": '37%', "": none

    @property
    def cells(self) -> int:
        return self.ratio + self.word + self.share

    @classmethod
    def fit(cls, health: list[LayerStats | None], word: bool, share_form: str) -> HealthColumns:
        """The columns of one form for these layers: none before any layer has a ratio (an older recording)."""
        if all(st is None or st.log_update_ratio is None for st in health):
            return cls(0, 0, 0, share_form)
        words = [SHARE_WORDS[st.activation] for st in health if st is not None and st.activation in SHARE_WORDS]
        share = 0 if not words or not share_form else 1 + SHARE_CELLS
        if share and share_form == "word":
            share += 1 + max(map(len, words))
        return cls(1 + RATIO_CELLS, 1 + WORD_CELLS if word else 0, share, share_form)

    def text(self, stats: LayerStats | None) -> Text:
        """A row's health in these columns: ' -4.8 not learning  sat 37%'."""
        text = Text(" ")
        if stats is None or not self.cells:
            return text
        text.append_text(ratio_text(stats))
        value = stats.log_update_ratio
        if self.word:
            text.append(f" {band(value) if value is not None else '':{WORD_CELLS}}", "dim")
        if self.share:
            text.append(share_text(stats, short=self.share_form == "short").rjust(self.share))
        return text
