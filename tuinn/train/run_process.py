"""A run training in a process of its own: a step never waits for the screen, and the screen never waits for a step.

The app and a Python-bound step (xor, spiral, deep-sigmoid) in one process share one interpreter
lock: every frame drawn was a frame's time taken from training, and every step held a key's answer
back. `RunProcess` forks, before the app starts, a process that holds the Trainer and steps it with a
TrainingThread; commands go to it down one pipe, Snapshots come back up another (tuinn.train.pipe),
at most one a frame (the next waits until the screen has drawn the last, a second at most). When the
app stops it, the run's process finishes its step, runs `on_end` on the Trainer (--save, --export),
sends the run as it ended and what `on_end` said, and exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import select
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from tuinn.train import commands as cmd
from tuinn.train.pipe import MessageReader, MessageWriter, PipeError
from tuinn.train.runner import TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer

#: seconds a message from the app waits at most for the interpreter lock while a step runs: at Python's 5 ms,
#: xor's tiny steps held each of the app's messages back 0.2-0.4 s (2-3 Snapshots a second, keys answered late)
SWITCH_INTERVAL = 0.001
#: bytes the pipe of Snapshots holds (Linux's most for a user by default; 64 KiB unless set): a Snapshot (circle's
#: 180 KiB, spiral's 470 KiB) is written whole at once, where it held training 2-7 ms a Snapshot, in pieces, until the
#: app's reader thread (waiting for the app's interpreter lock between pieces) had taken the first ones
FRAMES_PIPE_BYTES = 1 << 20
#: run on the Trainer once training has stopped (in the run's process): lines to print, and a line naming what
#: could not be done (a path that could not be written) or None
OnEnd = Callable[[Trainer], tuple[list[str], str | None]]


class RunFailed(RuntimeError):
    """A bug stopped training in the run's process, or the process ended without a word: its traceback or status."""


@dataclass(frozen=True)
class RunEnd:
    """What the run's process said as it ended: lines for the terminal and the bad-input line of `on_end`."""

    lines: tuple[str, ...] = ()
    refusal: str | None = None


class RunProcess:
    """The app's end of a run training in a forked process: commands down, Snapshots up, a stop that waits for it."""

    def __init__(self, thread: TrainingThread, on_end: OnEnd | None = None) -> None:
        commands_in, commands_out = os.pipe()
        frames_in, frames_out = os.pipe()
        widen_pipe(frames_out, FRAMES_PIPE_BYTES)
        pid = os.fork()
        if pid == 0:  # the run's process
            os.close(commands_out)
            os.close(frames_in)
            _run_child(thread, commands_in, frames_out, on_end)
        os.close(commands_in)
        os.close(frames_out)
        self.pid = pid
        self.latest: Snapshot = thread.latest
        self.error: Exception | None = None
        self.end: RunEnd | None = None
        self.on_snapshot: Callable[[Snapshot], None] | None = None
        self._seq = 0  # the number of the latest Snapshot received
        self._writer = MessageWriter(os.fdopen(commands_out, "wb"))
        self._sending = threading.Lock()  # the app's thread and the stop both send
        self._stop_sent = False
        self._interval: float | None = None
        self._ended = threading.Event()
        self._reader = threading.Thread(
            target=self._read, args=(os.fdopen(frames_in, "rb"),), name="tuinn-run-reader", daemon=True
        )
        self._reader.start()

    def start(self, on_snapshot: Callable[[Snapshot], None]) -> None:
        """Begin training; `on_snapshot` is called (from a reader thread) with each Snapshot that comes."""
        self.on_snapshot = on_snapshot
        self._send("start")

    def submit(self, command: cmd.Command) -> None:
        """Send `command` to the run (applied between its steps)."""
        self._send("command", command)

    def publish_every(self, seconds: float) -> None:
        """Ask for a Snapshot at most every `seconds`."""
        if seconds != self._interval:
            self._interval = seconds
            self._send("interval", seconds=seconds)

    def shown(self, snapshot: Snapshot) -> None:
        """The screen has drawn `snapshot`: if it is the latest, the run may send the next."""
        if snapshot is self.latest:
            self._send("shown", seq=self._seq)

    @property
    def alive(self) -> bool:
        """Whether the run's process has not said its end yet."""
        return not self._ended.is_set()

    def stop(self, timeout: float | None) -> None:
        """Ask the run to stop and wait up to `timeout` seconds (None: as long as it takes) for its end."""
        if not self._stop_sent:
            self._stop_sent = True
            self._send("stop")
        if self._ended.wait(timeout):
            self._reader.join()
            self._reap()
            with self._sending, contextlib.suppress(OSError):  # (a message the run could not take is dropped)
                self._writer.out.close()  # nothing is heard any more

    def _send(self, kind: str, value: Any = None, **fields: Any) -> None:
        """Send a message; a run whose process is gone cannot hear it (its end is told by the reader)."""
        with self._sending:
            try:
                if value is None:
                    self._writer.send(kind, **fields)
                else:
                    self._writer.send_value(kind, value, **fields)
            except (BrokenPipeError, ValueError):  # (ValueError: the pipe is closed)
                pass

    def _read(self, source: IO[bytes]) -> None:
        """Take each message the run sends until it ends (the reader thread)."""
        reader = MessageReader(source)
        try:
            while (message := reader.next()) is not None:
                if message["kind"] == "snapshot":
                    self.latest, self._seq = message["value"], int(message["seq"])
                    if self.on_snapshot is not None:
                        self.on_snapshot(self.latest)
                elif message["kind"] == "ended":
                    if message.get("failure"):
                        self.error = RunFailed(message["failure"])
                    self.end = RunEnd(tuple(message.get("lines", ())), message.get("refusal"))
                    return
            self.error = RunFailed(f"the training process ended without a word ({self._reap()})")
        except PipeError as e:
            self.error = RunFailed(f"the training process sent what is not a message: {e}")
        finally:
            source.close()
            self._ended.set()

    def _reap(self) -> str:
        """Wait for the run's process to exit; how it did."""
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return "already reaped"
        if os.WIFSIGNALED(status):
            return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        return f"exit status {os.waitstatus_to_exitcode(status)}"


def widen_pipe(pipe: int, size: int) -> None:
    """Let `pipe` hold `size` bytes where the system allows (Linux); else it keeps its own size."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):  # (over the system's limit for this user: the default stays)
            fcntl.fcntl(pipe, set_size, size)


def _run_child(thread: TrainingThread, commands_in: int, frames_out: int, on_end: OnEnd | None) -> NoReturn:
    """The run's process: quiet, serving the app until it says stop (or goes), then gone without running the
    parent's exit handlers."""
    code = 1
    try:
        _quiet()
        # what the process was forked with (the app's modules, the data) lives as long as it: the collector need
        # not walk it whenever it collects the step's garbage
        gc.freeze()
        sys.setswitchinterval(SWITCH_INTERVAL)
        # (unbuffered: a message not taken yet stays in the pipe, where the training thread sees it waiting)
        _serve(thread, os.fdopen(commands_in, "rb", buffering=0), os.fdopen(frames_out, "wb"), on_end)
        code = 0
    finally:
        os._exit(code)


def _quiet() -> None:
    """Leave the terminal to the app: no reads or writes on it, and the stop signals are the app's to act on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (the app stops the run; a signal to the group is its to handle)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdin, sys.stdout, sys.stderr = (open(os.devnull, mode) for mode in "rww")  # (stand-ins of fds 0-2 too)


class _Sent:
    """The last Snapshot sent to the app and its number (guarded by `lock`: the training thread sends, the
    message loop reads)."""

    def __init__(self, first: Snapshot) -> None:
        self.lock = threading.Lock()
        self.snapshot = first
        self.seq = 0


def _serve(thread: TrainingThread, commands: IO[bytes], frames: IO[bytes], on_end: OnEnd | None) -> None:
    """Step the run in `thread`, taking the app's messages until it says stop or its pipe ends; then tell the end."""
    writer = MessageWriter(frames)
    sent = _Sent(thread.latest)

    def publish(snapshot: Snapshot) -> None:
        with sent.lock:
            sent.snapshot, sent.seq = snapshot, sent.seq + 1
            try:
                writer.send_snapshot(snapshot, seq=sent.seq)
            except (BrokenPipeError, ValueError):  # the app is gone: its pipe's end stops the run
                pass

    thread.on_snapshot = publish
    thread.await_screen = True
    looked = _poller(commands)
    thread.message_waiting = lambda: bool(looked.poll(0))
    waited = _poller(commands)  # (its own: one poll object is not polled by two threads at once)
    reader = MessageReader(commands)
    try:
        while waited.poll() and (message := reader.next()) is not None and message["kind"] != "stop":
            _take(thread, message, sent)
            thread.handed()
    except PipeError:
        pass  # (not from our app: stop as if it had gone)
    thread.stop(None)
    thread.on_snapshot = None
    failure = "".join(traceback.format_exception(thread.error)) if thread.error is not None else None
    lines, refusal = on_end(thread.trainer) if on_end is not None and failure is None else ([], None)
    with sent.lock:
        try:
            writer.send_snapshot(thread.snapshot(), seq=sent.seq + 1)  # the run as it ended
            writer.send("ended", lines=lines, refusal=refusal, failure=failure)
        except (BrokenPipeError, ValueError):
            pass


def _poller(source: IO[bytes]) -> select.poll:
    """A poll object that says whether `source` has something to read (or has ended), leaving it there."""
    poller = select.poll()
    poller.register(source, select.POLLIN)
    return poller


def _take(thread: TrainingThread, message: dict[str, Any], sent: _Sent) -> None:
    """Act on one of the app's messages."""
    match message["kind"]:
        case "start":
            thread.start()
        case "command":
            thread.submit(message["value"])
        case "interval":
            thread.interval = float(message["seconds"])
        case "shown":
            with sent.lock:
                if message.get("seq") == sent.seq:
                    thread.shown(sent.snapshot)
