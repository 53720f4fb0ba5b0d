"""No stale cell: a panel shrunk and grown, or handed content of another height, shows what a fresh one shows."""

from __future__ import annotations

import pytest
from panel_host import PanelHost, panel_cells, run_snapshots
from textual.pilot import Pilot

from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.sample import SamplePanel
from tuinn.tui.widgets.status import StatusPanel

#: the terminal sizes the issue walked through, ending where it began
RESIZES = [(120, 40), (80, 24), (200, 60), (100, 30), (60, 20), (120, 40)]
#: panel -> the preset whose Snapshots it is drawn from (the one where the panel matters most)
PANELS: dict[type[Panel], str] = {
    ArchitecturePanel: "spiral",
    StatusPanel: "spiral",
    LossPanel: "spiral",
    GradientsPanel: "deep-sigmoid",
    DecisionPanel: "spiral",
    ConfusionPanel: "digits-cnn",
    SamplePanel: "digits-cnn",
    FeatureMapsPanel: "digits-cnn",
    ChartPanel: "xor",
}
#: panel -> a preset whose Snapshots give it content of another height
OTHER: dict[type[Panel], str] = {
    ArchitecturePanel: "digits-cnn",
    StatusPanel: "deep-sigmoid-pretrained",
    LossPanel: "xor",
    GradientsPanel: "spiral",
    DecisionPanel: "xor",
    ConfusionPanel: "spiral",
    SamplePanel: "seed-conv",
    FeatureMapsPanel: "seed-conv",
    ChartPanel: "spiral",
}


async def settle(pilot: Pilot) -> None:
    """Let every resize, layout and repaint run."""
    for _ in range(3):
        await pilot.pause()


async def fresh_cells(kind: type[Panel], snapshot: Snapshot, size: tuple[int, int]):
    """What a new panel of `kind` shows of `snapshot` in a terminal of `size`."""
    app = PanelHost(kind())
    async with app.run_test(size=size) as pilot:
        app.panel.update_snapshot(snapshot)
        await settle(pilot)
        return panel_cells(app)


def differences(seen, fresh) -> list[str]:
    """The rows where two renderings differ, as text, for the failure message."""
    rows = []
    for y in range(max(len(seen), len(fresh))):
        a, b = (seen[y] if y < len(seen) else []), (fresh[y] if y < len(fresh) else [])
        if a != b:
            rows.append(f"row {y}: {''.join(c for c, _ in a)!r} != fresh {''.join(c for c, _ in b)!r}")
    return rows


@pytest.mark.parametrize("kind", list(PANELS), ids=lambda k: k.__name__)
async def test_a_resized_panel_shows_what_a_fresh_one_does(kind: type[Panel]) -> None:
    snapshot = run_snapshots(PANELS[kind], 40)[0]
    app = PanelHost(kind())
    async with app.run_test(size=RESIZES[0]) as pilot:
        app.panel.update_snapshot(snapshot)
        await settle(pilot)
        seen = {}
        for size in RESIZES[1:]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            seen[size] = panel_cells(app)
    for size in RESIZES[1:3] + RESIZES[-1:]:
        assert not differences(seen[size], await fresh_cells(kind, snapshot, size)), size


@pytest.mark.parametrize("kind", list(PANELS), ids=lambda k: k.__name__)
async def test_content_of_another_height_leaves_no_stale_row(kind: type[Panel]) -> None:
    """As when a preset is opened or the lab changes the net: a new run, at an earlier step."""
    ours, other = run_snapshots(PANELS[kind], 20, 40), run_snapshots(OTHER[kind], 20, 40)
    for first, then in ((ours[1], other[0]), (other[1], ours[0])):
        app = PanelHost(kind())
        async with app.run_test(size=(100, 30)) as pilot:
            app.panel.update_snapshot(first)
            await settle(pilot)
            app.panel.update_snapshot(then)
            await settle(pilot)
            seen = panel_cells(app)
        assert not differences(seen, await fresh_cells(kind, then, (100, 30)))


class ReadRecorder:
    """A Snapshot that notes which of its fields are read."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot, self.read = snapshot, set()

    def __getattr__(self, name: str) -> object:
        self.read.add(name)
        return getattr(self._snapshot, name)


@pytest.mark.parametrize("kind", list(PANELS), ids=lambda k: k.__name__)
async def test_a_panel_reads_only_the_fields_it_declares(kind: type[Panel]) -> None:
    """A Snapshot equal in READS is not drawn again: a field read but not declared would go stale on screen."""
    panel = kind()
    app = PanelHost(panel)
    async with app.run_test(size=(100, 40)):
        for preset in {PANELS[kind], OTHER[kind], "regression", "deep-sigmoid-pretrained"}:
            for snapshot in run_snapshots(preset, 0, 30):
                recorder = ReadRecorder(snapshot)
                panel.build(recorder, 96, 36)  # type: ignore[arg-type]
                assert recorder.read <= set(kind.READS), recorder.read - set(kind.READS)
