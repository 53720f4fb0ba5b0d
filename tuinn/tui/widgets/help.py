"""Help screen (key `?`): every key and what it does, from the app's own bindings."""

from __future__ import annotations

from typing import Iterable

from rich import box
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_name(binding: Binding) -> str:
    """The key as shown to people: '+' rather than 'plus'."""
    return binding.key_display or binding.key


#: what each panel shows, in a sentence each
PANELS = (
    (
        "Architecture",
        "One row per layer: its output shape (H×W×C for images), neurons, parameters and activation; "
        "the highlighted row is the layer selected with [ ] (its gradient matrix and, for conv layers, its kernels are shown).",
    ),
    (
        "Status",
        "Where the run is: epoch, step, loss and accuracy on the training and validation sets, the learning rate, "
        "optimizer, speed, the target and the last event; Screen is what the display costs on the wire.",
    ),
    (
        "Loss",
        "Sparklines over the run on fixed scales: losses on one shared log scale, accuracy from 0 (bottom) to 1 (top); "
        "letters under them mark your switches (a activation, l lr, o optimizer, r reset, p/f pretraining). p opens the full chart.",
    ),
    (
        "Gradients",
        "log10 ‖∇W‖: the size of each layer's weight gradient, on a fixed scale from -8 (dark) to +2 (bright), "
        "input layer at the top, time to the right: rows that fade toward the input are vanishing gradients. "
        "Each row ends in the layer's health: log10 ‖ΔW‖/‖W‖, how far the last step moved its weights (-4 to -2 "
        "healthy in green, below -4 not learning in blue, above -2 too fast in red), then the share of its outputs "
        "saturated on the evaluation batch (tanh, sigmoid) or of its units dead there (relu: 0 on every sample). "
        "Below: the selected layer's gradient, orange negative, blue positive. While a run pretrains layer by layer "
        "(no backprop yet), each pretrained layer has a lane instead: its reconstruction loss over its pretraining "
        "(log10, on the lane's own range), the loss it finished with (✓) or has now (◀).",
    ),
    (
        "Decision boundary",
        "The network's output over the input plane: for two classes the probability of class 1, "
        "from 0 (orange) to 1 (blue), the boundary where they meet; ● training point, ○ validation point, ✕ misclassified, "
        "each in its class's colour. v shows all, training, validation or only the misclassified points.",
    ),
    (
        "Neurons",
        "Every unit's output over the same plane, layer by layer (inputs on the left), orange negative, blue positive; "
        ", and . (or a click) select one and the big panel shows it, with its incoming weights and bias.",
    ),
    (
        "Sample",
        "One validation image as the CNN sees it, its true class and the predicted probability of each class; "
        "the predicted bar is marked ▶, green when right, red when wrong. , . step through the samples, m jumps to a wrong one.",
    ),
    (
        "Feature maps",
        "Each conv and pool layer's output for that sample, one tile per channel, with the layer's colour scale; "
        "c pages through the channels; under the selected conv layer, its learned kernels.",
    ),
    (
        "Confusion",
        "Validation samples counted by true class (rows) and predicted class (columns), shaded by the share of the row; "
        "acc is each class's accuracy. Off-diagonal cells are the confusions.",
    ),
    (
        "Loss history (p)",
        "The whole run: the loss on a log scale (named: binary cross-entropy, ...) above, accuracy on a fixed "
        "0 to 1 axis below, whole-step ticks; each switch a vertical line through both, its letter under the chart and its name "
        "below, outside the plots; the validation line only where there is a validation set.",
    ),
    (
        "Projector (P)",
        "For a room: the decision boundary or the CNN's sample (else the loss chart) as large as the screen allows, "
        "epoch, loss and accuracy in large digits (validation figures where there is a validation set), and the loss curves.",
    ),
)


def panels_table() -> Table:
    """Panel and what it shows."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("Panel", style="bold yellow", no_wrap=True)
    table.add_column("What it shows")
    for name, text in PANELS:
        table.add_row(name, text)
    return table


def keys_table(bindings: Iterable[Binding]) -> Table:
    """Key and explanation, one binding a row."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("Key", style="bold cyan", justify="center")
    table.add_column("What it does")
    for b in bindings:
        table.add_row(key_name(b), b.tooltip or b.description)
    return table


def palette_table(entries: Iterable[tuple[str, str]]) -> Table:
    """Command-palette entries that have no key of their own."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("In the palette (ctrl+p)", style="bold cyan")
    table.add_column("What it does")
    for name, text in entries:
        table.add_row(name, text)
    return table


class HelpScreen(ModalScreen[None]):
    """A modal explaining each panel and listing the keys; escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark", "dismiss", "close")]

    def __init__(self, bindings: Iterable[Binding], note: str, palette: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.bindings = list(bindings)
        self.note = note
        self.palette = list(palette)

    def compose(self) -> ComposeResult:
        tables = [keys_table(self.bindings), *([palette_table(self.palette)] if self.palette else []), panels_table()]
        body = VerticalScroll(*(Static(t) for t in tables), id="help")
        body.border_title = "Help: the keys, then what each panel shows (↓ scrolls)"
        body.border_subtitle = self.note
        yield body

    def on_mount(self) -> None:
        self.query_one("#help").focus()  # ↓, PageDown, Home and End scroll at once (no Tab first)
