"""The decision panel's points as marks: every kept point's glyph in its colour at its cell, the later one on top."""

from __future__ import annotations

import numpy as np
import pytest
from panel_host import PanelHost, run_snapshots
from rich.segment import Segment
from rich.style import Style

from tuinn.tui.widgets.decision import POINT_FILTERS, POINT_GLYPHS, SMALL_SET, DecisionPanel
from tuinn.tui.widgets.heatmap import DIVERGING, Marks, half_block_strips


def cells_of(strips: list) -> list[list[tuple[str, Style | None]]]:
    """Each line's cells as (character, style)."""
    return [[(ch, seg.style) for seg in strip for ch in seg.text] for strip in strips]


def point_by_point(panel: DecisionPanel, size: int) -> dict[tuple[int, int], tuple[str, Style]]:
    """The marks placed one point after another into a dict, each over what was there: what the panel must show."""
    s = panel.snapshot
    d = s.decision
    keep = {
        "all": np.ones(len(d.points), bool),
        "train": ~d.is_val,
        "validation": d.is_val,
        "misclassified": ~d.correct,
    }[panel.points]
    styles, style_of = panel._point_styles(s, d)
    (x0, x1), (y0, y1) = (d.xs[0], d.xs[-1]), (d.ys[0], d.ys[-1])
    marks = {}
    for i in np.flatnonzero(keep):
        col = min(size - 1, max(0, int((d.points[i, 0] - x0) / (x1 - x0) * size)))
        row = min(size - 1, max(0, int((y1 - d.points[i, 1]) / (y1 - y0) * size))) // 2
        style = styles[style_of[i]]
        if len(d.points) <= SMALL_SET and size >= 12:
            for dc in (-1, 1):
                if 0 <= col + dc < size:
                    marks[row, col + dc] = (" ", style)
        glyph = POINT_GLYPHS[2 if not d.correct[i] else int(d.is_val[i])]
        marks[row, col] = (glyph, style)
    return marks


@pytest.mark.parametrize("preset", ["xor", "spiral"])
@pytest.mark.parametrize("points", POINT_FILTERS)
async def test_marks_show_each_points_glyph_over_the_picture(preset: str, points: str) -> None:
    (snapshot,) = run_snapshots(preset, 40)
    app = PanelHost(DecisionPanel())
    async with app.run_test(size=(100, 40)):
        panel = app.panel
        panel.points = points
        panel.update_snapshot(snapshot)
        for size in (12, 30, 48):
            indices = np.zeros((size, size), dtype=int)
            shown = cells_of(half_block_strips(indices, DIVERGING, panel._marks(snapshot, snapshot.decision, size)))
            expected = cells_of(half_block_strips(indices, DIVERGING))
            marks = point_by_point(panel, size)
            for (line, col), mark in marks.items():
                expected[line][col] = mark
            assert shown == expected
            if points == "all":
                assert len(marks) >= min(len(snapshot.decision.points), 4)  # (the test has marks to compare)


def test_equal_neighbouring_marks_are_one_segment() -> None:
    """Marks of the same glyph and style side by side are one run, as equal palette cells are."""
    style = Style(color="white", bold=True)
    marks = Marks(np.array([0, 0]), np.array([1, 2]), np.array([0, 0]), (Segment("●", style),))
    (line,) = half_block_strips(np.zeros((2, 4), dtype=int), DIVERGING, marks)
    assert [seg.text for seg in line][1] == "●●"
