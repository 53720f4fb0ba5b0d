"""How a command ends when it does not end normally: a stop signal (130/143), a closed pipe (141), a bug (3).

SIGINT and SIGTERM are handled like `q`: during a run the first one asks it to stop
between steps (the app closes, headless training ends with its verdict), the files are
written as on a normal end, and the exit status is 128 + the signal's number, as shells
expect; a second one stops at once. Before a run starts a signal stops at once; once it
has ended (its last save, the exit) a signal is only noted in the exit status, so a file
being written is never cut short. Run as a process (`GuardedGroup.__call__`), the
command ends with os._exit after flushing its output: no interpreter shutdown a late
signal could interrupt. Output into a closed pipe (`tuinn ... | head -1`) ends quietly
with 141, as a process killed by SIGPIPE does. A bug that slips through prints one line,
"internal error: ...", with the full traceback in a log file it names (or on stderr with
--debug), and exits 3, so CI tells a crash from a missed target.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import IO, Any, NoReturn

import click

from tuinn.cli.errors import EXIT_INTERNAL_ERROR, one_line

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE  # 141: what a shell reports for a process killed by SIGPIPE
_SIGNALS_KEY = "tuinn.stop_signals"


class StopSignals:
    """SIGINT and SIGTERM as requests to stop: `received` is the first one's number (0 if none).

    Installed, a signal unwinds the command at once (Interrupted); within `running()` the
    first one asks the run to stop instead (the `on_stop` callbacks); after `running()` a
    signal is only noted, for the exit status.
    """

    def __init__(self) -> None:
        self.received = 0
        self._callbacks: list[Callable[[], None]] = []
        self._phase = "before"  # "before" a run, "running", "after" it
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        """Take over SIGINT and SIGTERM until the block ends (main thread only: elsewhere, do nothing)."""
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def install(self) -> None:
        """Take over SIGINT and SIGTERM (from the main thread; elsewhere nothing happens)."""
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}

    @contextmanager
    def running(self) -> Iterator[StopSignals]:
        """Within: the first signal asks the run to stop, a second unwinds. After: signals are only noted."""
        self._phase = "running"
        try:
            yield self
        finally:
            self.hold()

    def hold(self) -> None:
        """From now on a signal is only noted in the exit status (the command is finishing)."""
        self._phase = "after"

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
        first = not self.received
        if first:
            self.received = signum
        if self._phase == "after":
            return  # a file may be being written: the exit status says what happened
        if self._phase == "before" or not first:
            raise Interrupted(128 + signum)
        for callback in self._callbacks:
            callback()


def stop_signals() -> StopSignals:
    """The stop signals of the command being run (installed by GuardedGroup for the whole command)."""
    signals: StopSignals = click.get_current_context().meta[_SIGNALS_KEY]
    return signals


class Interrupted(click.exceptions.Exit):
    """A stop signal that ends the command at once (temporary files are removed on the way)."""


@contextmanager
def closed_pipe_ends_quietly() -> Iterator[None]:
    """Turn output into a closed pipe into a quiet exit 141: stdout goes to /dev/null, nothing is printed."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()
        raise click.exceptions.Exit(EXIT_CLOSED_PIPE) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing what is left in its buffer cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no stdout file (a test's captured stream): nothing will be flushed to a pipe
    finally:
        os.close(devnull)


def exit_process(code: int, signals: StopSignals) -> NoReturn:
    """End the process now with `code` (or 128 + a stop signal noted), its output flushed first.

    os._exit skips the interpreter's shutdown, where a late signal used to raise
    KeyboardInterrupt inside threading._shutdown ("Exception ignored in: <module 'threading'>").
    Everything the command writes is written, renamed and closed before this is called.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            silence_stdout()
            code = code or EXIT_CLOSED_PIPE
        except (OSError, ValueError):
            pass
    if threading.current_thread() is threading.main_thread():
        # from here a stop signal stays pending instead of running the handler: read it, then end
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pending = signal.sigpending() & set(STOP_SIGNALS)
        if pending and not signals.received:
            signals.received = min(pending)
    os._exit(signals.exit_code or code)


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
    """A click group whose commands end in a known way: bad input 2, a stop signal 130/143, a closed pipe 141, a bug 3."""

    process_signals: StopSignals | None = None  # the process's, when it runs as one (see __call__)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        """The process's entry point: stop signals are handled from here to the process's end (exit_process).

        (Tests call `main()` through click's runner, which calls `.main`, not this.)
        """
        signals = self.process_signals = StopSignals()
        signals.install()
        code: Any = 0
        try:
            self.main(*args, **kwargs)  # (standalone: it always ends in SystemExit)
        except SystemExit as e:
            code = e.code
        except click.exceptions.Exit as e:  # a signal while click reported how --help or a usage error ended
            code = e.exit_code
        except BrokenPipeError:  # (writing an error message into a closed pipe)
            code = EXIT_CLOSED_PIPE
        signals.hold()
        exit_process(code if isinstance(code, int) else 0 if code is None else 1, signals)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with closed_pipe_ends_quietly():  # (--help and --version print here)
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with self._signals() as signals, closed_pipe_ends_quietly():
            ctx.meta[_SIGNALS_KEY] = signals
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
                raise
            except KeyboardInterrupt:  # (a SIGINT when no handler of ours is installed: another thread)
                raise click.exceptions.Exit(128 + signal.SIGINT) from None
            except Exception as error:
                raise InternalError(error, debug=bool(ctx.params.get("debug"))) from error
            finally:
                signals.hold()  # the command is over: a signal from now on only sets the exit status

    @contextmanager
    def _signals(self) -> Iterator[StopSignals]:
        """The process's stop signals, or (in a test's runner) ones installed for this invocation only."""
        if self.process_signals is not None:
            yield self.process_signals
        else:
            with StopSignals() as signals:
                yield signals
