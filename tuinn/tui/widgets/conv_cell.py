"""The conv-cell view: how one output cell of a conv or pooling layer is computed, in numbers and shades.

input patch ⊙ kernel = products, Σ + bias → activation = the value the feature map draws (a pooling
layer: the window and the cell that won). Kernels with many input channels are shown a page of
input channels at a time (`i` `I`), with every channel's share of the sum on one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import ConvCell, Snapshot
from tuinn.tui.widgets.heatmap import DIVERGING, GREY, Palette, Scale, nice_ceil
from tuinn.tui.widgets.panel import Panel

NUMBER = 6  # characters of a number in a grid
CELL = NUMBER + 1  # a number and the mark before it
GAP = "  "  # between a grid and an operator
BLOCK_GAP = "    "  # between the blocks of two input channels
KEYS = "arrows/hjkl: cell · c C: channel · [ ]: layer · , .: sample · i I: input channels · esc/x: close"
MAX_ZOOM = 4  # the largest pixel of the pictures of the input and the output, in lines
POOL_WORDS = {"maxpool2d": "max", "avgpool2d": "mean"}


def number(v: float) -> str:
    """`v` in at most NUMBER characters: three decimals while they fit, fewer for larger numbers."""
    for digits, limit in ((3, 10), (2, 100), (1, 1000)):
        if abs(v) < limit - 0.5 * 10.0**-digits:
            return f"{v:.{digits}f}"
    return f"{v:.0e}"


def figure(v: float) -> str:
    """A sum or a value in four significant digits."""
    return f"{v:.4g}"


def value_scale(values: np.ndarray) -> tuple[Scale, Palette]:
    """A grey scale from 0 for values never negative, else a symmetric orange-blue one."""
    peak = nice_ceil(max(float(np.abs(values).max()), 1e-6))
    return (Scale(0.0, peak), GREY) if float(values.min()) >= 0 else (Scale(-peak, peak), DIVERGING)


#: a line drawn as segments of one-cell glyphs (the grids and pictures: no Rich layout needed, so frames are cheap)
Segs = list[Segment]
DIM, RED = Style(dim=True), Style(color="red", bold=True)


def cells(line: Segs) -> int:
    """The cells a line of one-cell glyphs takes."""
    return sum(len(seg.text) for seg in line)


@lru_cache(maxsize=2048)
def shade(colour: Color, on_light: bool, bold: bool) -> Style:
    """The style of a number on a shaded cell: black ink on light colours, white on dark."""
    return Style(color="black" if on_light else "white", bgcolor=colour, bold=bold)


@dataclass(frozen=True)
class Grid:
    """A labelled kh × kw grid of numbers on shaded cells; `padded` cells are outside the input, `marked` stands out."""

    label: str
    values: np.ndarray
    scale: Scale
    palette: Palette
    padded: np.ndarray | None = None
    marked: tuple[int, int] | None = None

    @property
    def width(self) -> int:
        return max(len(self.label), int(self.values.shape[1]) * CELL)

    def lines(self, mark: str) -> list[Segs]:
        """The label, then a line of cells per row."""
        levels = self.scale.indices(self.values, len(self.palette))
        out = [[Segment(self.label.ljust(self.width), DIM)]]
        for i, row in enumerate(self.values):
            line: Segs = []
            for j, v in enumerate(row.tolist()):
                if self.padded is not None and self.padded[i, j]:
                    line.append(Segment(" " + "pad".center(NUMBER), DIM))
                    continue
                k, marked = int(levels[i, j]), (i, j) == self.marked
                style = shade(self.palette.colour(k), light(self.palette.rgb(k)), marked)
                line.append(Segment((mark if marked else " ") + number(v).rjust(NUMBER), style))
            out.append(line + [Segment(" " * (self.width - cells(line)))])
        return out


Item = Grid | str


def light(rgb: tuple[int, int, int]) -> bool:
    """Whether black ink reads on this colour."""
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b > 140


def side_by_side(items: list[Item], mark: str) -> list[Segs]:
    """Grids and words in one row: the words on the grids' first row of numbers."""
    return beside([item.lines(mark) if isinstance(item, Grid) else [[], [], [Segment(item)]] for item in items], GAP)


def beside(columns: list[list[Segs]], gap: str) -> list[Segs]:
    """Columns of lines next to each other, `gap` apart."""
    widths = [max(cells(line) for line in col) for col in columns]
    lines = []
    for y in range(max(len(col) for col in columns)):
        line: Segs = []
        for col, w in zip(columns, widths):
            part = col[y] if y < len(col) else []
            line += [*part, Segment(" " * (w - cells(part)) + gap)]
        lines.append(line)
    return lines


def width_of(items: list[Item]) -> int:
    """The cells a row of these items takes (the gap after the last one may be cut)."""
    return sum((item.width if isinstance(item, Grid) else len(item)) + len(GAP) for item in items) - len(GAP)


def flow(items: list[Item], width: int, mark: str) -> list[Segs]:
    """The items in rows of at most `width` cells: all in one row when they fit, else split before an operator
    (an operator stays with the grid after it)."""
    units: list[list[Item]] = []
    for item in items:
        if units and isinstance(units[-1][-1], str) and isinstance(item, Grid):
            units[-1].append(item)
        else:
            units.append([item])
    rows: list[list[Item]] = [[]]
    for unit in units:
        if rows[-1] and width_of([*rows[-1], *unit]) > width:
            rows.append([])
        rows[-1] += unit
    return [line for row in rows for line in side_by_side(row, mark)]


def picture(
    values: np.ndarray, shades: tuple[Scale, Palette], box: tuple[int, int, int, int], label: str, zoom: int
) -> list[Segs]:
    """A channel with each pixel `zoom` lines by 2·`zoom` cells, shaded; the pixels in `box` (row, col, rows,
    cols) drawn in brackets."""
    scale, palette = shades
    levels = scale.indices(values, len(palette))
    r0, c0, rows, cols = box
    plain, marked = " " * 2 * zoom, "[" + " " * (2 * zoom - 2) + "]"
    out = [[Segment(label.ljust(2 * zoom * values.shape[1]), DIM)]]
    for i, row in enumerate(levels.tolist()):
        line = [
            Segment(
                marked if r0 <= i < r0 + rows and c0 <= j < c0 + cols else plain, RED + Style(bgcolor=palette.colour(k))
            )
            for j, k in enumerate(row)
        ]
        out += [line] * zoom
    return out


class ConvCellView(Panel):
    """The computation of the Snapshot's conv_cell; `page` picks which input channels a many-channel kernel shows."""

    TITLE = "How this value is computed"
    READS = ("conv_cell", "sample")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.page = 0

    def turn_inputs(self, delta: int) -> None:
        """Show the next (+1) or previous (-1) page of input channels."""
        self.page += delta
        self._redraw()

    def view(self) -> tuple[object, ...]:
        return (self.page,)

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        cell = snapshot.conv_cell
        if cell is None:
            return self.text_lines([Text("Waiting for the run to compute the cell…", "dim")], width)
        ascii = self.terminal.ascii
        mark, times, sigma = ("*", "*", "sum") if ascii else ("▸", "⊙", "Σ")
        source = layer_input(snapshot, cell)
        shades = self.ramped(value_scale(cell.patch if source is None else source))  # the input's, in grid and picture
        head = self.heading_lines(cell, snapshot) + [Text()]
        tail = [Text()] + self.sum_lines(cell, width, sigma) + wrap(KEYS, width, "dim")
        body: list[Segs]
        if cell.kernel is None:
            body, channel = self.pool_lines(cell, shades, width, mark), cell.channel
        else:
            room = height - len(head) - len(tail)
            body, channel = self.conv_lines(cell, shades, width, room, (mark, times, sigma))
        room = height - len(head) - len(body) - len(tail)
        if source is not None:
            body += self.picture_lines(cell, source[:, :, channel], shades, channel, width, room)
        strips = [Strip(line, cells(line)).crop(0, width) for line in body]
        return self.text_lines(head, width) + strips + self.text_lines(tail, width)

    def heading_lines(self, cell: ConvCell, s: Snapshot) -> list[Text]:
        """The layer, channel, cell and sample; the window's place in the input."""
        h, w, channels = cell.out_shape
        title = Text.assemble(
            (cell.layer, "bold"),
            f"  output channel {cell.channel + 1}/{channels} · row {cell.row + 1}, col {cell.col + 1} of {h}×{w}",
        )
        if s.sample is not None:
            title.append(f" · sample {s.sample.index + 1}/{s.sample.count} ({s.sample.source})", "dim")
        kh, kw = cell.patch.shape[:2]
        (r0, c0), (ih, iw, ic) = cell.origin, cell.in_shape
        where = Text(
            f"window: rows {r0 + 1}-{r0 + kh}, cols {c0 + 1}-{c0 + kw} of {cell.source} ({ih}×{iw}×{ic})", "dim"
        )
        if cell.padded.any():
            where.append(" · pad: zero padding outside the input", "dim")
        return [title, where]

    def conv_lines(
        self, cell: ConvCell, shades: tuple[Scale, Palette], width: int, room: int, glyphs: tuple[str, str, str]
    ) -> tuple[list[Segs], int]:
        """A block per input channel: patch ⊙ kernel = products  Σ; as many blocks as fit (side by side where the
        width allows), a page at a time. Returns the lines and the first input channel shown."""
        assert cell.kernel is not None and cell.products is not None
        kernel, products = cell.kernel, cell.products
        mark, times, sigma = glyphs
        inputs = cell.patch.shape[2]
        scales = [shades, *(self.ramped(value_scale(a)) for a in (kernel, products))]

        def block(k: int) -> list[Segs]:
            tag = f" ch {k + 1}" if inputs > 1 else ""
            items: list[Item] = [
                Grid(f"input patch{tag}", cell.patch[:, :, k], *scales[0], cell.padded),
                times,
                Grid(f"kernel{tag}", kernel[:, :, k], *scales[1]),
                "=",
                Grid(f"products{tag}", products[:, :, k], *scales[2]),
                f"{sigma} {figure(float(products[:, :, k].sum()))}".ljust(len(sigma) + 11),  # one width: blocks align
            ]
            if width_of(items) > width:  # the sum goes: the per-channel line (or the equation) has it
                items.pop()
            return flow(items, width, mark)

        sample = block(0)
        across = max(1, min(inputs, (width + len(BLOCK_GAP)) // (max(cells(line) for line in sample) + len(BLOCK_GAP))))
        down = max(1, (room - (1 if inputs > 1 else 0) + 1) // (len(sample) + 1))
        shown = min(inputs, across * down)
        first = (self.page * shown) % inputs if inputs > shown else 0
        blocks = [block(k) for k in range(first, min(inputs, first + shown))]
        lines: list[Segs] = []
        if shown < inputs:
            note = f"input channels {first + 1}-{first + len(blocks)} of {inputs} (i I: the others)"
            lines.append([Segment(note, Style(color="yellow"))])
        for i in range(0, len(blocks), across):
            lines += [*([[]] if i else []), *beside(blocks[i : i + across], BLOCK_GAP)]
        return lines, first

    def pool_lines(self, cell: ConvCell, shades: tuple[Scale, Palette], width: int, mark: str) -> list[Segs]:
        """The window over the same channel, its winner marked (max pooling)."""
        word = POOL_WORDS.get(cell.kind, cell.kind)
        scale, palette = shades
        grid = Grid(f"window ch {cell.channel + 1}", cell.patch[:, :, 0], scale, palette, cell.padded, cell.winner)
        return flow([grid, f"{word} = {figure(cell.total)}"], width, mark)

    def sum_lines(self, cell: ConvCell, width: int, sigma: str) -> list[Text]:
        """Σ over the input channels (many), + bias, → activation = the value: the line the numbers add up to."""
        lines: list[Text] = []
        if cell.products is None:
            word = POOL_WORDS.get(cell.kind, cell.kind)
            equation = f"{word} of the window = {figure(cell.total)}"
            if cell.winner is not None:
                r, c = cell.winner
                equation += f" (window row {r + 1}, col {c + 1}: input row {cell.origin[0] + r + 1}, col {cell.origin[1] + c + 1})"
            lines += wrap(equation, width, "bold")
        else:
            inputs = cell.products.shape[2]
            if inputs > 1:
                shares = "  ".join(f"{k + 1}:{number(float(v))}" for k, v in enumerate(cell.products.sum(axis=(0, 1))))
                lines += wrap(f"{sigma} per input channel  {shares}", width, "dim")
            equation = (
                f"{sigma} {figure(cell.total)} + bias {figure(cell.bias)} = {figure(cell.preactivation)}"
                f" → {cell.activation} → {figure(cell.value)}"
            )
            lines += wrap(equation, width, "bold")
        drawn = drawn_value(self.snapshot, cell)
        place = f"{cell.layer}'s feature map at row {cell.row + 1}, col {cell.col + 1}, channel {cell.channel + 1}"
        lines += wrap(f"= {figure(drawn)}: the value {place}" if drawn is not None else f"= {place}", width)
        return lines

    def picture_lines(
        self, cell: ConvCell, channel_in: np.ndarray, shades: tuple[Scale, Palette], channel: int, width: int, room: int
    ) -> list[Segs]:
        """Input `channel` with the window marked beside the output channel with the cell marked, when they fit."""
        output = maps_of(self.snapshot).get(cell.layer)
        if output is None:
            return []
        channel_out = output[:, :, cell.channel]
        tall = max(channel_in.shape[0], channel_out.shape[0])  # pixels, under a label and a blank line
        wide = 2 * (channel_in.shape[1] + channel_out.shape[1])  # cells a zoom step, beside a gap of 4
        zoom = min(MAX_ZOOM, (room - 2) // tall, (width - 4) // wide)
        if zoom < 1:
            return []
        kh, kw = cell.patch.shape[:2]
        pictures = [
            picture(channel_in, shades, (*cell.origin, kh, kw), f"{cell.source} ch {channel + 1}", zoom),
            picture(
                channel_out,
                self.ramped(value_scale(output)),
                (cell.row, cell.col, 1, 1),
                f"{cell.layer} ch {cell.channel + 1}",
                zoom,
            ),
        ]
        return [[], *beside(pictures, "    ")]

    def ramped(self, scale: tuple[Scale, Palette]) -> tuple[Scale, Palette]:
        return scale[0], self.ramp(scale[1])


def maps_of(snapshot: Snapshot | None) -> dict[str, np.ndarray]:
    """The Snapshot's feature maps by layer name."""
    return {fm.layer: fm.maps for fm in snapshot.feature_maps} if snapshot is not None else {}


def layer_input(snapshot: Snapshot, cell: ConvCell) -> np.ndarray | None:
    """What the cell's layer read, as the Snapshot has it: the sample's image or the previous layer's maps."""
    if cell.source == "input":
        return snapshot.sample.image if snapshot.sample is not None else None
    return maps_of(snapshot).get(cell.source)


def drawn_value(snapshot: Snapshot | None, cell: ConvCell) -> float | None:
    """The value the feature maps draw at the cell (None: the Snapshot has no map of its layer)."""
    layer = maps_of(snapshot).get(cell.layer)
    return None if layer is None else float(layer[cell.row, cell.col, cell.channel])


def wrap(text: str, width: int, style: str = "") -> list[Text]:
    """`text` in lines of at most `width` cells, broken at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(Text(line, style))
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(Text(line, style))
    return lines
