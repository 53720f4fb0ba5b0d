"""The full loss chart (key `p`): plotext plots of the whole run, the user's switches as vertical lines labelled under it."""

from __future__ import annotations

import re
import time
from typing import cast

import numpy as np
from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Static

from tuinn.train.baseline import Baseline
from tuinn.train.snapshot import Curve, Event, Snapshot
from tuinn.tui.widgets.axes import decade_ticks, step_ticks, unit_ticks
from tuinn.tui.widgets.baseline_picture import BaselinePicture
from tuinn.tui.widgets.ghost import GHOST_MARKER, GHOST_STYLE, figures_text, pinned
from tuinn.tui.widgets.loss import (
    CURVE_STYLES,
    MARKS,
    bin_by_step,
    current_run,
    ghost_curves,
    log_range,
    lr_varies,
    sparkline,
)
from tuinn.tui.widgets.panel import Panel, Terminal

#: the plotext colour of each kind of event line (the letters under the chart use MARKS' styles)
EVENT_COLOURS = {
    "activation": "magenta",
    "lr": "yellow",
    "optimizer": "cyan",
    "reset": "red",
    "pretrain": "yellow",
    "finetune": "green",
    "lab": "blue",
}
LOSS_NAMES = {
    "binary_cross_entropy": "binary cross-entropy",
    "softmax_cross_entropy": "softmax cross-entropy",
    "mse": "mean squared error",
    "hinge": "hinge",
    "perceptron": "perceptron errors",
    "bce": "binary cross-entropy",
    "cross_entropy": "softmax cross-entropy",
}
CHART_INTERVAL = 1.0  # seconds between redraws of the open chart while training (a plotext build costs ~20-70 ms)
MAX_EVENT_LINES = 3  # lines under the chart that name the switches (one below ROOMY lines); the rest are counted
ROOMY = 30
CURVE_NAMES = {"train": "train", "val": "validation", "recon": "reconstruction (pretraining)"}
GHOST_COLOUR = "gray"  # plotext's name for the ghost's colour
WRAPPER = Console(width=10_000)  # only measures text for wrapping
FRAME = re.compile(r"┌([─┬┴┼]+)┐")  # the top edge of a plot's frame: where its canvas columns are


def collapse_switches(events: list[Event]) -> list[Event]:
    """Switches of one kind at one step as a single event: four presses of `a` read "sigmoid -> elu"."""
    out: list[Event] = []
    for e in events:
        last = out[-1] if out else None
        if last and (last.step, last.kind) == (e.step, e.kind) and " -> " in last.text and " -> " in e.text:
            out[-1] = Event(e.step, e.epoch, e.kind, f"{last.text.split(' -> ')[0]} -> {e.text.split(' -> ')[1]}")
        else:
            out.append(e)
    return out


def chart_events(s: Snapshot) -> list[Event]:
    """The switches of the run on screen (none from before its last reset), one per kind and step."""
    return collapse_switches([e for e in current_run(s.events) if e.kind in EVENT_COLOURS])


def loss_title(s: Snapshot) -> str:
    """The loss's real name, e.g. "loss (binary cross-entropy), log scale"."""
    name = s.experiment.model.get("loss") if s.experiment is not None else None
    return f"loss ({LOSS_NAMES.get(name, name)}), log scale" if name else "loss, log scale"


def metric_title(s: Snapshot) -> str:
    """The metric's real name and its axis: "accuracy (0 to 1)", or "mean squared error, log scale"."""
    return (
        "accuracy (0 to 1)"
        if s.metric_name == "accuracy"
        else f"{LOSS_NAMES.get(s.metric_name, s.metric_name)}, log scale"
    )


def curve_names(s: Snapshot, kind: str) -> list[str]:
    """The curves one subplot draws (kind "loss" or "metric"): no validation line without a validation set."""
    names = [f"train_{kind}", f"val_{kind}"] if s.separate_val else [f"train_{kind}"]
    if kind == "loss" and len(s.curves.get("recon_loss", ())):
        names.insert(0, "recon_loss")
    return [n for n in names if n in s.curves]


def _log_points(curve: Curve) -> tuple[list[float], list[float]]:
    """A curve's steps and log10 values where the value is positive (a log axis cannot show zero)."""
    keep = curve.values > 0
    return curve.steps[keep].tolist(), np.log10(curve.values[keep]).tolist()


def ghost_names(s: Snapshot, baseline: Baseline | None, kind: str) -> list[str]:
    """The baseline's curves one subplot of `s`'s chart draws as ghosts (kind "loss" or "metric")."""
    return sorted(n for n in ghost_curves(baseline, s.metric_name) if n.endswith(kind))


def _subplot(
    s: Snapshot,
    kind: str,
    names: list[str],
    rows: int,
    label_width: int,
    last: int,
    columns: int,
    baseline: Baseline | None = None,
) -> None:
    """Draw one subplot: the curves (a baseline's in dots), the switch lines, whole-step ticks and y ticks
    `label_width` wide."""
    import plotext as plt  # (loaded when a chart is first drawn, not on the way to the app's first frame)

    plt.theme("clear")
    log = kind == "loss" or s.metric_name != "accuracy"
    curves = [s.curves[n] for n in names]
    ghosts = [baseline.curves[n] for n in ghost_names(s, baseline, kind)] if baseline is not None else []
    if log:
        lo, hi = log_range([c.values for c in curves + ghosts])
        ticks, labels = decade_ticks(lo, hi, rows)
    else:
        (lo, hi), (ticks, labels) = (0.0, 1.0), unit_ticks(rows)
    plt.scatter([0], [lo], marker=" ")  # an invisible point: without data plotext drops the ticks and the axes shift
    for name, curve in zip(names, curves):
        xs, ys = _log_points(curve) if log else (curve.steps.tolist(), curve.values.tolist())
        if xs:
            plt.plot(xs, ys, color=CURVE_STYLES[name.split("_")[0]])
    for ghost in ghosts:  # over the live curves: a row of dots leaves a thick curve readable, not the other way round
        xs, ys = _log_points(ghost) if log else (ghost.steps.tolist(), ghost.values.tolist())
        if xs:
            plt.plot(xs, ys, color=GHOST_COLOUR, marker=GHOST_MARKER)
    for e in chart_events(s):
        plt.vline(e.step, EVENT_COLOURS[e.kind])
    plt.ylim(lo, hi)
    plt.yticks(ticks, [label.rjust(label_width) for label in labels])
    xs = step_ticks(last, columns)
    plt.xlim(0, last)
    plt.xticks(xs, [f"{x:,}" for x in xs])


def chart_end(s: Snapshot, baseline: Baseline | None) -> int:
    """The last step of the chart's axis: the live run's, or the baseline's when it ran longer."""
    return max(s.step, baseline.step if baseline is not None else 0, 1)


def plot_text(s: Snapshot, width: int, height: int, baseline: Baseline | None = None) -> str:
    """The two subplots (loss above, metric below) as text with ANSI colours, `width` × `height` cells;
    a `baseline`'s curves as ghosts."""
    import plotext as plt

    plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot, and stale subplots broke later charts
    plt.subplots(2, 1)
    plt.limitsize(False, False)
    plt.plotsize(width, height)
    last = chart_end(s, baseline)
    label_width = 6  # every y label padded alike, so both canvases start at the same column (and "events" fits under)
    for row, kind, title in ((1, "loss", loss_title(s)), (2, "metric", metric_title(s))):
        plt.subplot(row, 1)
        _subplot(
            s, kind, curve_names(s, kind), height // 2 - 5, label_width, last, width - label_width - 2, baseline
        )  # canvas lines
        plt.title(title)
    plt.xlabel("step")
    return str(plt.build())


def canvas_columns(plain: str) -> tuple[int, int]:
    """The first column and the width of the plots' canvas, read off the frame plotext drew."""
    for line in plain.splitlines():
        m = FRAME.search(line)
        if m:
            return m.start() + 1, len(m.group(1))
    return 0, 0


def event_column(step: int, last: int, start: int, columns: int) -> int:
    """The column of a switch at `step` (as plotext places a vertical line on a 0..last axis)."""
    return start + int(np.floor(round(0.5 + (columns - 1) * step / last, 8)))


def legend(s: Snapshot) -> Text:
    """What each colour is, for the line under the chart; says when there is no validation set."""
    parts: list[tuple[str, str] | str] = []
    for prefix in ("recon", "train", "val"):
        if any(n.startswith(prefix) for kind in ("loss", "metric") for n in curve_names(s, kind)):
            parts += [("━━ ", CURVE_STYLES[prefix]), f"{CURVE_NAMES[prefix]}   "]
    if lr_varies(s):
        top = float(s.curves["lr"].values.max())
        parts += [("▁▄█ ", CURVE_STYLES["lr"]), f"lr {s.lr:.3g} (0…{top:.3g})   "]
    if not s.separate_val:
        parts.append(("no validation set: every row of the truth table is trained on", "dim"))
    return Text.assemble(*parts)


def lr_row(s: Snapshot, start: int, columns: int, last: int) -> Text:
    """The lr as a sparkline under the canvas (0 to its peak, on the chart's step axis); the legend gives its value."""
    values = bin_by_step(s.curves["lr"], last + 1, columns)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    label = Text("lr ".rjust(start) if start >= 3 else " " * start, "dim")
    return label + Text(sparkline(values, 0.0, top), CURVE_STYLES["lr"])


def ghost_legend(s: Snapshot, baseline: Baseline, width: int) -> list[Text]:
    """The lines that name the dotted ghost and give its final figure against the live one (on a line of their own
    when the whole does not fit): "··· baseline (validation): deep-sigmoid · final val acc 0.50 vs 0.97 now"."""
    where = CURVE_NAMES["val" if baseline.separate_val else "train"]
    label = Text(f"{GHOST_MARKER * 3} baseline ({where}): {baseline.label(s.experiment)}", GHOST_STYLE)
    figures = Text(figures_text(baseline, s), GHOST_STYLE)
    whole = Text.assemble(label, (" · ", GHOST_STYLE), figures)
    return [whole] if whole.cell_len <= width else [*label.wrap(WRAPPER, width), figures]


def mark(e: Event) -> tuple[str, str]:
    """The letter that stands for an event under the chart, and its style (`e` for an edit in the lab)."""
    return MARKS[e.kind]


def event_row(events: list[Event], start: int, columns: int, last: int) -> Text:
    """A row with each switch's letter under its line (the canvas starts at column `start`)."""
    marks = [(" ", "")] * (start + columns)
    for e in events:
        marks[min(event_column(e.step, last, start, columns), len(marks) - 1)] = mark(e)
    label = Text("events ".rjust(start), "dim") if start >= 7 else Text(" " * start)
    return label + Text.assemble(*marks[start:])


def event_names(events: list[Event], width: int, lines: int) -> list[Text]:
    """The switches named ("a: activation tanh -> relu at step 400"), wrapped to `width`, in at most `lines` lines."""
    each = [Text.assemble(mark(e), f": {e.text} at step {e.step:,}") for e in events]
    wrapped = list(Text("   ").join(each).wrap(WRAPPER, width)) if events else []
    if len(wrapped) > lines:  # the last line counts them all and names the latest
        latest = Text.assemble((f"… {len(events)} events in all, the latest ", "dim"), each[-1])
        wrapped = wrapped[: lines - 1] + [latest[:width]]
    return wrapped


def loss_chart(s: Snapshot, width: int, height: int, baseline: Baseline | None = None) -> Text:
    """The whole chart: the plots, then (outside them, so they never cover a curve) the switches and the legend."""
    events = chart_events(s)
    names = event_names(events, width, MAX_EVENT_LINES if height >= ROOMY else 1)
    ghost = ghost_legend(s, baseline, width) if baseline is not None and width > 0 else []
    room = max(height - len(names) - len(ghost) - (2 if events else 1) - lr_varies(s), 6)
    plots = Text.from_ansi(plot_text(s, width, room, baseline).rstrip("\n"))
    start, columns = canvas_columns(plots.plain)
    last = chart_end(s, baseline)
    under = [event_row(events, start, columns, last), *names] if events and columns else []
    lr = [lr_row(s, start, columns, last)] if lr_varies(s) and columns else []
    return Text("\n").join([plots, *lr, *under, legend(s), *ghost])


class ChartPanel(Panel):
    """The chart as a panel (projector mode, for runs with no picture), redrawn at most once every CHART_INTERVAL s."""

    TITLE = "Loss history"
    READS = ("curves", "events", "experiment", "metric_name", "separate_val", "step")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn_at = -CHART_INTERVAL

    def view(self) -> tuple[object, ...]:
        return (pinned(self.app),)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        now = time.monotonic()
        interval = CHART_INTERVAL if self.terminal.show_rate else 0.0  # step mode (tests): every step
        if now - self._drawn_at >= interval:
            self._drawn_at = now
            super().update_snapshot(snapshot)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        if width <= 10 or height <= 6:
            return []
        return self.rich_lines(loss_chart(snapshot, width, height, pinned(self.app)), width)


class LossChart(Static):
    """The chart, redrawn to fit whenever its size or the Snapshot changes."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="chart")
        self.snapshot = snapshot
        self.border_title = "Loss history"
        self.border_subtitle = (
            "a activation · l lr · o optimizer · r reset · p pretrain · f fine-tune · e edit   escape/p: close"
        )

    def on_resize(self) -> None:
        self.redraw()

    def show(self, snapshot: Snapshot) -> None:
        """Draw `snapshot` in place of the one shown."""
        self.snapshot = snapshot
        self.redraw()

    def redraw(self) -> None:
        width, height = self.content_size
        if width > 10 and height > 6:
            self.update(loss_chart(self.snapshot, width, height, pinned(self.app)))


class LossChartScreen(ModalScreen[None]):
    """A modal over the dashboard showing the chart, following the run at most once every `interval` seconds;
    a pinned baseline's picture small at its side."""

    BINDINGS = [Binding("escape,p", "dismiss", "close"), Binding("B", "app.baseline", "baseline")]

    def __init__(self, snapshot: Snapshot, interval: float = CHART_INTERVAL) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.interval = interval
        self._drawn_at = time.monotonic()

    def compose(self) -> ComposeResult:
        yield BaselinePicture()
        yield LossChart(self.snapshot)

    def on_mount(self) -> None:
        self.show_baseline()

    def on_resize(self) -> None:
        self.show_baseline()

    def show_baseline(self) -> None:
        """Draw the pinned baseline (or none): its ghost on the chart, its picture at the side."""
        terminal = cast(Terminal, self.app)
        self.query_one(BaselinePicture).show(pinned(self.app), terminal.colour_system, self.size.width)
        self.query_one(LossChart).redraw()

    def offer(self, snapshot: Snapshot) -> None:
        """Redraw the chart with `snapshot` unless it was redrawn less than `interval` seconds ago."""
        now = time.monotonic()
        if now - self._drawn_at >= self.interval:
            self._drawn_at = now
            self.snapshot = snapshot
            self.query_one(LossChart).show(snapshot)
