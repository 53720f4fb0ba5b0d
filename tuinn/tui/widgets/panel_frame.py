"""Frame: the cells Textual puts around each content line of a panel (its side borders and padding), worked out once.

Textual's StylesCache wraps every painted content line in the widget's side
borders and padding, looking up the widget's rules each line (tint, opacity,
hatch, outline, text opacity). For a panel whose style uses none of those
effects the wrap is the same few segments on every line: `frame_of` works
them out once, the way StylesCache 8.x draws them, and the panel paints its
content rows itself (its top and bottom rows, with the title, stay Textual's).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual._border import get_box
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

from tuinn.tui.widgets.light_strip import LightStrip


@dataclass(frozen=True)
class Frame:
    """The segments left and right of a content line, for a widget `size` big (border and padding included).

    `top` and `bottom` are the rows at the top and bottom that are not content
    (border and padding rows); `fill` is the style that pads a short line.
    """

    size: Size
    top: int
    bottom: int
    content_width: int
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    fill: RichStyle

    def around(self, segments: list[Segment], cells: int) -> Strip:
        """A content line of `cells` cells inside the frame (cut or padded to the content's width, as Textual does)."""
        if cells != self.content_width:
            segments = list(Strip(segments, cells).adjust_cell_length(self.content_width, self.fill))
        return LightStrip([*self.left, *segments, *self.right], self.size.width)


def frame_of(widget: Widget, size: Size) -> Frame | None:
    """The frame of `widget`'s content lines at `size` (its whole region), or None where its style needs Textual's
    own drawing of each line (a tint, opacity, hatch, outline or text opacity)."""
    styles = widget.styles
    opacity = widget.opacity
    if opacity != 1.0 or styles.tint.a or styles.text_opacity != 1.0:
        return None
    if (styles.has_rule("hatch") and styles.hatch != "none") or any(edge for edge, _ in styles.outline):
        return None
    base_background, background = widget.background_colors
    inner, outer = Style(background=base_background + background), Style(background=base_background)
    _, (right_edge, right_colour), _, (left_edge, left_colour) = styles.border
    gutter, (_, pad_right, _, pad_left) = styles.gutter, styles.padding
    fill = inner.rich_style
    left: list[Segment] = []
    right: list[Segment] = []
    if left_edge:
        left.append(get_box(left_edge, inner, outer, Style(foreground=base_background + left_colour))[1][0])
    if pad_left:
        left.append(Segment(" " * pad_left, fill))
    if pad_right:
        right.append(Segment(" " * pad_right, fill))
    if right_edge:
        right.append(get_box(right_edge, inner, outer, Style(foreground=base_background + right_colour))[1][2])
    return Frame(size, gutter.top, gutter.bottom, size.width - gutter.width, tuple(left), tuple(right), fill)
