"""The app draws on a terminal: refuse, in one line, a stdin or stdout that is not one."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from tuinn.cli.errors import BadInput

WEB_DRIVER_VARIABLE = "TEXTUAL_DRIVER"  # set by textual-serve (`tuinn serve`): the app talks to a browser instead


def require_terminal(instead: str) -> None:
    """BadInput unless stdin and stdout are terminals; `instead` says what to do without one."""
    if os.environ.get(WEB_DRIVER_VARIABLE):
        return
    missing = [name for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not _is_terminal(stream)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise BadInput(f"the app needs a terminal, and {' and '.join(missing)} {verb} not one: {instead}")


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False
