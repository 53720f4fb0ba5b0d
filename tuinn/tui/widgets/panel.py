"""Panel: the base of every view; draws a Snapshot as cached lines and repaints only the lines that changed."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tuinn.train.snapshot import Snapshot
from tuinn.tui.glyphs import ascii_strip
from tuinn.tui.widgets.heatmap import Palette

TEXT_CACHE_SIZE = 256  # rendered text lines kept per panel


class Panel(Widget):
    """A titled view of a Snapshot.

    Subclasses say what to draw in `build`; the panel keeps the last lines it
    drew and, on a new Snapshot, repaints only the lines that differ (the Line
    API), so a steady picture costs no bytes on the wire.
    """

    TITLE: ClassVar[str] = ""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = self.TITLE
        self.snapshot: Snapshot | None = None
        self._lines: list[Strip] = []
        self._text_cache: dict[tuple, Strip] = {}

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        """The panel's content lines for a `width` × `height` area."""
        raise NotImplementedError

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Show `snapshot`, repainting the lines that changed."""
        self.snapshot = snapshot
        self._redraw()

    def _redraw(self) -> None:
        width, height = self.size
        if self.snapshot is None or not width or not self.display:
            return
        old, new = self._lines, self.build(self.snapshot, width, height)
        if self.app.ascii:
            new = [ascii_strip(line) for line in new]
        self._lines = new
        if len(old) != len(new) and self.styles.height is not None and self.styles.height.is_auto:
            self.refresh(layout=True)
            return
        for y in range(max(len(old), len(new))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    def on_resize(self) -> None:
        self._lines = []
        self._redraw()

    def render_line(self, y: int) -> Strip:
        line = self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width)
        return line.apply_style(self.rich_style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.snapshot is None:
            return 1
        return max(1, len(self.build(self.snapshot, width, viewport.height)))

    def caption(self, title: str | None = None, subtitle: str | None = None) -> None:
        """Set the border's title or subtitle, repainting the border only when it changes."""
        if title is not None and title != self.border_title:
            self.border_title = title
        if subtitle is not None and subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def ramp(self, palette: Palette) -> Palette:
        """`palette` as this terminal shows it best: steps of the 256-colour palette when it has no truecolor."""
        return palette.at(self.app.colour_system)

    def rich_lines(self, renderable: RenderableType, width: int) -> list[Strip]:
        """A Rich renderable (Text, Table, ...) as lines of `width` cells."""
        console, width = self.app.console, max(width, 1)
        options = console.options.update(width=width, height=None, no_wrap=False, overflow="ellipsis")
        return [Strip(line).crop(0, width) for line in console.render_lines(renderable, options, pad=False)]

    def text_lines(self, texts: list[Text], width: int) -> list[Strip]:
        """One line each for `texts`, cut to `width` cells; lines seen in the last frames are reused."""
        if len(self._text_cache) > TEXT_CACHE_SIZE:
            self._text_cache.clear()
        strips = []
        for text in texts:
            key = (text.plain, tuple(text.spans), text.style, width)
            if key not in self._text_cache:
                self._text_cache[key] = self.rich_lines(text, width)[0]
            strips.append(self._text_cache[key])
        return strips
