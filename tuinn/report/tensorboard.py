"""TensorBoard event files from Snapshots (tensorboardX, the extra ``tuinn[tensorboard]``, imported only here).

Scalars at every Snapshot written: the epoch's figures as the JSON lines give them (``epoch/loss``,
``epoch/val_loss``, ``epoch/train_metric``, ``epoch/val_metric``), ``lr``, per layer ``grad_norm/<layer>``
and ``grad_mean_abs/<layer>``, and its health where the Snapshot has it (``health/update_ratio_log10/<layer>``,
log10(‖ΔW‖/‖W‖) of the last step; ``health/saturated/<layer>`` and ``health/dead/<layer>``, the shares of the
evaluation batch); and every curve's points added since the last Snapshot (``curve/train_loss`` at
every step, ``curve/update_ratio/<layer>`` for a watched model, ...). Pictures, at the first, every
PICTURE_EVERY-th and the last Snapshot: the decision surface, the sample and each layer's feature maps.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from tuinn.train.recorder import FrameSink, Recording
from tuinn.train.snapshot import Snapshot

PICTURE_EVERY = 10  # Snapshots between two sets of pictures
BOARD_INTERVAL = 1.0  # the app without --record: seconds between two Snapshots written


def _unit(picture: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Values scaled to [0, 1] over [lo, hi] (their own range by default); NaN as 0."""
    finite = picture[np.isfinite(picture)]
    lo = float(finite.min()) if lo is None and finite.size else lo or 0.0
    hi = float(finite.max()) if hi is None and finite.size else hi or 1.0
    scaled = (picture - lo) / (hi - lo) if hi > lo else np.zeros_like(picture)
    unit: np.ndarray = np.nan_to_num(np.clip(scaled, 0.0, 1.0)).astype(np.float32)
    return unit


def tiles(maps: np.ndarray) -> np.ndarray:
    """(H, W, C) feature maps as one (rows·(H+1), cols·(W+1)) picture of C tiles, each on its own range."""
    h, w, c = maps.shape
    cols = math.ceil(math.sqrt(c))
    rows = math.ceil(c / cols)
    sheet = np.zeros((rows * (h + 1), cols * (w + 1)), dtype=np.float32)
    for k in range(c):
        r, q = divmod(k, cols)
        sheet[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = _unit(maps[:, :, k])
    return sheet


class BoardWriter:
    """Writes Snapshots to TensorBoard event files in a folder; `write()` per Snapshot, then `close()`."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        from tensorboardX import SummaryWriter

        self.writer = SummaryWriter(os.fspath(folder), flush_secs=10)
        self.written = 0
        self._curve_ends: dict[str, float] = {}

    def write(self, snapshot: Snapshot, pictures: bool | None = None) -> None:
        """The scalars of `snapshot`, new curve points, and (on PICTURE_EVERY's beat or at the end) its pictures."""
        step = snapshot.step
        add = self.writer.add_scalar
        for tag, value in (
            ("epoch/loss", snapshot.train_loss),
            ("epoch/val_loss", snapshot.val_loss),
            ("epoch/train_metric", snapshot.train_metric),
            ("epoch/val_metric", snapshot.val_metric),
            ("lr", snapshot.lr),
        ):
            if value is not None:
                add(tag, value, step)
        for stats in snapshot.layer_stats:
            add(f"grad_norm/{stats.name}", stats.grad_norm, step)
            add(f"grad_mean_abs/{stats.name}", stats.grad_mean_abs, step)
            for health, value in (
                ("update_ratio_log10", stats.log_update_ratio),
                ("saturated", stats.saturated),
                ("dead", stats.dead),
            ):
                if value is not None:
                    add(f"health/{health}/{stats.name}", value, step)
        for name, curve in snapshot.curves.items():
            end = self._curve_ends.get(name, -np.inf)
            for s, v in zip(curve.steps, curve.values):
                if s > end:
                    add(f"curve/{name}", float(v), int(round(s)))
            if len(curve):
                self._curve_ends[name] = max(end, float(curve.steps[-1]))
        if pictures if pictures is not None else (self.written % PICTURE_EVERY == 0 or snapshot.finished):
            self._pictures(snapshot)
        self.written += 1

    def _pictures(self, snapshot: Snapshot) -> None:
        image = self.writer.add_image
        if snapshot.decision is not None:
            d = snapshot.decision
            image("pictures/decision", _unit(d.values, *d.value_range)[::-1], snapshot.step, dataformats="HW")
        if snapshot.sample is not None:
            image("pictures/sample", _unit(snapshot.sample.image[:, :, 0]), snapshot.step, dataformats="HW")
        for fm in snapshot.feature_maps:
            image(f"pictures/maps/{fm.layer}", tiles(fm.maps), snapshot.step, dataformats="HW")

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class BoardTee:
    """Stands where a run's Recorder stands (`write`, `offer`, `close`): TensorBoard, and the recorder if any."""

    def __init__(self, folder: str | os.PathLike[str], recorder: FrameSink | None = None) -> None:
        self.board = BoardWriter(folder)
        self.recorder = recorder
        self._last: float | None = None

    def write(self, snapshot: Snapshot, keyframe: bool = False) -> None:
        if self.recorder is not None:
            self.recorder.write(snapshot, keyframe)
        self.board.write(snapshot, pictures=keyframe or None)

    def offer(self, snapshot: Snapshot, force: bool = False) -> bool:
        """The app's frames: written when the recorder takes them, or without one at most every BOARD_INTERVAL s."""
        if self.recorder is not None:
            taken = self.recorder.offer(snapshot, force)
        else:
            now = time.monotonic()
            taken = force or self._last is None or now - self._last >= BOARD_INTERVAL
            self._last = now if taken else self._last
        if taken:
            self.board.write(snapshot, pictures=force or None)
        return taken

    @property
    def frames(self) -> int:
        return self.recorder.frames if self.recorder is not None else self.board.written

    def close(self) -> None:
        self.board.close()
        if self.recorder is not None:
            self.recorder.close()


def export_recording(recording: Recording, folder: str | os.PathLike[str]) -> int:
    """Write every frame of `recording` to event files in `folder`; the number of frames written."""
    board = BoardWriter(folder)
    try:
        for i in range(len(recording)):
            board.write(recording[i], pictures=i == 0 or i == len(recording) - 1 or i % PICTURE_EVERY == 0)
    finally:
        board.close()
    return len(recording)
