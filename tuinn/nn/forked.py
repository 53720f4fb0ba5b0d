"""A slice of a training step run in a worker process forked from this one, with an interpreter of its own.

Two slices of a step on two threads of one process wait for each other's interpreter lock
(GIL) around their NumPy calls: on a 2-vCPU VM the 28×28 CNN's threads slept 22–29 times a
step, 50–65 µs each, and its two slices gained 1.03–1.20× over one thread, where the same
slices in two processes gained 1.5–1.9× (bench/README, "Stop 26, engine"). A worker here
costs two wake-ups a step: "go" and "done".

How. The worker is forked with the network as it is, and steps a replica of it (its own
layers and buffers) whose parameters are views of a shared memory mapping. Each step the
caller copies the network's parameters and the worker's slice of the batch into shared
memory (`start`), steps its own slice meanwhile, then reads the worker's loss (or the error
it raised, raised again here) and finds its gradients in `grads` (`finish`). The worker runs
the same code on the same values as a worker thread would, so the step's result is the
thread split's bit for bit.

Or the step's chunks go in a `ChunkQueue` that the caller and its workers take from as each
is free, so that a core shared with another process does fewer of them (with fixed slices,
the step waits for the slowest); each chunk's results have a place of their own and are
summed in chunk order, so the result does not depend on who took what.

A worker ends when its `ForkedShard` is closed or collected, when its caller's process ends,
and in any process forked later (whose copies of these pipes are closed at once, so that
only the process that made a worker holds its ends). Linux only: `AVAILABLE`.
"""

from __future__ import annotations

import builtins
import mmap
import os
import select
import signal
import struct
import sys
import time
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from tuinn.nn.blas import blas_threads

Array = NDArray[Any]

#: a worker process can be forked here: Linux (macOS's system libraries are not safe to use in a forked child)
AVAILABLE = sys.platform.startswith("linux")
#: bytes of a "go" message and the most of a "done" one (at most PIPE_BUF: each is written at once)
GO_BYTES = 256
DONE_BYTES = 4096
#: how often an idle worker looks whether the process that made it is still there, in seconds
PARENT_CHECK_SECONDS = 1.0
#: how long `close` waits for a worker to end before it kills it, in seconds
EXIT_SECONDS = 2.0
#: floating-point error kinds and the handlings `np.errstate` takes, as the messages number them
ERROR_KINDS = ("divide", "over", "under", "invalid")
HANDLINGS = ("ignore", "warn", "raise", "call", "print", "log")
#: the fixed part of a "go" message: share, samples, chunk, whether chunks come from the queue, error handlings;
#: then the two arrays' descriptions
GO_HEAD = struct.Struct("<dqq?4B")
#: the most chunks a queue holds (a chunk's number is one byte in its pipe)
MAX_CHUNKS = 256


class Steppable(Protocol):
    """What a worker steps: a network replica (`tuinn.nn.network.Network` has it)."""

    flat_params: Array
    flat_grads: Array

    def replica(self, parameters: Array | None = None) -> Steppable:
        """A copy with its own buffers whose parameters are views of `parameters` (else this one's arrays)."""
        ...


#: how a worker steps its slice: (replica, x, y, share, chunk, where chunks' gradients are summed) → share × loss
SliceStep = Callable[[Any, Array, Array, float, int, Array | None], float]


class WorkerLost(RuntimeError):
    """A worker process ended or stopped answering; its slice must be stepped another way."""


def shared_array(shape: tuple[int, ...], dtype: Any) -> Array:
    """A zeroed array in an anonymous shared mapping: seen by processes forked after it is made."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64))
    buffer = mmap.mmap(-1, max(1, size * dtype.itemsize))
    return np.frombuffer(buffer, dtype=dtype, count=size).reshape(shape)


class ChunkQueue:
    """A batch's chunks, taken by the step's processes as each is free: a busy core takes fewer.

    Made before its workers are forked (they share it): the whole batch in shared memory, a
    pipe of chunk numbers (reading one byte takes one chunk: no two processes take the same),
    and a gradient buffer and a loss for each chunk, summed by the caller in chunk order, so
    the result does not depend on which process took which chunk.
    """

    def __init__(self, like: Array, chunks: int, arena_bytes: int) -> None:
        self.grads = shared_array((chunks, like.size), like.dtype)
        self.losses = shared_array((chunks,), np.float64)
        self.arena = shared_array((arena_bytes,), np.uint8)
        self.taken, self._put = os.pipe()
        os.set_blocking(self.taken, False)
        self._finalizer = weakref.finalize(self, _close_in, os.getpid(), self.taken, self._put)

    def fits(self, x: Array, y: Array, chunks: int) -> bool:
        """Whether a batch of these arrays in `chunks` chunks fits this queue."""
        return chunks <= len(self.losses) and arena_bytes(x, y) <= self.arena.size

    def fill(self, x: Array, y: Array, chunks: int) -> None:
        """Put the batch in shared memory and its chunks' numbers in the queue."""
        _copy_into(self.arena, x, y)
        os.write(self._put, bytes(range(chunks)))

    def take(self) -> int | None:
        """The number of a chunk no process has taken yet (None: none is left)."""
        try:
            taken = os.read(self.taken, 1)
        except BlockingIOError:
            return None
        return taken[0] if taken else None

    def drain(self) -> None:
        """Take every chunk left (after a failed step), so that the next step's chunks are the only ones."""
        while self.take() is not None:
            pass


class ForkedShard:
    """A worker process stepping one slice of each batch on a replica of `network`; up to `arena_bytes` of slice."""

    def __init__(self, network: Steppable, step: SliceStep, arena_bytes: int, queue: ChunkQueue | None = None) -> None:
        #: the chunk queue this worker was forked with, if any
        self.queue = queue
        self.params = shared_array(network.flat_params.shape, network.flat_params.dtype)
        self.grads = shared_array(network.flat_grads.shape, network.flat_grads.dtype)
        self.arena = shared_array((arena_bytes,), np.uint8)
        go_read, self._go = os.pipe()
        self._done, done_write = os.pipe()
        self._owner = os.getpid()
        _LIVE.add(self)  # a process forked from here on, this worker's included, closes our ends
        with warnings.catch_warnings():  # Python 3.12+ warns of fork beside threads: the worker runs none
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _serve(network, step, self, go_read, done_write)  # never returns
        self.pid = pid
        os.close(go_read)
        os.close(done_write)
        self._finalizer = weakref.finalize(self, _end, self._owner, pid, self._go, self._done)

    def fits(self, x: Array, y: Array) -> bool:
        """Whether a slice of these arrays' shapes fits this worker's arena."""
        return arena_bytes(x, y) <= self.arena.size

    def start(
        self,
        params: Array,
        x: Array,
        y: Array,
        share: float,
        chunk: int,
        errors: Mapping[str, Any],
        queued: bool = False,
    ) -> None:
        """Have the worker step `x`, `y` (which must fit) with the network's parameters `params`, as they are now.

        `queued`: the batch `x`, `y` is in the worker's queue (filled), and the worker takes chunks of
        `chunk` samples from it until none is left; their results are in the queue.
        """
        if not self._finalizer.alive or os.getpid() != self._owner:
            raise WorkerLost("the worker process was closed, or belongs to another process")
        np.copyto(self.params, params)
        if not queued:
            _copy_into(self.arena, x, y)
        handlings = [HANDLINGS.index(errors[kind]) for kind in ERROR_KINDS]
        message = GO_HEAD.pack(share, len(x), chunk, queued, *handlings) + _describe(x) + _describe(y)
        try:
            os.write(self._go, message.ljust(GO_BYTES, b"\0"))
        except OSError as error:
            raise WorkerLost(f"the worker process is gone ({error})") from None

    def finish(self) -> float:
        """The worker's share of the loss, once it is done; its gradients are in `grads` (its error raised here)."""
        try:
            answer = os.read(self._done, DONE_BYTES)
        except OSError as error:
            raise WorkerLost(f"the worker process is gone ({error})") from None
        if not answer:
            raise WorkerLost("the worker process ended")
        if answer[:1] == b"=":
            (loss,) = struct.unpack("<d", answer[1:9])
            return float(loss)
        raise _error_from(answer[1:].decode("utf-8", "replace"))

    def close(self) -> None:
        """End the worker process (at once, if idle) and wait for it."""
        self._finalizer()


def arena_bytes(x: Array, y: Array) -> int:
    """Bytes a slice of `x` and `y` takes in an arena: each array aligned to 64 bytes."""
    return _aligned(x.nbytes) + _aligned(y.nbytes)


def _aligned(size: int) -> int:
    return -(-size // 64) * 64


def _arena_views(arena: Array, x: Any, y: Any) -> tuple[Array, Array]:
    """Where in `arena` a slice shaped as `x` and `y` (arrays, or (shape, dtype) pairs) lies."""
    (x_shape, x_dtype), (y_shape, y_dtype) = (_shape_and_dtype(a) for a in (x, y))
    x_bytes = _aligned(int(np.prod(x_shape, dtype=np.int64)) * x_dtype.itemsize)
    xs = np.ndarray(x_shape, x_dtype, buffer=arena.data, offset=0)
    ys = np.ndarray(y_shape, y_dtype, buffer=arena.data, offset=x_bytes)
    return xs, ys


def _copy_into(arena: Array, x: Array, y: Array) -> None:
    """Copy `x` and `y` to their places in `arena`."""
    xs, ys = _arena_views(arena, x, y)
    np.copyto(xs, x)
    np.copyto(ys, y)


def _shape_and_dtype(a: Any) -> tuple[tuple[int, ...], np.dtype[Any]]:
    if isinstance(a, np.ndarray):
        return a.shape, a.dtype
    shape, dtype = a
    return shape, dtype


def _describe(a: Array) -> bytes:
    """An array's dtype and shape for a "go" message: "<f4 32,28,28,1;"."""
    return f"{a.dtype.str} {','.join(map(str, a.shape))};".encode()


def _described(text: str) -> list[tuple[tuple[int, ...], np.dtype[Any]]]:
    """The (shape, dtype) pairs a "go" message's tail describes."""
    pairs = []
    for item in text.split(";")[:2]:
        dtype, dims = item.split(" ")
        pairs.append((tuple(int(d) for d in dims.split(",") if d), np.dtype(dtype)))
    return pairs


def _error_from(text: str) -> BaseException:
    """The worker's error, raised again in the caller: a built-in exception as itself, any other as a RuntimeError."""
    name, _, message = text.partition(": ")
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except TypeError:  # takes other arguments (UnicodeDecodeError): named below
            pass
    return RuntimeError(f"{name} in a worker process: {message}")


def _serve(network: Steppable, step: SliceStep, shard: ForkedShard, go: int, done: int) -> None:
    """The worker process: step each slice it is sent until its "go" pipe closes or its parent ends; never returns."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle; the worker ends with it
        queue = () if shard.queue is None else (shard.queue.taken,)
        _close_all_but(
            go, done, *queue
        )  # a pipe the caller's process shares with others is not held open by the worker
        parent = os.getppid()
        replica = network.replica(shard.params)
        total = np.empty_like(replica.flat_grads)
        poller = select.poll()
        poller.register(go, select.POLLIN)
        with blas_threads(1):
            while True:
                if not poller.poll(PARENT_CHECK_SECONDS * 1000):
                    if os.getppid() != parent:
                        break
                    continue
                message = os.read(go, GO_BYTES)
                if not message:
                    break
                os.write(done, _step_once(replica, step, shard, message, total))
    except BaseException:  # the caller sees the pipe close: WorkerLost
        status = 1
    finally:
        os._exit(status)


def _step_once(replica: Steppable, step: SliceStep, shard: ForkedShard, message: bytes, total: Array) -> bytes:
    """The "done" message for one "go" message: b"=" and the loss, or b"!" and the error raised."""
    share, samples, chunk, queued, *handlings = GO_HEAD.unpack_from(message)
    (x_shape, x_dtype), (y_shape, y_dtype) = _described(message[GO_HEAD.size :].rstrip(b"\0").decode())
    errors: dict[str, Any] = {kind: HANDLINGS[h] for kind, h in zip(ERROR_KINDS, handlings)}
    queue = shard.queue if queued else None
    x, y = _arena_views(shard.arena if queue is None else queue.arena, (x_shape, x_dtype), (y_shape, y_dtype))
    try:
        with np.errstate(**errors), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a warning is the caller's to give: its own slice gives the same kind
            if queue is not None:
                take_chunks(replica, step, queue, x, y, chunk)
                loss = 0.0  # the chunks' losses are in the queue
            else:
                loss = step(replica, x, y, share, chunk, total)
                np.copyto(shard.grads, replica.flat_grads)
    except Exception as error:
        return f"!{type(error).__name__}: {error}".encode()[:DONE_BYTES]
    return b"=" + struct.pack("<d", loss)


def take_chunks(net: Steppable, step: SliceStep, queue: ChunkQueue, x: Array, y: Array, chunk: int) -> None:
    """Step chunks of `chunk` samples of `x`, `y` taken from `queue` until none is left; each one's results in it."""
    while (c := queue.take()) is not None:
        part = slice(c * chunk, (c + 1) * chunk)
        queue.losses[c] = step(net, x[part], y[part], chunk / len(x), 0, None)
        np.copyto(queue.grads[c], net.flat_grads)


def _close_all_but(*kept: int) -> None:
    """Close every file descriptor above the standard three but `kept`."""
    low = 3
    for fd in sorted(kept):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _end(owner: int, pid: int, go: int, done: int) -> None:
    """Close a worker's pipes and reap it (only in the process that made it)."""
    if _close_in(owner, go, done):
        _reap(pid)


def _close_in(owner: int, *fds: int) -> bool:
    """Close `fds` if this is process `owner`, whose they are (a forked child's numbers may be others' by now)."""
    if os.getpid() != owner:
        return False
    for fd in fds:
        _close_quietly(fd)
    return True


def _reap(pid: int) -> None:
    """Wait for a worker told to end; kill it if it has not ended in `EXIT_SECONDS`."""
    for _ in range(int(EXIT_SECONDS / 0.01)):
        try:
            ended, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if ended:
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


#: the workers this process made and has not closed
_LIVE: weakref.WeakSet[ForkedShard] = weakref.WeakSet()


def _forget_in_child() -> None:
    """In a forked child, close this process's ends of every worker's pipes: they are the parent's."""
    for shard in list(_LIVE):
        _close_quietly(shard._go)
        _close_quietly(shard._done)
    _LIVE.clear()


if AVAILABLE:
    os.register_at_fork(after_in_child=_forget_in_child)
