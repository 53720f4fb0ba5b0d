"""The links of the network view: which weights are drawn, how strong each looks, and where its curve runs.

A link's colour is its weight's sign (orange negative, blue positive, grey for
exactly 0) and its strength one of a few magnitude classes on a fixed scale of
|w| (MAGNITUDE_BOUNDS), the same in every layer and at every step: a weight
that grows is seen to grow, and a layer of small weights looks faint, as it is.
Curves run from a node's right edge to the next column's marker cells, drawn
in braille dots (2 × 4 a cell) or, in ASCII, one slope character a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from tuinn.train.snapshot import NeuronLayer
from tuinn.tui.widgets.decision import UnitChoice
from tuinn.tui.widgets.network_layout import Layout

#: |w| below 0.1 is class 0 (faint, dotted), below 0.3 class 1, below 1 class 2, below 3 class 3, else class 4
MAGNITUDE_BOUNDS = (0.1, 0.3, 1.0, 3.0)
CLASSES = len(MAGNITUDE_BOUNDS) + 1
THICK = 3  # classes from this one are drawn two dots thick
ALL_LINKS = 800  # up to this many links among the drawn nodes, every one is drawn (spiral: 560, after a lab edit more)
STRONGEST = 3  # otherwise each unit's strongest inputs (and every link of the selected unit)
BRAILLE = 0x2800
#: braille bit of the dot in column c (0, 1) and row r (0-3) of a cell
DOT_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.uint8)


def magnitude_classes(weights: np.ndarray) -> np.ndarray:
    """Each weight's magnitude class, 0 (|w| < 0.1, exactly 0 included, and NaN) to CLASSES - 1."""
    w = np.abs(np.nan_to_num(np.asarray(weights, dtype=float), nan=0.0))
    classes: np.ndarray = np.searchsorted(MAGNITUDE_BOUNDS, w, side="right")
    return classes


def magnitude_class(weight: float) -> int:
    """The magnitude class of one weight."""
    return int(magnitude_classes(np.array([weight]))[0])


def weight_signs(weights: np.ndarray) -> np.ndarray:
    """-1, 0 or +1 for each weight (NaN and infinities count as 0)."""
    finite = np.isfinite(weights)
    signs: np.ndarray = np.where(finite, np.sign(np.where(finite, weights, 0.0)), 0).astype(int)
    return signs


class Link(NamedTuple):
    """One drawn weight: from unit `source` of layer `layer - 1` to unit `target` of `layer`."""

    layer: int
    source: int
    target: int
    weight: float
    sign: int
    magnitude: int
    lit: bool  # an end is the selected unit


@dataclass(frozen=True)
class LinkTable:
    """The drawn links as columns of arrays, an entry a link (hundreds a frame: Link tuples only when asked for)."""

    layer: np.ndarray
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    sign: np.ndarray
    magnitude: np.ndarray
    lit: np.ndarray

    def __len__(self) -> int:
        return len(self.layer)

    def links(self) -> tuple[Link, ...]:
        """Each entry as a Link."""
        columns = (self.layer, self.source, self.target, self.weight, self.sign, self.magnitude, self.lit)
        return tuple(map(Link, *(column.tolist() for column in columns)))


NO_LINKS = LinkTable(*(np.zeros(0, dtype=int),) * 3, np.zeros(0), *(np.zeros(0, dtype=int),) * 2, np.zeros(0, bool))


Pair = tuple[int, tuple[int, ...], tuple[int, ...]]  # a layer, the units of the column before it and its own


@dataclass(frozen=True)
class _Chosen:
    """Which links are drawn: each one's layer, source and target unit and whether it is lit; `spans` gives each
    layer's links as (layer, first, end)."""

    layer: np.ndarray
    source: np.ndarray
    target: np.ndarray
    lit: np.ndarray
    spans: tuple[tuple[int, int, int], ...]


def _lit(pair: Pair, selected: UnitChoice | None) -> np.ndarray:
    """Which links of a pair of columns touch the selected unit (sources × targets)."""
    layer, sources, targets = pair
    source_lit = np.array(sources) == (selected.unit if selected and selected.layer == layer - 1 else -1)
    target_lit = np.array(targets) == (selected.unit if selected and selected.layer == layer else -1)
    lit: np.ndarray = source_lit[:, None] | target_lit[None, :]
    return lit


def _chosen(pairs: tuple[Pair, ...], keeps: list[np.ndarray], selected: UnitChoice | None) -> _Chosen:
    """The links each `keeps` mask (sources × targets) of each pair keeps, and every link of the selected unit."""
    parts: list[tuple[np.ndarray, ...]] = []
    spans, end = [], 0
    for pair, keep in zip(pairs, keeps):
        index, sources, targets = pair
        lit = _lit(pair, selected)
        rows, cols = np.nonzero(keep | lit)
        parts.append((np.full(len(rows), index), np.array(sources)[rows], np.array(targets)[cols], lit[rows, cols]))
        spans.append((index, end, end + len(rows)))
        end += len(rows)

    def column(k: int, dtype: type) -> np.ndarray:
        """Field `k` of every part, shared by every frame of the same layout (so not writable)."""
        joined: np.ndarray = np.concatenate([np.zeros(0, dtype=dtype), *(part[k] for part in parts)])
        joined.flags.writeable = False
        return joined

    return _Chosen(column(0, int), column(1, int), column(2, int), column(3, bool), tuple(spans))


@lru_cache(maxsize=16)
def _every_link(pairs: tuple[Pair, ...], selected: UnitChoice | None) -> _Chosen:
    """Every link between the pairs' columns: the same for every frame of a layout, so worked out once."""
    return _chosen(pairs, [np.ones((len(s), len(t)), dtype=bool) for _, s, t in pairs], selected)


def _strongest(layers: tuple[NeuronLayer, ...], pairs: tuple[Pair, ...], selected: UnitChoice | None) -> _Chosen:
    """Each target unit's STRONGEST inputs by |w| (and every link of the selected unit)."""
    keeps = []
    for layer, sources, targets in pairs:
        w = np.asarray(layers[layer].weights)[np.ix_(sources, targets)]
        keep = np.zeros(w.shape, dtype=bool)
        order = np.argsort(-np.abs(np.nan_to_num(w)), axis=0, kind="stable")[:STRONGEST]
        keep[order, np.arange(w.shape[1])[None, :]] = True
        keeps.append(keep)
    return _chosen(pairs, keeps, selected)


def choose_links(layers: tuple[NeuronLayer, ...], plan: Layout, selected: UnitChoice | None) -> tuple[LinkTable, bool]:
    """The links between neighbouring columns' drawn nodes, and whether they were thinned to the strongest.

    Every link when there are at most ALL_LINKS; otherwise each target unit's
    STRONGEST inputs by |w|, plus every link of the selected unit.
    """
    pairs = []
    for before, after in zip(plan.columns, plan.columns[1:]):
        weights = layers[after.layer].weights
        if after.layer != before.layer + 1 or weights is None or weights.shape[0] != layers[before.layer].units:
            continue
        pairs.append((after.layer, before.units, after.units))
    thinned = sum(len(sources) * len(targets) for _, sources, targets in pairs) > ALL_LINKS
    chosen = _strongest(layers, tuple(pairs), selected) if thinned else _every_link(tuple(pairs), selected)
    values = np.concatenate(
        [np.zeros(0)]
        + [np.asarray(layers[layer].weights)[chosen.source[a:b], chosen.target[a:b]] for layer, a, b in chosen.spans]
    ).astype(float)
    table = LinkTable(
        chosen.layer, chosen.source, chosen.target, values, weight_signs(values), magnitude_classes(values), chosen.lit
    )
    return table, thinned


@dataclass(frozen=True)
class LinkRaster:
    """The links drawn over the content area's cells: per cell the link on top (-1: none), its dots and slope."""

    owner: np.ndarray  # (lines, cells) int: index into the links, -1 where none passes
    dots: np.ndarray  # (lines, cells) uint8: braille bits of every link through the cell
    slope: np.ndarray  # (lines, cells) float: the top link's slope there, in lines per cell (down positive)


def _ends(links: LinkTable, plan: Layout) -> np.ndarray:
    """(x0, y0, x1, y1) in dots of each link: the source node's right edge to the target's marker cell, at mid-height."""
    layers = max(c.layer for c in plan.columns) + 1
    units = max((unit for c in plan.columns for unit in c.units), default=0) + 1
    x, top = np.zeros(layers, dtype=int), np.zeros((layers, units), dtype=int)
    for c in plan.columns:
        x[c.layer] = c.x
        top[c.layer, list(c.units)] = c.tops
    middle = 2 * plan.node_lines - 1
    before = links.layer - 1
    return np.stack(
        [
            2 * (x[before] + plan.side),
            4 * top[before, links.source] + middle,
            2 * (x[links.layer] - 1) + 1,
            4 * top[links.layer, links.target] + middle,
        ],
        axis=1,
    )


def paint_order(links: LinkTable) -> np.ndarray:
    """Link indices from the first painted to the last (on top): lit links last, then by class and |w|."""
    strength = np.nan_to_num(np.abs(links.weight), nan=0.0)
    order: np.ndarray = np.lexsort((strength, links.magnitude, links.lit))
    return order


@dataclass(frozen=True)
class _Crossings:
    """Each (link, cell) pair a curve crosses, grouped by cell: the bits of its dots there and its slope there.

    `line` holds the bits of the curve's dots, `dotted` those of them a dotted
    (class 0) link keeps, `below` those of the dots just under the curve (drawn
    for thick links); `slope` and `dotted_slope` the slope at the last of the
    curve's dots, and of its kept dots when dotted.
    """

    link: np.ndarray  # (pairs,) the link
    group: np.ndarray  # (pairs,) the index of its cell in `cells`
    cells: np.ndarray  # (cells,) each cell crossed, ascending
    starts: np.ndarray  # (cells,) where each cell's pairs begin
    line: np.ndarray
    dotted: np.ndarray
    below: np.ndarray
    slope: np.ndarray
    dotted_slope: np.ndarray


def _bits_of(pairs: int, which: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """The OR of the `bits` of each pair (`which` names each bit's pair)."""
    total = np.zeros(pairs, dtype=np.uint8)
    np.bitwise_or.at(total, which, bits)
    return total


def _last_of(pairs: int, which: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The last of the `values` of each pair (`which` names each value's pair), 0 for a pair with none."""
    last = np.zeros(pairs)
    backwards = which[::-1]
    seen, first = np.unique(backwards, return_index=True)
    last[seen] = values[::-1][first]
    return last


@lru_cache(maxsize=8)
def _crossings(ends: bytes, width: int, height: int) -> _Crossings:
    """Where S-curves between `ends` (the bytes of an (n, 4) int64 array: level at both ends, like TF Playground's)
    cross the cells of a `width` × `height` area, sampled at dot resolution.

    Depends on the places only, not the weights, so a steady layout works them out once.
    """
    x0, y0, x1, y1 = np.frombuffer(ends, dtype=np.int64).reshape(-1, 4).astype(float).T
    samples = int(np.max(np.abs(x1 - x0) + 1.5 * np.abs(y1 - y0))) + 2
    t = np.linspace(0.0, 1.0, samples)[None, :]
    xs = np.rint(x0[:, None] + t * (x1 - x0)[:, None]).astype(int)
    ys = np.rint(y0[:, None] + (3 * t**2 - 2 * t**3) * (y1 - y0)[:, None]).astype(int)
    steep = (6 * t - 6 * t**2) * ((y1 - y0) / np.maximum(x1 - x0, 1))[:, None] / 2  # lines per cell
    links = np.broadcast_to(np.arange(len(x0))[:, None], xs.shape)
    dotted = np.broadcast_to(np.arange(samples)[None, :] % 3 == 0, xs.shape)
    steep = np.broadcast_to(steep, xs.shape)

    def dots(y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each dot once (in order of link, line, column): its pair's key, its bit, the slope there, whether dotted."""
        inside = (xs >= 0) & (xs < 2 * width) & (y >= 0) & (y < 4 * height)
        x, y, link = xs[inside], y[inside], links[inside]
        _, first = np.unique((link * 4 * height + y) * 2 * width + x, return_index=True)
        x, y, link = x[first], y[first], link[first]
        key = ((y // 4) * width + x // 2) * len(x0) + link  # the pair's cell, then its link
        return key, DOT_BITS[x % 2, y % 4], steep[inside][first], dotted[inside][first]

    (line, line_bit, slope, on), (under, under_bit, _, _) = dots(ys), dots(ys + 1)
    keys = np.unique(np.concatenate([line, under]))
    pairs, at_line, at_under = len(keys), np.searchsorted(keys, line), np.searchsorted(keys, under)
    cells, starts, group = np.unique(keys // len(x0), return_index=True, return_inverse=True)
    return _Crossings(
        link=keys % len(x0),
        group=group,
        cells=cells,
        starts=starts,
        line=_bits_of(pairs, at_line, line_bit),
        dotted=_bits_of(pairs, at_line[on], line_bit[on]),
        below=_bits_of(pairs, at_under, under_bit),
        slope=_last_of(pairs, at_line, slope),
        dotted_slope=_last_of(pairs, at_line[on], slope[on]),
    )


def raster_links(links: LinkTable, plan: Layout, width: int, height: int) -> LinkRaster:
    """Each link's curve over the area's cells: weaker links first, lit ones last (on top)."""
    owner = np.full(height * width, -1, dtype=int)
    dots = np.zeros(height * width, dtype=np.uint8)
    slope = np.zeros(height * width)
    crossed = _crossings(_ends(links, plan).astype(np.int64).tobytes(), width, height) if len(links) else None
    if crossed is not None and len(crossed.link):
        order = paint_order(links)
        rank = np.empty(len(links), dtype=int)
        rank[order] = np.arange(len(links))
        classes = links.magnitude[crossed.link]
        faint = classes == 0  # drawn dotted
        line = np.where(faint, crossed.dotted, crossed.line)
        bits = line | np.where(classes >= THICK, crossed.below, 0).astype(np.uint8)
        ranks = np.where(bits > 0, rank[crossed.link], -1)
        top = np.maximum.reduceat(ranks, crossed.starts)
        on_top = (line > 0) & (ranks == top[crossed.group])  # the top link's curve (not only its dots below) is here
        slopes = np.where(faint, crossed.dotted_slope, crossed.slope)
        drawn = top >= 0
        owner[crossed.cells[drawn]] = order[top[drawn]]
        dots[crossed.cells] = np.bitwise_or.reduceat(bits, crossed.starts)
        slope[crossed.cells[crossed.group[on_top]]] = slopes[on_top]
    return LinkRaster(owner.reshape(height, width), dots.reshape(height, width), slope.reshape(height, width))


def ascii_glyphs(magnitudes: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Code points of ASCII link cells: '.' for the faintest class, else a stroke at the slope ('=' level and strong)."""
    level = np.where(magnitudes >= THICK, ord("="), ord("-"))
    stroke = np.where(slopes > 0, ord("\\"), ord("/"))
    stroke = np.where(np.abs(slopes) > 2.5, ord("|"), stroke)
    stroke = np.where(np.abs(slopes) < 0.4, level, stroke)
    return np.where(magnitudes == 0, ord("."), stroke)


def ascii_glyph(magnitude: int, slope: float) -> str:
    """The ASCII character of one link cell."""
    return chr(int(ascii_glyphs(np.array([magnitude]), np.array([slope]))[0]))
