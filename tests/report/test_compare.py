"""The final figures of a run beside a baseline's: the console table and the JSON fields."""

from __future__ import annotations

import dataclasses
import json

from tuinn.config import load_preset
from tuinn.report.compare import comparison_fields, comparison_table
from tuinn.train.baseline import Baseline
from tuinn.train.trainer import Trainer


def snapshot(preset: str, steps: int):
    trainer = Trainer(load_preset(preset), stop_at_target=False)
    for _ in range(steps):
        trainer.step()
    trainer.evaluate()
    return trainer.snapshot(detail=False)


def test_the_table_puts_each_figure_of_both_runs_on_one_line():
    base, now = snapshot("circle", 25), snapshot("circle", 50)
    lines = comparison_table(Baseline.of(base), now, "c.rec").splitlines()
    assert lines[0] == "Against the baseline circle · the same settings (c.rec):"
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert rows["steps"] == ["25", "50"]
    assert rows["val_accuracy"] == [f"{base.val_metric:.4f}", f"{now.val_metric:.4f}"]
    assert rows["loss"] == [f"{base.train_loss:.4f}", f"{now.train_loss:.4f}"]
    assert list(rows) == ["epochs", "steps", "loss", "accuracy", "val_loss", "val_accuracy"]


def test_a_truth_table_has_no_validation_rows():
    table = comparison_table(Baseline.of(snapshot("xor", 5)), snapshot("xor", 9), "x.npz")
    assert "val_" not in table and "accuracy" in table


def test_json_fields_turn_a_diverged_figure_into_null():
    base = Baseline.of(snapshot("circle", 25))
    diverged = dataclasses.replace(base, figures={**base.figures, "train_loss": float("nan")})
    fields = comparison_fields(diverged, snapshot("circle", 30), "c.rec")
    assert fields["train_loss"] is None and fields["val_metric"] == base.figures["val_metric"]
    assert json.loads(json.dumps(fields, allow_nan=False))["preset"] == "circle"


def test_runs_measured_otherwise_compare_only_their_losses():
    table = comparison_table(Baseline.of(snapshot("circle", 25)), snapshot("regression", 10), "c.rec")
    assert "val_loss" in table and "accuracy" not in table and "mse" not in table
