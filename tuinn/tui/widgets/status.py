"""Status panel: preset, progress, loss and metric, lr, optimizer, activations, throughput, state, last event."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.light_strip import join
from tuinn.tui.widgets.panel import Panel

LABEL = 11  # cells for a field's label
MIN_WIDTH, WANT_WIDTH = 40, 50  # cells the figures need side by side, and what reads easily


def fmt(value: float | None, spec: str = ".4f") -> str:
    """A number for the screen, or a dash when there is none yet."""
    return "—" if value is None else format(value, spec)


def state_of(s: Snapshot) -> tuple[str, str]:
    """The run's state in a word or two, and the style to show it in."""
    if s.diverged:
        return "DIVERGED", "bold white on red"
    if s.stopped_early:
        return ("stopped early, target met", "bold green") if s.target_met else ("stopped early", "bold yellow")
    if s.finished:
        return ("finished, target met", "bold green") if s.target_met else ("finished", "bold yellow")
    if s.paused and s.step == 0:
        return "paused · space to start", "bold yellow"
    if s.paused:
        return ("paused, pretraining " + s.pretrain.layer, "bold yellow") if s.pretrain else ("paused", "bold yellow")
    if s.pretrain is not None:
        return "pretraining " + s.pretrain.layer, "bold yellow"
    return ("running, target met", "bold green") if s.target_met else ("running", "bold green")


def activation_text(s: Snapshot) -> str:
    """'tanh → sigmoid': the hidden layers' activation(s), then the output layer's."""
    names = list(s.activations.values())
    if len(names) < 2:
        return names[0] if names else "—"
    hidden = list(dict.fromkeys(names[:-1]))
    return f"{'/'.join(hidden)} → {names[-1]}"


def lr_text(s: Snapshot) -> str:
    """'0.003' for a constant lr; '0.009437 cosine' for one that follows a schedule (its kind)."""
    kind = s.experiment.train.schedule.kind if s.experiment is not None else "constant"
    return f"{s.lr:.4g}" + ("" if kind == "constant" else f" {kind}")


def phase_text(s: Snapshot) -> str:
    """Where a pretrained run is: 'pretrain: layer 2/8, epoch 3/10', then 'fine-tuning (pretrained)'."""
    if s.pretrain is None:
        return "fine-tuning (pretrained)"
    p = s.pretrain
    return f"pretrain: layer {p.index}/{p.layers}, epoch {min(p.epoch + 1, p.epochs)}/{p.epochs}"


class StatusPanel(Panel):
    """Where the run is and how it is set; divergence is shown prominently."""

    TITLE = "Status"
    READS = (
        "activations",
        "diverged",
        "epoch",
        "epochs",
        "events",
        "experiment",
        "finished",
        "lr",
        "metric_name",
        "optimizer",
        "paused",
        "phase",
        "preset",
        "pretrain",
        "samples_per_sec",
        "samples_seen",
        "separate_val",
        "speed",
        "step",
        "stopped_early",
        "target",
        "target_met",
        "train_loss",
        "train_metric",
        "val_loss",
        "val_metric",
        "watching",
    )

    def __init__(self, *, show_rate: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_rate = show_rate
        self._wire: str | None = None

    @property
    def wire(self) -> str | None:
        """What the screen costs on the wire, e.g. "12 KiB/s at 10 fps" (None: not shown)."""
        return self._wire

    @wire.setter
    def wire(self, wire: str | None) -> None:
        self._wire = wire
        self._redraw()

    def view(self) -> tuple[object, ...]:
        return self.show_rate, self._wire

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Preset, state, the pairs of figures, phase, activation, throughput, screen, target, two event lines."""
        s = snapshot
        lines = 2 + (4 if s.separate_val else 3) + (s.phase != "train") + 4 + 2 + bool(s.diverged or s.stopped_early)
        return Need.content(MIN_WIDTH, lines, WANT_WIDTH, lines)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        s = snapshot
        state, style = state_of(s)
        metric = "MSE" if s.metric_name == "mse" else s.metric_name.capitalize()
        pairs = [("Epoch", f"{s.epoch}/{s.epochs}", "Step", f"{s.step:,}")]
        if s.separate_val:
            pairs += [
                ("Loss", fmt(s.train_loss), "Val loss", fmt(s.val_loss)),
                (metric, fmt(s.train_metric), f"Val {metric[:3].lower()}", fmt(s.val_metric)),
            ]
        else:  # a truth table "validates" on its training rows: its own figures once
            pairs.append(("Loss", fmt(s.train_loss), metric, fmt(s.train_metric)))
        pairs.append(("LR", lr_text(s), "Optimizer", s.optimizer))
        half = max(LABEL + 1, (width - 1) // 2)
        lines = [field("Preset", s.preset, width), field("State", Text(state, style), width)]
        for a, b, c, d in pairs:
            if max(len(b), len(d)) <= half - LABEL - 1:
                lines.append(Text.assemble(field(a, b, half), " ", field(c, d, width - half - 1)))
            else:  # a number never truncates: the pair takes two lines
                lines += [field(a, b, width), field(c, d, width)]
        if s.phase != "train":  # on its own line, wrapped rather than cut, as the Event is
            lines += wrapped("Phase", phase_text(s), width)
        lines.append(field("Activation", activation_text(s), width))
        lines.append(field(*throughput(s, self.show_rate), width))
        if self.wire is not None:
            lines.append(field("Screen", self.wire, width))
        lines.append(field("Target", s.target + ("  ✓ met" if s.target_met else ""), width))
        strips = self.text_lines(lines, width)
        event = self.rich_lines(Text(str(s.events[-1]) if s.events else "—"), width - LABEL)[:2]
        labels = self.text_lines([Text("Event".ljust(LABEL), "dim"), Text(" " * LABEL)], LABEL)
        strips += [join([label, line]) for label, line in zip(labels, event)]
        if s.diverged:
            strips += self.rich_lines(Text(s.diverged, "bold red"), width)
        elif s.stopped_early:
            strips += self.rich_lines(Text(s.stopped_early, "bold yellow"), width)
        return strips


def throughput(s: Snapshot, live: bool) -> tuple[str, str]:
    """'Samples/s 12,345', or under a speed limit (which counts steps) 'Steps/s 98 · limit 100/s', or at
    the watching pace of a run's start 'Watching 2.8 steps/s · s: full speed'."""
    if s.watching and s.speed is not None and not s.finished:
        pace = f"{s.speed:.1f}" if s.speed < 10 else f"{s.speed:,.0f}"
        return "Watching", f"{pace} steps/s · s: full speed"
    if s.speed is None:
        return "Samples/s", f"{s.samples_per_sec:,.0f}" if live else "— (step mode)"
    steps = s.samples_per_sec * s.step / s.samples_seen if s.samples_seen else 0.0
    return "Steps/s", (f"{steps:,.0f}" if live else "— (step mode)") + f" · limit {s.speed:g}/s"


def wrapped(label: str, value: str, width: int) -> list[Text]:
    """'Label     value' wrapped onto as many lines as it takes, the label on the first."""
    parts = textwrap.wrap(value, max(8, width - LABEL))
    return [field("" if i else label, part, width) for i, part in enumerate(parts)]


def field(label: str, value: str | Text, width: int) -> Text:
    """'Label     value', cut or padded to `width` cells."""
    text = Text.assemble((label.ljust(LABEL), "dim"), value)
    text.truncate(width, overflow="ellipsis", pad=True)
    return text
