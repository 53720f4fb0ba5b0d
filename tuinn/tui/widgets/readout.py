"""Readout (projector mode): the run's key numbers (epoch, loss, accuracy) in large digits, to be read across a room."""

from __future__ import annotations

from typing import cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from tuinn.train.snapshot import Snapshot
from tuinn.tui.glyphs import to_ascii
from tuinn.tui.widgets.panel import Terminal
from tuinn.tui.widgets.status import state_of


def big_number(value: float | None, percent: bool = False) -> str:
    """A figure for the large digits: "97.5" (a share as a percentage), "0.6931", "3.2E-05"; "-" before there is one."""
    if value is None:
        return "-"
    if percent:
        return f"{100 * value:.1f}"
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1E}"


def readings(s: Snapshot) -> list[tuple[str, str]]:
    """(label, figure) for each large number: epoch, loss, and accuracy (or the regression's error)."""
    val = s.separate_val  # a truth table's "validation" is its training rows again
    loss, loss_of = (s.val_loss, "validation") if val and s.val_loss is not None else (s.train_loss, "training")
    metric, metric_of = (s.val_metric, "validation") if val else (s.train_metric, "training")
    accuracy = s.metric_name == "accuracy"
    return [
        (f"epoch (of {s.epochs:,})", f"{s.epoch}"),
        (f"{loss_of} loss", big_number(loss)),
        (
            f"{metric_of} accuracy, %" if accuracy else f"{metric_of} {s.metric_name}",
            big_number(metric, percent=accuracy),
        ),
    ]


class Readout(Vertical):
    """Epoch, loss and accuracy, each a label over Textual's 3-line Digits (plain bold text without UTF-8)."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="readout")
        self.snapshot = snapshot
        self._shown: list[tuple[str, str]] = []

    @property
    def plain(self) -> bool:
        """Whether the terminal takes ASCII only."""
        return cast(Terminal, self.app).ascii

    def compose(self) -> ComposeResult:
        for label, figure in readings(self.snapshot):
            yield Static(label, classes="readout-label")
            yield Static(figure, classes="readout-figure") if self.plain else Digits(figure, classes="readout-figure")

    def on_mount(self) -> None:
        self.show(self.snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """Show `snapshot`'s numbers, touching only the ones that changed."""
        self.snapshot = snapshot
        state, _ = state_of(snapshot)
        plain = to_ascii if self.plain else str
        self.border_title = plain(f"{snapshot.preset} · {state}")
        self.border_subtitle = plain(f"step {snapshot.step:,} · lr {snapshot.lr:g} · {snapshot.optimizer}")
        now = readings(snapshot)
        labels = list(self.query(".readout-label").results(Static))
        figures = [w for w in self.query(".readout-figure") if isinstance(w, (Static, Digits))]
        for i, (label, figure) in enumerate(now):
            if i >= len(self._shown) or self._shown[i] != (label, figure):
                labels[i].update(label)
                figures[i].update(figure)
        self._shown = now
