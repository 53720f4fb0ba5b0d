"""Headless reporters: Keras-like progress lines for people, JSON lines for machines."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, TextIO

from tuinn.report.compare import comparison_fields, comparison_table
from tuinn.report.confusion import confusion_text
from tuinn.train.baseline import Baseline
from tuinn.train.health import HEALTHY, band
from tuinn.train.snapshot import Snapshot

MAX_EPOCH_LINES = 20


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _rate(samples_per_sec: float) -> str:
    if samples_per_sec >= 1e6:
        return f"{samples_per_sec / 1e6:.1f}M samples/s"
    if samples_per_sec >= 1e3:
        return f"{samples_per_sec / 1e3:.1f}k samples/s"
    return f"{samples_per_sec:.0f} samples/s"


class Reporter:
    """Receives the run's start, its epochs, its events and its end."""

    def __init__(self, out: TextIO | None = None, baseline: tuple[Baseline, str] | None = None) -> None:
        self.out = out or sys.stdout
        self.every = 1
        #: a baseline to compare the final figures with, and the file it was read from (--baseline)
        self.baseline = baseline

    def start(self, snap: Snapshot, summary: str) -> None:
        self.every = max(1, math.ceil(snap.epochs / MAX_EPOCH_LINES))

    def wants_epoch(self, epoch: int, epochs: int) -> bool:
        """Print at most ~20 epoch lines: every `every` epochs, plus the first and last."""
        return epoch == 1 or epoch == epochs or epoch % self.every == 0

    def epoch(self, snap: Snapshot) -> None:
        raise NotImplementedError

    def event(self, snap: Snapshot, text: str) -> None:
        raise NotImplementedError

    def end(self, snap: Snapshot, message: str, code: int) -> None:
        raise NotImplementedError

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


class ConsoleReporter(Reporter):
    """Keras-style: a header with the architecture, throttled epoch lines, a closing verdict."""

    def start(self, snap: Snapshot, summary: str) -> None:
        super().start(snap, summary)
        self._print(f"tuinn · {snap.preset}: {snap.description}")
        if snap.data_note:
            self._print(f"Data: {snap.data_note}")
        self._print(summary)
        self._print(
            f"Target: {snap.target}; {snap.epochs} epochs at most; optimizer {snap.optimizer_label}{plan_note(snap)}"
        )

    def epoch(self, snap: Snapshot) -> None:
        width = len(str(snap.epochs))
        m = snap.metric_name
        parts = [
            f"Epoch {snap.epoch:>{width}}/{snap.epochs}",
            f"step {snap.step}",
            f"loss: {_fmt(snap.train_loss)}",
            f"{m}: {_fmt(snap.train_metric)}",
        ]
        if snap.val_metric is not None:
            parts += [f"val_loss: {_fmt(snap.val_loss)}", f"val_{m}: {_fmt(snap.val_metric)}"]
        parts += [f"lr: {snap.lr:.4g}", _rate(snap.samples_per_sec)]
        self._print(" - ".join(parts))

    def event(self, snap: Snapshot, text: str) -> None:
        self._print(f"  · {text} (epoch {snap.epoch}, step {snap.step})")

    def end(self, snap: Snapshot, message: str, code: int) -> None:
        if snap.confusion is not None:
            self._print(confusion_text(snap))
        if self.baseline is not None:
            self._print(comparison_table(self.baseline[0], snap, self.baseline[1]))
        health = health_text(snap)
        if health:
            self._print(health)
        self._print(message)


class JsonReporter(Reporter):
    """One JSON object per line: start, epoch (with per-layer gradient norms), event, end."""

    def _emit(self, **fields: Any) -> None:
        self._print(json.dumps(fields, allow_nan=False, default=_jsonable))

    def start(self, snap: Snapshot, summary: str) -> None:
        super().start(snap, summary)
        self._emit(
            type="start",
            preset=snap.preset,
            epochs=snap.epochs,
            target=snap.target,
            optimizer=snap.optimizer_label,
            schedule=snap.schedule,
            patience=snap.experiment.target.patience if snap.experiment else 0,
            layers=[
                {
                    "name": r.name,
                    "type": r.type,
                    "output_shape": list(r.output_shape),
                    "neurons": r.neurons,
                    "parameters": r.parameters,
                    "activation": r.activation,
                }
                for r in snap.summary
            ],
        )

    def epoch(self, snap: Snapshot) -> None:
        self._emit(
            type="epoch",
            epoch=snap.epoch,
            step=snap.step,
            loss=_finite(snap.train_loss),
            val_loss=_finite(snap.val_loss),
            metric=snap.metric_name,
            train_metric=_finite(snap.train_metric),
            val_metric=_finite(snap.val_metric),
            lr=snap.lr,
            optimizer=snap.optimizer,
            samples_per_sec=round(snap.samples_per_sec, 1),
            grad_norms={s.name: _finite(s.grad_norm) for s in snap.layer_stats},
            grad_mean_abs={s.name: _finite(s.grad_mean_abs) for s in snap.layer_stats},
            **health_fields(snap),
        )

    def event(self, snap: Snapshot, text: str) -> None:
        self._emit(type="event", epoch=snap.epoch, step=snap.step, text=text)

    def end(self, snap: Snapshot, message: str, code: int) -> None:
        self._emit(
            type="end",
            epoch=snap.epoch,
            step=snap.step,
            target=snap.target,
            target_met=snap.target_met,
            diverged=snap.diverged,
            stopped_early=snap.stopped_early,
            exit_code=code,
            message=message,
            train_metric=_finite(snap.train_metric),
            val_metric=_finite(snap.val_metric),
            confusion=snap.confusion,
            confusion_source=snap.confusion_source or None,
            class_names=list(snap.class_names) or None,
            class_accuracy=None if snap.class_accuracy is None else [_finite(float(a)) for a in snap.class_accuracy],
            **(
                {}
                if self.baseline is None
                else {"baseline": comparison_fields(self.baseline[0], snap, self.baseline[1])}
            ),
        )


def health_fields(snap: Snapshot) -> dict[str, dict[str, float | None]]:
    """The layers' health for a JSON line: log10(‖ΔW‖/‖W‖) of every weighted layer (null before a step),
    the saturated share of each tanh or sigmoid hidden layer and the dead share of each relu one."""
    stats = snap.layer_stats
    return {
        "update_ratio_log10": {s.name: _finite(s.log_update_ratio) for s in stats},
        "saturated": {s.name: s.saturated for s in stats if s.saturated is not None},
        "dead": {s.name: s.dead for s in stats if s.dead is not None},
    }


def health_text(snap: Snapshot) -> str:
    """Each weighted layer's health at the end, a line each ('' before any step)."""
    stats = [s for s in snap.layer_stats if s.log_update_ratio is not None]
    if not stats:
        return ""
    low, high = HEALTHY
    width = max(len(s.name) for s in stats)
    lines = [f"Layer health (log10 ‖ΔW‖/‖W‖ of the last step; {low:g} to {high:g} is healthy):"]
    for s in stats:
        assert s.log_update_ratio is not None
        share = next(
            (
                f"  {share:.0%} {word}"
                for word, share in (("saturated", s.saturated), ("dead", s.dead))
                if share is not None
            ),
            "",
        )
        lines.append(f"  {s.name:<{width}}  {s.log_update_ratio:6.2f}  {band(s.log_update_ratio):<12}{share}".rstrip())
    return "\n".join(lines)


def plan_note(snap: Snapshot) -> str:
    """'; lr schedule cosine to 0.0001; early stopping after 5 evaluations without improvement' (or nothing)."""
    note = f"; lr schedule {snap.schedule}" if snap.schedule != "constant" else ""
    patience = snap.experiment.target.patience if snap.experiment else 0
    if patience:
        note += f"; early stopping after {patience} evaluations without improvement"
    return note


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    return value if value is not None and math.isfinite(value) else None


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
