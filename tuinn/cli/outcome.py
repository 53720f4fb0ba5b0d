"""How a run ends when it does not end normally: a stop signal (exit 130/143) or an internal error (exit 3).

SIGINT and SIGTERM are handled like `q`: the first one asks the run to stop between
steps (the app closes, headless training ends with its verdict), the files are
written or cleaned up as on a normal end, and the exit status is 128 + the signal's
number, as shells expect. A second one stops at once. A bug that slips through
prints one line, "internal error: ...", with the full traceback in a log file it
names (or on stderr with --debug), and exits 3, so CI tells a crash from a missed target.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import IO, Any

import click

from tuinn.cli.errors import EXIT_INTERNAL_ERROR, one_line

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """SIGINT and SIGTERM as requests to stop: `received` is the first one's number (0 if none)."""

    def __init__(self) -> None:
        self.received = 0
        self._callbacks: list[Callable[[], None]] = []

    def __enter__(self) -> "StopSignals":
        """Take over SIGINT and SIGTERM until the block ends (main thread only: elsewhere, do nothing)."""
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from the signal handler) when the first stop signal arrives."""
        self._callbacks.append(callback)
        if self.received:
            callback()

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number once one arrived (130 SIGINT, 143 SIGTERM), else None."""
        return 128 + self.received if self.received else None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received:  # the second one: stop now
            raise Interrupted(128 + signum)
        self.received = signum
        for callback in self._callbacks:
            callback()


class Interrupted(click.exceptions.Exit):
    """A second stop signal: unwind at once (temporary files are removed on the way) and exit."""


class InternalError(click.ClickException):
    """A bug, not bad input: one line naming the exception and where its traceback went; exit 3."""

    exit_code = EXIT_INTERNAL_ERROR

    def __init__(self, error: BaseException, debug: bool) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.details = "".join(traceback.format_exception(error))
        self.debug = debug

    def show(self, file: IO[Any] | None = None) -> None:
        if self.debug:
            click.echo(self.details, err=True, nl=False)
            where = "the traceback is above"
        else:
            where = f"the traceback is in {write_log(self.details)}; --debug prints it"
        click.echo(f"tuinn: internal error: {one_line(self.format_message())} ({where})", err=True)


def write_log(text: str) -> str:
    """Write `text` to a new log file in the temporary folder; its path (or why it could not be written)."""
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        fd, path = tempfile.mkstemp(prefix=f"tuinn-internal-error-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return path
    except OSError as e:
        return f"no log file ({e.strerror or e})"


class GuardedGroup(click.Group):
    """A click group whose commands end in a known way: bad input 2, a stop signal 130/143, a bug 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:  # SIGINT before our handler took over, or outside a run
            raise click.exceptions.Exit(128 + signal.SIGINT) from None
        except Exception as error:
            raise InternalError(error, debug=bool(ctx.params.get("debug"))) from error
