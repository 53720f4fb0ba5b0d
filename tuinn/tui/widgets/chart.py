"""The full loss chart (key `p`): plotext plots of the whole history, with the user's switches as vertical lines."""

from __future__ import annotations

import plotext as plt
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from tuinn.train.snapshot import Event, Snapshot
from tuinn.tui.widgets.loss import MARKS, current_run

EVENT_COLOURS = {"activation": "magenta", "lr": "yellow", "optimizer": "cyan", "reset": "red"}
MAX_LABELS = 8  # with more switches than this, label each by its letter only


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


def loss_chart(s: Snapshot, width: int, height: int) -> str:
    """The chart as text with ANSI colours: losses (log scale) above, the metric below."""
    plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot, and stale subplots broke later charts
    plt.subplots(2, 1)
    plt.limitsize(False, False)
    plt.plotsize(width, height)
    panels = (
        (1, "loss (log scale)", ("train_loss", "val_loss")),
        (2, s.metric_name, ("train_metric", "val_metric")),
    )
    switches = collapse_switches([e for e in current_run(s.events) if e.kind in EVENT_COLOURS])
    for row, title, names in panels:
        plt.subplot(row, 1)
        plt.theme("clear")
        plt.title(title)
        if row == 1:
            plt.yscale("log")
        for name, colour in zip(names, ("green", "cyan")):
            curve = s.curves[name]
            positive = curve.values > 0 if row == 1 else curve.values == curve.values
            if positive.any():
                plt.plot(curve.steps[positive].tolist(), curve.values[positive].tolist(), label=name.replace("_", " "), color=colour)
        for e in switches:
            plt.vline(e.step, EVENT_COLOURS[e.kind])
        plt.xlim(0, max(s.step, 1))
        plt.xlabel("step")
    plt.subplot(1, 1)
    top = max((float(c.values.max()) for c in (s.curves["train_loss"], s.curves["val_loss"]) if len(c)), default=1.0)
    top = max(top, 1e-12)  # the log axis needs a positive place for the labels
    for e in switches:
        letter = MARKS[e.kind][0]
        plt.text(f"{letter}: {e.text}" if len(switches) <= MAX_LABELS else letter, e.step, top, color=EVENT_COLOURS[e.kind])
    return plt.build()


class LossChart(Static):
    """The chart, redrawn to fit whenever its size changes."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="chart")
        self.snapshot = snapshot
        self.border_title = "Loss history"
        self.border_subtitle = "a activation · l lr · o optimizer · r reset   escape/p: close"

    def on_resize(self) -> None:
        width, height = self.content_size
        if width > 10 and height > 6:
            self.update(Text.from_ansi(loss_chart(self.snapshot, width, height)))


class LossChartScreen(ModalScreen[None]):
    """A modal over the dashboard showing the chart of the Snapshot it was opened with."""

    BINDINGS = [Binding("escape,p", "dismiss", "close")]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield LossChart(self.snapshot)
