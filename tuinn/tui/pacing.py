"""FramePacer: draws fewer frames a second when drawing them would take training's time.

The run trains in a process of its own; while its threads take every core, every
millisecond the event loop spends building and painting a frame is a millisecond of
a core training cannot use. The pacer measures what the event loop's
thread costs per frame and stretches the interval between frames so that, while
training runs flat out, the screen takes at most `budget` of the time. Keys are not
paced: a command is shown at once, whatever the interval.
"""

from __future__ import annotations

BUDGET = 0.08  # the share of wall time the screen may take while training runs flat out
MIN_FPS = 2.0  # never fewer frames a second than this
SMOOTHING = 0.5  # weight of the newest cost per frame in the running estimate


class FramePacer:
    """The interval between frames: 1 / `fps` at most often, longer while frames cost more than `budget`."""

    def __init__(self, fps: float, budget: float = BUDGET, min_fps: float = MIN_FPS) -> None:
        self.fastest = 1.0 / fps
        self.slowest = max(self.fastest, 1.0 / min_fps)
        self.budget = budget
        self.interval = self.fastest
        #: the event loop's CPU seconds per frame, smoothed (None until measured)
        self.frame_cost: float | None = None
        self._last: tuple[float, float, int] | None = None

    def update(self, cpu: float, wall: float, frames: int, flat_out: bool) -> float:
        """Take a reading of the event loop's CPU seconds, the clock and the frames drawn so far; the new interval.

        `flat_out`: training is stepping as fast as it can (not paused, no speed limit).
        Paused or paced, frames cost training nothing and come at the fastest rate.
        """
        last, self._last = self._last, (cpu, wall, frames)
        if not flat_out:
            self.interval = self.fastest
            return self.interval
        if last is None or frames <= last[2] or wall <= last[1]:
            return self.interval
        cost = max(0.0, cpu - last[0]) / (frames - last[2])
        self.frame_cost = cost if self.frame_cost is None else SMOOTHING * cost + (1 - SMOOTHING) * self.frame_cost
        self.interval = min(self.slowest, max(self.fastest, self.frame_cost / self.budget))
        return self.interval

    @property
    def fps(self) -> float:
        """Frames a second at the current interval."""
        return 1.0 / self.interval
