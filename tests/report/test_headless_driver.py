"""The headless run drives the Trainer through train/runner.py; the reporters only read its Snapshots."""

from __future__ import annotations

import io
import json

import numpy as np

from tuinn.config import load_preset
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless, verdict
from tuinn.train.trainer import Trainer


def test_headless_and_the_app_record_validation_points_at_the_same_steps():
    config = load_preset("xor")  # 2000 epochs: measured every 10, so not at the first
    headless = Trainer(config)
    out = io.StringIO()
    run_headless(headless, JsonReporter(out))
    app_like = Trainer(config)  # stepped as the app's training thread steps it, with no reader
    app_like.run_epochs(10_000)
    for name in ("val_loss", "val_metric", "train_metric"):
        a, b = headless.history.curves[name], app_like.history.curves[name]
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.values, b.values)
    printed = [line for line in map(json.loads, out.getvalue().splitlines()) if line["type"] == "epoch"]
    curve = app_like.history.curves["val_metric"]
    for line in printed:  # each line shows the last figures the Trainer measured, none before the first
        measured = curve.values[curve.steps <= line["step"]]
        assert line["val_metric"] == (float(measured[-1]) if len(measured) else None)
    assert printed[0]["val_metric"] is None and printed[-1]["val_metric"] is not None


def test_the_verdict_comes_from_the_final_snapshot():
    trainer = Trainer(load_preset("xor"))
    code = run_headless(trainer, JsonReporter(io.StringIO()))
    snap = trainer.snapshot(detail=False)
    assert code == 0 and verdict(snap, code).startswith("Target met: train accuracy = 1.0000")
    assert f"after {snap.epoch} epochs ({snap.step} steps)" in verdict(snap, code)
