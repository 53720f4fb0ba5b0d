"""ASCII fallback: what the app draws instead of block, box and mark characters when the locale is not UTF-8.

A terminal (or a remote tmux) without a UTF-8 locale shows `_` for every
character it cannot encode and `q`/`x` for box lines. The app then draws its
panels through `ascii_strip`, which keeps colours and replaces each glyph.
"""

from __future__ import annotations

import codecs
import locale
import os

from rich.segment import Segment
from textual.strip import Strip

#: glyph -> ASCII stand-in; half blocks become spaces (the cell keeps its background colour)
ASCII = {
    "▀": " ",
    "█": "#",
    "▁": "_",
    "▂": ".",
    "▃": ":",
    "▄": "-",
    "▅": "=",
    "▆": "+",
    "▇": "*",
    "●": "o",
    "○": "O",
    "✕": "x",
    "×": "x",
    "…": "..",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "‖": "|",
    "∇": "d",
    "─": "-",
    "━": "=",
    "│": "|",
    "▏": "|",
    "✓": "v",
    "—": "-",
    "–": "-",
    "·": ".",
    "÷": "/",
    "≥": ">=",
    "≤": "<=",
    "▶": ">",
    "◀": "<",
    "■": "#",
    "₁": "1",
    "₂": "2",
    "²": "2",
    "±": "+-",
    "▔": "~",
    "╌": "-",
}
TABLE = str.maketrans(ASCII)


def utf8_locale(environ: dict[str, str] | None = None) -> bool:
    """Whether the locale the terminal gives (LC_ALL, LC_CTYPE, LANG) encodes UTF-8."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return "utf-8" in value.lower().replace("utf8", "utf-8")
    try:
        return codecs.lookup(locale.getpreferredencoding(False)).name == "utf-8"
    except LookupError:
        return False


def to_ascii(text: str) -> str:
    """`text` with each glyph replaced; any other non-ASCII character becomes '?'."""
    out = text.translate(TABLE)
    return out if out.isascii() else "".join(c if c.isascii() else "?" for c in out)


def ascii_strip(strip: Strip) -> Strip:
    """A line of segments with the same styles and ASCII text (same cell widths for one-cell glyphs)."""
    segments = [Segment(to_ascii(seg.text), seg.style, seg.control) for seg in strip]
    return Strip(segments).adjust_cell_length(strip.cell_length)
