"""LineStyler puts a panel's style under its lines exactly as Strip.apply_style does, reusing what it styled."""

from rich.control import ControlType
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import MONOKAI
from textual.color import Color
from textual.filter import ANSIToTruecolor
from textual.geometry import Region
from textual.strip import Strip

from tuinn.tui.widgets.line_style import LineStyler
from tuinn.tui.widgets.panel import row_regions

BASE = Style(color="#e0e0e0", bgcolor="#121212")


def lines() -> list[Strip]:
    """A few lines with unstyled, half-styled and fully styled segments."""
    cell = Segment("▀▀", Style(color="#f59322", bgcolor="#0877bd"))
    return [
        Strip([Segment("loss "), Segment("0.25", Style(bold=True))]),
        Strip([cell, Segment("⣿", Style(color="#ae712b")), cell, Segment("  ")]),
        Strip([Segment("dim", Style(dim=True)), Segment(" ", None)]),
    ]


def test_styled_lines_equal_apply_style() -> None:
    styled = LineStyler().style(lines(), BASE)
    expected = [line.apply_style(BASE) for line in lines()]
    assert [list(line) for line in styled] == [list(line) for line in expected]
    assert [line.cell_length for line in styled] == [line.cell_length for line in expected]


def test_a_kept_line_keeps_its_styled_copy_and_a_new_style_restyles() -> None:
    styler, drawn = LineStyler(), lines()
    first = styler.style(drawn, BASE)
    again = styler.style([drawn[0], Strip([Segment("new")]), drawn[2]], BASE)
    assert again[0] is first[0] and again[2] is first[2]
    assert list(again[1]) == list(Strip([Segment("new")]).apply_style(BASE))
    other = Style(color="#ffffff", bgcolor="#000000")
    assert list(styler.style(drawn, other)[0]) == list(drawn[0].apply_style(other))


def test_row_regions_join_neighbouring_rows() -> None:
    assert row_regions([0, 1, 2, 5, 7, 8], 30) == [Region(0, 0, 30, 3), Region(0, 5, 30, 1), Region(0, 7, 30, 2)]
    assert row_regions([], 30) == []


def test_with_the_truecolor_filter_lines_equal_textuals_filtered_lines() -> None:
    """Styled and filtered once a segment, as Textual filters each painted line: ANSI colours and dim resolved."""
    truecolor, background = ANSIToTruecolor(MONOKAI), Color.parse("#121212")
    drawn = lines() + [Strip([Segment("ansi", Style(color="yellow", dim=True)), Segment("x", Style(bgcolor="red"))])]
    styler = LineStyler()
    styled = styler.style(drawn, BASE, truecolor, background.rich_color)
    expected = [list(truecolor.apply(list(line.apply_style(BASE)), background)) for line in drawn]
    assert [list(line) for line in styled] == expected
    assert list(styler.blank(4)) == truecolor.apply(list(Strip.blank(4).apply_style(BASE)), background)
    assert all(seg.style is not None and seg.style.color.triplet is not None for seg in styled[-1])


def test_a_control_segment_is_kept_as_it_is_and_the_others_styled() -> None:
    bell = Segment("", None, [(ControlType.BELL,)])  # its codes a list: not a key of the styler's memo
    line = Strip([Segment("a"), bell, Segment("b", Style(bold=True))])
    styler = LineStyler()
    styler.style(lines(), BASE)  # a memo with segments in it
    styled = list(styler.style([line], BASE)[0])
    assert styled[1] is bell
    assert [styled[0], styled[2]] == [Segment("a", BASE), Segment("b", BASE + Style(bold=True))]
