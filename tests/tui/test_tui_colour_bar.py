"""The gradient matrix's colour bar: both ends read as numbers at every preset, never `-0 … +0`."""

from __future__ import annotations

import pytest
from tui_support import WIDE, preset_app, reveal

from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.heatmap import DIVERGING, Scale, colour_bar, range_labels


@pytest.mark.parametrize(
    "lo,hi,ends",
    [
        (-3.2e-05, 3.2e-05, ("-3.2e-05", "+3.2e-05")),
        (-5e-05, 5e-05, ("-5e-05", "+5e-05")),
        (-0.2, 0.2, ("-0.2", "+0.2")),
        (-0.005, 0.005, ("-0.005", "+0.005")),
        (-0.032, 0.032, ("-0.032", "+0.032")),
        (-2000, 2000, ("-2000", "+2000")),
        (-1e5, 1e5, ("-1e+05", "+1e+05")),
        (0.0, 1.0, ("0", "1")),
        (0.5, 0.50001, ("0.50000", "0.50001")),  # digits enough for the ends to differ
    ],
)
def test_the_ends_are_formatted_from_the_range(lo: float, hi: float, ends: tuple[str, str]) -> None:
    assert range_labels(lo, hi) == ends


def test_a_narrow_bar_keeps_both_numbers_whole() -> None:
    words = colour_bar(Scale(-1e-06, 1e-06), DIVERGING, 18).text.split()
    assert words == ["-1e-06", "+1e-06"]


def test_a_scale_without_range_says_so_in_words() -> None:
    assert colour_bar(Scale(0.0, 0.0), DIVERGING, 40).text.strip() == "all 0"


def matrix_bar_ends(panel: GradientsPanel) -> tuple[str, str]:
    """The numbers either side of the gradient matrix's colour bar: cells running from DIVERGING's first colour to its last."""
    ramp = {DIVERGING.colour(i) for i in range(len(DIVERGING))}
    for strip in reversed(panel._lines):
        segments = list(strip)
        bar = [i for i, seg in enumerate(segments) if seg.style and seg.style.bgcolor in ramp and not seg.text.strip()]
        if (
            bar
            and segments[bar[0]].style.bgcolor == DIVERGING.colour(0)
            and segments[bar[-1]].style.bgcolor == DIVERGING.colour(len(DIVERGING) - 1)
        ):
            before = "".join(seg.text for seg in segments[: bar[0]]).split()
            after = "".join(seg.text for seg in segments[bar[-1] + 1 :]).split()
            return before[-1], after[0]
    raise AssertionError("no colour bar in " + " / ".join(s.text for s in panel._lines))


@pytest.mark.parametrize("preset", ["xor", "spiral", "deep-sigmoid", "digits-cnn", "regression", "digits-mlp"])
async def test_the_matrix_colour_bar_has_two_meaningful_ends(preset: str, mnist_folder) -> None:
    app = preset_app(preset, mnist_folder)
    async with app.run_test(size=WIDE) as pilot:
        for _ in range(3):  # on each layer in turn: deep-sigmoid's first ones get ~1e-6 of the gradient
            app.source.advance(3)
            await pilot.pause()
            panel = await reveal(app, pilot, GradientsPanel)  # on its tab when the lesson took the screen
            assert all(strip.cell_length <= panel.size.width for strip in panel._lines)  # nothing cut at the edge
            lo, hi = matrix_bar_ends(panel)
            assert lo != hi and float(lo) < 0 < float(hi) and float(lo) == -float(hi), (lo, hi)
            peak = abs(app.snapshot.selected_grad).max()
            assert peak <= float(hi) <= 10 * peak  # the scale's 1-2-5 bound over the matrix
            await pilot.press("right_square_bracket")


@pytest.mark.parametrize("preset", ["xor", "and", "spiral"])
async def test_before_any_gradient_the_bar_says_all_zero(preset: str) -> None:
    app = preset_app(preset, None)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = " ".join(strip.text for strip in (await reveal(app, pilot, GradientsPanel))._lines)
        assert "all 0" in text and "-0 " not in text and "+0" not in text
