"""ASCII fallback: what the app draws instead of block, box and mark characters when the locale is not UTF-8.

A terminal (or a remote tmux) without a UTF-8 locale shows `_` for every
character it cannot encode and `q`/`x` for box lines. The app then draws its
panels through `ascii_strip`, which keeps colours and replaces each glyph.
"""

from __future__ import annotations

import codecs
import locale
import os
import sys

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


#: what Python's C-locale coercion (PEP 538) writes into LC_CTYPE when the shell gave the C locale
COERCED_CTYPES = ("C.UTF-8", "C.utf8", "UTF-8")


def utf8_locale(environ: dict[str, str] | None = None, utf8_mode: int | None = None) -> bool:
    """Whether the locale the shell gave (LC_ALL, LC_CTYPE, LANG, the first one set) encodes UTF-8.

    A remote shell without a locale starts Python in the C locale; Python then coerces LC_CTYPE to
    C.UTF-8 and turns on its UTF-8 mode (`sys.flags.utf8_mode`), so from inside the locale looks
    UTF-8 while the terminal may not be. Such an LC_CTYPE is not the shell's and does not count.
    """
    env = os.environ if environ is None else environ
    c_locale_start = (sys.flags.utf8_mode if utf8_mode is None else utf8_mode) == 1
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if name == "LC_CTYPE" and c_locale_start and value in COERCED_CTYPES:
            continue  # set by Python's coercion, not by the shell
        if value:
            return "utf-8" in value.lower().replace("utf8", "utf-8")
    if c_locale_start:
        return False  # the C locale: Python's UTF-8 mode only pretends
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
