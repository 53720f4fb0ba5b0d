"""LineStyler: a panel's lines under its own style, each distinct segment styled once, each kept line not again."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

SEGMENT_CACHE_SIZE = 4096  # styled segments kept per panel (a frame of a large panel uses a few hundred)


class LineStyler:
    """Puts a base style under lines as `Strip.apply_style` does, reusing what it styled for the lines before.

    A line (the same Strip object) that was shown last time keeps its styled
    copy; a new line is styled from a memo of segments, so the cells a panel
    repeats (palette cells, link runs, text) cost a dictionary look-up each.
    """

    def __init__(self) -> None:
        self.base: Style | None = None
        self._segments: dict[Segment, Segment] = {}
        self._lines: dict[int, tuple[Strip, Strip]] = {}  # id of a line -> the line (kept alive) and its styled copy

    def style(self, lines: list[Strip], base: Style) -> list[Strip]:
        """`lines` with `base` under every segment's style."""
        if base != self.base:
            self.base = base
            self._segments.clear()
            self._lines.clear()
        if len(self._segments) > SEGMENT_CACHE_SIZE:
            self._segments.clear()
        before, kept = self._lines, {}
        styled = []
        for line in lines:
            pair = before.get(id(line))
            if pair is None or pair[0] is not line:
                pair = line, self._style_line(line, base)
            kept[id(line)] = pair
            styled.append(pair[1])
        self._lines = kept
        return styled

    def _style_line(self, line: Strip, base: Style) -> Strip:
        """One line under `base` (control segments left as they are, as Segment.apply_style leaves them)."""
        memo = self._segments
        segments = []
        for segment in line:
            if segment.control:
                segments.append(segment)
                continue
            done = memo.get(segment)
            if done is None:
                done = memo[segment] = Segment(segment.text, base + segment.style)
            segments.append(done)
        return Strip(segments, line.cell_length)
