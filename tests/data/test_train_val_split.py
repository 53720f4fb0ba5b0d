"""The seeded, stratified train/validation split and the limit subset."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import DataError
from tuinn.data.split import split_indices, subset


def test_indices_cover_every_sample_once():
    y = np.repeat(np.arange(3), [10, 20, 30])
    train, val = split_indices(y, 0.3, True, np.random.default_rng(0))
    assert sorted(np.concatenate([train, val])) == list(range(60))
    assert len(val) == 18


def test_every_class_gives_its_share():
    y = np.repeat(np.arange(3), [10, 20, 30])
    _, val = split_indices(y, 0.3, True, np.random.default_rng(0))
    assert np.bincount(y[val]).tolist() == [3, 6, 9]


def test_classes_need_not_be_contiguous():
    y = np.repeat([0, 5], [10, 10])
    _, val = split_indices(y, 0.5, True, np.random.default_rng(0))
    assert sorted(np.bincount(y[val])[[0, 5]]) == [5, 5]


def test_both_parts_are_shuffled():
    y = np.repeat(np.arange(2), 50)
    train, val = split_indices(y, 0.5, True, np.random.default_rng(0))
    assert not (np.diff(y[train]) >= 0).all() and not (np.diff(y[val]) >= 0).all()


def test_regression_split_is_a_plain_permutation():
    y = np.arange(10.0)[:, None]
    train, val = split_indices(y, 0.2, False, np.random.default_rng(0))
    assert len(val) == 2 and len(train) == 8 and len(set(train) | set(val)) == 10


def test_split_needs_a_sample_on_each_side():
    with pytest.raises(DataError, match=r"leaves 0 for training and 2 for validation"):
        split_indices(np.array([0, 1]), 0.9, True, np.random.default_rng(0))


def test_subset_keeps_pairs_together():
    x, y = np.arange(100)[:, None], np.arange(100)
    xs, ys = subset(x, y, 10, np.random.default_rng(0))
    assert len(xs) == 10 and (xs[:, 0] == ys).all() and len(set(ys)) == 10
    assert subset(x, y, None, np.random.default_rng(0))[0] is x
