"""LineStyler: a panel's lines under its own style, each distinct segment styled once, each kept line not again."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.filter import ANSIToTruecolor
from textual.strip import Strip

from tuinn.tui.widgets.light_strip import LightStrip
from tuinn.tui.widgets.panel_frame import Frame

SEGMENT_CACHE_SIZE = 4096  # styled segments kept per panel (a frame of a large panel uses a few hundred)


class LineStyler:
    """Puts a base style under lines as `Strip.apply_style` does, reusing what it styled for the lines before.

    With `truecolor` (the app's ANSI-to-truecolor line filter) each styled
    segment is also passed through that filter, as Textual would pass it when
    painting; the panel then leaves that filter out of its own paint. A line
    (the same Strip object) shown last time keeps its styled copy; a new line
    is styled from a memo of segments, so the cells a panel repeats (palette
    cells, link runs, text) cost a dictionary look-up each. With a `frame`
    each styled line is also put inside the panel's side borders and padding.
    """

    def __init__(self) -> None:
        self._how: tuple[Style, ANSIToTruecolor | None, Color | None, Frame | None] | None = None
        self._segments: dict[Segment, Segment] = {}
        self._lines: dict[int, tuple[Strip, Strip]] = {}  # id of a line -> the line (kept alive) and its styled copy

    def style(
        self,
        lines: list[Strip],
        base: Style,
        truecolor: ANSIToTruecolor | None = None,
        background: Color | None = None,
        frame: Frame | None = None,
    ) -> list[Strip]:
        """`lines` with `base` under every segment's style (then `truecolor` over a panel of `background`), each
        inside `frame` when one is given."""
        how = (base, truecolor, background, frame)
        if how != self._how:
            self._how = how
            self._segments.clear()
            self._lines.clear()
        if len(self._segments) > SEGMENT_CACHE_SIZE:
            self._segments.clear()
        before, kept = self._lines, {}
        styled = []
        for line in lines:
            pair = before.get(id(line))
            if pair is None or pair[0] is not line:
                pair = line, self._style_line(line, base, truecolor, background, frame)
            kept[id(line)] = pair
            styled.append(pair[1])
        self._lines = kept
        return styled

    def blank(self, width: int) -> Strip:
        """An empty line of `width` cells under the style (and in the frame) of the last `style` call."""
        assert self._how is not None
        return self._style_line(Strip.blank(width), *self._how)

    def _style_line(
        self,
        line: Strip,
        base: Style,
        truecolor: ANSIToTruecolor | None,
        background: Color | None,
        frame: Frame | None = None,
    ) -> Strip:
        """One line under `base` (control segments left as they are, as Segment.apply_style leaves them)."""
        memo = self._segments
        segments: list[Segment] = []
        for segment in line:
            if segment.control:
                segments.append(segment)
                continue
            done = memo.get(segment)
            if done is None:
                style = base + segment.style if base else segment.style
                if truecolor is not None and style is not None and background is not None:
                    style = truecolor.truecolor_style(style, background)
                done = memo[segment] = Segment(segment.text, style)
            segments.append(done)
        return LightStrip(segments, line.cell_length) if frame is None else frame.around(segments, line.cell_length)
