"""Network view (2-D presets): TF Playground's central picture, every unit's output map joined by its weights.

Layers stand in columns from the input features to the output; each unit is a
small map of its output over the input plane (orange negative, blue positive,
as in the decision panel); links between the columns are coloured by the
weight's sign and drawn fainter or heavier by its magnitude class
(network_links). Selecting a unit lights its links and shows its live
equation with numbers and each weight's change since the previous Snapshot.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip

from tuinn.train.snapshot import LayerStats, NeuronLayer, Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.decision import UnitChoice, all_units, resample, unit_scales
from tuinn.tui.widgets.health import caption
from tuinn.tui.widgets.heatmap import DIVERGING, NO_DATA, Palette, stack_indices
from tuinn.tui.widgets.network_cells import CellLines, CellTable, Piece, cell_table, place_tiles
from tuinn.tui.widgets.network_equation import (
    Equation,
    format_changes,
    format_equation,
    shown_terms,
    unit_equation,
    unit_names,
)
from tuinn.tui.widgets.network_layout import COMPACT_SIDE, DEEP, HEADING, MIN_GAP, MIN_SIDE, Layout, layout
from tuinn.tui.widgets.network_links import (
    BRAILLE,
    CLASSES,
    MAGNITUDE_BOUNDS,
    NO_LINKS,
    STRONGEST,
    THICK,
    Link,
    LinkRaster,
    LinkTable,
    ascii_glyph,
    ascii_glyphs,
    choose_links,
    raster_links,
)
from tuinn.tui.widgets.panel import Panel

MARKER = "▶"  # beside the selected unit
FULL_FOOTER = 26  # from this many lines, the footer adds the weights' changes and a legend
MIN_NODE_LINES = 10  # lines of nodes at the least
MIN_LAYERS = 3  # layer columns side by side at the least (more are shown as a window)
LABEL_WIDTH = 7  # cells for the inputs' names
WANT_SIDE, WANT_GAP = 8, 24  # what a node and the room between columns grow to
LINK_BACKGROUND = (58, 58, 58)  # what the faintest link shade starts from
#: how much of its sign's colour each shade shows: 0 for links not touching the selected unit, then class + 1
SHADES = (0.1, 0.32, 0.46, 0.62, 0.8, 1.0)


def _link_palette(name: str, colour: tuple[int, int, int]) -> Palette:
    """Shades from LINK_BACKGROUND towards `colour`, one per SHADES entry."""
    mix = [tuple(int(round(b + f * (c - b))) for b, c in zip(LINK_BACKGROUND, colour)) for f in SHADES]
    return Palette(name, tuple((r, g, b) for r, g, b in mix))


NEGATIVE = _link_palette("links-", DIVERGING.colours[0])
POSITIVE = _link_palette("links+", DIVERGING.colours[-1])
ZERO = _link_palette("links0", (200, 200, 200))
LINK_PALETTES = {-1: NEGATIVE, 0: ZERO, 1: POSITIVE}


def link_shades(links: LinkTable, selection: bool) -> np.ndarray:
    """Each link's shade index: its class + 1, or 0 when another unit is selected."""
    shades: np.ndarray = np.where(links.lit | (not selection), links.magnitude + 1, 0)
    return shades


class NetworkView(Panel):
    """The units' maps in layer columns, joined by their weights; the selected unit's equation underneath."""

    TITLE = "Network"
    READS = ("decision", "features", "layer_stats", "step", "summary")

    class Selected(Message):
        """A unit was clicked."""

        def __init__(self, unit: UnitChoice) -> None:
            super().__init__()
            self.unit = unit

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.selected: UnitChoice | None = None
        self.plan: Layout | None = None
        self.table = NO_LINKS  # the links drawn
        self.raster: LinkRaster | None = None
        self._before: tuple[NeuronLayer, ...] = ()
        self._before_step: int | None = None
        self._lines_drawn = CellLines()  # the lines of links and nodes last drawn

    @property
    def ascii(self) -> bool:
        """Whether the app draws in ASCII (its `ascii` flag, set when the locale is not UTF-8)."""
        return bool(getattr(self.app, "ascii", False))

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Show `snapshot`; the one before it (at another step) is what weight changes are measured from."""
        old = self.snapshot
        if old is not None and old.decision is not None and old.step != snapshot.step:
            self._before, self._before_step = old.decision.neurons, old.step
        if self._before_step is not None and snapshot.step < self._before_step:  # a reset
            self._before, self._before_step = (), None
        super().update_snapshot(snapshot)

    @property
    def links(self) -> tuple[Link, ...]:
        """The links drawn, each as a Link."""
        return self.table.links()

    def view(self) -> tuple[object, ...]:
        return (self.selected,)

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Three layers of small nodes at the least (a deep net: every layer, compact); at best every unit of every
        layer, large, with a full footer."""
        d = snapshot.decision
        if d is None or not d.neurons:
            return super().need(snapshot)
        units = [layer.units for layer in d.neurons]
        least = min(MIN_LAYERS, len(units))
        width = LABEL_WIDTH + least * (MIN_SIDE + 1) + (least - 1) * MIN_GAP
        want_width = LABEL_WIDTH + len(units) * (WANT_SIDE + 1) + (len(units) - 1) * WANT_GAP
        want_lines = HEADING + max(units) * (WANT_SIDE // 2 + 1) - 1 + 4
        if len(units) >= DEEP:  # a deep net: every layer, compact, at the least
            width = max(width, LABEL_WIDTH + len(units) * (COMPACT_SIDE + 1) + (len(units) - 1) * MIN_GAP)
        return Need.content(width, HEADING + MIN_NODE_LINES + 2, want_width, want_lines)

    def select(self, unit: UnitChoice | None) -> None:
        """Select `unit` (layer index into the Snapshot's decision.neurons, unit index), or none."""
        if unit != self.selected:
            self.selected = unit
            self._redraw()

    def step_selection(self, delta: int) -> UnitChoice | None:
        """Select the unit `delta` places on (inputs first, wrapping round) and return it."""
        decision = self.snapshot.decision if self.snapshot else None
        if decision is None or not decision.neurons:
            return None
        units = all_units(decision.neurons)
        here = units.index(self.selected) if self.selected in units else (-1 if delta > 0 else 0)
        self.select(units[(here + delta) % len(units)])
        return self.selected

    def node_at(self, x: int, y: int) -> UnitChoice | None:
        """The unit drawn at widget cell (x, y), as a Click event gives them, or None."""
        if self.plan is None:
            return None
        return self.plan.node_at(x - self.gutter.left, y - self.gutter.top)

    def on_click(self, event: events.Click) -> None:
        unit = self.node_at(event.x, event.y)
        if unit is not None:
            self.post_message(self.Selected(unit))

    def equation(self) -> Equation | None:
        """The selected unit's equation in full precision (None: no unit selected, or an input)."""
        decision = self.snapshot.decision if self.snapshot else None
        s = self.selected
        if decision is None or s is None or s.layer >= len(decision.neurons):
            return None
        layers = decision.neurons
        if s.unit >= layers[s.layer].units:
            return None
        names = unit_names(layers, self.snapshot.features if self.snapshot else ())
        return unit_equation(layers, names, s.layer, s.unit, self._before, self._before_step)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        d = snapshot.decision
        if d is None or not d.neurons:
            self.plan, self.table, self.raster = None, NO_LINKS, None
            return self.text_lines([Text("The network view draws the units of 2-D presets.", "dim")], width)
        layers = d.neurons
        names = unit_names(layers, snapshot.features)
        footer = self._footer(snapshot, layers, width, height)
        room = max(3, height - len(footer))
        label_width = min(7, max(len(n) for n in names[0]) + 1)
        plan = self.plan = layout(tuple(layer.units for layer in layers), width, room, label_width, self.selected)
        self.table, thinned = choose_links(layers, plan, self.selected)
        self.raster = raster_links(self.table, plan, width, room)
        cells = network_cells(self.terminal.colour_system)
        shades = link_shades(self.table, self.selected is not None)
        owner_codes = np.append((self.table.sign + 1) * len(SHADES) + shades, -1)
        codes, glyphs = owner_codes[self.raster.owner], self._link_glyphs(self.raster)
        self._place_maps(layers, plan, cells, codes, glyphs)
        overlays: list[list[Piece]] = [[] for _ in range(room)]
        self._place_headings(layers, plan, width, overlays)
        self._place_labels(names, plan, overlays)
        for pieces in overlays:
            pieces.sort(key=lambda p: p[0])
        drawn = self._lines_drawn.draw(codes, glyphs, cells.styles, overlays)
        footer[-1] = self.text_lines([self._note(snapshot, plan, thinned)], width)[0]
        return drawn + [line.adjust_cell_length(width) for line in footer]

    def _link_glyphs(self, raster: LinkRaster) -> np.ndarray:
        """The code point of each cell of the link layer: braille dots, or ASCII strokes; a space where no link runs."""
        if self.ascii:
            magnitudes = np.append(self.table.magnitude, 0)[raster.owner]
            codes = ascii_glyphs(magnitudes, raster.slope)
        else:
            codes = BRAILLE + raster.dots.astype(np.uint32)
        glyphs: np.ndarray = np.where(raster.owner >= 0, codes, ord(" ")).astype(np.uint32)
        return glyphs

    def _place_headings(
        self, layers: tuple[NeuronLayer, ...], plan: Layout, width: int, overlays: list[list[Piece]]
    ) -> None:
        """Each column's layer name and activation on the first line, as far as the next column."""
        ends = [c.x - 1 for c in plan.columns[1:]] + [width]
        free = 0  # the first cell no heading has taken yet
        for column, end in zip(plan.columns, ends):
            layer = layers[column.layer]
            if column.layer == 0:
                titles = ["inputs", "in"]
            else:
                kind = "output" if column.layer == len(layers) - 1 else layer.name
                titles = [f"{kind} {layer.activation or 'linear'}", kind, kind[:3]]
                health = caption(self._stats(layer.name))  # 'Δ-4.8 sat 37%': the layer's health, with room
                titles[:0] = [f"{titles[0]} {health}", f"{kind} {health}"] if health else []
            for title in titles:
                start = max(free, min(column.x - 1, width - len(title)))
                if start + len(title) <= end - (end < width):
                    overlays[0].append(piece(start, self.text_lines([Text(title, "bold")], len(title))[0]))
                    free = start + len(title) + 1
                    break

    def _stats(self, name: str) -> LayerStats | None:
        """The shown Snapshot's LayerStats of layer `name`."""
        stats = self.snapshot.layer_stats if self.snapshot else ()
        return next((st for st in stats if st.name == name), None)

    def _place_maps(
        self, layers: tuple[NeuronLayer, ...], plan: Layout, cells: CellTable, codes: np.ndarray, glyphs: np.ndarray
    ) -> None:
        """Every drawn unit's map over the cells of the grid, the units of every column in one NumPy pass."""
        palette = self.ramp(DIVERGING)
        lines = plan.node_lines
        stacks = [layers[column.layer].values[list(column.units)] for column in plan.columns]
        scales = [scale for c, maps in zip(plan.columns, stacks) for scale in unit_scales(layers[c.layer], maps)]
        pixels = stack_indices(resample(np.concatenate(stacks), plan.side), scales, len(palette))
        if not plan.gap:
            pixels[:, -1] = NO_DATA  # a dark rule between touching nodes
        tiles = palette.cell_code(pixels[:, 0 : 2 * lines : 2], pixels[:, 1 : 2 * lines : 2])
        xs = [column.x for column in plan.columns for _ in column.units]
        place_tiles(codes, glyphs, cells, tiles, xs, (top for column in plan.columns for top in column.tops))

    def _place_labels(self, names: tuple[tuple[str, ...], ...], plan: Layout, overlays: list[list[Piece]]) -> None:
        """The inputs' names on the left of their maps, the marker beside the selected unit."""
        for column in plan.columns:
            for unit, top in zip(column.units, column.tops):
                middle = top + (plan.node_lines - 1) // 2
                if column.layer == 0 and column.x > 1:
                    label = names[0][unit][: column.x - 2].rjust(column.x - 2)
                    overlays[middle].append(piece(0, self.text_lines([Text(label)], len(label))[0]))
                if self.selected == UnitChoice(column.layer, unit):
                    overlays[middle].append(piece(column.x - 1, self.text_lines([Text(MARKER, "bold yellow")], 1)[0]))

    def _footer(self, snapshot: Snapshot, layers: tuple[NeuronLayer, ...], width: int, height: int) -> list[Strip]:
        """The selected unit's equation (and, with room, the weights' changes and a legend); a last line for the note."""
        ascii = self.ascii
        equation = self.equation()
        s = self.selected
        if equation is not None:
            terms, left_out = shown_terms(equation, width, ascii)
            head = [Text(format_equation(equation, terms, left_out, ascii), "bold")]
            changes = [Text(format_changes(equation, terms, ascii), "dim")]
        elif s is not None and s.layer < len(layers) and s.unit < layers[s.layer].units:
            name = unit_names(layers, snapshot.features)[s.layer][s.unit]
            what = "an input feature over the plane (no weights)" if s.layer == 0 else "its inputs are not drawn here"
            head, changes = [Text(f"{name}: {what}", "bold")], [Text("")]
        else:
            head, changes = [Text("select a unit (, . or a click) to see its equation", "dim")], [Text("")]
        # the changes and the legend only where they leave room for every unit at the smallest side
        roomy = height >= FULL_FOOTER and height - 4 - HEADING >= max(layer.units for layer in layers) * MIN_SIDE // 2
        texts = head + (changes + [legend(self.ascii, self.terminal.colour_system)] if roomy else [])
        return self.text_lines(texts, width) + [Strip.blank(width)]  # the last line: the note, written in build

    def _note(self, snapshot: Snapshot, plan: Layout, thinned: bool) -> Text:
        """What is drawn: every link or each unit's strongest, and the units and layers left out."""
        layers = snapshot.decision.neurons if snapshot.decision else ()
        parts = [f"each unit's {STRONGEST} strongest inputs" if thinned else "every weight drawn"]
        drawn = {layer.name for layer in layers}
        mapless = [row.name for row in snapshot.summary if row.parameters and row.name not in drawn]
        if mapless:  # layers the Snapshot has no unit maps of
            parts.append(f"{len(mapless)} layers not drawn ({mapless[0]}{'…' if len(mapless) > 1 else ''})")
        unlinked = [layer.name for layer in layers if not layer.is_input and layer.weights is None]
        if unlinked:  # maxout: a weight vector per piece, so no one link per input
            parts.append(
                f"links into {len(unlinked)} layers not drawn ({unlinked[0]}{'…' if len(unlinked) > 1 else ''})"
            )
        if plan.hidden_units:
            total = sum(layers[c.layer].units for c in plan.columns)
            parts.append(f"{total - plan.hidden_units} of {total} units shown")
        if plan.hidden_layers:
            first, last = plan.columns[0].layer, plan.columns[-1].layer
            parts.append(f"layers {first + 1}-{last + 1} of {len(layers)}")
        return Text(("; " if self.ascii else " · ").join(parts + [", . select"]), "dim")


@lru_cache(maxsize=8)
def link_styles(colour_system: str | None) -> tuple[Style, ...]:
    """The style of each sign's shades (index (sign + 1) * len(SHADES) + shade), made once per colour system."""
    return tuple(
        Style(color=LINK_PALETTES[sign].at(colour_system).colour(shade))
        for sign in (-1, 0, 1)
        for shade in range(len(SHADES))
    )


@lru_cache(maxsize=8)
def network_cells(colour_system: str | None) -> CellTable:
    """The view's cell codes: every sign's link shades, then the unit maps' half-block cells (made once)."""
    return cell_table(link_styles(colour_system), DIVERGING.at(colour_system))


@lru_cache(maxsize=8)
def legend(ascii: bool, colour_system: str | None) -> Text:
    """The link glyphs: colour by sign, then one sample per magnitude class with its |w| bound (made once)."""

    def sample(sign: int, magnitude: int) -> tuple[str, Style]:
        glyph = ascii_glyph(magnitude, 0.0) if ascii else chr(BRAILLE + (0x36 if magnitude >= THICK else 0x12))
        if not ascii and magnitude == 0:
            glyph = chr(BRAILLE + 0x02)
        return glyph * 2, Style(color=LINK_PALETTES[sign].at(colour_system).colour(magnitude + 1))

    parts: list[tuple[str, Style] | str] = ["weight ", sample(-1, THICK), " < 0  ", sample(1, THICK), " > 0   |w| "]
    bounds = [f"<{b:g}" for b in MAGNITUDE_BOUNDS] + [f">={MAGNITUDE_BOUNDS[-1]:g}"]
    for magnitude in range(CLASSES):
        parts += [sample(1, magnitude), bounds[magnitude] + " "]
    return Text.assemble(*parts, style="dim")


def piece(x: int, strip: Strip) -> Piece:
    """`strip` as a piece drawn from cell `x` of a line."""
    return x, strip, strip.cell_length
