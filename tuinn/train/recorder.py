"""Record a run's Snapshots to a file as it goes, and read them back for replay.

A recording is JSON lines: a header line, then one line per frame, each written whole and
flushed, so a run that crashes leaves every frame before the crash readable (a torn last
line is skipped). No pickle: arrays are stored as dtype, shape and zlib-compressed bytes.
Frames stay small: a field equal to the previous frame's is left out, and so is any part
of a field that did not change (the data points of a decision surface, a layer's bias);
the loss curves store only the points added since the previous frame, exactly; the large
pictures are stored as 8-bit levels and as their change (tuinn.train.picture_codec).
The first and last frames are keyframes: every picture in them is on its own range.
Scalars and curves are exact.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import threading
import time
import zlib
from collections import deque
from pathlib import Path
from typing import Any, Callable, Protocol, TextIO

import numpy as np

from tuinn.config import run_config as config_module
from tuinn.config import schedule_table as schedule_module
from tuinn.nn import SummaryRow
from tuinn.train import pretrain as pretrain_module
from tuinn.train import snapshot as snapshot_module
from tuinn.train.picture_codec import LEVELS, ArrayDecoder, ArrayEncoder, exact
from tuinn.train.snapshot import Curve, Snapshot

__all__ = ["FIRST_INTERVAL", "FRAMES_PER_LEVEL", "LEVELS", "Recorder", "Recording", "RecordingError"]

MAGIC = "tuinn-recording"
VERSION = 2  # 2: parts of fields and pictures' changes; version 1 files (whole fields) are read too
READS = (1, 2)
#: the dataclasses a Snapshot is made of, by name
TYPES = {
    name: obj
    for module in (snapshot_module, config_module, schedule_module, pretrain_module)
    for name, obj in vars(module).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj)
} | {"SummaryRow": SummaryRow}
#: the app records a frame at most this often at first; the interval doubles every FRAMES_PER_LEVEL frames
FIRST_INTERVAL, FRAMES_PER_LEVEL = 0.5, 128
#: the big pictures (every unit's map over the plane, the feature maps) get this many bytes per frame on average:
#: they are written in a frame only while what they took so far is within that budget (always in a keyframe)
PICTURE_FIELDS, PICTURE_BYTES_PER_FRAME = ("decision", "feature_maps"), 3000
MAX_FRAME_BYTES = 64 << 20  # a longer line is not a frame of ours
#: frames offered by the app that wait for the writer thread at most; when it falls behind, the newest one waiting
#: is replaced by the frame offered (coalesced): the screen's thread never waits for the disk or for zlib
MAX_PENDING = 4
MISSING: Any = object()  # no previous value: encode (or decode) whole


class RecordingError(ValueError):
    """A file that is not a readable tuinn recording; the message names the file and line."""


def _same(a: Any, b: Any) -> bool:
    """Whether two Snapshot values are equal: arrays by shape, dtype and content; dataclasses field by field."""
    if a is b:
        return True  # the same object (an array, the RunConfig, a tuple of frozen dataclasses): no need to walk it
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and _same_array(a, b)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except ValueError:
        return False


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays have the same shape, dtype and content (NaN equal to NaN). Three cells are looked at
    first: an array that changed since the last frame (weights, gradients: most of a Snapshot's) nearly always
    differs in one of them, found without a pass over the whole array."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    nan = a.dtype.kind in "fc"
    for i in {0, a.size // 2, a.size - 1} if a.size else ():
        x, y = a.flat[i], b.flat[i]
        if x != y and not (nan and x != x and y != y):
            return False
    return np.array_equal(a, b, equal_nan=nan)


class ArrayCodec(Protocol):
    """How a FrameEncoder stores arrays: a recording's (ArrayEncoder), or a pipe's raw bytes."""

    def encode(self, a: np.ndarray, place: str, keyframe: bool) -> dict[str, Any]: ...

    def inexact_under(self, place: str) -> bool: ...


class ArrayReader(Protocol):
    """How a FrameDecoder reads back the arrays its encoder stored."""

    def decode(self, value: dict[str, Any], place: str) -> np.ndarray: ...


class FrameEncoder:
    """A Snapshot's fields as JSON-ready values, written as their change from the previous frame where that is smaller.

    `arrays` stores the arrays (a recording's 8-bit pictures by default); `types` names the dataclasses it may meet.
    """

    def __init__(self, arrays: ArrayCodec | None = None, types: dict[str, type[Any]] = TYPES) -> None:
        self.arrays: ArrayCodec = arrays if arrays is not None else ArrayEncoder()
        self.types = types
        self.keyframe = True

    def changed(self, old: Any, new: Any, place: str) -> bool:
        """Whether `new` must be written: it differs from `old`, or (in a keyframe) holds a picture on a kept range."""
        return old is MISSING or not _same(old, new) or (self.keyframe and self.arrays.inexact_under(place))

    def encode(self, value: Any, place: str, previous: Any = MISSING) -> Any:
        """`value` tagged by type (dataclasses, tuples, paths, arrays); against `previous`, only its changed parts."""
        if isinstance(value, np.ndarray):
            return self.arrays.encode(value, place, self.keyframe)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type(value).__name__
            if name not in self.types:
                raise TypeError(f"the recorder does not know {name}: add its module to TYPES")
            fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
            if type(previous) is type(value):
                return {
                    "__delta__": name,
                    **{
                        k: self.encode(v, f"{place}.{k}", getattr(previous, k))
                        for k, v in fields
                        if self.changed(getattr(previous, k), v, f"{place}.{k}")
                    },
                }
            return {"__type__": name, **{k: self.encode(v, f"{place}.{k}") for k, v in fields}}
        if isinstance(value, tuple):
            if isinstance(previous, tuple) and len(previous) == len(value) and value:
                return {
                    "__tuple_delta__": {
                        str(i): self.encode(v, f"{place}.{i}", previous[i])
                        for i, v in enumerate(value)
                        if self.changed(previous[i], v, f"{place}.{i}")
                    }
                }
            return {"__tuple__": [self.encode(v, f"{place}.{i}") for i, v in enumerate(value)]}
        if isinstance(value, Path):
            return {"__path__": str(value)}
        if isinstance(value, list):
            return [self.encode(v, f"{place}.{i}") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {str(k): self.encode(v, f"{place}.{k}") for k, v in value.items()}
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            return value.item()
        return value


class FrameDecoder:
    """The inverse of FrameEncoder, frame after frame; KeyError/ValueError/TypeError on anything malformed."""

    def __init__(self, arrays: ArrayReader | None = None, types: dict[str, type[Any]] = TYPES) -> None:
        self.arrays: ArrayReader = arrays if arrays is not None else ArrayDecoder()
        self.types = types

    def decode(self, value: Any, place: str, previous: Any = MISSING) -> Any:
        """The value `value` encodes, `previous` with the changes it holds applied."""
        if isinstance(value, list):
            return [self.decode(v, f"{place}.{i}") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if "__array__" in value:
            return self.arrays.decode(value, place)
        if "__path__" in value:
            return Path(value["__path__"])
        if "__tuple__" in value:
            return tuple(self.decode(v, f"{place}.{i}") for i, v in enumerate(value["__tuple__"]))
        if "__tuple_delta__" in value:
            if not isinstance(previous, tuple):
                raise ValueError(f"{place}: a change of a tuple that was not recorded before")
            items = list(previous)
            for key, v in value["__tuple_delta__"].items():
                items[int(key)] = self.decode(v, f"{place}.{key}", items[int(key)])
            return tuple(items)
        if "__type__" in value:
            cls = self.types[value["__type__"]]
            return cls(**{k: self.decode(v, f"{place}.{k}") for k, v in value.items() if k != "__type__"})
        if "__delta__" in value:
            cls = self.types[value["__delta__"]]
            if type(previous) is not cls:
                raise ValueError(f"{place}: a change of a {cls.__name__} that was not recorded before")
            return dataclasses.replace(
                previous,
                **{
                    k: self.decode(v, f"{place}.{k}", getattr(previous, k))
                    for k, v in value.items()
                    if k != "__delta__"
                },
            )
        return {k: self.decode(v, f"{place}.{k}") for k, v in value.items()}


class FrameSink(Protocol):
    """Where a run's Snapshots are written as it goes: a Recorder, or a tee that also writes TensorBoard's files."""

    @property
    def frames(self) -> int:
        """Frames written so far."""
        ...

    def offer(self, snapshot: Snapshot, force: bool = False) -> bool:
        """Write `snapshot` if the sink's pace takes it now (or `force`); whether it was written."""
        ...

    def write(self, snapshot: Snapshot, keyframe: bool = False) -> None:
        """Write `snapshot` now (a keyframe holds every picture whole)."""
        ...

    def close(self) -> None:
        """Finish the file(s)."""
        ...


class Recorder:
    """Appends Snapshots to a recording file; `offer` keeps the frame rate bounded over long runs.

    `write` encodes and writes at once, on the caller's thread (headless runs, a watched loop).
    `offer` (the app's frames, from the screen's thread) only queues the frame: a writer thread,
    started by the first offer, encodes and writes it. The queue is bounded (MAX_PENDING): when
    the writer is behind, the newest frame waiting is replaced by the one offered; a forced frame
    (a keyframe: the run as it ended) is never replaced. `close` writes every frame still waiting.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self._file: TextIO = open(self.path, "w", encoding="utf-8")
        self._clock = clock
        self._encoder = FrameEncoder()
        self._previous: dict[str, Any] = {}
        self._curve_ends: dict[str, float] = {}
        self._last_time: float | None = None
        self._last_moment: tuple[Any, ...] | None = None
        self._picture_bytes = 0
        self.frames = 0  # frames written
        self.accepted = 0  # frames written or queued to be: the pace of `offer` counts these
        self.coalesced = 0  # frames replaced in the queue by a newer one while the writer was behind
        self._pending: deque[tuple[Snapshot, bool]] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self._writer: threading.Thread | None = None
        self._error: Exception | None = None
        self._write_line({"format": MAGIC, "version": VERSION})

    def _write_line(self, obj: dict[str, Any]) -> None:
        self._file.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self._file.flush()

    @property
    def interval(self) -> float:
        """Seconds between frames now: FIRST_INTERVAL, doubled every FRAMES_PER_LEVEL frames."""
        return float(FIRST_INTERVAL * 2 ** (max(self.frames, self.accepted) // FRAMES_PER_LEVEL))

    def offer(self, snapshot: Snapshot, force: bool = False) -> bool:
        """Queue `snapshot` if the interval has passed since the last frame (or `force`: a keyframe); True if it did.

        A finished run's frame that shows nothing new (the same step, events and selection) is not taken:
        a recording ends where its run did.
        """
        now = self._clock()
        moment = _moment(snapshot)
        if not force and snapshot.finished and moment == self._last_moment:
            return False
        if not force and self._last_time is not None and now - self._last_time < self.interval:
            return False
        self._last_time, self._last_moment = now, moment
        with self._wake:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_queued, name="tuinn-recorder", daemon=True)
                self._writer.start()
                atexit.register(self.flush)  # a run that ends in an error (close never called) keeps its frames
            if len(self._pending) >= max(MAX_PENDING, 2) and not self._pending[-1][1]:  # (not the one in writing)
                self._pending[-1] = (snapshot, force)
                self.coalesced += 1
            else:
                self._pending.append((snapshot, force))
                self.accepted += 1
            self._wake.notify()
        return True

    def flush(self) -> None:
        """Wait until every frame offered so far is written."""
        with self._wake:
            while self._pending and self._writer_alive():
                self._wake.wait(0.05)

    def _writer_alive(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def _write_queued(self) -> None:
        """The writer thread: write the queued frames in order until closed; an error is kept for `close`."""
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                if not self._pending:
                    return
                snapshot, keyframe = self._pending[0]
            try:
                self._encode(snapshot, keyframe)
            except Exception as e:  # (raised again by close, on the thread that closes the recording)
                self._error = e
                with self._wake:
                    self._pending.clear()
                    self._wake.notify_all()
                return
            with self._wake:
                self._pending.popleft()
                self._wake.notify_all()

    def write(self, snapshot: Snapshot, keyframe: bool = False) -> None:
        """Append one frame now, after any frames still queued: the fields (and parts of fields) that changed,
        and the curve points that are new.

        The first frame is always a keyframe; ask for one at the end of a run, so its pictures are on their own
        range. The big pictures keep to PICTURE_BYTES_PER_FRAME: between their frames, replay shows the last ones.
        """
        self.flush()
        self.accepted += 1
        self._encode(snapshot, keyframe)

    def _encode(self, snapshot: Snapshot, keyframe: bool) -> None:
        self._encoder.keyframe = keyframe = keyframe or self.frames == 0
        pictures = keyframe or self._picture_bytes <= PICTURE_BYTES_PER_FRAME * self.frames
        frame: dict[str, Any] = {}
        for f in dataclasses.fields(snapshot):
            value = getattr(snapshot, f.name)
            if f.name == "curves":
                frame["curves"] = {name: self._new_points(name, c) for name, c in value.items()}
            elif f.name in PICTURE_FIELDS and not pictures:
                continue
            elif self._encoder.changed(self._previous.get(f.name, MISSING), value, f.name):
                frame[f.name] = self._encoder.encode(value, f.name, self._previous.get(f.name, MISSING))
                self._previous[f.name] = value
                if f.name in PICTURE_FIELDS:
                    self._picture_bytes += len(json.dumps(frame[f.name], separators=(",", ":")))
        self._write_line(frame)
        self.frames += 1

    def _new_points(self, name: str, curve: Curve) -> dict[str, Any]:
        end = self._curve_ends.get(name, -np.inf)
        keep = curve.steps > end
        if keep.any():
            self._curve_ends[name] = float(curve.steps[keep][-1])
        return {"steps": exact(curve.steps[keep]), "values": exact(curve.values[keep])}

    def close(self) -> None:
        """Write the frames still queued, stop the writer thread and close the file; a writer's error is raised."""
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        if self._writer is not None:
            self._writer.join()
            atexit.unregister(self.flush)
        self._file.close()
        if self._error is not None:
            raise self._error


def _moment(s: Snapshot) -> tuple[Any, ...]:
    """What tells one frame of a finished run from another: its step, its events, what is selected, its edits."""
    sample = s.sample.index if s.sample is not None else None
    return (
        s.step,
        len(s.events),
        s.events[-1] if s.events else None,
        s.selected_layer,
        sample,
        s.refusals,
        s.experiment,
    )


def check_header(line: bytes, path: Path) -> None:
    """Refuse a first line that is not a tuinn recording's header of a version this tuinn reads."""
    try:
        header = json.loads(line)
        ok = isinstance(header, dict) and header.get("format") == MAGIC
    except ValueError:
        ok = False
    if not ok:
        raise RecordingError(f"{path}: not a tuinn recording (record one with --record FILE)")
    if header.get("version") not in READS:
        raise RecordingError(
            f"{path}: recording version {header.get('version')!r}, this tuinn reads {' and '.join(map(str, READS))}"
        )


class FrameReader:
    """Frames decoded one whole line at a time (`add`), rebuilt as Snapshots on demand (`len`, `reader[i]`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: dict[str, Any] = {}
        self._decoder = FrameDecoder()
        self._frames: list[dict[str, Any]] = []
        self._curve_counts: list[dict[str, int]] = []
        self._points: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add(self, line: bytes, number: int) -> None:
        """Decode the frame `line` (line `number` of the file); RecordingError if it is not one."""
        state, points = self._state, self._points
        try:
            raw = json.loads(line)
            curves = raw.pop("curves")
            state.update({k: self._decoder.decode(v, k, state.get(k, MISSING)) for k, v in raw.items()})
            counts = {}
            for name, part in curves.items():
                steps = self._decoder.decode(part["steps"], "curves")
                values = self._decoder.decode(part["values"], "curves")
                points.setdefault(name, []).append((steps, values))
                counts[name] = sum(len(s) for s, _ in points[name])
            Snapshot(**state, curves={})  # every field present and known
        except (ValueError, KeyError, TypeError, AttributeError, zlib.error) as e:
            raise RecordingError(f"{self.path}: line {number} is not a tuinn frame ({type(e).__name__}: {e})") from None
        self._frames.append(dict(state))
        self._curve_counts.append(counts)
        self._curves = {}

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, i: int) -> Snapshot:
        if not self._curves:
            self._curves = {
                name: (np.concatenate([s for s, _ in parts]), np.concatenate([v for _, v in parts]))
                for name, parts in self._points.items()
            }
        counts = self._curve_counts[i]
        curves = {
            name: Curve(steps[: counts.get(name, 0)], values[: counts.get(name, 0)])
            for name, (steps, values) in self._curves.items()
        }
        return Snapshot(**self._frames[i], curves=curves)


class Recording(FrameReader):
    """The frames of a recording file, read whole (`len`, `recording[i]`); a torn last line is skipped."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(Path(path))
        self.torn = False
        self._read()

    def _read(self) -> None:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError as e:
            raise RecordingError(f"{self.path}: {e.strerror or e}") from None
        check_header(lines[0], self.path)
        body = lines[1:]
        if body and body[-1] == b"":
            body.pop()
        elif body:
            self.torn = True  # the run stopped in the middle of a frame: drop the partial line
            body.pop()
        for number, line in enumerate(body, start=2):
            self.add(line, number)
        if not len(self):
            raise RecordingError(f"{self.path}: the recording has no frames")
