"""Preset TOML read defensively: a size limit, a BOM accepted, bounded nesting, no date/time values.

A preset is a few kilobytes of tables, numbers and strings. Anything far outside
that (a 50 MB value, arrays nested 1,000 deep, a 100,000-part dotted key, a
datetime where a number belongs) is refused quickly with a ConfigError-style
message naming the file and, where there is one, the key.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_BYTES = 256 * 1024  # a preset is a few KB; the largest built-in one is under 2 KB
MAX_DEPTH = 8  # tables and arrays inside each other (a layer's kernel_size list is depth 4)
MAX_KEY_PARTS = 16  # parts of one dotted key or header: [a.b.c] is 3
BOM = "\ufeff"
NOT_IN_KEY_PARTS = "=[]\"'"  # (nor a dot or white space) what the dotted-key guard counts as ending a part


class TomlInputError(ValueError):
    """TOML text that cannot be a preset: the message names the key where it can."""


def size_problem(size: int) -> str | None:
    """Why a file of `size` bytes is refused before it is read, or None."""
    if size > MAX_BYTES:
        return f"{size:,} bytes is too large for a preset (at most {MAX_BYTES:,})"
    return None


def parse_toml(text: str) -> dict[str, Any]:
    """The TOML document in `text`, checked: TomlInputError for anything a preset cannot hold."""
    problem = size_problem(len(text.encode("utf-8", "surrogatepass")))
    if problem:
        raise TomlInputError(problem)
    text = text.removeprefix(BOM)  # as Windows editors write UTF-8
    if longest_dotted_run(text) >= MAX_KEY_PARTS:
        raise TomlInputError(f"a dotted key or table header of more than {MAX_KEY_PARTS} parts")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TomlInputError(f"not valid TOML: {e}") from None
    except RecursionError:
        raise TomlInputError(f"nested more than {MAX_DEPTH} levels deep") from None
    check_values(raw)
    return raw


def longest_dotted_run(text: str) -> int:
    """The most parts ending in a dot in a row anywhere in `text` ("a.b.c" has two: "a." and "b."), in linear time.

    A part is a run of characters other than white space, dots and =[]"', then a dot, with
    white space allowed around the dot. tomllib handles a dotted key of thousands of parts
    slowly; this guard sees one in a single pass over the text (a regular expression for it
    backtracked quadratically on a long run without a dot).
    """
    longest = run = 0
    pieces = text.split(".")
    for piece in pieces[:-1]:  # each piece here is followed by a dot
        if run and _is_whole_part(piece):
            run += 1  # "b" in "a.b.": a part on its own between two dots
        else:
            tail = piece.rstrip()
            run = 1 if tail and _is_part_character(tail[-1]) else 0  # "a" in "x = a.": a part ends the piece
        longest = max(longest, run)
    return longest


def _is_whole_part(piece: str) -> bool:
    """Whether `piece` is one part with only white space around it."""
    core = piece.strip()
    return bool(core) and len(core.split()) == 1 and not any(c in core for c in NOT_IN_KEY_PARTS)


def _is_part_character(c: str) -> bool:
    return not c.isspace() and c not in NOT_IN_KEY_PARTS


def check_values(value: Any, key: str = "", depth: int = 0) -> None:
    """TomlInputError naming the first key nested too deeply or holding a date or time."""
    if depth > MAX_DEPTH:
        raise TomlInputError(f"key '{key}': nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, (datetime.date, datetime.time)):  # (datetime is a date)
        raise TomlInputError(f"key '{key}': a date or time ({value.isoformat()}) is not a setting of any key")
    if isinstance(value, dict):
        for name, item in value.items():
            check_values(item, f"{key}.{name}" if key else name, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_values(item, f"{key}[{i}]", depth + 1)
