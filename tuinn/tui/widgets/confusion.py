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
from tuinn.tui.widgets.heatmap import MAGNITUDE, Scale
from tuinn.tui.widgets.panel import Panel

ROW_SHARE = Scale(0.0, 1.0)


class ConfusionPanel(Panel):
    """Rows: true class; columns: predicted class; last column: that class's accuracy."""

    TITLE = "Confusion"

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        self.caption(title=f"Confusion ({s.confusion_source})" if s.confusion_source else self.TITLE)
        if s.confusion is None:
            return self.text_lines([Text("measured at the first evaluation", "dim")], width)
        m, accuracy = s.confusion, s.class_accuracy
        names = list(s.class_names) or [str(k) for k in range(len(m))]
        label = min(8, max(len(n) for n in names))
        cell = max(len(str(int(m.max()))), min(3, max(len(n) for n in names))) + 1
        if label + 1 + cell * len(m) + 6 > width:  # too narrow for the figures: colours only
            cell = max(1, (width - label - 7) // len(m))
        palette = self.ramp(MAGNITUDE)
        totals = np.maximum(m.sum(axis=1, keepdims=True), 1)
        shade = ROW_SHARE.indices(m / totals, len(palette))
        header = Text.assemble(
            (" " * label, ""), *((n[: cell - 1].rjust(cell), "dim") for n in names), ("   acc", "dim")
        )
        lines = [header]
        for k, row in enumerate(m):
            text = Text(names[k][:label].rjust(label), "dim")
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
        lines.append(Text(f"{total:,} samples · accuracy {np.trace(m) / max(total, 1):.4f}", "dim"))
        return self.text_lines(lines, width)
