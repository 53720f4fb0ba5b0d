"""Loss panel: train/val sparklines of loss and metric over the whole run, with the user's switches marked."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import Curve, Snapshot
from tuinn.tui.widgets.heatmap import nice_ceil
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.status import fmt

BARS = "▁▂▃▄▅▆▇█"
LABEL = 19  # "train loss  0.1234 "
# Event kinds marked under the curves: the letter shown and its style.
MARKS = {"activation": ("a", "bold magenta"), "lr": ("l", "bold yellow"), "optimizer": ("o", "bold cyan"), "reset": ("r", "bold red"),
         "pretrain": ("p", "bold yellow"), "finetune": ("f", "bold green")}


#: sparkline colours: training curves green, validation cyan, pretraining's reconstruction yellow
CURVE_STYLES = {"train": "green", "val": "cyan", "recon": "yellow"}


def recon_value(s: Snapshot) -> float | None:
    """The reconstruction loss to print: the current layer's last epoch, or the last one recorded."""
    if s.pretrain is not None and s.pretrain.reconstruction_loss is not None:
        return s.pretrain.reconstruction_loss
    return s.curves["recon_loss"].values[-1] if len(s.curves["recon_loss"]) else None


def step_span(step: int) -> int:
    """The step the x axis ends at: a 1-2-5 round number, so the columns move only now and then."""
    return int(nice_ceil(max(step, 10)))


def bin_by_step(curve: Curve, span: int, cols: int) -> np.ndarray:
    """Mean value per column of a `span`-step axis; NaN before the first point, carried forward after."""
    out = np.full(cols, np.nan)
    if not len(curve) or cols <= 0:
        return out
    col = np.minimum((curve.steps * cols) // span, cols - 1).astype(int)
    counts = np.bincount(col, minlength=cols)
    sums = np.bincount(col, weights=curve.values, minlength=cols)
    have = counts > 0
    out[have] = sums[have] / counts[have]
    last = np.maximum.accumulate(np.where(have, np.arange(cols), -1))
    filled = last >= 0
    out[filled] = out[last[filled]]
    out[col.max() + 1 :] = np.nan
    return out


def sparkline(values: np.ndarray, log: bool = False) -> str:
    """One character per value, scaled between the values' own min and max; blank where NaN."""
    v = np.log10(np.maximum(values, 1e-12)) if log else values
    finite = v[np.isfinite(v)]
    if not finite.size:
        return " " * len(v)
    lo, hi = finite.min(), finite.max()
    levels = np.zeros(len(v), dtype=int) if hi <= lo else np.rint((v - lo) / (hi - lo) * (len(BARS) - 1))
    return "".join(" " if not np.isfinite(x) else BARS[int(level)] for x, level in zip(v, levels))


def event_marks(s: Snapshot, span: int, cols: int) -> Text:
    """A row with a letter under the column of each switch (a = activation, l = lr, o = optimizer, r = reset,
    p = a layer's pretraining begun or done, f = fine-tuning begun)."""
    row = [(" ", "")] * max(cols, 0)
    for e in s.events:
        if e.kind in MARKS and cols > 0:
            row[min(e.step * cols // span, cols - 1)] = MARKS[e.kind]
    return Text.assemble(*row) if row else Text()


class LossPanel(Panel):
    """Loss and metric sparklines (log scale for losses) plus the event marks; `p` opens the full chart."""

    TITLE = "Loss"

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        cols = max(0, width - LABEL)
        span = step_span(s.step)
        metric = "acc" if s.metric_name == "accuracy" else s.metric_name
        rows = [("recon loss", recon_value(s), "recon_loss", True)] if len(s.curves.get("recon_loss", ())) else []
        rows += [
            ("train loss", s.train_loss, "train_loss", True),
            ("val loss", s.val_loss, "val_loss", True),
            (f"train {metric}", s.train_metric, "train_metric", False),
            (f"val {metric}", s.val_metric, "val_metric", False),
        ]
        lines = []
        for label, value, curve, log in rows:
            line = Text.assemble((f"{label:<11}", "dim"), f"{fmt(value):<8}")
            line.append(sparkline(bin_by_step(s.curves[curve], span, cols), log), CURVE_STYLES[curve.split("_")[0]])
            lines.append(line)
        lines.append(Text.assemble(("events".ljust(LABEL), "dim"), event_marks(s, span, cols)))
        axis = f"0 … {span:,} steps"
        lines.append(Text.assemble(("p: full chart".ljust(LABEL), "dim"), (axis.rjust(max(cols, 0)), "dim")))
        return self.text_lines(lines, width)
