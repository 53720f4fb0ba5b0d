"""The watching pace: how the app starts a run, slowly enough that its first landmark comes after seconds of frames.

A tiny net meets its target in a handful of steps (xor at step 10, circle at 75), which
flat out is over before the first frame. The app therefore starts every run at a pace
that eases in: START steps a second, doubling every second of running. When the run's
first landmark comes (its loss halved, its target met, or the run over) the pace is held
for HOLD seconds so it can be seen, then lifted to the run's cruising limit; it is lifted
as well once the ramp reaches that limit (a landmark that is slow to come is not waited
for at a crawl). With START = 0.7 and GROWTH = 2, step L comes after log2(1 + L·ln2/0.7)
seconds: xor's step 10 after 3.3 s, circle's step 75 after 6.2 s. Headless runs never pace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tuinn.train.state import RunClock, RunStatus

START = 0.7  # steps a second when a run starts
GROWTH = 2.0  # the limit multiplies by this every second of running
HOLD = 3.0  # seconds the landmark is shown at the pace it came at, before the pace is lifted
#: frames (at the app's 10 a second) that xor, circle and perceptron-xor show before their first landmark, at least
FRAMES_BEFORE_LANDMARK = 30
#: the limit the ramp lifts to when the run has no cruising limit (it is then lifted altogether)
TOP = 1000.0


class Watched(Protocol):
    """What the landmark watch reads of a run (a Trainer is one)."""

    @property
    def clock(self) -> RunClock: ...

    @property
    def status(self) -> RunStatus: ...


@dataclass
class Landmark:
    """Watches a run, step after step, for its first landmark: the loss halved, the target met, or the run over.

    The loss is an epoch's mean training loss against the first epoch's (a single batch is
    too noisy, and the perceptron's loss is 0 on every sample it gets right).
    """

    first_loss: float | None = None
    epoch: int = 0
    #: what the landmark was ("loss halved", "target met", "run over"); None until it came
    seen: str | None = None

    def observe(self, run: Watched) -> str | None:
        """Look at the run after a step; the landmark, once it has come."""
        clock, status = run.clock, run.status
        if self.seen is None and clock.epoch != self.epoch:
            self.epoch = clock.epoch
            loss = float(np.mean(clock.epoch_losses)) if clock.epoch_losses else math.nan
            if self.first_loss is None:
                self.first_loss = loss if loss > 0 else None
            elif loss <= self.first_loss / 2:
                self.seen = "loss halved"
        if self.seen is None and status.target_met:
            self.seen = "target met"
        if self.seen is None and status.finished:
            self.seen = "run over"
        return self.seen


@dataclass
class WatchPace:
    """The speed limit of a run being watched: a ramp from `start` steps a second, held at the landmark, then lifted.

    `elapsed` counts the seconds the run has been running at this pace (not paused);
    `steps` the steps taken at it. A step is due while `steps < steps_by(elapsed)`.
    """

    #: the limit the pace lifts to (the run's cruising speed; None: no limit)
    cruise: float | None
    start: float = START
    growth: float = GROWTH
    elapsed: float = 0.0
    steps: int = 0
    landmark: Landmark = field(default_factory=Landmark)
    #: `elapsed` when the landmark came
    landmark_at: float | None = None

    def _ramp_end(self, t: float) -> float:
        """The time the ramp stops growing by `t`: the landmark holds it."""
        return t if self.landmark_at is None else min(t, self.landmark_at)

    def limit(self, t: float | None = None) -> float:
        """Steps a second allowed at time `t` (now by default)."""
        t = self.elapsed if t is None else t
        return self.start * math.pow(self.growth, self._ramp_end(t))

    def steps_by(self, t: float) -> float:
        """The steps the pace allows in its first `t` seconds: the integral of the limit."""
        ramp = self._ramp_end(t)
        rate = math.log(self.growth)
        return self.start * (math.pow(self.growth, ramp) - 1) / rate + self.limit(t) * (t - ramp)

    @property
    def due(self) -> bool:
        """Whether a step may run now."""
        return self.steps < self.steps_by(self.elapsed)

    def stepped(self, run: Watched, paced: bool = True) -> None:
        """After a step: count it if it was `paced` (not a single step while paused); note the landmark when it comes."""
        self.steps += paced
        if self.landmark_at is None and self.landmark.observe(run) is not None:
            self.landmark_at = self.elapsed

    @property
    def over(self) -> bool:
        """Whether the pace is lifted: the landmark has been shown HOLD seconds, or the ramp reached the cruise."""
        held = self.landmark_at is not None and self.elapsed >= self.landmark_at + HOLD
        return held or self.limit() >= (self.cruise if self.cruise is not None else TOP)
