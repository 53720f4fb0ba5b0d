"""Decision-boundary panel: the model's output over the input plane, with the training points, as on TF Playground."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import DecisionSurface, Snapshot
from tuinn.tui.widgets.heatmap import CLASSES, DIVERGING, Palette, Scale, colour_bar, half_block_strips
from tuinn.tui.widgets.panel import Panel

POINT = "●"


def is_multiclass(d: DecisionSurface) -> bool:
    """Whether the surface holds predicted classes (0..K-1, K > 2) rather than a probability or value."""
    return d.value_range[0] == 0.0 and d.value_range[1] > 1.0


def surface_indices(d: DecisionSurface, size: int) -> tuple[np.ndarray, Palette, Scale]:
    """Palette indices of the surface resampled to size × size pixels, top row = largest y."""
    pick = np.arange(size) * len(d.xs) // size
    values = d.values[::-1][pick][:, pick]
    scale = Scale(*d.value_range)
    if is_multiclass(d):
        return np.rint(values).astype(int) % len(CLASSES), CLASSES, scale
    return scale.indices(values, len(DIVERGING)), DIVERGING, scale


def label_rgb(d: DecisionSurface, task: str, label, palette: Palette, scale: Scale) -> tuple[int, int, int]:
    """The colour of a training point: its class's end of the palette, or its value on the scale."""
    if is_multiclass(d):
        return CLASSES.rgb(int(label) % len(CLASSES))
    if task == "classification":
        return palette.rgb(len(palette) - 1 if label else 0)
    return palette.rgb(int(scale.indices(np.array([float(label)]), len(palette))[0]))


@lru_cache(maxsize=1024)
def point_style(rgb: tuple[int, int, int], background: tuple[int, int, int]) -> Style:
    """A dot in a darkened `rgb`, so it stands out on the surface of its own class."""
    dark = tuple(int(c * 0.55) for c in rgb)
    return Style(color=Color.from_rgb(*dark), bgcolor=Color.from_rgb(*background), bold=True)


class DecisionPanel(Panel):
    """Half-block cells coloured by the output; each training point a dot in its label's colour."""

    TITLE = "Decision boundary"

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        d = snapshot.decision
        if d is None:
            return []
        size = max(2, min(width, 2 * (height - 1)))
        indices, palette, scale = surface_indices(d, size)
        (x0, x1), (y0, y1) = (d.xs[0], d.xs[-1]), (d.ys[0], d.ys[-1])
        cols = np.clip(((d.points[:, 0] - x0) / (x1 - x0) * size).astype(int), 0, size - 1)
        rows = np.clip(((y1 - d.points[:, 1]) / (y1 - y0) * size).astype(int), 0, size - 1)
        marks = {}
        for col, row, label in zip(cols.tolist(), rows.tolist(), d.labels.tolist()):
            background = palette.rgb(int(indices[row, col]))
            marks[row // 2, col] = (POINT, point_style(label_rgb(d, snapshot.task, label, palette, scale), background))
        lines = half_block_strips(indices, palette, marks)
        if is_multiclass(d):
            legend = Text.assemble(*((f"■ {k} ", Style(color=Color.from_rgb(*CLASSES.rgb(k)))) for k in range(int(d.value_range[1]) + 1)))
            return lines + self.text_lines([legend], width)
        return lines + [colour_bar(scale, palette, size, "{:g}")]
