"""What the panels say: figures under the right names, whole class names, the right titles, every kind of mark."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from panel_host import PanelHost, run_snapshots

from tuinn.train.snapshot import Event, Snapshot
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.loss import LABEL, LossPanel, step_span
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.sample import SamplePanel
from tuinn.tui.widgets.status import StatusPanel


async def shown(panel: Panel, snapshot: Snapshot, size: tuple[int, int] = (100, 30), live: bool = False) -> list[str]:
    """The panel's lines, as text, once it has drawn `snapshot` in a terminal of `size`."""
    app = PanelHost(panel)
    app.show_rate = live
    async with app.run_test(size=size) as pilot:
        panel.update_snapshot(snapshot)
        await pilot.pause()
        return [line.text for line in panel._lines]


async def test_a_truth_table_shows_no_validation_figures() -> None:
    xor = run_snapshots("xor", 30)[0]
    assert not xor.separate_val
    text = " ".join(await shown(StatusPanel(), xor))
    assert "Val" not in text and "Loss" in text and "Accuracy" in text
    spiral = " ".join(await shown(StatusPanel(), run_snapshots("spiral", 30)[0]))
    assert "Val loss" in spiral and "Val acc" in spiral


async def test_a_speed_limit_is_read_in_steps_per_second() -> None:
    s = run_snapshots("spiral", 30)[0]
    steps_per_sec = 98.0
    limited = replace(s, speed=100.0, samples_per_sec=steps_per_sec * s.samples_seen / s.step)
    line = next(t for t in await shown(StatusPanel(), limited, live=True) if "/s" in t)
    assert line.split() == ["Steps/s", "98", "·", "limit", "100/s"]
    free = next(t for t in await shown(StatusPanel(), replace(s, samples_per_sec=4321.0), live=True) if "/s" in t)
    assert free.split() == ["Samples/s", "4,321"]


async def test_regression_draws_a_regression_surface() -> None:
    for preset, title in (("regression", "Regression surface"), ("spiral", "Decision boundary")):
        panel = DecisionPanel()
        await shown(panel, run_snapshots(preset, 10)[0])
        assert panel.border_title == title


async def test_class_names_are_never_cut() -> None:
    """`false`/`true` and `negative`/`positive` whole, even in the side column's 27 cells (`fal tru`, `neg pos` before)."""
    for preset, names in (("xor", ("false", "true")), ("spiral", ("negative", "positive"))):
        snapshot = run_snapshots(preset, 60)[0]
        assert snapshot.confusion is not None and tuple(snapshot.class_names) == names
        for width in (31, 60):
            words = " ".join(await shown(ConfusionPanel(), snapshot, size=(width, 20))).split()
            assert all(name in words for name in names), (width, words)
            accuracy = float(np.trace(snapshot.confusion) / snapshot.confusion.sum())
            assert f"{accuracy:.4f}" in words  # the summary's figure is not cut off either
    bars = run_snapshots("seed-conv", 5)[0]
    words = " ".join(await shown(SamplePanel(), bars, size=(60, 30))).split()
    assert "horizontal" in words and "vertical" in words


async def test_a_lab_edit_is_marked_under_the_curves() -> None:
    s = run_snapshots("spiral", 200)[0]
    edit = Event(step=100, epoch=s.epoch, kind="lab", text="units dense_1 16 -> 8")
    lines = await shown(LossPanel(), replace(s, events=(edit,)), size=(80, 20))
    events = next(line for line in lines if line.startswith("events"))
    cols = len(events) - LABEL
    assert events[LABEL:].strip() == "e"
    assert events.index("e", LABEL) - LABEL == 100 * cols // step_span(s.step)
