"""The network view over the dashboard: every unit joined by its weights, following the run; `,` `.` pick a unit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.network import NetworkView


class NetworkScreen(ModalScreen[None]):
    """A modal showing the NetworkView of the latest Snapshot; a click or `,` `.` selects the unit whose equation shows."""

    BINDINGS = [
        Binding("escape,N", "dismiss", "close"),
        Binding("full_stop", "pick(1)", "next unit", key_display="."),
        Binding("comma", "pick(-1)", "previous unit", key_display=","),
    ]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        view = NetworkView(id="network")
        view.border_subtitle = ", . pick a unit · click one · escape/N: close"
        yield view

    def on_mount(self) -> None:
        self.query_one(NetworkView).update_snapshot(self.snapshot)

    def offer(self, snapshot: Snapshot) -> None:
        """Follow the run: the links take the new weights."""
        self.snapshot = snapshot
        self.query_one(NetworkView).update_snapshot(snapshot)

    def action_pick(self, delta: int) -> None:
        self.query_one(NetworkView).step_selection(delta)

    def on_network_view_selected(self, message: NetworkView.Selected) -> None:
        self.query_one(NetworkView).select(message.unit)
