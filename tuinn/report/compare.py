"""A run's final figures beside a baseline's (`--baseline FILE`): a table for the console, fields for `--json`."""

from __future__ import annotations

import math
from typing import Any

from tuinn.train.baseline import BASELINE_CURVES, Baseline
from tuinn.train.snapshot import Snapshot


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def figure_label(key: str, metric_name: str) -> str:
    """The console's name of a figure, as the epoch lines print it: "loss", "val_accuracy", "val_mse"."""
    where, what = key.split("_")
    name = metric_name if what == "metric" else "loss"
    return name if where == "train" else f"val_{name}"


def comparison_table(baseline: Baseline, snap: Snapshot, source: str) -> str:
    """The final figures of the baseline (read from `source`) and of this run, side by side, one figure a line."""
    rows = [("epochs", str(baseline.epoch), str(snap.epoch)), ("steps", str(baseline.step), str(snap.step))]
    for key in ("train_loss", "train_metric", "val_loss", "val_metric"):  # in the order of the epoch lines
        if key.startswith("val") and not (baseline.separate_val or snap.separate_val):
            continue  # a truth table: no validation set on either side
        if key.endswith("metric") and baseline.metric_name != snap.metric_name:
            continue  # measured otherwise (accuracy against mse): only the losses compare
        rows.append(
            (figure_label(key, snap.metric_name), _figure(baseline.figures.get(key)), _figure(getattr(snap, key)))
        )
    width = max(len(name) for name, _, _ in rows)
    lines = [f"Against the baseline {baseline.label(snap.experiment)} ({source}):"]
    lines.append(f"  {'':<{width}}  {'baseline':>10}  {'this run':>10}")
    lines += [f"  {name:<{width}}  {was:>10}  {now:>10}" for name, was, now in rows]
    return "\n".join(lines)


def comparison_fields(baseline: Baseline, snap: Snapshot, source: str) -> dict[str, Any]:
    """The baseline's final figures for `--json`'s end line, with what it is and where it was read."""
    return {
        "file": source,
        "preset": baseline.preset,
        "label": baseline.label(snap.experiment),
        "epoch": baseline.epoch,
        "step": baseline.step,
        **{key: _finite(baseline.figures.get(key)) for key in BASELINE_CURVES},
    }


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity (a diverged baseline): those become null."""
    return value if value is not None and math.isfinite(value) else None
