"""The loss panel's sparkline and event row: a bar per value on a fixed scale, a letter under each switch's column."""

import numpy as np

from tuinn.tui.widgets.loss import BARS, MARKS, event_marks, sparkline


def test_each_value_is_its_bar_on_the_scale_and_no_number_is_blank() -> None:
    values = np.array([0.0, 1.0, np.nan, 0.5, 7.0, -3.0])
    assert sparkline(values, 0.0, 1.0) == BARS[0] + BARS[-1] + " " + BARS[4] + BARS[-1] + BARS[0]
    assert sparkline(np.array([2.0, 2.0]), 2.0, 2.0) == BARS[0] * 2  # no range: the lowest bar


def test_the_event_row_puts_the_last_switch_of_a_column_there() -> None:
    from dataclasses import dataclass

    @dataclass
    class Event:
        kind: str
        step: int

    @dataclass
    class Shot:
        events: tuple

    row = event_marks(Shot((Event("lr", 10), Event("activation", 55), Event("optimizer", 59), Event("x", 80))), 100, 20)
    assert row.plain == " " * 2 + "l" + " " * 8 + "o" + " " * 8
    assert [(span.start, span.end, span.style) for span in row.spans] == [
        (2, 3, MARKS["lr"][1]),
        (11, 12, MARKS["optimizer"][1]),
    ]
    assert event_marks(Shot(()), 100, 0).plain == ""
