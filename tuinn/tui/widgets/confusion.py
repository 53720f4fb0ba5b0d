"""Confusion-matrix panel (classification presets): counts of true class × predicted class, with per-class accuracy.

Measured on the validation set (or the training data when there is no other) at
each evaluation. Cells are shaded by the share of their row, so a class the model
confuses with another shows a bright cell off the diagonal.
"""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.heatmap import MAGNITUDE, Scale
from tuinn.tui.widgets.panel import Panel

ROW_SHARE = Scale(0.0, 1.0)


class ConfusionPanel(Panel):
    """Rows: true class; columns: predicted class; last column: that class's accuracy."""

    TITLE = "Confusion"
    READS = ("confusion", "class_accuracy", "class_names", "confusion_source")

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """The header, a row per class and the summary; at least two cells of colour a class, at best the counts."""
        s = snapshot
        classes = len(s.class_names) or (s.summary[-1].output_shape[-1] if s.summary else 2)
        names = list(s.class_names) or [str(k) for k in range(classes)]
        most = int(s.confusion.max()) if s.confusion is not None and s.confusion.size else 999
        labels, headers = class_labels(names, most, 10_000)
        label = max(len(n) for n in labels)
        cell = max(len(str(most)), max(len(h) for h in headers)) + 1
        numbered = max(len(f"{k} {n}") for k, n in enumerate(names))
        least = max(len(summary(0, 0.0, 0)), row_width(min(label, numbered), 2, classes))
        return Need.content(least, classes + 2, row_width(label, cell, classes), classes + 2)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        self.caption(title=f"Confusion ({s.confusion_source})" if s.confusion_source else self.TITLE)
        m, accuracy = s.confusion, s.class_accuracy
        if m is None or accuracy is None:
            return self.rich_lines(Text("measured at the first evaluation", "dim"), width)
        names, headers = class_labels(list(s.class_names) or [str(k) for k in range(len(m))], int(m.max()), width)
        label = max(len(n) for n in names)
        cell = max(len(str(int(m.max()))), max(len(h) for h in headers)) + 1
        if row_width(label, cell, len(m)) > width:  # too narrow for the figures: colours only
            cell = max(1, (width - label - 7) // len(m))
        palette = self.ramp(MAGNITUDE)
        totals = np.maximum(m.sum(axis=1, keepdims=True), 1)
        shade = ROW_SHARE.indices(m / totals, len(palette))
        header = Text.assemble(
            (" " * label, ""), *((h[: cell - 1].rjust(cell), "dim") for h in headers), ("   acc", "dim")
        )
        lines = [header]
        for k, row in enumerate(m):
            text = Text(names[k].rjust(label), "dim")
            for j, count in enumerate(row.tolist()):
                colour = palette.colour(int(shade[k, j]))
                light = palette.rgb(int(shade[k, j]))
                fg = "black" if sum(light) > 380 else "white"
                figure = str(count) if len(str(count)) < cell else ""
                text.append(figure.rjust(cell), Style(color=fg, bgcolor=colour, bold=k == j))
            text.append(
                "  -" if np.isnan(accuracy[k]) else f" {accuracy[k]:.2f}"[-5:].rjust(5),
                "bold" if accuracy[k] < 0.9 else "",
            )
            lines.append(text)
        total = int(m.sum())
        lines.append(Text(summary(total, np.trace(m) / max(total, 1), width), "dim"))
        return self.text_lines(lines, width)


def row_width(label: int, cell: int, classes: int) -> int:
    """Cells of a matrix row: its label, a cell per class, the accuracy."""
    return label + 1 + cell * classes + 6


def class_labels(names: list[str], most: int, width: int) -> tuple[list[str], list[str]]:
    """Row labels and column headers: the class names whole, or numbered columns when the names do not fit over them.

    Numbered columns put the number before each row's name ("0 negative"), so no name is cut to `neg`.
    """
    longest, figures = max(len(n) for n in names), len(str(most))
    if row_width(longest, max(figures, longest) + 1, len(names)) <= width:
        return names, names
    numbers = [str(k) for k in range(len(names))]
    return [f"{k} {n}" for k, n in zip(numbers, names)], numbers


def summary(samples: int, accuracy: float, width: int) -> str:
    """The line under the matrix, as long as fits in `width`: the accuracy is never cut off."""
    forms = (f"{samples:,} samples · accuracy {accuracy:.4f}", f"{samples:,} samples · acc {accuracy:.4f}")
    return next((form for form in forms if len(form) <= width), f"acc {accuracy:.4f}")
