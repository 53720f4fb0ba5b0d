"""Tick positions and labels for the full chart: whole steps on x, decades or a fixed 0..1 on y."""

from __future__ import annotations

import math

from tuinn.tui.widgets.heatmap import nice_ceil

MIN_TICK_GAP = 12  # columns between x tick labels, so "12,000" and its neighbours never touch


def step_ticks(last: int, columns: int) -> list[int]:
    """Whole-step ticks from 0 to `last`, a 1-2-5 stride apart, at most one per MIN_TICK_GAP columns."""
    last = max(int(last), 1)
    count = max(1, columns // MIN_TICK_GAP)
    stride = max(1, int(nice_ceil(last / count)))
    return list(range(0, last + 1, stride))


def decade_label(power: int) -> str:
    """10**power as a tick label: "0.01", "0.1", "1", "10", "100", else "1e-5"."""
    return format(10.0**power, "g") if -2 <= power <= 2 else f"1e{power}"


def room_for(rows: int) -> int:
    """How many y ticks `rows` canvas lines hold with a line between any two (two at the least, one on a canvas of
    a line or none: two labels on one line collide, and which one plotext keeps changed from run to run)."""
    return max(2, (rows + 1) // 2) if rows >= 2 else 1


def decade_ticks(lo: float, hi: float, rows: int) -> tuple[list[float], list[str]]:
    """log10 positions of whole decades from lo to hi, thinned to fit `rows` lines, with their labels."""
    first, last = math.floor(lo), math.ceil(hi)
    stride = max(1, math.ceil((last - first + 1) / room_for(rows)))
    powers = list(range(last, first - 1, -stride))[::-1]  # the top decade always labelled
    return [float(p) for p in powers], [decade_label(p) for p in powers]


def unit_ticks(rows: int) -> tuple[list[float], list[str]]:
    """Ticks of the accuracy axis, always 0 to 1 (so a score is the same height on every chart), fitting `rows` lines."""
    for ticks in ([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.5, 1.0], [0.0, 1.0], [1.0]):
        if len(ticks) <= room_for(rows):
            break
    return ticks, [format(t, "g") for t in ticks]
