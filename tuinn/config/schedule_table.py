"""The `[train.schedule]` table: which learning-rate schedule a run follows, checked key by key.

    [train.schedule]
    kind = "cosine"          # constant (default), step, exponential, cosine
    min_lr = 0.0001          # the floor: cosine ends here; step and exponential stop here
    period_epochs = 80       # cosine: epochs from lr down to min_lr (default: the run's, after warmup)
    step_epochs = 30         # step: multiply by gamma every step_epochs epochs
    gamma = 0.1              # step (default 0.1) and exponential (required): the factor
    warmup_epochs = 5        # or warmup_steps = 200: rise linearly to lr first
    warmup_start = 0.1       # the share of lr the warmup starts from

What the values mean over a run is computed by tuinn.train.schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Callable

SCHEDULE_KINDS = ("constant", "step", "exponential", "cosine")
#: the keys that only mean something for some kinds (the rest apply to every kind)
KIND_KEYS = {
    "step_epochs": ("step",),
    "gamma": ("step", "exponential"),
    "period_epochs": ("cosine",),
    "min_lr": ("step", "exponential", "cosine"),
}
STEP_GAMMA = 0.1  # StepLR's default factor
FLOAT_KEYS = ("gamma", "min_lr", "warmup_start")  # the other keys but `kind` are integers


@dataclass(frozen=True)
class ScheduleConfig:
    """A learning-rate schedule's settings ([train.schedule]); the peak lr is [train] lr."""

    kind: str = "constant"
    step_epochs: int = 10
    gamma: float | None = None  # None: STEP_GAMMA for step (exponential needs one)
    min_lr: float = 0.0
    period_epochs: int | None = None  # None: the run's epochs after the warmup
    warmup_epochs: int = 0
    warmup_steps: int = 0
    warmup_start: float = 0.1

    @property
    def warms_up(self) -> bool:
        return bool(self.warmup_epochs or self.warmup_steps)

    @property
    def factor(self) -> float:
        """What step and exponential multiply the lr by (gamma, or StepLR's default)."""
        return self.gamma if self.gamma is not None else STEP_GAMMA

    def describe(self) -> str:
        """A few words for the screen and the start line: 'cosine to 0.0001, warmup 5 epochs from ×0.1'."""
        if self.kind == "step":
            words = f"step ×{self.factor:g} every {self.step_epochs} epochs"
        elif self.kind == "exponential":
            words = f"exponential ×{self.factor:g} per epoch"
        elif self.kind == "cosine":
            words = f"cosine to {self.min_lr:g}" + (f" over {self.period_epochs} epochs" if self.period_epochs else "")
        else:
            words = "constant"
        if self.kind in ("step", "exponential") and self.min_lr:
            words += f", floor {self.min_lr:g}"
        if self.warms_up:
            length = f"{self.warmup_epochs} epochs" if self.warmup_epochs else f"{self.warmup_steps} steps"
            words += f", warmup {length} from ×{self.warmup_start:g}"
        return words


def schedule_table(schedule: ScheduleConfig) -> dict[str, Any]:
    """The TOML table that parses back to `schedule`: the keys that differ from the defaults."""
    default = ScheduleConfig()
    return {
        f.name: getattr(schedule, f.name)
        for f in fields(schedule)
        if getattr(schedule, f.name) != getattr(default, f.name)
    }


def parse_schedule(t: Any, lr: float, typed: Callable[..., Any], fail: Callable[[str, str], Any]) -> ScheduleConfig:
    """Check a [train.schedule] table against the run's peak `lr`; `typed`/`fail` are the config checker's."""
    if not isinstance(t, dict):
        fail("train.schedule", f"must be a table ([train.schedule]), got {t!r}")
    allowed = {f.name for f in fields(ScheduleConfig)}
    for key in t:
        if key not in allowed:
            fail(f"train.schedule.{key}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    default = ScheduleConfig()
    kinds: dict[str, type] = {f.name: (float if f.name in FLOAT_KEYS else int) for f in fields(ScheduleConfig)}
    kinds["kind"] = str
    values = {key: typed(t[key], None, kinds[key], f"train.schedule.{key}") for key in t}
    kind = values.get("kind", default.kind)
    if kind not in SCHEDULE_KINDS:
        fail("train.schedule.kind", f"must be one of {', '.join(SCHEDULE_KINDS)}, got {kind!r}")
    for key, kinds_it_fits in KIND_KEYS.items():
        if key in values and kind not in kinds_it_fits:
            fail(
                f"train.schedule.{key}",
                f"does not apply to the {kind} schedule (it is for {' and '.join(kinds_it_fits)})",
            )
    if kind == "exponential" and "gamma" not in values:
        fail("train.schedule.gamma", "the exponential schedule needs gamma, the factor per epoch, such as 0.95")
    rules: dict[str, tuple[Callable[[Any], bool], str]] = {
        "step_epochs": (lambda v: v >= 1, "must be at least 1"),
        "gamma": (
            lambda v: math.isfinite(v) and 0 < v <= 1,
            "must be above 0 and at most 1 (the factor the lr is multiplied by)",
        ),
        "min_lr": (lambda v: math.isfinite(v) and 0 <= v <= lr, f"must be from 0 up to train.lr ({lr:g})"),
        "period_epochs": (lambda v: v >= 1, "must be at least 1"),
        "warmup_epochs": (lambda v: v >= 0, "must be 0 (no warmup) or positive"),
        "warmup_steps": (lambda v: v >= 0, "must be 0 (no warmup) or positive"),
        "warmup_start": (
            lambda v: math.isfinite(v) and 0 < v <= 1,
            "must be above 0 and at most 1 (the share of lr the warmup starts at)",
        ),
    }
    for key, (ok, rule) in rules.items():
        if key in values and not ok(values[key]):
            fail(f"train.schedule.{key}", f"{rule}, got {values[key]!r}")
    if values.get("warmup_epochs") and values.get("warmup_steps"):
        fail("train.schedule.warmup_steps", "give warmup_epochs or warmup_steps, not both")
    return ScheduleConfig(**values)
