"""Neurons panel (2-D presets): every unit's output over the input plane as a thumbnail, layer by layer in columns.

TF Playground's signature view: inputs on the left, the output on the right.
Selecting a unit (`,` `.` or a click) shows its output in the big decision panel.
When the net is too big to show whole, the panel shows a page of units per layer
around the selection and says how many are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip

from tuinn.train.snapshot import NeuronLayer, Snapshot
from tuinn.tui.widgets.decision import UnitChoice, resample, unit_scale
from tuinn.tui.widgets.heatmap import DIVERGING, half_block_strips
from tuinn.tui.widgets.panel import Panel

MIN_THUMB, MAX_THUMB = 8, 16  # thumbnail side in half-block pixels (8×8 pixels = 8 cells × 4 lines)
HEADING = 1  # lines: the layer's name
FOOTER = 2  # how many units are shown, and the keys


@dataclass(frozen=True)
class Plan:
    """Where the thumbnails go: the layers shown (indices), thumbnail side, units per column, the first unit of each."""

    layers: tuple[int, ...]
    thumb: int
    per_column: int
    first: tuple[int, ...]


def all_units(layers: tuple[NeuronLayer, ...]) -> list[UnitChoice]:
    """Every unit of every layer, inputs first: the order `,` and `.` step through."""
    return [UnitChoice(i, k) for i, layer in enumerate(layers) for k in range(layer.units)]


def plan(layers: tuple[NeuronLayer, ...], selected: UnitChoice | None, width: int, height: int) -> Plan:
    """The biggest thumbnails (at least MIN_THUMB) that show every layer's column, or a window of layers around the selection.

    A column is a marker cell (lit beside the selected unit) and the thumbnails, stacked without gaps.
    """
    room = max(1, height - HEADING - FOOTER)
    most = max(layer.units for layer in layers)
    thumb = MIN_THUMB
    for side in range(MAX_THUMB, MIN_THUMB - 1, -2):
        if len(layers) * (side + 1) <= width and most * (side // 2) <= room:
            thumb = side
            break
    columns = max(1, (width + 1) // (thumb + 1))
    if selected:
        start = min(max(0, selected.layer - columns // 2), max(0, len(layers) - columns))
    else:  # the hidden layers first: they are what the view is for
        start = min(1, max(0, len(layers) - columns))
    shown = tuple(range(start, min(len(layers), start + columns)))
    per_column = max(1, room // (thumb // 2))
    first = tuple((selected.unit // per_column) * per_column if selected and selected.layer == i else 0 for i in shown)
    return Plan(shown, thumb, per_column, first)


class NeuronsPanel(Panel):
    """A thumbnail per unit on its own scale (orange negative, blue positive); a yellow bar beside the selected one."""

    TITLE = "Neurons"
    READS = ("decision",)

    class Selected(Message):
        """A unit was clicked: show it in the decision panel."""

        def __init__(self, unit: UnitChoice) -> None:
            super().__init__()
            self.unit = unit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: UnitChoice | None = None
        self._plan: Plan | None = None  # where the thumbnails drawn last are

    def choose(self, unit: UnitChoice | None) -> None:
        """Mark `unit` (None: none) and show the page of its layer that holds it."""
        self.selected = unit
        self._redraw()

    def view(self) -> tuple[object, ...]:
        return (self.selected,)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        d = snapshot.decision
        if d is None or not d.neurons:
            return []
        layers = d.neurons
        p = self._plan = plan(layers, self.selected, width, height)
        palette = self.ramp(DIVERGING)
        lit, unlit = self.text_lines([Text("▐", "bold yellow"), Text(" ")], 1)
        columns: list[list[Strip]] = []
        for i, first in zip(p.layers, p.first):
            layer = layers[i]
            name = "inputs" if layer.is_input else "output" if i == len(layers) - 1 else layer.name
            column = self.text_lines([Text(" " + name, "bold")], p.thumb + 1)
            for k in range(first, min(layer.units, first + p.per_column)):
                values = layer.values[k]
                scale = unit_scale(layer, values)
                marker = lit if self.selected == UnitChoice(i, k) else unlit
                tile = half_block_strips(scale.indices(resample(values, p.thumb), len(palette)), palette)
                column += [Strip.join([marker, line]) for line in tile]
            columns.append(column)
        rows = max(len(c) for c in columns)
        blank = Strip.blank(p.thumb + 1)
        lines = [Strip.join([c[r] if r < len(c) else blank for c in columns]) for r in range(rows)]
        lines = lines[: max(1, height - FOOTER)]
        return lines + self.rich_lines(self._note(layers, p), width)[:FOOTER]

    def _note(self, layers: tuple[NeuronLayer, ...], p: Plan) -> Text:
        """'21 of 51 units', the selected layer's page and the layers shown when not all are."""
        total = sum(layer.units for layer in layers)
        drawn = sum(min(layers[i].units - f, p.per_column) for i, f in zip(p.layers, p.first))
        parts = [f"{drawn} of {total} units"]
        if self.selected and self.selected.layer in p.layers and layers[self.selected.layer].units > p.per_column:
            layer, first = layers[self.selected.layer], p.first[p.layers.index(self.selected.layer)]
            parts.append(f"{layer.name} {first + 1}-{min(layer.units, first + p.per_column)}/{layer.units}")
        if len(p.layers) < len(layers):
            parts.append(f"layers {p.layers[0] + 1}-{p.layers[-1] + 1} of {len(layers)}")
        return Text(" · ".join(parts + [", . select"]), "dim")

    def on_click(self, event: events.Click) -> None:
        """Select the unit under the pointer."""
        p, d = self._plan, self.snapshot.decision if self.snapshot else None
        if p is None or d is None:
            return
        column, offset = divmod(event.x - self.gutter.left, p.thumb + 1)
        row = (event.y - self.gutter.top - HEADING) // (p.thumb // 2)
        if offset == 0 or column >= len(p.layers) or row < 0:
            return
        layer = p.layers[column]
        unit = p.first[column] + row
        if row < p.per_column and unit < d.neurons[layer].units:
            self.post_message(self.Selected(UnitChoice(layer, unit)))
