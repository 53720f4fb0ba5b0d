"""A baseline: a run frozen from its Snapshot, read back from a recording or a saved run, or trained whole."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset, with_overrides
from tuinn.train.baseline import THUMBNAIL, Baseline, BaselineError, read_baseline, run_baseline
from tuinn.train.checkpoint import save_checkpoint
from tuinn.train.recorder import Recorder
from tuinn.train.trainer import Trainer


def trained(preset: str, steps: int) -> Trainer:
    trainer = Trainer(load_preset(preset), stop_at_target=False)
    for _ in range(steps):
        trainer.step()
    trainer.evaluate()
    return trainer


def test_a_baseline_keeps_the_curves_figures_and_a_small_boundary():
    s = trained("circle", 60).snapshot()
    b = Baseline.of(s)
    assert (b.preset, b.step, b.epoch) == ("circle", 60, s.epoch)
    for name in ("train_loss", "val_loss", "train_metric", "val_metric"):
        assert np.array_equal(b.curves[name].values, s.curves[name].values)
        assert b.figures[name] == getattr(s, name)
    assert b.picture_kind == "decision" and max(b.picture.shape) <= THUMBNAIL
    assert b.picture[0, 0] == s.decision.values[0, 0] and b.picture_range == s.decision.value_range
    assert b.key_figure == "val_metric"


def test_a_baseline_of_an_image_net_keeps_its_confusion_matrix():
    s = trained("digits-small-shallow", 24).snapshot()
    b = Baseline.of(s)
    assert b.picture_kind == "confusion" and np.array_equal(b.picture, s.confusion)


def test_a_truth_table_compares_by_its_training_figure():
    b = Baseline.of(trained("xor", 10).snapshot())
    assert not b.separate_val and b.key_figure == "train_metric"


def test_the_label_names_what_differs_from_the_live_run():
    sigmoid = load_preset("deep-sigmoid")
    b = Baseline.of(trained("deep-sigmoid", 5).snapshot())
    assert b.label(sigmoid) == "deep-sigmoid · the same settings"
    assert b.label(with_overrides(sigmoid, activation="relu")) == "deep-sigmoid · activation sigmoid→relu"
    assert b.label(load_preset("deep-relu")) == "deep-sigmoid · activation sigmoid→relu, init glorot→he"
    assert b.label(None) == "deep-sigmoid"
    many = with_overrides(sigmoid, activation="relu", lr=0.5, seed=3, batch_size=20)
    assert b.label(many) == "deep-sigmoid · activation sigmoid→relu, seed 0→3, batch_size 10→20, +1 more"


def test_a_recording_and_a_saved_run_give_the_runs_baseline(tmp_path):
    trainer = trained("circle", 75)
    recorder = Recorder(tmp_path / "circle.rec")
    recorder.write(trainer.snapshot(), keyframe=True)
    recorder.close()
    save_checkpoint(trainer, tmp_path / "circle.npz")
    live = Baseline.of(trainer.snapshot())
    for name in ("circle.rec", "circle.npz"):
        read = read_baseline(tmp_path / name)
        assert (read.preset, read.step, read.epoch) == (live.preset, live.step, live.epoch), name
        assert read.figures == pytest.approx(live.figures), name
        assert np.allclose(read.curves["val_loss"].values, live.curves["val_loss"].values), name


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("none.rec", None, "none.rec: No such file"),
        ("text.rec", b"not a recording\n", "text.rec: not a tuinn recording"),
        ("bad.npz", b"PK\x03\x04 broken", "bad.npz: not a tuinn checkpoint"),
    ],
)
def test_a_file_with_no_run_is_one_error_naming_it(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(BaselineError, match=message):
        read_baseline(tmp_path / name)


def test_run_baseline_trains_the_whole_budget_past_the_target_and_can_be_stopped():
    config = with_overrides(load_preset("xor"), epochs=30)
    b = run_baseline(config)
    assert b is not None and b.epoch == 30 and b.step == 30  # the app's way: the target does not end it
    assert run_baseline(config, stopped=lambda: True) is None
