"""LightStrip: a Strip that makes its memo caches when first used, for the many lines a frame draws once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.segment import Segment
from textual.cache import FIFOCache
from textual.strip import Strip

CACHE_SIZE = 16  # entries of a cache made on first use (Textual's own hold 4 to 16)
#: the memo caches Textual's Strip makes for every line, whether or not it is ever cropped, divided or filtered
LAZY_CACHES = frozenset(name for name in Strip.__slots__ if name.endswith("_cache") and name != "_render_cache")


class LightStrip(Strip):
    """A Strip whose memo caches (crop, divide, style, filter, ...) are made when a method first asks for one.

    Textual's Strip makes seven of them for every line it is given; a line a
    panel draws, styles and frames each frame is mostly divided once and
    painted, so making them up front costs more than the line's segments.
    """

    __slots__ = ()

    def __init__(self, segments: Iterable[Segment], cell_length: int | None = None) -> None:
        self._segments = list(segments)
        self._cell_length = cell_length
        self._render_cache = None
        self._link_ids = None
        self._cell_count = None

    def __getattr__(self, name: str) -> Any:
        if name not in LAZY_CACHES:
            raise AttributeError(name)
        cache: FIFOCache[Any, Any] = FIFOCache(CACHE_SIZE)
        setattr(self, name, cache)
        return cache


def join(strips: Iterable[Strip]) -> LightStrip:
    """`strips` side by side, as Strip.join puts them (those of no cells left out), without counting every strip's
    characters again."""
    kept = [strip for strip in strips if strip.cell_length]
    return LightStrip([segment for strip in kept for segment in strip], sum(strip.cell_length for strip in kept))
