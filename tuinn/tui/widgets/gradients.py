"""Gradients panel: log10 weight-gradient norm per layer over time, and the selected layer's gradient matrix."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need
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

NORM_SCALE = Scale(-8.0, 2.0)  # log10 ‖∇W‖: fixed, so a row's colour means the same all run long
MIN_MATRIX_LINES = 5  # title, three lines of matrix, colour bar
SIDE_BY_SIDE = 18  # cells each half needs to put the matrix beside the history
MAX_ROW_LINES = 8  # lines a layer's history row grows to in a tall panel
MIN_EPOCHS, WANT_EPOCHS = 20, 120  # history columns: the least that shows a fade, and plenty
WANT_MATRIX_LINES = 20  # lines of matrix worth growing to


def history_repeat(s: Snapshot, width: int, height: int) -> int:
    """Lines each layer's row of the history takes: one, or more where the matrix leaves rows (a tall panel)."""
    layers = len(s.grad_history_layers)
    if not layers:
        return 1
    g = s.selected_grad
    matrix = 0 if g is None else 2 + -(-fit_grid(g, 2 * height, width).shape[0] // 2)
    return max(1, min(MAX_ROW_LINES, (height - 2 - matrix) // layers))


class GradientsPanel(Panel):
    """Vanishing gradients show as rows fading toward the input; exploding ones as flaring rows."""

    TITLE = "Gradients"
    READS = ("grad_history", "grad_history_layers", "selected_grad", "selected_layer", "step")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scales = LayerScales()

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Every layer's row of the history, its heading and its colour bar; with room, the matrix under them."""
        names = snapshot.grad_history_layers
        label = max((len(n) for n in names), default=0) + 1
        lines = len(names) + 2
        return Need.content(label + MIN_EPOCHS, lines, label + WANT_EPOCHS, lines + WANT_MATRIX_LINES)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        history_lines = len(s.grad_history_layers) + 2
        if height - history_lines >= MIN_MATRIX_LINES or width < 2 * SIDE_BY_SIDE:
            lines = self._history(s, width, history_repeat(s, width, height))
            return lines + self._matrix(s, width, height - len(lines))
        # a deep net: the matrix goes beside the history so that it stays in view
        half = width // 2
        left, right = self._history(s, half - 1), self._matrix(s, width - half, height)
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
        """log10 ‖∇W‖ per layer over time (`repeat` lines a layer), with its colour bar."""
        names = s.grad_history_layers
        label = max((len(n) for n in names), default=0) + 1
        cols = max(1, width - label)
        lines = self.text_lines([Text("log10 ‖∇W‖ per layer, input at top, epochs →", "dim")], width)
        history = fit_columns(s.grad_history, cols) if s.grad_history.size else np.full((len(names), 1), np.nan)
        magnitude = self.ramp(MAGNITUDE)
        rows = heatmap_strips(np.repeat(history, 2 * repeat, axis=0), NORM_SCALE, magnitude)
        for i, row in enumerate(rows):
            name = names[i // repeat] if i % repeat == 0 else ""
            lines.append(Strip.join([self.text_lines([Text(name.ljust(label), "dim")], label)[0], row]))
        lines.append(Strip.join([Strip.blank(label), colour_bar(NORM_SCALE, magnitude, cols, "{:+.0f}")]))
        return lines

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
