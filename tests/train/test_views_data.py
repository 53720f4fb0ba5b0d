"""What the views read from a Snapshot: every unit over the plane, the selected sample, the confusion matrix."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.train import commands as cmd
from tuinn.train.probes import GRID
from tuinn.train.trainer import Trainer


@pytest.fixture(scope="module")
def digits() -> Trainer:
    t = Trainer(load_preset("digits-cnn"), stop_at_target=False)
    t.run_epochs(1)
    t.evaluate()
    return t


def test_every_unit_of_a_2d_net_is_drawn_over_the_grid_and_matches_the_network():
    t = Trainer(load_preset("spiral"))
    t.run_epochs(2)
    d = t.snapshot().decision
    assert [n.name for n in d.neurons] == ["input", "dense_1", "dense_2", "dense_3", "dense_4"]
    assert [n.units for n in d.neurons] == [2, 16, 16, 16, 1]
    # unit 5 of dense_2 at grid point (row 7, column 30), computed by hand from the network's weights
    x = np.array([[d.xs[30], d.ys[7]]])
    h1 = np.tanh(x @ t.network.layers[0].parameters["W"] + t.network.layers[0].parameters["b"])
    h2 = np.tanh(h1 @ t.network.layers[1].parameters["W"] + t.network.layers[1].parameters["b"])
    assert d.neurons[2].values[5, 7, 30] == pytest.approx(h2[0, 5], rel=1e-5)
    assert d.neurons[0].values.shape == (2, GRID, GRID) and d.neurons[0].values[0, 3, 11] == pytest.approx(d.xs[11])
    np.testing.assert_allclose(d.neurons[2].weights, t.network.layers[1].parameters["W"], rtol=1e-6)
    np.testing.assert_allclose(d.neurons[-1].values[0], d.values, rtol=1e-5)  # the output unit is the surface


def test_points_are_train_then_validation_and_marked_right_or_wrong():
    t = Trainer(load_preset("gauss"))
    d = t.snapshot().decision
    assert d.is_val.any() and not d.is_val[0] and d.is_val[-1]
    predicted = (t.network.forward(d.points) >= 0.5).ravel()
    np.testing.assert_array_equal(d.correct, predicted == d.labels)


def test_a_truth_table_has_no_separate_validation_points():
    s = Trainer(load_preset("xor")).snapshot()
    assert not s.separate_val and not s.decision.is_val.any() and len(s.decision.points) == 4


def test_the_sample_view_shows_a_validation_image_its_label_and_probabilities(digits: Trainer):
    s = digits.snapshot()
    v = s.sample
    assert v.source == "validation" and v.count == len(digits.dataset.x_val)
    assert v.label == digits.dataset.y_val[v.index]
    np.testing.assert_array_equal(v.image, digits.dataset.x_val[v.index])
    assert len(v.probabilities) == 10 and v.probabilities.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(
        v.probabilities, digits.network.forward(digits.dataset.x_val[v.index : v.index + 1])[0], rtol=1e-5
    )
    assert [k.weights.shape for k in s.kernels] == [(3, 3, 16), (3, 3, 32)]
    assert [fm.layer for fm in s.feature_maps] == ["conv2d_1", "maxpool2d_1", "conv2d_2", "maxpool2d_2"]


def test_sample_keys_move_and_wrap_and_find_the_misclassified(digits: Trainer):
    n = len(digits.dataset.x_val)
    digits.probe.sample = 0
    digits.submit(cmd.SelectSample(-1))
    digits.apply_commands()
    assert digits.snapshot().sample.index == n - 1
    digits.submit(cmd.SelectSample(2))
    digits.apply_commands()
    assert digits.probe.sample == 1
    predicted = digits.network.forward(digits.dataset.x_val).argmax(axis=1)
    wrong = np.flatnonzero(predicted != digits.dataset.y_val)
    assert len(wrong) >= 2, "one epoch leaves some digits wrong"
    digits.submit(cmd.NextMisclassified())
    digits.apply_commands()
    first = int(np.searchsorted(wrong, 2))  # the first wrong sample after sample 1
    assert digits.probe.sample == wrong[first]
    s = digits.snapshot().sample
    assert s.predicted != s.label
    digits.submit(cmd.NextMisclassified())
    digits.apply_commands()
    assert digits.probe.sample == wrong[(first + 1) % len(wrong)]
    digits.submit(cmd.NextMisclassified(-1))
    digits.submit(cmd.NextMisclassified(-1))
    digits.apply_commands()
    assert digits.probe.sample == wrong[first - 1]  # wraps to the last one when first is 0


def test_the_confusion_matrix_counts_the_validation_set_and_its_diagonal_is_the_accuracy(digits: Trainer):
    s = digits.snapshot()
    m = s.confusion
    assert m.shape == (10, 10) and s.confusion_source == "validation"
    assert m.sum() == len(digits.dataset.x_val)
    assert np.trace(m) / m.sum() == pytest.approx(s.val_metric)
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(digits.dataset.y_val, minlength=10))
    np.testing.assert_allclose(s.class_accuracy, np.diag(m) / m.sum(axis=1))


def test_regression_has_no_confusion_matrix_and_no_sample_view():
    t = Trainer(load_preset("regression"))
    t.run_epochs(1)
    t.evaluate()
    s = t.snapshot()
    assert s.confusion is None and s.sample is None and s.class_names == ()
