"""The links of the network view: which weights are drawn, how strong each looks, and where its curve runs.

A link's colour is its weight's sign (orange negative, blue positive, grey for
exactly 0) and its strength one of a few magnitude classes on a fixed scale of
|w| (MAGNITUDE_BOUNDS), the same in every layer and at every step: a weight
that grows is seen to grow, and a layer of small weights looks faint, as it is.
Curves run from a node's right edge to the next column's marker cells, drawn
in braille dots (2 × 4 a cell) or, in ASCII, one slope character a cell.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
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
        pairs.append((after.layer, np.asarray(weights)[np.ix_(before.units, after.units)], before.units, after.units))
    thinned = sum(w.size for _, w, _, _ in pairs) > ALL_LINKS
    parts = [NO_LINKS]
    for layer, w, sources, targets in pairs:
        keep = np.ones(w.shape, dtype=bool)
        if thinned:
            keep[:] = False
            order = np.argsort(-np.abs(np.nan_to_num(w)), axis=0, kind="stable")[:STRONGEST]
            keep[order, np.arange(w.shape[1])[None, :]] = True
        source_lit = np.array(sources) == (selected.unit if selected and selected.layer == layer - 1 else -1)
        target_lit = np.array(targets) == (selected.unit if selected and selected.layer == layer else -1)
        lit = source_lit[:, None] | target_lit[None, :]
        rows, cols = np.nonzero(keep | lit)
        values = w[rows, cols].astype(float)
        parts.append(
            LinkTable(
                np.full(len(rows), layer),
                np.array(sources)[rows],
                np.array(targets)[cols],
                values,
                weight_signs(values),
                magnitude_classes(values),
                lit[rows, cols],
            )
        )
    table = LinkTable(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(LinkTable)))
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
class _Dots:
    """Samples of curves at dot resolution, one per (link, dot): the link, the cell, the dot's bit, the slope there."""

    link: np.ndarray
    cell: np.ndarray
    bit: np.ndarray
    slope: np.ndarray
    dotted: np.ndarray  # kept when the link is drawn dotted (class 0)


@lru_cache(maxsize=8)
def _curves(ends: bytes, width: int, height: int) -> tuple[_Dots, _Dots]:
    """The dots of S-curves between `ends` (the bytes of an (n, 4) int64 array: level at both ends, like TF
    Playground's), and the dots just below them.

    Depends on the places only, not the weights, so a steady layout samples its curves once.
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

    def dots(y: np.ndarray) -> _Dots:
        inside = (xs >= 0) & (xs < 2 * width) & (y >= 0) & (y < 4 * height)
        x, y, link = xs[inside], y[inside], links[inside]
        _, first = np.unique((link * 4 * height + y) * 2 * width + x, return_index=True)
        x, y = x[first], y[first]
        cell = (y // 4) * width + x // 2
        return _Dots(link[first], cell, DOT_BITS[x % 2, y % 4], steep[inside][first], dotted[inside][first])

    return dots(ys), dots(ys + 1)


def raster_links(links: LinkTable, plan: Layout, width: int, height: int) -> LinkRaster:
    """Each link's curve over the area's cells: weaker links first, lit ones last (on top)."""
    owner = np.full(height * width, -1, dtype=int)
    dots = np.zeros(height * width, dtype=np.uint8)
    slope = np.zeros(height * width)
    if len(links):
        line, below = _curves(_ends(links, plan).astype(np.int64).tobytes(), width, height)
        classes = links.magnitude
        order = paint_order(links)
        rank = np.empty(len(links), dtype=int)
        rank[order] = np.arange(len(links))
        top = np.full(height * width, -1, dtype=int)
        drawn = (classes[line.link] > 0) | line.dotted
        for part, keep in ((line, drawn), (below, classes[below.link] >= THICK)):
            np.bitwise_or.at(dots, part.cell[keep], part.bit[keep])
            np.maximum.at(top, part.cell[keep], rank[part.link[keep]])
        on_top = drawn & (rank[line.link] == top[line.cell])
        slope[line.cell[on_top]] = line.slope[on_top]
        owner[top >= 0] = order[top[top >= 0]]
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
