"""The tour without a screen: run every stop headless and say whether it behaved as its lesson says."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import TextIO

from tuinn.config import load_preset
from tuinn.config.tour_file import CountCheck, Stop
from tuinn.report.console import Reporter
from tuinn.report.headless import EXIT_TARGET_MET, EXIT_TARGET_MISSED, run_headless
from tuinn.train.setup import plan_model, preset_input_shape
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer


@dataclass(frozen=True)
class StopResult:
    """What a stop was expected to do, what it did, and whether the two agree."""

    stop: Stop
    expected: str
    actual: str
    ok: bool


class _Quiet(Reporter):
    """Keeps only the closing figures of a run."""

    def epoch(self, snap: Snapshot) -> None:
        pass

    def event(self, snap: Snapshot, text: str) -> None:
        pass

    def end(self, snap: Snapshot, message: str, code: int) -> None:
        self.final = snap


def run_stop(stop: Stop) -> StopResult:
    """Train the stop's preset headless (to its target or through its budget) and check its counts."""
    config = load_preset(stop.preset)
    reporter = _Quiet(io.StringIO())
    code = run_headless(Trainer(config), reporter)
    snap = reporter.final
    wanted = EXIT_TARGET_MET if stop.expect == "meets" else EXIT_TARGET_MISSED
    expected = f"{stop.expect} {config.target.describe()}"
    value = {
        "val_accuracy": snap.val_metric,
        "train_accuracy": snap.train_metric,
        "val_loss": snap.val_loss,
        "train_loss": snap.train_loss,
    }[config.target.metric]
    shown = "n/a" if value is None else f"{value:.4f}"
    if snap.diverged:
        actual = f"diverged: {snap.diverged}"
    else:
        outcome = "met" if code == EXIT_TARGET_MET else "missed"
        actual = f"{outcome}: {config.target.metric.replace('_', ' ')} {shown} after {snap.epoch} epochs"
    ok = code == wanted and not snap.diverged
    wrong = [check for check in stop.checks if _count(check) != check.value]
    if stop.checks:
        expected += f"; {len(stop.checks)} counts"
        actual += "; counts " + (
            "as stated"
            if not wrong
            else "differ: "
            + "; ".join(
                f"{c.layer} of {c.preset} has {_count(c):,} {c.what.replace('_', '-')}, not {c.value:,}" for c in wrong
            )
        )
    return StopResult(stop, expected, actual, ok and not wrong)


def _count(check: CountCheck) -> int | None:
    """The count a check is about, from the preset's plan (nothing is allocated)."""
    config = load_preset(check.preset)
    row = next((r for r in plan_model(config, preset_input_shape(config)).rows if r.name == check.layer), None)
    return None if row is None else getattr(row, check.what)


def run_tour_headless(stops: tuple[Stop, ...], out: TextIO | None = None) -> int:
    """Run every stop, one line each (preset, expected, actual); 0 when all behave as their lessons say."""
    out = out or sys.stdout
    width = max(len(s.preset) for s in stops)
    results = []
    for i, stop in enumerate(stops, start=1):
        result = run_stop(stop)
        results.append(result)
        mark = "ok  " if result.ok else "FAIL"
        print(
            f"{i:>2}/{len(stops)} {mark} {stop.preset:<{width}}  expected: {result.expected}  actual: {result.actual}",
            file=out,
            flush=True,
        )
    failed = [r for r in results if not r.ok]
    if failed:
        print(
            f"Tour: {len(failed)} of {len(stops)} stops did not behave as their lessons say: "
            + ", ".join(r.stop.preset for r in failed),
            file=out,
        )
        return 1
    print(
        f"Tour: all {len(stops)} stops behaved as their lessons say "
        f"(the {sum(s.expect == 'misses' for s in stops)} designed to fail failed).",
        file=out,
    )
    return 0
