"""The conv-cell view over the dashboard: how one cell of a conv or pooling layer is computed, following the run."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.conv_cell import ConvCellView

#: key -> (layers, channels, rows, cols) the cell moves by
MOVES = {
    "up,k": ("up", (0, 0, -1, 0)),
    "down,j": ("down", (0, 0, 1, 0)),
    "left,h": ("left", (0, 0, 0, -1)),
    "right,l": ("right", (0, 0, 0, 1)),
    "c": ("next channel", (0, 1, 0, 0)),
    "C": ("previous channel", (0, -1, 0, 0)),
    "right_square_bracket": ("next layer", (1, 0, 0, 0)),
    "left_square_bracket": ("previous layer", (-1, 0, 0, 0)),
}


class ConvCellScreen(ModalScreen[None]):
    """A modal showing the Snapshot's conv_cell; its keys ask the run for another cell, channel, layer or sample.

    The run computes the cell (the Trainer, for the sample on screen); opening asks for `start`,
    closing tells the run to stop computing it.
    """

    DEFAULT_CSS = """
    ConvCellScreen { align: center middle; }
    #conv-cell { width: 98%; background: $surface; }
    """
    BINDINGS = [
        Binding("escape,x", "close", "close"),
        *(Binding(key, f"move{delta}", name) for key, (name, delta) in MOVES.items()),
        Binding("full_stop", "sample(1)", "next sample", key_display="."),
        Binding("comma", "sample(-1)", "previous sample", key_display=","),
        Binding("i", "inputs(1)", "next input channels"),
        Binding("I", "inputs(-1)", "previous input channels"),
    ]

    def __init__(
        self, snapshot: Snapshot, send: Callable[[cmd.Command], None], start: cmd.SelectConvCell | None = None
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.send = send
        self.start = start or cmd.SelectConvCell("")  # "": the first conv layer's first cell
        self.closing = False

    def compose(self) -> ComposeResult:
        view = ConvCellView(id="conv-cell")
        view.styles.height = "96%"  # (a panel's height is its content's on the dashboard, set by the app's CSS)
        yield view

    def on_mount(self) -> None:
        self.set_class(getattr(self.app, "ascii", False), "-ascii")  # ASCII box lines, as on the dashboard
        self.query_one(ConvCellView).update_snapshot(self.snapshot)
        self.send(self.start)

    def action_close(self) -> None:
        """Close, and tell the run to stop computing the cell."""
        self.closing = True
        self.send(cmd.SelectConvCell(None))
        self.dismiss()

    def offer(self, snapshot: Snapshot) -> None:
        """Follow the run: the numbers of the latest Snapshot; another preset opened is asked for its first cell
        (or, without feature maps, closes the view)."""
        self.snapshot = snapshot
        if not snapshot.feature_maps:
            self.dismiss()
            return
        for view in self.query(ConvCellView):  # (none once the screen is closing)
            view.update_snapshot(snapshot)
        if snapshot.conv_cell is None and not self.closing:  # the run forgot the cell (another preset): ask again
            self.send(self.start)

    def action_move(self, layers: int, channels: int, rows: int, cols: int) -> None:
        self.send(cmd.MoveConvCell(layers, channels, rows, cols))

    def action_sample(self, delta: int) -> None:
        self.send(cmd.SelectSample(delta))

    def action_inputs(self, delta: int) -> None:
        self.query_one(ConvCellView).turn_inputs(delta)
