"""Record a run's Snapshots to a file as it goes, and read them back for replay.

A recording is JSON lines: a header line, then one line per frame, each written whole and
flushed, so a run that crashes leaves every frame before the crash readable (a torn last
line is skipped). No pickle: arrays are stored as dtype, shape and zlib-compressed bytes.
Frames stay small: a field equal to the previous frame's is left out, the loss curves
store only the points added since the previous frame, and the large pictures (decision
surfaces, every unit's map, feature maps, gradient matrices) are stored as 8-bit levels
between their minimum and maximum, as fine as any colour scale draws them (integer arrays,
such as predicted classes, stay exact). Scalars and curves are exact.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import time
import zlib
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np

from tuinn import config as config_module
from tuinn import config_schedule as schedule_module
from tuinn.nn import SummaryRow
from tuinn.train import pretrain as pretrain_module
from tuinn.train import snapshot as snapshot_module
from tuinn.train.snapshot import Curve, Snapshot

MAGIC = "tuinn-recording"
VERSION = 1
#: the dataclasses a Snapshot is made of, by name
TYPES = {
    name: obj
    for module in (snapshot_module, config_module, schedule_module, pretrain_module)
    for name, obj in vars(module).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj)
} | {"SummaryRow": SummaryRow}
#: the app records a frame at most this often at first; the interval doubles every FRAMES_PER_LEVEL frames
FIRST_INTERVAL, FRAMES_PER_LEVEL = 0.5, 128
#: float arrays with at least this many elements are stored as 8-bit levels
QUANTIZE_FROM = 256
LEVELS = 254  # 0..254; 255 marks NaN
MAX_FRAME_BYTES = 64 << 20  # a longer line is not a frame of ours


class RecordingError(ValueError):
    """A file that is not a readable tuinn recording; the message names the file and line."""


def _packed(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw, 6)).decode()


def _encode_array(a: np.ndarray) -> dict:
    """dtype, shape and compressed bytes; a large float picture as 8-bit levels in [min, max]."""
    header = {"__array__": a.dtype.str, "shape": list(a.shape)}
    if a.dtype.kind == "f" and a.size >= QUANTIZE_FROM and not np.isinf(a).any():
        finite = a[np.isfinite(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        scale = LEVELS / (hi - lo) if hi > lo else 0.0
        with np.errstate(invalid="ignore"):
            q = np.where(np.isnan(a), 255, np.rint((a - lo) * scale)).astype(np.uint8)
        return {**header, "levels": [lo, hi], "data": _packed(q.tobytes())}
    return {**header, "data": _packed(np.ascontiguousarray(a).tobytes())}


def _decode_array(value: dict) -> np.ndarray:
    dtype = np.dtype(value["__array__"])
    if dtype.hasobject:
        raise ValueError("object arrays are not allowed")
    raw = zlib.decompress(base64.b64decode(value["data"]))
    if "levels" not in value:
        return np.frombuffer(raw, dtype=dtype).reshape(value["shape"]).copy()
    lo, hi = value["levels"]
    q = np.frombuffer(raw, dtype=np.uint8).reshape(value["shape"])
    a = (lo + q * ((hi - lo) / LEVELS)).astype(dtype)
    a[q == 255] = np.nan
    return a


def _encode(value: Any) -> Any:
    """A JSON-ready form of a Snapshot field (dataclasses, tuples, paths and arrays tagged by type)."""
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if dataclasses.is_dataclass(value):
        if type(value).__name__ not in TYPES:
            raise TypeError(f"the recorder does not know {type(value).__name__}: add its module to TYPES")
        return {"__type__": type(value).__name__, **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def _decode(value: Any) -> Any:
    """The inverse of `_encode`; KeyError/ValueError/TypeError on anything malformed."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return _decode_array(value)
    if "__path__" in value:
        return Path(value["__path__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__type__" in value:
        cls = TYPES[value["__type__"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "__type__"})
    return {k: _decode(v) for k, v in value.items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    try:
        return bool(a == b)
    except ValueError:  # dataclasses holding arrays
        return False


class Recorder:
    """Appends Snapshots to a recording file; `offer` keeps the frame rate bounded over long runs."""

    def __init__(self, path: str | os.PathLike, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self._file: TextIO = open(self.path, "w", encoding="utf-8")
        self._clock = clock
        self._previous: dict[str, Any] = {}
        self._curve_ends: dict[str, float] = {}
        self._last_time: float | None = None
        self.frames = 0
        self._write_line({"format": MAGIC, "version": VERSION})

    def _write_line(self, obj: dict) -> None:
        self._file.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self._file.flush()

    @property
    def interval(self) -> float:
        """Seconds between frames now: FIRST_INTERVAL, doubled every FRAMES_PER_LEVEL frames."""
        return FIRST_INTERVAL * 2 ** (self.frames // FRAMES_PER_LEVEL)

    def offer(self, snapshot: Snapshot, force: bool = False) -> bool:
        """Record `snapshot` if the interval has passed since the last frame (or `force`); True if it did."""
        now = self._clock()
        if not force and self._last_time is not None and now - self._last_time < self.interval:
            return False
        self._last_time = now
        self.write(snapshot)
        return True

    def write(self, snapshot: Snapshot) -> None:
        """Append one frame: the fields that changed, and the curve points that are new."""
        frame: dict[str, Any] = {}
        for f in dataclasses.fields(snapshot):
            value = getattr(snapshot, f.name)
            if f.name == "curves":
                frame["curves"] = {name: self._new_points(name, c) for name, c in value.items()}
            elif f.name not in self._previous or not _same(self._previous[f.name], value):
                frame[f.name] = _encode(value)
                self._previous[f.name] = value
        self._write_line(frame)
        self.frames += 1

    def _new_points(self, name: str, curve: Curve) -> dict:
        end = self._curve_ends.get(name, -np.inf)
        keep = curve.steps > end
        if keep.any():
            self._curve_ends[name] = float(curve.steps[keep][-1])
        return {"steps": _encode(curve.steps[keep]), "values": _encode(curve.values[keep])}

    def close(self) -> None:
        self._file.close()


class Recording:
    """The frames of a recording, rebuilt as Snapshots on demand (`len`, `recording[i]`)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._frames: list[dict[str, Any]] = []
        self._curve_counts: list[dict[str, int]] = []
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.torn = False
        self._read()

    def _read(self) -> None:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError as e:
            raise RecordingError(f"{self.path}: {e.strerror or e}") from None
        try:
            header = json.loads(lines[0])
            ok = isinstance(header, dict) and header.get("format") == MAGIC
        except ValueError:
            ok = False
        if not ok:
            raise RecordingError(f"{self.path}: not a tuinn recording (record one with --record FILE)")
        if header.get("version") != VERSION:
            raise RecordingError(f"{self.path}: recording version {header.get('version')!r}, this tuinn reads {VERSION}")
        body = lines[1:]
        if body and body[-1] == b"":
            body.pop()
        elif body:
            self.torn = True  # the run stopped in the middle of a frame: drop the partial line
            body.pop()
        state: dict[str, Any] = {}
        points: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for number, line in enumerate(body, start=2):
            try:
                raw = json.loads(line)
                curves = raw.pop("curves")
                state.update({k: _decode(v) for k, v in raw.items()})
                counts = {}
                for name, part in curves.items():
                    steps, values = _decode(part["steps"]), _decode(part["values"])
                    points.setdefault(name, []).append((steps, values))
                    counts[name] = sum(len(s) for s, _ in points[name])
                Snapshot(**state, curves={})  # every field present and known
            except (ValueError, KeyError, TypeError, zlib.error) as e:
                raise RecordingError(f"{self.path}: line {number} is not a tuinn frame ({type(e).__name__}: {e})") from None
            self._frames.append(dict(state))
            self._curve_counts.append(counts)
        if not self._frames:
            raise RecordingError(f"{self.path}: the recording has no frames")
        self._curves = {
            name: (np.concatenate([s for s, _ in parts]), np.concatenate([v for _, v in parts]))
            for name, parts in points.items()
        }

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, i: int) -> Snapshot:
        counts = self._curve_counts[i]
        curves = {name: Curve(steps[: counts.get(name, 0)], values[: counts.get(name, 0)])
                  for name, (steps, values) in self._curves.items()}
        return Snapshot(**self._frames[i], curves=curves)
