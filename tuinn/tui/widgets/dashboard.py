"""Dashboard: the panels of the run, placed as the lesson-aware layout (tuinn.tui.layout) plans them.

The plan puts the lesson's panels first, whole, and the others where room is
left: columns of panels on one screen, the rest on tabs (the first tab, Training,
holds the columns). In projector mode (`P`, `--projector`) a room's layout: the
main picture (decision boundary or the CNN's sample, else the loss chart) as large
as the screen allows, epoch, loss and accuracy in large digits, and the loss chart.
The dashboard keeps what the user picked in the pictures (a unit, the points
shown, the page of channels) and hands it to every panel that draws it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import TabbedContent, TabPane, Tabs

from tuinn.train.baseline import Baseline
from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need, Plan
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.decision import POINT_FILTERS, DecisionPanel, UnitChoice, all_units
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.loss import CHART_LINES, LossPanel, with_ghosts
from tuinn.tui.widgets.network import NetworkView
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.readout import Readout
from tuinn.tui.widgets.sample import SamplePanel
from tuinn.tui.widgets.status import StatusPanel

#: the panels the layout places, by the names a preset's `lesson` uses
PANELS: dict[str, type[Panel]] = {
    "status": StatusPanel,
    "loss": LossPanel,
    "architecture": ArchitecturePanel,
    "gradients": GradientsPanel,
    "network": NetworkView,
    "decision": DecisionPanel,
    "sample": SamplePanel,
    "feature_maps": FeatureMapsPanel,
    "confusion": ConfusionPanel,
}


def available(s: Snapshot) -> list[str]:
    """The panels that apply to the run: no picture of the plane unless 2-D, no maps unless conv, ..."""
    applies = {
        "network": s.decision is not None and bool(s.decision.neurons),
        "decision": s.decision is not None,
        "sample": s.sample is not None,
        "feature_maps": bool(s.feature_maps),
        "confusion": s.task == "classification",
    }
    return [name for name in PANELS if applies.get(name, True)]


def panel_needs(s: Snapshot, baseline: Baseline | None = None) -> dict[str, Need]:
    """What each panel that applies to the run needs on screen, for the layout (the loss's ghost rows with a
    `baseline` pinned)."""
    needs = {name: PANELS[name].need(s) for name in available(s)}
    if baseline is not None and "loss" in needs:
        needs["loss"] = with_ghosts(needs["loss"], s, baseline)
    return needs


def lesson_of(s: Snapshot, tour: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The panels the run is about: the tour stop's, the preset's, or (a recording) its main picture's."""
    if tour:
        return tour
    if s.experiment is not None and s.experiment.lesson:
        return s.experiment.lesson
    main = "network" if "network" in available(s) else "decision" if s.decision is not None else None
    main = main or ("sample" if s.sample is not None else "feature_maps" if s.feature_maps else "loss")
    return (main,)


TAB_TITLES = {
    "status": "Status",
    "loss": "Loss",
    "architecture": "Architecture",
    "gradients": "Gradients",
    "network": "Network",
    "decision": "Decision boundary",
    "sample": "Sample",
    "feature_maps": "Feature maps",
    "confusion": "Confusion",
}
MAIN_TAB = "Training"  # the tab holding the panels the plan puts on the one screen


class Dashboard(Container):
    """The panels of the run, placed as the layout's Plan says: columns on one screen, the rest on tabs."""

    def __init__(self, snapshot: Snapshot, plan: Plan, *, show_rate: bool, projector: bool = False) -> None:
        super().__init__(id="dashboard")
        self.snapshot = snapshot
        self.plan = plan
        self.projector = projector
        self.show_rate = show_rate
        self.unit: UnitChoice | None = None
        self.points = POINT_FILTERS[0]
        self.page = 0  # of the feature maps' channels
        self.set_class(snapshot.decision is not None, "-plane")
        self.set_class(snapshot.sample is not None, "-images")

    @property
    def compact(self) -> bool:
        """Whether some panels are on tabs."""
        return bool(self.plan.tabs) and not self.projector

    def _panel(self, name: str, height: int | None = None) -> Panel:
        """A fresh panel for `name`; the loss as a chart when it is given CHART_LINES or more."""
        if name == "status":
            return StatusPanel(show_rate=self.show_rate)
        if name == "loss" and height is not None and height >= CHART_LINES:
            return ChartPanel()
        return PANELS[name]()

    def compose(self) -> ComposeResult:
        if self.projector:
            yield from self._projector()
            return
        if not self.plan.tabs:
            yield from self._columns()
            return
        with TabbedContent():
            with TabPane(MAIN_TAB, id="tab-training"):
                yield from self._columns()
            for name in self.plan.tabs:
                with TabPane(TAB_TITLES[name], id="tab-" + name.replace("_", "-")):
                    yield self._tab_panel(name)

    def _tab_panel(self, name: str) -> Panel:
        """A panel on a tab of its own: the loss as a chart over the tab's rows; a table as tall as its content."""
        panel = self._panel(name, self.plan.height)
        need = PANELS[name].need(self.snapshot)
        if not need.grows:
            panel.styles.height = need.want_height
        return panel

    def _columns(self) -> ComposeResult:
        """The plan's columns side by side, each panel at the size the plan gives it."""
        with Horizontal(id="columns"):
            for column in self.plan.columns:
                with Vertical(classes="column") as box:
                    box.styles.width = column[0].width if column else 0
                    for place in column:
                        panel = self._panel(place.name, place.height)
                        panel.styles.height = place.height
                        yield panel

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
                if not isinstance(stage, ChartPanel):  # the chart fills the rows under the digits
                    yield ChartPanel()

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

    async def set_plan(self, plan: Plan) -> None:
        """Place the panels as `plan` says (composed afresh when it differs from the one shown)."""
        if plan != self.plan:
            self.plan = plan
            await self._rebuild()

    async def _rebuild(self) -> None:
        """Compose the panels afresh for the layout, with what the user picked and the latest Snapshot."""
        await self.recompose()
        self._hand_choices()
        self.show(self.snapshot)
        self.give_keys_to_the_tabs()

    def give_keys_to_the_tabs(self) -> None:
        """After a rebuild took the focus with the old panels, the tabs have it again (→ and ← switch them, as at start)."""
        if self.screen.focused is None:
            for tabs in self.query(Tabs).results():
                tabs.focus()
                return

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
        for view in self.query(NetworkView):
            view.select(self.unit)
        for maps in self.query(FeatureMapsPanel):
            maps.show_page(self.page)

    def on_network_view_selected(self, message: NetworkView.Selected) -> None:
        self.choose_unit(message.unit)
