"""Messages between the app and a run training in another process, over a pair of pipes. Nothing is unpickled.

A message is a JSON header followed by the raw bytes of the arrays it holds: an 8-byte
prefix gives both lengths. Snapshots go as their change from the previous one (the
recorder's FrameEncoder, with every array exact and raw: no zlib, no base64, no 8-bit
levels); commands go whole, as tagged dataclasses.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import IO, Any

import numpy as np

from tuinn.train import commands as commands_module
from tuinn.train.recorder import MISSING, TYPES, FrameDecoder, FrameEncoder
from tuinn.train.snapshot import Snapshot

PREFIX = struct.Struct("<II")  # the header's bytes, then the arrays' bytes
MAX_HEADER = 64 << 20  # a longer header is not a message of ours
#: what a message may hold: the Snapshot's dataclasses and the commands
MESSAGE_TYPES: dict[str, type[Any]] = TYPES | {
    name: obj for name, obj in vars(commands_module).items() if isinstance(obj, type) and dataclasses.is_dataclass(obj)
}


class PipeError(ValueError):
    """A message that is not one of ours (a bug or a stray writer): the reader stops."""


class RawArrays:
    """Stores each array of a message as a reference to its raw bytes, gathered for after the header."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def encode(self, a: np.ndarray, place: str, keyframe: bool) -> dict[str, Any]:
        """dtype, shape and where its bytes start after the header."""
        raw = np.ascontiguousarray(a).tobytes()
        at, self.size = self.size, self.size + len(raw)
        self.chunks.append(raw)
        return {"__array__": a.dtype.str, "shape": list(a.shape), "at": at, "bytes": len(raw)}

    def inexact_under(self, place: str) -> bool:
        """Never: every array is stored exactly."""
        return False


class RawArrayReader:
    """Reads the arrays of one message back from the bytes after its header."""

    def __init__(self) -> None:
        self.raw = b""

    def decode(self, value: dict[str, Any], place: str) -> np.ndarray:
        """The array `value` points at; ValueError on anything malformed."""
        dtype = np.dtype(value["__array__"])
        if dtype.hasobject:
            raise ValueError(f"{place}: object arrays are not allowed")
        at, size = int(value["at"]), int(value["bytes"])
        if at < 0 or at + size > len(self.raw):
            raise ValueError(f"{place}: the array's bytes are outside the message")
        shape = [int(n) for n in value["shape"]]
        return np.frombuffer(self.raw, dtype=dtype, count=size // dtype.itemsize, offset=at).reshape(shape).copy()


def write_message(out: IO[bytes], header: dict[str, Any], chunks: list[bytes] | tuple[()] = ()) -> None:
    """Write one message whole and flush it (BrokenPipeError when the reader is gone)."""
    text = json.dumps(header, separators=(",", ":")).encode()
    size = sum(len(c) for c in chunks)
    out.write(b"".join([PREFIX.pack(len(text), size), text, *chunks]))
    out.flush()


def read_exactly(source: IO[bytes], size: int) -> bytes:
    """`size` bytes from `source`, fewer only at its end (an unbuffered pipe returns what has come so far)."""
    data = source.read(size) or b""
    while len(data) < size and (more := source.read(size - len(data))):
        data += more
    return data


def read_message(source: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The next message's header and array bytes; None at the end of the pipe; PipeError if it is not ours."""
    prefix = read_exactly(source, PREFIX.size)
    if not prefix:
        return None
    if len(prefix) < PREFIX.size:
        raise PipeError("the pipe ended inside a message")
    text_size, raw_size = PREFIX.unpack(prefix)
    if text_size > MAX_HEADER:
        raise PipeError(f"a header of {text_size:,} bytes is not a message of ours")
    text, raw = read_exactly(source, text_size), read_exactly(source, raw_size)
    if len(text) < text_size or len(raw) < raw_size:
        raise PipeError("the pipe ended inside a message")
    try:
        header = json.loads(text)
    except ValueError as e:
        raise PipeError(f"a header that is not JSON ({e})") from None
    if not isinstance(header, dict) or not isinstance(header.get("kind"), str):
        raise PipeError("a header without its kind")
    return header, raw


class MessageWriter:
    """Sends Snapshots (as their change from the previous one sent) and commands down one pipe."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self._previous: Any = MISSING

    def send(self, kind: str, **fields: Any) -> None:
        """A message of `kind` with plain JSON fields."""
        write_message(self.out, {"kind": kind, **fields})

    def send_value(self, kind: str, value: Any, **fields: Any) -> None:
        """A message of `kind` carrying `value` (a command, a RunConfig...) whole."""
        self._send_encoded(kind, value, MISSING, fields)

    def send_snapshot(self, snapshot: Snapshot, **fields: Any) -> None:
        """A Snapshot, as its change from the last one sent (whole the first time)."""
        self._send_encoded("snapshot", snapshot, self._previous, fields)
        self._previous = snapshot

    def _send_encoded(self, kind: str, value: Any, previous: Any, fields: dict[str, Any]) -> None:
        """`value` encoded (as its change from `previous`, if any) with its arrays' raw bytes after the header."""
        arrays = RawArrays()
        encoder = FrameEncoder(arrays, MESSAGE_TYPES)
        encoder.keyframe = False  # (no picture is inexact here: nothing to write again whole)
        body = encoder.encode(value, kind, previous)
        write_message(self.out, {"kind": kind, "value": body, **fields}, arrays.chunks)


class MessageReader:
    """Reads what a MessageWriter sent: headers, their values decoded, Snapshots rebuilt from their changes."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self._arrays = RawArrayReader()
        self._decoder = FrameDecoder(self._arrays, MESSAGE_TYPES)
        self._snapshot: Any = MISSING

    def next(self) -> dict[str, Any] | None:
        """The next message (its "value" decoded: a Snapshot whole), None at the end; PipeError if it is not ours."""
        message = read_message(self.source)
        if message is None:
            return None
        header, self._arrays.raw = message
        if "value" not in header:
            return header
        try:
            if header["kind"] == "snapshot":
                value = self._decoder.decode(header["value"], "snapshot", self._snapshot)
                if not isinstance(value, Snapshot):
                    raise TypeError(f"a {type(value).__name__}, not a Snapshot")
                self._snapshot = value
            else:
                value = self._decoder.decode(header["value"], header["kind"])
        except (ValueError, KeyError, TypeError) as e:
            raise PipeError(f"a {header['kind']} message that does not decode ({type(e).__name__}: {e})") from None
        finally:
            self._arrays.raw = b""
        return header | {"value": value}
