"""The half-block renderer and its scales: fixed palettes, steady limits, whole-factor resampling."""

from __future__ import annotations

import numpy as np

from tuinn.tui.widgets.gradients import NORM_SCALE
from tuinn.tui.widgets.heatmap import (
    DIVERGING,
    GREY,
    MAGNITUDE,
    NO_DATA,
    Scale,
    SteadyScale,
    _lab,
    colour_bar,
    fit_columns,
    fit_grid,
    heatmap_strips,
    hue_and_chroma,
    in_pink_salmon,
    nice_ceil,
)


def test_half_blocks_put_two_pixel_rows_in_one_line() -> None:
    strips = heatmap_strips(np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]), Scale(0, 1), MAGNITUDE)
    assert [s.text for s in strips] == ["▀ ", "▀▀"]  # the odd last row's lower halves are not drawn
    first = strips[0]._segments[0].style
    assert first.color.triplet == MAGNITUDE.colours[0] and first.bgcolor.triplet == MAGNITUDE.colours[-1]
    last = strips[1]._segments[0].style
    assert last.color.triplet == MAGNITUDE.colours[0] and last.bgcolor is None  # the panel's background below


def test_missing_values_leave_the_background_showing() -> None:
    nan = np.nan
    strips = heatmap_strips(np.array([[nan, nan, 1.0], [nan, 0.0, nan]]), Scale(0, 1), MAGNITUDE)
    segments = list(strips[0])
    assert [seg.text for seg in segments] == [" ", "▄", "▀"]
    assert segments[0].style is None  # no pixel at all: nothing drawn, not a grey cell
    assert segments[1].style.color.triplet == MAGNITUDE.colours[0] and segments[1].style.bgcolor is None
    assert segments[2].style.color.triplet == MAGNITUDE.colours[-1] and segments[2].style.bgcolor is None


def test_runs_of_equal_cells_are_one_segment() -> None:
    row = np.array([[0.0] * 30 + [1.0] * 20 + [0.0] * 10] * 2)
    strips = heatmap_strips(row, Scale(0, 1), MAGNITUDE)
    assert [len(seg.text) for seg in strips[0]] == [30, 20, 10]


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


def test_the_256_colour_decision_ramp_has_monotone_lightness_and_no_pink_or_salmon() -> None:
    ramp = DIVERGING.at("256")
    lab = _lab(np.array(ramp.colours))
    lightness, middle = lab[:, 0], len(ramp) // 2
    assert np.all(np.diff(lightness[: middle + 1]) >= 0)  # orange rising to white
    assert np.all(np.diff(lightness[middle:]) <= 0)  # white falling to blue
    hue, chroma = hue_and_chroma(lab)
    pinkish = [ramp.ansi[i] for i in np.flatnonzero(in_pink_salmon(hue, chroma))]
    assert not pinkish, f"pink or salmon steps: {pinkish}"
    assert len(set(ramp.ansi)) >= 10  # still a ramp, not a few flat bands


def test_pink_and_salmon_are_recognised_in_cielab() -> None:
    colours = np.array([(255, 215, 215), (255, 175, 135), (245, 147, 34), (232, 234, 235), (8, 119, 189)])
    hue, chroma = hue_and_chroma(_lab(colours))
    assert in_pink_salmon(hue, chroma).tolist() == [True, True, False, False, False]


def test_an_all_zero_matrix_is_drawn_in_the_neutral_middle_colour() -> None:
    scale = SteadyScale()
    scale.fit(np.zeros((3, 4)))
    strips = heatmap_strips(np.zeros((4, 4)), scale, DIVERGING)
    middle = DIVERGING.colours[len(DIVERGING) // 2]
    assert {seg.style.bgcolor.triplet for strip in strips for seg in strip} == {middle}  # not the orange end
    bar = colour_bar(scale, DIVERGING, 30)
    assert bar.text.strip() == "all 0"
    assert next(seg.style.bgcolor.triplet for seg in bar if seg.style and seg.style.bgcolor) == middle


def test_zero_on_a_signed_scale_is_the_neutral_middle() -> None:
    assert Scale(-0.5, 0.5).indices(np.array([0.0]), len(DIVERGING)).tolist() == [len(DIVERGING) // 2]
    assert SteadyScale(symmetric=False).indices(np.zeros(1), len(GREY)).tolist() == [0]  # one-sided: the bottom
