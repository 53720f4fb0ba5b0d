"""Panel: the base of every view; draws a Snapshot as cached lines and repaints only the lines that changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import ClassVar, Protocol, cast

import numpy as np
from rich.color import Color as RichColor
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tuinn.train.snapshot import Snapshot
from tuinn.tui.glyphs import ascii_strip
from tuinn.tui.layout import Need
from tuinn.tui.widgets.heatmap import LOWER_HALF, Palette
from tuinn.tui.widgets.line_style import LineStyler
from tuinn.tui.widgets.panel_frame import Frame, frame_of

TEXT_CACHE_SIZE = 256  # rendered text lines kept per panel


def ascii_line(strip: Strip) -> Strip:
    """`strip` in ASCII: a run of lower half blocks becomes cells of its colour (ASCII has no half cells)."""
    segments = [
        Segment(" " * len(seg.text), Style(bgcolor=seg.style.color))
        if seg.style is not None and seg.text.startswith(LOWER_HALF)
        else seg
        for seg in strip
    ]
    return ascii_strip(Strip(segments, strip.cell_length))


def row_regions(rows: list[int], width: int) -> list[Region]:
    """The regions `width` cells wide covering `rows` (ascending), one per run of neighbouring rows."""
    regions: list[Region] = []
    for y in rows:
        last = regions[-1] if regions else None
        if last is not None and last.bottom == y:
            regions[-1] = Region(0, last.y, width, last.height + 1)
        else:
            regions.append(Region(0, y, width, 1))
    return regions


class Terminal(Protocol):
    """What a panel asks of the app it is in: how the terminal shows text and colour, and whether it trains live."""

    ascii: bool  # no UTF-8: every glyph drawn in ASCII
    colour_system: str | None  # "truecolor", "256", ...
    show_rate: bool  # False in step mode, where throughput means nothing


def same_data(a: object, b: object) -> bool:
    """Whether two pieces of Snapshot data (arrays, dataclasses, tuples, dicts, numbers) hold the same values."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and (a.shape, a.dtype) == (b.shape, b.dtype)
            and a.tobytes() == b.tobytes()
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if is_dataclass(a):
        return all(same_data(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    return bool(a == b)


class Panel(Widget):
    """A titled view of a Snapshot.

    Subclasses say what to draw in `build`, which Snapshot fields it reads in
    READS and what the user picked in `view`. The panel keeps the lines it drew
    and the size and data it drew them for: a Snapshot whose READS fields hold
    the same values is not drawn again; new data repaints the lines that differ
    (the Line API), so a steady picture costs no bytes on the wire; a new size
    repaints every row, so no line drawn for another size survives.
    """

    TITLE: ClassVar[str] = ""
    READS: ClassVar[tuple[str, ...]] = ()  # the Snapshot fields `build` reads

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = self.TITLE
        self.snapshot: Snapshot | None = None
        self._lines: list[Strip] = []
        self._drawn: tuple[Size, tuple[object, ...]] | None = None  # the size and data `_lines` show
        self._natural: tuple[int, int, tuple[object, ...], list[Strip]] | None = None  # width, height, data -> lines
        self._laid_out = (0, 0)  # the viewport height and the content height the last layout was given
        self._line_style: Style | None = None  # the panel's own style under every line (costly to work out)
        self._styler = LineStyler()
        self._truecolor: tuple[ANSIToTruecolor, RichColor] | None = None  # the filter applied with the style
        self._shown: list[Strip] | None = None  # `_lines` under the panel's style, as painted
        self._shown_frame: Frame | None = None  # the frame `_shown` is drawn in (None: the content alone)
        self._framing: tuple[Size, Frame | None] | None = None  # the panel's size and its frame (see panel_frame)
        self._text_cache: dict[tuple[object, ...], Strip] = {}
        self._wrapped: dict[tuple[object, ...], list[Strip]] = {}  # a Text's lines from rich_lines, by text and width
        self._paint_size: Size | None = None  # the content size while the lines are painted

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        """The panel's content lines for a `width` × `height` area."""
        raise NotImplementedError

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """The least room the panel shows `snapshot` whole in, and the room it would use (the layout reads it)."""
        return Need.content(20, 3, 40, 3)

    @property
    def terminal(self) -> Terminal:
        """The app as a panel sees it."""
        return cast(Terminal, self.app)

    def view(self) -> tuple[object, ...]:
        """What the user picked that the panel shows (a unit, a page): a change redraws it."""
        return ()

    def data(self, snapshot: Snapshot) -> tuple[object, ...]:
        """Everything the lines are drawn from: the READS fields, the view and how the terminal shows colour."""
        reads = tuple(getattr(snapshot, name) for name in self.READS)
        return reads, self.view(), self.terminal.colour_system, self.terminal.ascii

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Show `snapshot`, repainting the lines that changed (none when the data the panel reads did not)."""
        self.snapshot = snapshot
        self._redraw()

    def _draw(self, size: Size, data: tuple[object, ...], lines: list[Strip] | None = None) -> list[Strip]:
        """Build the lines for `size` (unless given) and remember what they show; returns the lines shown before."""
        assert self.snapshot is not None
        old = self._lines
        if lines is None:
            lines = self.build(self.snapshot, size.width, size.height)
        self._lines = [ascii_line(line) for line in lines] if self.terminal.ascii else lines
        self._drawn, self._shown = (size, data), None
        return old

    def _natural_lines(self, width: int, height: int, data: tuple[object, ...]) -> list[Strip]:
        """The lines of an auto-height panel with `height` rows of room: how tall it wants to be."""
        natural = self._natural
        if natural is None or natural[:2] != (width, height) or not same_data(natural[2], data):
            assert self.snapshot is not None
            natural = self._natural = (width, height, data, self.build(self.snapshot, width, height))
        return natural[3]

    def _redraw(self) -> None:
        """Draw again if the size or the data changed, and repaint what that changed: every row after a resize.

        A panel as tall as its content is laid out again when the content's height changed.
        """
        size = self.size
        if self.snapshot is None or not size.width or not self.display:
            return
        data, drawn = self.data(self.snapshot), self._drawn
        if drawn is not None and drawn[0] == size and same_data(drawn[1], data):
            return
        lines, relayout = None, False
        if self.styles.height is not None and self.styles.height.is_auto:
            room, told = self._laid_out
            natural = self._natural_lines(size.width, room or size.height, data)
            relayout = max(1, len(natural)) != told
            lines = natural if len(natural) == size.height else None  # at its natural height: the same lines
        old = self._draw(size, data, lines)
        new = self._lines
        if relayout:
            self.refresh(layout=True)  # lays out and repaints the whole panel
        elif drawn is None or drawn[0] != size:
            self.refresh()
        else:
            changed = [y for y in range(max(len(old), len(new))) if y >= len(old) or y >= len(new) or old[y] != new[y]]
            if changed:
                self.refresh(*row_regions(changed, size.width))

    def on_resize(self) -> None:
        self._redraw()
        self.refresh()

    def notify_style_update(self) -> None:
        self._line_style = self._shown = self._truecolor = self._framing = None  # (Textual filters the next paint)
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        rows = self._framed_rows(crop)
        if rows is not None:
            return rows
        self._paint_size = self.size  # looked up once a paint, not once a line (it asks the screen where we are)
        try:
            return super().render_lines(crop)
        finally:
            self._paint_size = None

    def render_line(self, y: int) -> Strip:
        size = self._paint_size or self.size
        shown = self._shown_lines(size, None)
        return shown[y] if y < len(shown) else self._styler.blank(size.width)

    def _shown_lines(self, size: Size, frame: Frame | None) -> list[Strip]:
        """The lines for a content area of `size` under the panel's style (inside `frame` when given), as painted."""
        if self.snapshot is not None and size.width and (self._drawn is None or self._drawn[0] != size):
            # painted before the Resize event arrived: lines drawn for another size would stay on screen
            self._draw(size, self.data(self.snapshot))
        if self._line_style is None:
            self._line_style = self.rich_style  # walks every ancestor's styles: once, not once a line
            self._truecolor = self._content_filter()
        if self._shown is None or self._shown_frame is not frame:
            truecolor, background = self._truecolor or (None, None)
            shown = self._styler.style(self._lines, self._line_style, truecolor, background, frame)
            if frame is not None and len(shown) < size.height:  # the rows under the content: one blank row
                shown += [self._styler.blank(size.width)] * (size.height - len(shown))
            self._shown, self._shown_frame = shown, frame
        return self._shown

    def _framed_rows(self, crop: Region) -> list[Strip] | None:
        """The rows of `crop` painted by the panel itself: its content rows inside the frame (see panel_frame), its
        top and bottom rows as Textual drew them; None where Textual must paint every row (see frame_of)."""
        size = self.outer_size
        if self._framing is None or self._framing[0] != size:
            self._framing = size, frame_of(self, size)
        frame = self._framing[1]
        if frame is None or self.hover_style.link_id or not crop.line_range or crop.bottom > size.height:
            return None
        content = Size(frame.content_width, size.height - frame.top - frame.bottom)
        lines = self._shown_lines(content, frame)
        cache = self._styles_cache
        rows = []
        for y in crop.line_range:
            line = y - frame.top
            if 0 <= line < content.height:
                rows.append(lines[line])
                continue
            if cache.is_dirty(y) or y not in cache._cache:  # a border row to draw: Textual draws and keeps it
                super().render_lines(Region(0, y, size.width, 1))
            rows.append(cache._cache[y])
        filters = self.get_line_filters()
        if filters:
            background = self.background_colors[1]
            for line_filter in filters:
                rows = [row.apply_filter(line_filter, background) for row in rows]
        if crop.column_span != (0, size.width):
            rows = [row.crop(*crop.column_span) for row in rows]
        return rows

    def _content_filter(self) -> tuple[ANSIToTruecolor, RichColor] | None:
        """The app's ANSI-to-truecolor filter and this panel's background, when the styler applies it to the lines.

        Textual runs each painted line through the app's line filters; this one
        changes only ANSI colours and dim text, so (with no ANSI colours in the
        app's CSS) it is applied once per distinct segment of the content instead.
        """
        if self.app.ansi_color:
            return None
        found = [f for f in self.app.get_line_filters() if isinstance(f, ANSIToTruecolor)]
        return (found[0], self.background_colors[1].rich_color) if found else None

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if self._truecolor is None:
            return filters
        return [f for f in filters if f is not self._truecolor[0]]  # applied to the content by the styler

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.snapshot is None or not width:
            return 1
        lines = max(1, len(self._natural_lines(width, viewport.height, self.data(self.snapshot))))
        self._laid_out = (viewport.height, lines)
        return lines

    def caption(self, title: str | None = None, subtitle: str | None = None) -> None:
        """Set the border's title or subtitle, repainting the border only when it changes."""
        if title is not None and title != self.border_title:
            self.border_title = title
        if subtitle is not None and subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def ramp(self, palette: Palette) -> Palette:
        """`palette` as this terminal shows it best: steps of the 256-colour palette when it has no truecolor."""
        return palette.at(self.terminal.colour_system)

    def rich_lines(self, renderable: RenderableType, width: int) -> list[Strip]:
        """A Rich renderable (Text, Table, ...) as lines of `width` cells; a Text's lines seen in the last frames are
        reused."""
        key = None
        if isinstance(renderable, Text):
            text = renderable
            key = (text.plain, tuple(text.spans), text.style, text.justify, text.overflow, text.no_wrap, width)
        if key is not None and key in self._wrapped:
            return list(self._wrapped[key])
        console, width = self.app.console, max(width, 1)
        options = console.options.update(width=width, height=None, no_wrap=False, overflow="ellipsis")
        lines = [Strip(line).crop(0, width) for line in console.render_lines(renderable, options, pad=False)]
        if key is not None:
            if len(self._wrapped) > TEXT_CACHE_SIZE:
                self._wrapped.clear()
            self._wrapped[key] = list(lines)
        return lines

    def text_lines(self, texts: list[Text], width: int) -> list[Strip]:
        """One line each for `texts`, cut to `width` cells; lines seen in the last frames are reused."""
        if len(self._text_cache) > TEXT_CACHE_SIZE:
            self._text_cache.clear()
        strips = []
        for text in texts:
            key = (text.plain, tuple(text.spans), text.style, width)
            if key not in self._text_cache:
                self._text_cache[key] = self.text_line(text, width)
            strips.append(self._text_cache[key])
        return strips

    def text_line(self, text: Text, width: int) -> Strip:
        """One line of `text` cut to `width` cells: rendered as it is when it fits (as Rich would lay it out)."""
        plain = text.plain
        if plain and plain.isprintable() and text.cell_len <= width:
            laid = Text("\n").join([text]) if text.style else text  # its own style becomes a span, as in a layout
            return Strip(laid.render(self.app.console))
        return self.rich_lines(text, width)[0]
