"""The half-block renderer and its scales: fixed palettes, steady limits, whole-factor resampling."""

from __future__ import annotations

import numpy as np

from tuinn.tui.widgets.gradients import NORM_SCALE
from tuinn.tui.widgets.heatmap import (
    MAGNITUDE,
    NO_DATA,
    Scale,
    SteadyScale,
    fit_columns,
    fit_grid,
    heatmap_strips,
    nice_ceil,
)


def test_half_blocks_put_two_pixel_rows_in_one_line() -> None:
    strips = heatmap_strips(np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]), Scale(0, 1), MAGNITUDE)
    assert [s.text for s in strips] == ["▀ ", "▀▀"]  # the odd last row gets a no-data lower half
    first = strips[0]._segments[0].style
    assert first.color.triplet == MAGNITUDE.colours[0] and first.bgcolor.triplet == MAGNITUDE.colours[-1]
    assert strips[1]._segments[0].style.bgcolor.triplet == MAGNITUDE.rgb(NO_DATA)


def test_scale_clips_and_marks_missing_values() -> None:
    idx = NORM_SCALE.indices(np.array([-20.0, -8.0, 2.0, 9.0, np.nan]), 10)
    assert idx.tolist() == [0, 0, 9, 9, NO_DATA]


def test_steady_scale_grows_at_once_and_shrinks_only_by_a_decade() -> None:
    scale = SteadyScale()
    scale.fit(np.array([0.03, -0.01]))
    assert (scale.lo, scale.hi) == (-0.05, 0.05)
    scale.fit(np.array([0.02]))
    assert scale.hi == 0.05  # no flicker for ordinary changes
    scale.fit(np.array([0.3]))
    assert scale.hi == 0.5
    scale.fit(np.array([0.06]))
    assert scale.hi == 0.5
    scale.fit(np.array([0.004]))
    assert scale.hi == 0.005


def test_non_symmetric_scale_starts_at_zero_for_non_negative_values() -> None:
    scale = SteadyScale(symmetric=False)
    scale.fit(np.array([0.0, 3.0]))
    assert (scale.lo, scale.hi) == (0.0, 5.0)
    scale.fit(np.array([-1.0, 3.0]))
    assert (scale.lo, scale.hi) == (-5.0, 5.0)


def test_nice_ceil_steps_one_two_five() -> None:
    assert [nice_ceil(x) for x in (0.03, 1.0, 1.2, 3.0, 7.0)] == [0.05, 1.0, 2.0, 5.0, 10.0]


def test_fit_columns_keeps_drawn_columns_as_points_arrive() -> None:
    series = np.arange(12.0)[None]
    before, after = fit_columns(series[:, :11], 6), fit_columns(series, 6)
    np.testing.assert_array_equal(before[:, :5], after[:, :5])
    assert after.shape == (1, 6)


def test_fit_grid_scales_by_a_whole_factor() -> None:
    assert fit_grid(np.ones((2, 4)), 10, 40).shape == (8, 16)  # zoom 4 at most
    assert fit_grid(np.ones((64, 32)), 16, 64).shape == (16, 8)
