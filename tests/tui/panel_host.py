"""One panel alone in a Textual app, fed Snapshots of a real run: for the panel tests, apart from TuinnApp."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult

import tuinn.tui
from tuinn.config import load_preset
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.panel import Panel

Cells = list[list[tuple[str, Style | None]]]


class PanelHost(App[None]):
    """An app holding one panel, styled by the app's own stylesheet."""

    CSS_PATH = str(Path(tuinn.tui.__file__).parent / "app.tcss")

    def __init__(self, panel: Panel, colour_system: str = "truecolor", ascii: bool = False) -> None:
        super().__init__()
        self.panel = panel
        self.colour_system = colour_system
        self.ascii = ascii
        self.show_rate = False

    def compose(self) -> ComposeResult:
        yield self.panel


@lru_cache(maxsize=32)
def run_snapshots(preset: str, *steps: int) -> tuple[Snapshot, ...]:
    """Snapshots of `preset` trained from its seed, taken after each count of `steps` (ascending)."""
    trainer = Trainer(load_preset(preset))
    shots, done = [], 0
    for target in steps:
        while done < target:
            trainer.step()
            done += 1
        shots.append(trainer.snapshot())
    return tuple(shots)


def panel_cells(app: PanelHost) -> Cells:
    """What the terminal shows where the panel is, cell by cell (character and style): stale cells included."""
    region = app.panel.region
    screen = app.screen._compositor.render_strips()
    cells: Cells = []
    for strip in screen[region.y : region.bottom]:
        row = [(ch, seg.style) for seg in strip.crop(region.x, region.right) for ch in seg.text]
        cells.append(row)
    return cells
