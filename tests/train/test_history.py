"""History stays bounded and evenly downsampled however long the run."""

import numpy as np

from tuinn.train.history import Series


def test_series_keeps_every_point_until_full():
    s = Series(capacity=8)
    for i in range(8):
        s.append(i, float(i))
    assert list(s.steps) == list(range(8))
    assert list(s.values) == [float(i) for i in range(8)]


def test_series_memory_is_flat_and_spans_the_run():
    s = Series(capacity=16)
    n = 100_000
    for i in range(1, n + 1):
        s.append(i, float(i))
    assert 8 <= len(s) <= 16
    assert s.steps[-1] > n - 2 * n / len(s)  # the newest points are there
    assert s.steps[0] < n / 8  # and so is the beginning
    assert np.all(np.diff(s.steps) > 0)
    # each stored value is the mean of the raw points it stands for, so it tracks the step
    assert np.allclose(s.values, s.steps, rtol=0.2)


def test_series_of_vectors():
    s = Series(width=3, capacity=4)
    for i in range(10):
        s.append(i, np.array([i, 2 * i, 3 * i], dtype=float))
    v = s.values
    assert v.shape[1] == 3 and np.allclose(v[:, 1], 2 * v[:, 0])
