"""Dashboard: lays the panels out, all on one screen when it is big enough, in tabs when it is small.

On one screen: architecture and status on top; below them the curves, a side
column (the neuron grid or the CNN's sample, and the confusion matrix) and the
main picture (decision boundary or feature maps), which grows with the terminal.
In tabs, the first tab holds the status, the loss and the main picture together.
In projector mode (`P`, `--projector`) a room's layout: the main picture (decision
boundary or the CNN's sample, else the loss chart) as large as the screen allows,
epoch, loss and accuracy in large digits, and the loss curves.
The dashboard keeps what the user picked in the pictures (a unit, the points
shown, the page of channels) and hands it to every panel that draws it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import TabbedContent, TabPane

from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import POINT_FILTERS, DecisionPanel, UnitChoice
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.loss import LossPanel
from tuinn.tui.widgets.neurons import NeuronsPanel, all_units
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.readout import Readout
from tuinn.tui.widgets.sample import SamplePanel
from tuinn.tui.widgets.status import StatusPanel


class Dashboard(Container):
    """Holds the panels that apply to the run (no decision boundary unless 2-D, no maps unless conv)."""

    def __init__(self, snapshot: Snapshot, *, compact: bool, show_rate: bool, projector: bool = False) -> None:
        super().__init__(id="dashboard")
        self.snapshot = snapshot
        self.compact = compact
        self.projector = projector
        self.show_rate = show_rate
        self.unit: UnitChoice | None = None
        self.points = POINT_FILTERS[0]
        self.page = 0  # of the feature maps' channels
        self.set_class(snapshot.decision is not None, "-plane")
        self.set_class(snapshot.sample is not None, "-images")

    def _side(self) -> list[Panel]:
        """The side column: the neuron grid or the sample, then the confusion matrix."""
        s = self.snapshot
        panels: list[Panel] = []
        if s.decision is not None and s.decision.neurons:
            panels.append(NeuronsPanel())
        if s.sample is not None:
            panels.append(SamplePanel())
        if s.task == "classification":
            panels.append(ConfusionPanel())
        return panels

    def _main(self) -> Panel | None:
        """The big picture of the run's input space: decision boundary or feature maps."""
        if self.snapshot.decision is not None:
            return DecisionPanel()
        if self.snapshot.feature_maps:
            return FeatureMapsPanel()
        return None

    def compose(self) -> ComposeResult:
        if self.projector:
            yield from self._projector()
            return
        status = StatusPanel(show_rate=self.show_rate)
        if self.compact:
            yield from self._tabs(status)
            return
        with Horizontal(id="top"):
            yield ArchitecturePanel()
            yield status
        with Horizontal(id="bottom"):
            with Vertical(id="curves"):
                yield LossPanel()
                yield GradientsPanel()
            side = self._side()
            if side:
                with Vertical(id="side"):
                    yield from side
            main = self._main()
            if main is not None:
                with Vertical(id="main"):
                    yield main

    def _projector(self) -> ComposeResult:
        """For a room: the main picture as large as the screen allows, the key numbers in large digits, the curves."""
        s = self.snapshot
        stage: Panel = (
            DecisionPanel()
            if s.decision is not None
            else SamplePanel(max_zoom=None)
            if s.sample is not None
            else ChartPanel()
        )
        with Horizontal(id="projector"):
            with Vertical(id="stage"):
                yield stage
            with Vertical(id="readout-column"):
                yield Readout(s)
                if not isinstance(stage, ChartPanel):
                    yield LossPanel()

    def _tabs(self, status: StatusPanel) -> ComposeResult:
        """Small terminals: the loss and the main picture share the first tab; the rest get a tab each."""
        s = self.snapshot
        with TabbedContent():
            with TabPane("Training", id="tab-training"):
                with Horizontal(id="training"):
                    with Vertical(id="training-text"):
                        yield status
                        yield LossPanel()
                    if s.decision is not None:
                        yield DecisionPanel()
                    elif s.sample is not None:
                        yield SamplePanel()
            with TabPane("Architecture", id="tab-architecture"):
                yield ArchitecturePanel()
            with TabPane("Gradients", id="tab-gradients"):
                yield GradientsPanel()
            if s.decision is not None and s.decision.neurons:
                with TabPane("Neurons", id="tab-neurons"):
                    with Horizontal():
                        yield NeuronsPanel()
                        yield DecisionPanel()
            if s.feature_maps:
                with TabPane("Feature maps", id="tab-feature-maps"):
                    yield FeatureMapsPanel()
            if s.task == "classification":
                with TabPane("Confusion", id="tab-confusion"):
                    yield ConfusionPanel()

    def on_mount(self) -> None:
        self._hand_choices()
        self.show(self.snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """Hand `snapshot` to every panel; each repaints only what changed."""
        self.snapshot = snapshot
        for panel in self.query(Panel):
            panel.update_snapshot(snapshot)
        for readout in self.query(Readout):
            readout.show(snapshot)

    async def set_projector(self, projector: bool) -> None:
        """Switch the layout for a room (projector mode) on or off."""
        if projector != self.projector:
            self.projector = projector
            await self._rebuild()

    async def set_compact(self, compact: bool) -> None:
        """Switch between the one-screen and the tabbed layout."""
        if compact != self.compact:
            self.compact = compact
            await self._rebuild()

    async def _rebuild(self) -> None:
        """Compose the panels afresh for the layout, with what the user picked and the latest Snapshot."""
        await self.recompose()
        self._hand_choices()
        self.show(self.snapshot)

    # --- what the user picked in the pictures ------------------------------------------
    def step_unit(self, delta: int) -> None:
        """Select the next (+1) or previous (-1) unit of the neuron grid; past either end, the network's output."""
        d = self.snapshot.decision
        if d is None or not d.neurons:
            return
        order: list[UnitChoice | None] = [None, *all_units(d.neurons)]
        current = order.index(self.unit) if self.unit in order else 0
        self.choose_unit(order[(current + delta) % len(order)])

    def choose_unit(self, unit: UnitChoice | None) -> None:
        """Show `unit` (None: the network's output) in the decision panel and mark it in the grid."""
        self.unit = unit
        self._hand_choices()

    def cycle_points(self) -> str:
        """Step the decision panel through all / training / validation / misclassified points; returns the new set."""
        self.points = POINT_FILTERS[(POINT_FILTERS.index(self.points) + 1) % len(POINT_FILTERS)]
        self._hand_choices()
        return self.points

    def turn_page(self) -> None:
        """Page every feature-map layer on to its next channels."""
        self.page += 1
        self._hand_choices()

    def _hand_choices(self) -> None:
        for panel in self.query(DecisionPanel):
            panel.choose(self.unit, self.points)
        for grid in self.query(NeuronsPanel):
            grid.choose(self.unit)
        for maps in self.query(FeatureMapsPanel):
            maps.show_page(self.page)

    def on_neurons_panel_selected(self, message: NeuronsPanel.Selected) -> None:
        self.choose_unit(message.unit)
