"""The network view's picture as a grid of cells: links and unit maps in one array of style codes and one of glyphs.

Every cell of the area holds a style code (an index into the view's CellTable:
a link shade, a half-block cell of a unit map, or -1 for nothing) and a glyph.
The lines are cut into one segment per run of equal codes, and a line whose
codes, glyphs and text pieces are those of the line drawn there last time is
not drawn again: both are found for every line at once with NumPy.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuinn.tui.widgets.heatmap import Palette
from tuinn.tui.widgets.light_strip import LightStrip

Piece = tuple[int, Iterable[Segment], int]  # drawn over a line of cells: the first cell, the segments, their cells


@dataclass(frozen=True)
class CellTable:
    """The style of each cell code: the link shades first, then every half-block cell of a palette (from `maps`);
    the last entry (code -1) is no style. `glyphs` holds the character of each map cell, from code `maps` on."""

    styles: tuple[Style | None, ...]
    maps: int
    glyphs: np.ndarray


def cell_table(links: tuple[Style, ...], palette: Palette) -> CellTable:
    """The codes of `links` (0 up) followed by the cells of `palette` (see Palette.cells)."""
    cells = palette.cells()
    glyphs = np.array([ord(cell.text) for cell in cells], dtype=np.uint32)
    return CellTable((*links, *(cell.style for cell in cells), None), len(links), glyphs)


def place_tiles(
    codes: np.ndarray,
    glyphs: np.ndarray,
    table: CellTable,
    tiles: np.ndarray,
    xs: int | Sequence[int],
    tops: Iterable[int],
) -> None:
    """Draw a stack of tiles (palette cell codes, tiles × lines × cells), each with its left cell at its `xs` entry
    (or all at `xs`) and its first line at its `tops` entry, over whatever the grid held there (cells past the grid's
    right edge are left out)."""
    count, lines, cells = tiles.shape
    rows = np.add.outer(np.fromiter(tops, dtype=int, count=count), np.arange(lines))[:, :, None]
    columns = np.add.outer(np.broadcast_to(np.asarray(xs, dtype=int), (count,)), np.arange(cells))[:, None, :]
    inside = np.broadcast_to(columns < codes.shape[1], tiles.shape)
    rows, columns = (np.broadcast_to(a, tiles.shape)[inside] for a in (rows, columns))
    shown = tiles[inside]
    codes[rows, columns] = shown + table.maps
    glyphs[rows, columns] = table.glyphs[shown]


@dataclass(frozen=True)
class CellLine:
    """One line of the grid: its text, each cell's code, where runs of equal codes begin, the styles of the codes."""

    text: str
    codes: list[int]
    starts: list[int]
    styles: tuple[Style | None, ...]

    def runs(self, a: int, b: int) -> list[Segment]:
        """Cells a to b, one segment per run of cells of the same code."""
        if a >= b:
            return []
        starts = self.starts
        cuts = [a, *starts[bisect_right(starts, a) : bisect_left(starts, b)], b]
        text, codes, styles = self.text, self.codes, self.styles
        return [Segment(text[i:j], styles[codes[i]]) for i, j in zip(cuts, cuts[1:])]


def compose(line: CellLine, pieces: list[Piece], width: int) -> Strip:
    """A line of cells with each piece (left to right; one that starts under the one before is left out) over it."""
    segments: list[Segment] = []
    at = 0
    for x, part, cells in pieces:
        if x < at:
            continue
        segments += line.runs(at, x)
        segments += part
        at = x + cells
    if at < width:
        segments += line.runs(at, width)
    return LightStrip(segments, max(at, width))


class CellLines:
    """The lines drawn from a grid, kept to reuse each line whose cells and pieces stay the same."""

    def __init__(self) -> None:
        self._codes = np.zeros((0, 0), dtype=int)
        self._glyphs = np.zeros((0, 0), dtype=np.uint32)
        self._styles: tuple[Style | None, ...] = ()
        self._pieces: list[list[Piece]] = []
        self._strips: list[Strip] = []

    def draw(
        self, codes: np.ndarray, glyphs: np.ndarray, styles: tuple[Style | None, ...], pieces: list[list[Piece]]
    ) -> list[Strip]:
        """The grid's lines with each line's `pieces` (sorted by cell) drawn over them."""
        height, width = codes.shape
        if codes.shape == self._codes.shape and styles is self._styles:
            changed = ((codes != self._codes) | (glyphs != self._glyphs)).any(axis=1).tolist()
        else:
            changed = [True] * height
        redraw = [y for y in range(height) if changed[y] or not _same_pieces(self._pieces[y], pieces[y])]
        strips = list(self._strips) if len(self._strips) == height else [Strip.blank(width)] * height
        if redraw:
            sub = codes[redraw]
            text, runs, starts = _runs(sub, glyphs[redraw], styles)
            for i, y in enumerate(redraw):
                if pieces[y]:  # a few lines: the runs cut again where a piece begins and ends
                    line = CellLine(text[i * width : (i + 1) * width], sub[i].tolist(), starts[i], styles)
                    strips[y] = compose(line, pieces[y], width)
                else:
                    strips[y] = LightStrip(runs[i], width)
        self._codes, self._glyphs, self._styles, self._pieces, self._strips = codes, glyphs, styles, pieces, strips
        return strips


def _same_pieces(a: list[Piece], b: list[Piece]) -> bool:
    """Whether two lines' pieces are the very same segments at the same cells."""
    return len(a) == len(b) and all(p[0] == q[0] and p[1] is q[1] for p, q in zip(a, b))


def _runs(
    codes: np.ndarray, glyphs: np.ndarray, styles: tuple[Style | None, ...]
) -> tuple[str, list[list[Segment]], list[list[int]]]:
    """The text of rows of cells (one after another), each row's segments (one per run of equal codes) and the
    columns where its runs begin (the first left out), found for every row in one NumPy pass."""
    rows, width = codes.shape
    begins = np.ones(codes.shape, dtype=bool)
    begins[:, 1:] = codes[:, 1:] != codes[:, :-1]
    row, column = np.nonzero(begins)  # every run, row by row, left to right
    cuts = (row * width + column).tolist() + [rows * width]
    text = glyphs.astype("<u4").tobytes().decode("utf-32-le")
    make = tuple.__new__  # Segment(text, style) without its keyword defaults: the same tuple, made in 0.6 of the time
    runs = zip(cuts, cuts[1:], codes[row, column].tolist())
    segments = [make(Segment, (text[a:b], styles[c], None)) for a, b, c in runs]
    ends = np.cumsum(np.bincount(row, minlength=rows)).tolist()
    columns = column.tolist()
    spans = list(zip([0, *ends[:-1]], ends))
    return text, [segments[a:b] for a, b in spans], [columns[a + 1 : b] for a, b in spans]
