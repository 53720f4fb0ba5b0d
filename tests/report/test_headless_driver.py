"""The headless run drives the Trainer through train/runner.py; the reporters only read its Snapshots."""

from __future__ import annotations

import io
import json

import numpy as np

from tuinn.config import load_preset, with_overrides
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless, verdict
from tuinn.train.trainer import Trainer


def test_headless_and_the_app_record_validation_points_at_the_same_steps():
    config = with_overrides(load_preset("spiral"), epochs=60)
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
    per_epoch = app_like.clock.steps_per_epoch
    recorded = set(app_like.history.curves["val_metric"].steps.tolist())
    assert printed and all(line["epoch"] * per_epoch in recorded for line in printed)  # each line's figures are a point


def test_the_verdict_comes_from_the_final_snapshot():
    trainer = Trainer(load_preset("xor"))
    code = run_headless(trainer, JsonReporter(io.StringIO()))
    snap = trainer.snapshot(detail=False)
    assert code == 0 and verdict(snap, code).startswith("Target met: train accuracy = 1.0000")
    assert f"after {snap.epoch} epochs ({snap.step} steps)" in verdict(snap, code)
