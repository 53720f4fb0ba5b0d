"""Exit codes and the one-line error every command reports bad input with."""

from __future__ import annotations

from typing import IO, Any

import click

EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3  # a bug, not the user's input: see tuinn.cli.outcome


class BadInput(click.ClickException):
    """Bad input from the user: one message on stderr, exit code 2, no traceback."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"tuinn: error: {one_line(self.format_message())}", err=True)


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters escaped (a path may hold them)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def message_of(e: Exception) -> str:
    """The user-facing text of an error (a KeyError's repr quotes would read as noise)."""
    return str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
