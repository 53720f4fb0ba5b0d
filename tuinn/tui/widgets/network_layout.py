"""Where the network view puts its nodes: a pure function of the layer sizes, the area and the selection.

Layers stand in columns from the inputs (left) to the output (right), their
nodes stacked and centred in each column, with room between the columns for
the links. A node is a square unit map of `side` half-block pixels: `side`
cells wide and `side // 2` lines tall, with a marker cell on its left. When a
column cannot hold every unit, it shows a window of units around the selection
(or the first ones); when the area cannot hold every layer, a window of layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuinn.tui.widgets.decision import UnitChoice

MIN_SIDE, MAX_SIDE = 4, 16  # node side in half-block pixels (4: 4 cells × 2 lines)
COMPACT_SIDE = 2  # a deep net's nodes when every layer fits across only so: 2 cells × 1 line
DEEP = 6  # columns (inputs included) from which a net is drawn compact rather than as a window of layers
MIN_GAP, MAX_GAP = 6, 36  # cells between two columns, where the links run
HEADING = 1  # lines above the nodes: the layers' names
NODE_GAP = 1  # blank lines between two nodes of a column
TIGHT_SIDE = 6  # from this side on, nodes may stand without a blank line, their last pixel row a dark rule
TIGHT_GAIN = 1.25  # ... when that makes them at least this much bigger


@dataclass(frozen=True)
class Column:
    """One layer's column: the layer's index, the x of its nodes' first cell, the units shown and their top lines."""

    layer: int
    x: int
    units: tuple[int, ...]
    tops: tuple[int, ...]


@dataclass(frozen=True)
class Layout:
    """The nodes' places, and what did not fit (units and layers left out)."""

    side: int
    gap: int  # blank lines between nodes: NODE_GAP, or 0 when the nodes are drawn with a rule underneath
    columns: tuple[Column, ...]
    hidden_units: int
    hidden_layers: int

    @property
    def node_lines(self) -> int:
        return self.side // 2

    def place(self, layer: int, unit: int) -> tuple[int, int] | None:
        """(x, top line) of a node, or None when it is not drawn."""
        for column in self.columns:
            if column.layer == layer and unit in column.units:
                return column.x, column.tops[column.units.index(unit)]
        return None

    def node_at(self, x: int, y: int) -> UnitChoice | None:
        """The node drawn at cell (x, y) of the content area (its marker cell included), or None."""
        for column in self.columns:
            if column.x - 1 <= x < column.x + self.side:
                for unit, top in zip(column.units, column.tops):
                    if top <= y < top + self.node_lines:
                        return UnitChoice(column.layer, unit)
        return None


def _window(count: int, room: int, centre: int | None) -> range:
    """`room` consecutive indices of `count`, around `centre` when given, else from the first."""
    if count <= room:
        return range(count)
    start = 0 if centre is None else min(max(0, centre - room // 2), count - room)
    return range(start, start + room)


def _tops(count: int, pitch: int, lines: int, room: int) -> tuple[int, ...]:
    """The top lines of `count` nodes `lines` tall in `room` lines under the heading: spread from the first line to the
    last when they leave room (the links between them fill the panel's height), else packed `pitch` apart, centred."""
    if count > 1 and room - lines >= (count - 1) * pitch:
        return tuple(HEADING + i * (room - lines) // (count - 1) for i in range(count))
    first = HEADING + (room - (count * pitch - (pitch - lines))) // 2
    return tuple(first + i * pitch for i in range(count))


def layout(units: tuple[int, ...], width: int, height: int, label_width: int, selected: UnitChoice | None) -> Layout:
    """The biggest nodes that show every unit of every layer in `width` × `height` cells, or windows of them.

    `units` counts each layer's units, inputs first; `label_width` cells on the
    left hold the inputs' names.
    """
    room = max(1, height - HEADING)
    most = max(units)
    layers = len(units)

    def fits_across(side: int, count: int) -> bool:
        return label_width + count * (side + 1) + (count - 1) * MIN_GAP <= width

    def largest(gap: int, smallest: int) -> int:
        fitting = (s for s in range(MAX_SIDE, smallest - 1, -2) if most * (s // 2 + gap) - gap <= room)
        return next((s for s in fitting if fits_across(s, layers)), 0)

    compact = layers >= DEEP and not fits_across(MIN_SIDE, layers) and fits_across(COMPACT_SIDE, layers)
    smallest = COMPACT_SIDE if compact else MIN_SIDE  # a deep net: every layer, small, rather than a window of them
    every = largest(NODE_GAP, smallest)  # the biggest nodes that show every unit with a blank line between
    side, gap = every or smallest, NODE_GAP
    tight = largest(0, TIGHT_SIDE)
    if tight >= TIGHT_GAIN * side:  # touching nodes only when that makes them much bigger
        side, gap = tight, 0
    elif not every and largest(0, MIN_SIDE):  # or when touching is what shows every unit
        side, gap = largest(0, MIN_SIDE), 0
    count = layers
    while count > 1 and not fits_across(side, count):
        count -= 1
    shown_layers = _window(layers, count, selected.layer if selected else None)
    pitch = side // 2 + gap
    per_column = max(1, (room + gap) // pitch)
    spare = width - label_width - count * (side + 1)
    spacing = min(MAX_GAP, spare // max(1, count - 1)) if count > 1 else 0
    left = max(0, (width - label_width - count * (side + 1) - (count - 1) * spacing) // 2) + label_width
    columns = []
    for c, layer in enumerate(shown_layers):
        centre = selected.unit if selected and selected.layer == layer else None
        shown = tuple(_window(units[layer], per_column, centre))
        x = left + c * (side + 1 + spacing) + 1
        columns.append(Column(layer, x, shown, _tops(len(shown), pitch, side // 2, room)))
    hidden_units = sum(units[c.layer] - len(c.units) for c in columns)
    return Layout(side, gap, tuple(columns), hidden_units, layers - count)
