"""The bars images: one horizontal or vertical line per image."""

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def test_bars_have_one_line_of_the_labelled_orientation():
    d = load_data({"kind": "bars", "size": 5, "samples": 200, "noise": 0}, seed=3)
    assert d.input_shape == (5, 5, 1) and d.classes == 2
    x = np.concatenate([d.x_train, d.x_val])[..., 0]
    y = np.concatenate([d.y_train, d.y_val])
    assert x.sum(axis=(1, 2)).tolist() == [5.0] * 200  # exactly one full line each
    full_row = (x.sum(axis=2) == 5).any(axis=1)
    full_col = (x.sum(axis=1) == 5).any(axis=1)
    assert np.array_equal(full_row, y == 0) and np.array_equal(full_col, y == 1)
    assert 60 < (y == 0).sum() < 140


def test_bars_noise_and_reproducibility():
    a = load_data({"kind": "bars", "noise": 20}, seed=1)
    b = load_data({"kind": "bars", "noise": 20}, seed=1)
    assert np.array_equal(a.x_train, b.x_train)
    assert len(np.unique(a.x_train)) > 100  # noisy pixels


def test_bars_size_is_checked():
    with pytest.raises(DataError, match="data.size"):
        load_data({"kind": "bars", "size": 1}, seed=0)
