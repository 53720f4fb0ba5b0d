"""Architecture panel: a Keras summary() / torchinfo-style table of the layers, the selected one highlighted."""

from __future__ import annotations

import math

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from textual.strip import Strip

from tuinn.report.summary import dense_equivalent_total, format_shape
from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.panel import Panel

MEASURE = Console(width=1000)  # only measures the table's width


def summary_table(s: Snapshot, marked: str | None = None) -> Table:
    """Layer, type, output shape, neurons, parameters, (dense equivalent,) activation; totals in the footer.

    The layer pretraining now (or `marked`, to measure the table as pretraining drew it) carries PRETRAIN_MARK.
    """
    rows = s.summary
    dense_total = dense_equivalent_total(rows)
    has_conv = dense_total is not None
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, show_edge=False, padding=0, header_style="bold")
    table.add_column("Layer", "Total")
    table.add_column("Type")
    table.add_column("Output")
    table.add_column("Neurons", f"{sum(r.neurons for r in rows):,}", justify="right")
    table.add_column("Params", f"{sum(r.parameters for r in rows):,}", justify="right")
    if has_conv:
        table.add_column("As dense", f"{dense_total:,}", justify="right")
    table.add_column("Activation")
    if s.input_shape:
        width = sum(1 for _ in table.columns)
        cells = ["input", "Input", format_shape(s.input_shape), f"{math.prod(s.input_shape):,}", "0"]
        table.add_row(*cells, *[""] * (width - len(cells)), style="dim")
    pretraining = s.pretrain.layer if s.pretrain is not None else marked
    for r in rows:
        cells = [r.name, r.type, format_shape(r.output_shape), f"{r.neurons:,}", f"{r.parameters:,}"]
        if has_conv:
            cells.append("" if r.dense_equivalent is None else f"{r.dense_equivalent:,}")
        activation = s.activations.get(r.name, r.activation) or ""
        cells.append(f"{activation} {PRETRAIN_MARK}" if r.name == pretraining else activation)
        table.add_row(*cells, style=row_style(r.name, s.selected_layer, pretraining))
    return table


PRETRAIN_MARK = "◀ pretraining"


def row_style(name: str, selected: str | None, pretraining: str | None) -> str | None:
    """The layer being pretrained stands out in yellow; the selected layer is reversed."""
    style = " ".join(part for part, on in (("bold yellow", name == pretraining), ("reverse", name == selected)) if on)
    return style or None


WIDTHS: dict[tuple[object, ...], int] = {}  # the table's natural width by what its text shows


def natural_width(s: Snapshot) -> int:
    """The table's natural width, measured once for each set of layers, activations, pretrained layer and input
    (the layout asks every frame; measuring a Rich table costs about a millisecond). A pretrained run fine-tuning
    keeps the width its mark took, so the screen is not laid out again when pretraining ends."""
    # (measured with the mark on its first layer: as wide as on any layer whose activation is as long)
    marked = s.summary[0].name if s.phase == "finetune" and s.summary else None
    key = (s.summary, tuple(s.activations.items()), s.pretrain.layer if s.pretrain else marked, s.input_shape)
    if key not in WIDTHS:
        if len(WIDTHS) > 64:
            WIDTHS.clear()
        WIDTHS[key] = Measurement.get(MEASURE, MEASURE.options, summary_table(s, marked)).maximum
    return WIDTHS[key]


class ArchitecturePanel(Panel):
    """The network's layers; re-rendered only when the layers, activations, selection or pretrained layer change."""

    TITLE = "Architecture"
    READS = ("summary", "activations", "selected_layer", "pretrain", "input_shape")

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """The table at its natural width: a head of two lines, the input row, a row per layer, the totals."""
        width = natural_width(snapshot)
        lines = 4 + bool(snapshot.input_shape) + len(snapshot.summary)
        return Need.content(width, lines, width, lines)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        return self.rich_lines(summary_table(snapshot), width)
