"""The gradients panel's lanes while a run pretrains: each layer's points, figure and state; the lanes' heights and
curves."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.loss import BARS
from tuinn.tui.widgets.pretrain_lanes import bars, heights, lanes

STEPS_PER_LAYER = 250  # deep-sigmoid-pretrained: 10 epochs of 25 batches


def test_each_lane_holds_its_layers_points_and_figure_and_where_it_is() -> None:
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    losses = [trainer.step() for _ in range(STEPS_PER_LAYER + 10)]  # dense_1 done, dense_2 in its first epoch
    s = trainer.snapshot(detail=False)
    found = lanes(s.pretrain, s.curves["recon_loss"])
    assert [lane.name for lane in found] == [f"dense_{i}" for i in range(1, 9)]
    assert [lane.state for lane in found] == ["done", "now"] + ["waiting"] * 6
    np.testing.assert_allclose(found[0].losses, losses[:STEPS_PER_LAYER])
    np.testing.assert_allclose(found[1].losses, losses[STEPS_PER_LAYER:])
    assert (
        found[0].figure
        == s.pretrain.final_losses[0]
        == pytest.approx(np.mean(losses[STEPS_PER_LAYER - 25 : STEPS_PER_LAYER]))
    )
    assert found[1].figure == pytest.approx(losses[-1])  # in its first epoch: its latest point, not dense_1's figure
    assert all(len(lane.losses) == 0 and lane.figure is None for lane in found[2:])


@pytest.mark.parametrize(("lines", "count"), [(54, 8), (48, 8), (9, 8), (3, 8), (10, 3)])
def test_lanes_share_the_lines_as_evenly_as_whole_lines_go(lines: int, count: int) -> None:
    tall = heights(lines, count)
    assert len(tall) == count and min(tall) >= 1 and max(tall) - min(tall) <= 1
    assert sum(tall) == max(lines, count)


def test_a_falling_loss_is_drawn_falling_on_the_lanes_own_scale_and_columns_to_come_blank() -> None:
    rows = bars(np.array([1.0, 0.5, 0.1, 0.01]), columns=6, lines=3)
    assert len(rows) == 3 and all(len(row) == 6 for row in rows)
    assert rows[0][0] == "█" and rows[-1][3] == BARS[0] and rows[0][3] == " "  # highest to the top, lowest a sliver
    filled = [sum(BARS.index(row[c]) + 1 if row[c] != " " else 0 for row in rows) for c in range(4)]
    assert filled == sorted(filled, reverse=True) and filled[0] > filled[-1]
    assert all(row[4:] == "  " for row in rows)  # no points there yet
    assert bars(np.zeros(0), columns=5, lines=2) == ["     "] * 2
