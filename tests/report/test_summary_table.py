"""The text architecture table: large counts readable, digits kept."""

from __future__ import annotations

import pytest

from tuinn.nn.plan import plan_network
from tuinn.report.summary import readable_count, summary_table


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (999_999, "999,999"),
        (1_000_000, "1,000,000 (1.0 M)"),
        (4_923_520, "4,923,520 (4.9 M)"),
        (999_999_999, "999,999,999 (1.0 G)"),
        (1_000_001_000_000, "1,000,001,000,000 (1.0 T)"),
        (2_500_000_000_000_000, "2,500,000,000,000,000 (2.5 P)"),
    ],
)
def test_readable_count(n: int, text: str) -> None:
    assert readable_count(n) == text


def test_table_of_a_planned_net_shows_the_tera_count() -> None:
    spec = {
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 1_000_000}],
        "loss": "mse",
    }
    plan = plan_network(spec, (1000, 1000, 1))
    table = summary_table(plan.rows, plan.input_shape)
    dense_row = next(line for line in table.splitlines() if line.startswith("dense_1"))
    assert "1,000,001,000,000 (1.0 T)" in dense_row
    assert "Total parameters: 1,000,001,000,000 (1.0 T)" in table
