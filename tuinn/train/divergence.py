"""DivergenceWatch: tells, step by step, whether training has diverged, and says how.

Three signs, any one enough: the loss is not finite; it jumps to a million times
its first value; or its moving average (over ~SUSTAINED_STEPS steps) stays far
above its first value (SUSTAINED_FACTOR times) for SUSTAINED_STEPS steps in a
row. The last catches the runs whose outputs saturate at a large but finite,
oscillating loss and sit at chance accuracy (xor at lr 1000: 0.73 at the start,
630 at the end); a single bad batch, or the rise after an activation switch,
does not last that long that high. Rosenblatt's perceptron rule is left to the
first two: its step outputs do not depend on the learning rate's scale.
"""

from __future__ import annotations

import math
from typing import Any

#: the watch's running figures a checkpoint keeps (the loss it started from, its average, steps above it)
STATE = ("first", "_average", "_high_steps")

EXPLOSION_FACTOR = 1e6  # a loss this many times the first one (or 1) is diverged at once
SUSTAINED_FACTOR = 10.0  # a loss this many times the first one ...
SUSTAINED_STEPS = 20  # ... for this many steps in a row is diverged too
LOSS_FLOOR = 0.01  # (a first loss near 0 does not make every later loss "far above" it)


class DivergenceWatch:
    """Feed it every step's loss; `check` returns why training diverged, or None."""

    def __init__(self, sustained: bool = True) -> None:
        self.first: float | None = None
        self.sustained = sustained
        self._average = 0.0
        self._high_steps = 0

    def check(self, loss: float) -> str | None:
        """None while the loss looks sane; otherwise the reason, for the user."""
        if not math.isfinite(loss):
            return f"the loss became {loss}"
        if self.first is None:
            self.first = self._average = loss
        if loss > EXPLOSION_FACTOR * max(self.first, 1.0):
            return f"the loss became {loss:.4g} (from {self.first:.4g} at the start)"
        self._average += (loss - self._average) / SUSTAINED_STEPS
        if self._average > SUSTAINED_FACTOR * max(self.first, LOSS_FLOOR):
            self._high_steps += 1
        else:
            self._high_steps = 0
        if self.sustained and self._high_steps >= SUSTAINED_STEPS:
            return (
                f"the loss became {loss:.4g} after {SUSTAINED_STEPS} steps above {SUSTAINED_FACTOR:g}× "
                f"its first value ({self.first:.4g})"
            )
        return None

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps."""
        return {k: getattr(self, k) for k in STATE}

    def restore(self, state: dict[str, Any]) -> None:
        """Go back to a state()."""
        for k in STATE:
            setattr(self, k, state[k])
