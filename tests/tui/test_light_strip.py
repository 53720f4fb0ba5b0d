"""LightStrip does what Strip does, making each memo cache only when a method first uses it."""

from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import MONOKAI
from textual.color import Color
from textual.filter import ANSIToTruecolor
from textual.strip import Strip

from tuinn.tui.widgets.light_strip import LAZY_CACHES, LightStrip, join

SEGMENTS = [Segment("loss ", Style(dim=True)), Segment("0.25", Style(color="yellow")), Segment(" ▀▀", None)]


def test_every_method_gives_what_a_strip_gives() -> None:
    light, strip = LightStrip(SEGMENTS, 12), Strip(SEGMENTS, 12)
    truecolor = ANSIToTruecolor(MONOKAI)
    for _ in range(2):  # the second time from the caches
        assert light.crop(2, 9) == strip.crop(2, 9)
        assert light.divide([3, 7]) == strip.divide([3, 7])
        assert light.apply_style(Style(bgcolor="#121212")) == strip.apply_style(Style(bgcolor="#121212"))
        assert light.apply_filter(truecolor, Color(0, 0, 0)) == strip.apply_filter(truecolor, Color(0, 0, 0))
        assert light.adjust_cell_length(15) == strip.adjust_cell_length(15)
        assert light.crop_extend(1, 14, None) == strip.crop_extend(1, 14, None)
    assert (light.cell_length, light.text, light.cell_count) == (strip.cell_length, strip.text, strip.cell_count)


def test_a_cache_is_made_when_first_used_and_kept() -> None:
    light = LightStrip(SEGMENTS)
    assert "_divide_cache" in LAZY_CACHES and "_render_cache" not in LAZY_CACHES
    assert not any(_has(light, name) for name in LAZY_CACHES)
    first = light.divide([4])
    assert _has(light, "_divide_cache") and light.divide([4]) is first
    assert not _has(light, "_crop_cache")


def _has(strip: Strip, slot: str) -> bool:
    """Whether the slot holds a value (without making one)."""
    try:
        object.__getattribute__(strip, slot)
    except AttributeError:
        return False
    return True


def test_join_gives_what_strip_join_gives() -> None:
    parts = [Strip(SEGMENTS[:1]), Strip.blank(0), LightStrip(SEGMENTS[1:], 7), Strip([Segment("")])]
    joined = join(parts)
    assert list(joined) == list(Strip.join(parts)) and joined.cell_length == Strip.join(parts).cell_length == 12
