"""Dashboard: lays the panels out, all on one screen when it is big enough, in tabs when it is small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import TabbedContent, TabPane

from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.status import StatusPanel


class Dashboard(Container):
    """Holds the panels that apply to the run (no decision boundary unless 2-D, no maps unless conv)."""

    def __init__(self, snapshot: Snapshot, *, compact: bool, show_rate: bool) -> None:
        super().__init__(id="dashboard")
        self.snapshot = snapshot
        self.compact = compact
        self.show_rate = show_rate

    def _pictures(self) -> list[Panel]:
        """The panels drawing the run's input space: decision boundary and/or feature maps."""
        panels: list[Panel] = []
        if self.snapshot.decision is not None:
            panels.append(DecisionPanel())
        if self.snapshot.feature_maps:
            panels.append(FeatureMapsPanel())
        return panels

    def compose(self) -> ComposeResult:
        status = StatusPanel(show_rate=self.show_rate)
        if self.compact:
            with TabbedContent():
                with TabPane("Training", id="tab-training"):
                    yield status
                    yield LossPanel()
                with TabPane("Architecture", id="tab-architecture"):
                    yield ArchitecturePanel()
                with TabPane("Gradients", id="tab-gradients"):
                    yield GradientsPanel()
                for panel in self._pictures():
                    with TabPane(panel.TITLE, id=f"tab-{panel.TITLE.lower().replace(' ', '-')}"):
                        yield panel
            return
        with Horizontal(id="top"):
            yield ArchitecturePanel()
            yield status
        with Horizontal(id="bottom"):
            with Vertical(id="curves"):
                yield LossPanel()
                yield GradientsPanel()
            pictures = self._pictures()
            if pictures:
                with Vertical(id="pictures"):
                    yield from pictures

    def on_mount(self) -> None:
        self.show(self.snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """Hand `snapshot` to every panel; each repaints only what changed."""
        self.snapshot = snapshot
        for panel in self.query(Panel):
            panel.update_snapshot(snapshot)

    async def set_compact(self, compact: bool) -> None:
        """Switch between the one-screen and the tabbed layout."""
        if compact != self.compact:
            self.compact = compact
            await self.recompose()
            self.show(self.snapshot)
