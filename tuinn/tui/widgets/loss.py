"""Loss panel: train/val sparklines of loss and metric over the whole run, the lr when it changes, the user's switches marked."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from tuinn.train.baseline import Baseline
from tuinn.train.snapshot import Curve, Event, Snapshot
from tuinn.tui.layout import FRAME, Need
from tuinn.tui.widgets.ghost import GHOST_STYLE, comparison, pinned, short_comparison
from tuinn.tui.widgets.heatmap import nice_ceil
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.status import fmt

BARS = "▁▂▃▄▅▆▇█"
LABEL = 19  # "train loss  0.1234 "
MIN_COLUMNS, WANT_COLUMNS = 20, 120  # columns of sparkline: the least that shows a trend, and plenty
CHART_LINES = 16  # given this many lines or more, the dashboard draws the loss as a chart (ChartPanel)
COMPARISON_LINES = 3  # lines the baseline's label and figures may take
# Event kinds marked under the curves: the letter shown and its style.
MARKS = {
    "activation": ("a", "bold magenta"),
    "lr": ("l", "bold yellow"),
    "optimizer": ("o", "bold cyan"),
    "reset": ("r", "bold red"),
    "pretrain": ("p", "bold yellow"),
    "finetune": ("f", "bold green"),
    "lab": ("e", "bold blue"),
}


#: sparkline colours: training curves green, validation cyan, pretraining's reconstruction and the lr yellow
CURVE_STYLES = {"train": "green", "val": "cyan", "recon": "yellow", "lr": "yellow"}


def lr_varies(s: Snapshot) -> bool:
    """Whether the lr changed during the run (a schedule, or `+`/`-`): only then is its row worth a line."""
    lr = s.curves.get("lr")
    return lr is not None and len(lr) > 1 and float(lr.values.min()) != float(lr.values.max())


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


def sparkline(values: np.ndarray, lo: float, hi: float) -> str:
    """One character per value on the fixed scale lo..hi (clipped); blank where NaN."""
    v = np.asarray(values, dtype=float)
    span = hi - lo if hi > lo else 1.0
    levels = np.clip(np.rint((np.nan_to_num(v, nan=lo) - lo) / span * (len(BARS) - 1)), 0, len(BARS) - 1).astype(int)
    glyphs = BARS + " "  # the last: a value that is not a number
    return "".join(map(glyphs.__getitem__, np.where(np.isfinite(v), levels, len(BARS)).tolist()))


def log_range(curves: list[np.ndarray]) -> tuple[float, float]:
    """One log10 scale for several loss series: whole decades around all their positive values."""
    logs = [np.log10(c[c > 0]) for c in curves if np.any(c > 0)]
    if not logs:
        return 0.0, 1.0
    every = np.concatenate(logs)
    lo, hi = float(np.floor(every.min())), float(np.ceil(every.max()))
    return lo, max(hi, lo + 1)


def ghost_curves(baseline: Baseline | None, metric_name: str) -> set[str]:
    """The baseline's curves drawn as ghosts beside a run measured by `metric_name`: the validation loss and
    metric (training without a validation set); the metric only when both runs measure the same one."""
    if baseline is None:
        return set()
    where = "val" if baseline.separate_val else "train"
    same = baseline.metric_name == metric_name
    return ({f"{where}_loss", f"{where}_metric"} if same else {f"{where}_loss"}) & set(baseline.curves)


def with_ghosts(need: Need, s: Snapshot, baseline: Baseline) -> Need:
    """The loss panel's `need` with `baseline` pinned: a ghost row under each curve it compares with, and the
    comparison (one line at the least, COMPARISON_LINES at most)."""
    rows = len(ghost_curves(baseline, s.metric_name))
    steps = need.steps
    if steps:  # the sparklines' step holds the ghosts and the comparison too; the chart draws them in its plots
        sparklines = steps[0] + rows + COMPARISON_LINES
        steps = (sparklines, *(step for step in steps[1:] if step > sparklines))
    return replace(
        need,
        min_height=need.min_height + rows + 1,
        want_height=need.want_height + rows + COMPARISON_LINES,
        steps=steps,
    )


#: with a baseline pinned and too little room, what goes first: the comparison shortened to one line, the loss's
#: ghost, the axis line, an events line with no event on it, the training loss
GIVE_WAY = ("comparison", "ghost_val_loss", "ghost_train_loss", "axis", "no events", "train_loss")
ROOMY = 1000  # lines: as many as the panel wants


def fit_baseline(lines: list[tuple[str, Text]], room: int, short: Text) -> list[tuple[str, Text]]:
    """`lines` (what each is, the line) cut down to `room` lines, in the order of GIVE_WAY."""
    for kind in GIVE_WAY:
        if len(lines) <= room:
            break
        if kind == "comparison":
            at = next((i for i, (k, _) in enumerate(lines) if k == kind), None)
            if at is not None:
                lines = [(k, t) for k, t in lines if k != kind]
                lines.insert(at, (kind, short))
        else:
            lines = [(k, t) for k, t in lines if k != kind]
    return lines


def current_run(events: tuple[Event, ...]) -> list[Event]:
    """The events since the last reset (with it): the earlier run's steps are not on this axis."""
    resets = [i for i, e in enumerate(events) if e.kind == "reset"]
    return list(events[resets[-1] :] if resets else events)


def event_marks(s: Snapshot, span: int, cols: int) -> Text:
    """A row with a letter under the column of each switch (a = activation, l = lr, o = optimizer, r = reset,
    p = a layer's pretraining begun or done, f = fine-tuning begun, e = an edit in the lab)."""
    marks = {min(e.step * cols // span, cols - 1): MARKS[e.kind] for e in current_run(s.events) if e.kind in MARKS}
    row = Text()
    for column in sorted(marks) if cols > 0 else ():
        row.append(" " * (column - len(row)))
        row.append(*marks[column])
    if cols > 0:
        row.append(" " * (cols - len(row)))
    return row


class LossPanel(Panel):
    """Loss and metric sparklines (log scale for losses) plus the event marks; `p` opens the full chart.

    A pinned baseline (key B) is drawn as a grey ghost row under the live row it compares with,
    on the same scale and step axis, and named with its final figure against the live one.
    """

    TITLE = "Loss"
    READS = (
        "curves",
        "events",
        "metric_name",
        "pretrain",
        "separate_val",
        "step",
        "train_loss",
        "train_metric",
        "val_loss",
        "val_metric",
        "experiment",
    )

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """A line per curve (the validation ones only with a validation set, the lr when it varies), events, axis."""
        s = snapshot
        lines = bool(len(s.curves.get("recon_loss", ()))) + (4 if s.separate_val else 2) + lr_varies(s) + 2
        chart = CHART_LINES - FRAME[1]  # (the dashboard draws the chart from CHART_LINES on: no use for lines between)
        steps = (lines, chart) if chart > lines else ()
        return Need.content(LABEL + MIN_COLUMNS, lines, LABEL + WANT_COLUMNS, max(lines, CHART_LINES + 8), steps=steps)

    def view(self) -> tuple[object, ...]:
        baseline = pinned(self.app)
        return (baseline, self.room()) if baseline is not None else (None,)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        baseline = pinned(self.app)
        ghosts = ghost_curves(baseline, s.metric_name)
        cols = max(0, width - LABEL)
        span = step_span(max(s.step, baseline.step if baseline is not None else 0))
        accuracy = s.metric_name == "accuracy"
        metric = "acc" if accuracy else s.metric_name
        rows = [("recon loss", recon_value(s), "recon_loss", True)] if len(s.curves.get("recon_loss", ())) else []
        rows += [
            ("train loss", s.train_loss, "train_loss", True),
            ("val loss", s.val_loss, "val_loss", True),
            (f"train {metric}", s.train_metric, "train_metric", not accuracy),
            (f"val {metric}", s.val_metric, "val_metric", not accuracy),
        ]
        if not s.separate_val:  # a truth table "validates" on its training rows: one line each is the truth
            rows = [r for r in rows if not r[2].startswith("val")]
        if lr_varies(
            s
        ):  # under the losses it drives (and above the fold of a short panel, where the metric rows go first)
            losses = sum(1 for r in rows if r[3] and r[2].endswith("loss"))
            rows.insert(losses, ("lr", s.lr, "lr", False))
        binned = {curve: bin_by_step(s.curves[curve], span, cols) for _, _, curve, _ in rows}
        if baseline is not None:  # a ghost row under each live row it compares with
            for i in reversed(range(len(rows))):
                if rows[i][2] in ghosts:
                    _, _, curve, log = rows[i]
                    rows.insert(i + 1, ("  baseline", baseline.figures.get(curve), f"ghost_{curve}", log))
                    binned[f"ghost_{curve}"] = bin_by_step(baseline.curves[curve], span, cols)
        lo, hi = log_range([binned[c] for _, _, c, log in rows if log])
        lines: list[tuple[str, Text]] = []  # (what the line is, the line): a short panel drops lines by what they are
        lr_top = float(np.nanmax(binned["lr"])) if "lr" in binned and np.isfinite(binned["lr"]).any() else 1.0
        for label, value, curve, log in rows:
            shown = f"{value:.3g}" if curve == "lr" else fmt(value)
            ghost = curve.startswith("ghost_")
            line = Text.assemble((f"{label:<11}", "dim"), (f"{shown:<8}", GHOST_STYLE if ghost else ""))
            values = np.log10(np.where(binned[curve] > 0, binned[curve], np.nan)) if log else binned[curve]
            top = lr_top if curve == "lr" else 1.0
            style = GHOST_STYLE if ghost else CURVE_STYLES[curve.split("_")[0]]
            line.append(sparkline(values, lo, hi) if log else sparkline(values, 0.0, top), style)
            lines.append((curve, line))
        lr_scale = f" · lr 0…{lr_top:.3g}" if "lr" in binned else ""
        self.caption(subtitle=f"loss 1e{int(lo)}…1e{int(hi)} log" + (" · acc 0…1" if accuracy else "") + lr_scale)
        if baseline is not None:  # what it is and the two figures, over as many lines as the width needs (3 at most)
            lines += [
                ("comparison", line) for line in comparison(baseline, s, width, self.app.console, COMPARISON_LINES)
            ]
        marks = event_marks(s, span, cols)
        lines.append(
            ("events" if marks.plain.strip() else "no events", Text.assemble(("events".ljust(LABEL), "dim"), marks))
        )
        axis = f"0 … {span:,} steps"
        lines.append(("axis", Text.assemble(("p: full chart".ljust(LABEL), "dim"), (axis.rjust(max(cols, 0)), "dim"))))
        if baseline is not None:
            lines = fit_baseline(lines, self.room(), short_comparison(baseline, s))
        return self.text_lines([line for _, line in lines], width)

    def room(self) -> int:
        """Lines the panel can show in its column: the column's height less its other panels' (those not
        sharing what is left); a large number before the column has been laid out."""
        column = self.parent
        if not isinstance(column, Widget) or not column.content_size.height:
            return ROOMY
        others = sum(
            w.outer_size.height
            for w in column.children
            if w is not self and w.display and not (w.styles.height is not None and w.styles.height.is_fraction)
        )
        return max(column.content_size.height - others - self.styles.gutter.height, 1)
