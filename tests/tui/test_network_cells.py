"""The network view's cell grid: lines that show every cell's glyph in its code's style, kept while they stay the same;
the link raster as the links painted one over another."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from textual.strip import Strip

from tuinn.config import load_preset
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.heatmap import DIVERGING
from tuinn.tui.widgets.network_cells import CellLines, cell_table, place_tiles
from tuinn.tui.widgets.network_layout import layout
from tuinn.tui.widgets.network_links import (
    THICK,
    LinkTable,
    _crossings,
    _ends,
    choose_links,
    paint_order,
    raster_links,
)

STYLES = (Style(color="red"), Style(color="blue"), Style(color="green"), None)  # code -1: the last, no style


def cells_of(strip: Strip) -> list[tuple[str, Style | None]]:
    """(character, style) of each cell of a line."""
    return [(c, segment.style) for segment in strip for c in segment.text]


def grid(seed: int, shape: tuple[int, int] = (6, 30)) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 to 2, in runs) and glyphs (braille) of a random grid."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(rng.integers(-1, 3, size=(shape[0], shape[1] // 3)), 3, axis=1)
    glyphs = (0x2800 + rng.integers(0, 256, size=shape)).astype(np.uint32)
    return codes, glyphs


def test_each_line_shows_every_cells_glyph_in_its_codes_style_one_segment_a_run():
    codes, glyphs = grid(1)
    lines = CellLines().draw(codes, glyphs, STYLES, [[] for _ in codes])
    for strip, row_codes, row_glyphs in zip(lines, codes, glyphs):
        assert cells_of(strip) == [(chr(g), STYLES[c]) for c, g in zip(row_codes, row_glyphs)]
        runs = 1 + int(np.count_nonzero(np.diff(row_codes)))
        assert len(list(strip)) == runs


def test_pieces_are_drawn_over_the_cells_they_cover():
    codes, glyphs = grid(2)
    label = Strip.blank(4, Style(bold=True))
    pieces = [[] for _ in codes]
    pieces[3] = [(5, label, 4)]
    lines = CellLines().draw(codes, glyphs, STYLES, pieces)
    want = [(chr(g), STYLES[c]) for c, g in zip(codes[3], glyphs[3])]
    want[5:9] = [(" ", Style(bold=True))] * 4
    assert cells_of(lines[3]) == want and lines[3].cell_length == codes.shape[1]


def test_a_line_whose_cells_and_pieces_stay_keeps_its_strip_and_a_changed_one_is_drawn_again():
    codes, glyphs = grid(3)
    drawer = CellLines()
    first = drawer.draw(codes, glyphs, STYLES, [[] for _ in codes])
    codes2, glyphs2 = codes.copy(), glyphs.copy()
    codes2[1, 4] = (codes2[1, 4] + 1) % 3
    glyphs2[4, 0] += 1
    second = drawer.draw(codes2, glyphs2, STYLES, [[] for _ in codes])
    assert [a is b for a, b in zip(first, second)] == [True, False, True, True, False, True]
    assert cells_of(second[1])[4] == (chr(glyphs2[1, 4]), STYLES[codes2[1, 4]])
    other = (*STYLES[:3][::-1], None)
    third = drawer.draw(codes2, glyphs2, other, [[] for _ in codes])  # other styles: every line again
    assert not any(a is b for a, b in zip(second, third))


def test_tiles_are_placed_over_the_links_and_cut_at_the_right_edge():
    table = cell_table(STYLES[:3], DIVERGING)
    codes, glyphs = np.full((8, 10), -1), np.full((8, 10), ord(" "), dtype=np.uint32)
    tiles = np.arange(2 * 2 * 4).reshape(2, 2, 4)  # two tiles, 2 lines × 4 cells
    place_tiles(codes, glyphs, table, tiles, 7, (1, 5))
    assert (codes[1:3, 7:] == tiles[0, :, :3] + table.maps).all() and (
        codes[5:7, 7:] == tiles[1, :, :3] + table.maps
    ).all()
    cells = DIVERGING.cells()
    assert chr(glyphs[2, 8]) == cells[tiles[0, 1, 1]].text
    assert (codes[:, :7] == -1).all() and (codes[[0, 3, 4, 7]] == -1).all()


def test_the_raster_paints_each_link_over_the_ones_before_it():
    t = Trainer(load_preset("spiral"), stop_at_target=False)
    for _ in range(30):
        t.step()
    layers = t.snapshot().decision.neurons
    plan = layout(tuple(layer.units for layer in layers), 60, 30, 3, None)
    table, _ = choose_links(layers, plan, None)
    rng = np.random.default_rng(0)
    weights = rng.normal(0.0, 1.5, len(table)) * (rng.random(len(table)) > 0.1)  # every class, and some 0
    table = LinkTable(
        table.layer,
        table.source,
        table.target,
        weights,
        np.sign(weights).astype(int),
        np.searchsorted((0.1, 0.3, 1.0, 3.0), np.abs(weights), side="right"),
        table.lit,
    )
    raster = raster_links(table, plan, 60, 30)
    crossed = _crossings(_ends(table, plan).astype(np.int64).tobytes(), 60, 30)
    rank = np.argsort(paint_order(table))
    owner, dots, slope = np.full(60 * 30, -1), np.zeros(60 * 30, dtype=np.uint8), np.zeros(60 * 30)
    for p, link in enumerate(crossed.link.tolist()):  # pair by pair: a link painted over the ones under it
        cell, faint, thick = crossed.cells[crossed.group[p]], table.magnitude[link] == 0, table.magnitude[link] >= THICK
        line = crossed.dotted[p] if faint else crossed.line[p]
        bits = line | (crossed.below[p] if thick else 0)
        if not bits:
            continue
        dots[cell] |= bits
        if owner[cell] < 0 or rank[link] > rank[owner[cell]]:
            owner[cell] = link
            slope[cell] = (crossed.dotted_slope[p] if faint else crossed.slope[p]) if line else 0.0
    assert (raster.owner.ravel() == owner).all() and (raster.dots.ravel() == dots).all()
    assert (raster.slope.ravel() == slope).all()
    shown = np.unique(owner[owner >= 0])
    assert len(shown) > 50 and set(table.magnitude[shown].tolist()) == {0, 1, 2, 3, 4}  # many links, every class
