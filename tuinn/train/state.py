"""The run clock (step, epoch, the position in the shuffled order) and the throughput meter."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

RATE_INTERVAL, RATE_POINTS = 0.1, 21  # samples/s is measured over the last ~2 s of wall time


class RunClock:
    """Where a run is: steps, epochs and samples done, and the batch order of the current epoch."""

    def __init__(self, n_train: int, batch_size: int, epochs: int, rng: np.random.Generator, shuffle: bool) -> None:
        self.rng = rng
        self.shuffle = shuffle
        self.step = 0
        self.epoch = 0
        self.samples_seen = 0
        #: the epochs this run trains (the config's, or more when it trains on after finishing)
        self.budget = epochs
        self.epoch_losses: list[float] = []
        self.rate = Throughput()
        self.evaluated_at: int | None = None  # the step the figures were last measured at
        self.eval_time = time.perf_counter()  # and when
        self.restart_epoch(n_train)
        self.resize(n_train, batch_size)

    def resize(self, n_train: int, batch_size: int) -> None:
        """A batch size of `batch_size` samples over a training set of `n_train`."""
        self.batch_size = batch_size
        self.steps_per_epoch = -(-n_train // batch_size)

    def restart_epoch(self, n_train: int) -> None:
        """(New) data of `n_train` samples: its first epoch starts at the next step."""
        self.order = np.arange(n_train)
        self.cursor = n_train

    @property
    def epoch_done(self) -> bool:
        """Whether the current epoch has used every sample (the next step starts a new one)."""
        return self.cursor >= len(self.order)

    @property
    def batch(self) -> int:
        """The batch of the current epoch the next step trains on (0 at an epoch's start)."""
        return 0 if self.epoch_done else self.cursor // self.batch_size

    def new_epoch(self) -> None:
        """Start an epoch: a new shuffled order (unless a batch is the whole set), from its first batch."""
        if self.shuffle and self.batch_size < len(self.order):
            self.order = self.rng.permutation(len(self.order))
        self.cursor = 0
        self.epoch_losses = []

    def take_batch(self) -> np.ndarray:
        """The indices of the next step's samples, in the epoch's order."""
        idx = self.order[self.cursor : self.cursor + self.batch_size]
        self.cursor += len(idx)
        return idx

    def count(self, samples: int) -> None:
        """One step of `samples` samples is done (and timed, for the throughput)."""
        self.step += 1
        self.samples_seen += samples
        self.rate.count(self.samples_seen)

    def state(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        """What a checkpoint keeps: the scalars returned, the order and the epoch's losses put in `arrays`."""
        arrays["run/order"] = self.order
        arrays["run/epoch_losses"] = np.asarray(self.epoch_losses, dtype=np.float64)
        return {
            "step_count": self.step,
            "epoch": self.epoch,
            "samples_seen": self.samples_seen,
            "_cursor": self.cursor,
            "epoch_budget": self.budget,
            "shuffle": self.rng.bit_generator.state,
        }

    def restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Go back to a state() of a run on the same data (ValueError if its size differs)."""
        order = arrays["run/order"]
        if order.shape != self.order.shape:
            raise ValueError(f"the data has {len(self.order)} training samples, the checkpoint {len(order)}")
        self.step, self.epoch = int(state["step_count"]), int(state["epoch"])
        self.samples_seen, self.cursor = int(state["samples_seen"]), int(state["_cursor"])
        self.budget = int(state["epoch_budget"])
        self.rng.bit_generator.state = state["shuffle"]
        self.order = order.copy()
        self.epoch_losses = [float(v) for v in arrays["run/epoch_losses"]]


class Throughput:
    """Training samples per second over the last ~2 s of wall time."""

    def __init__(self) -> None:
        self._points: deque[tuple[float, int]] = deque(maxlen=RATE_POINTS)
        self._latest = (0.0, 0)

    def count(self, samples_seen: int) -> None:
        """Note the samples seen so far, now."""
        self._latest = (time.perf_counter(), samples_seen)
        if not self._points or self._latest[0] - self._points[-1][0] >= RATE_INTERVAL:
            self._points.append(self._latest)

    @property
    def samples_per_sec(self) -> float:
        if not self._points:
            return 0.0
        (t0, n0), (t1, n1) = self._points[0], self._latest
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass
class RunStatus:
    """Whether a run is paused (and single steps asked for), and how it ended."""

    paused: bool = False
    single_steps: int = 0
    finished: bool = False
    diverged: str | None = None  # why training stopped: the loss diverged, or an error
    stopped_early: str | None = None  # why early stopping ([target] patience) ended the run
    target_met: bool = False
    target_announced: bool = False  # the "target met" event is recorded: once, the first time the target was met
