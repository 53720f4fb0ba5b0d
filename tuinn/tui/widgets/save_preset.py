"""The "Save experiment as preset" dialog: asks for a file name; the app writes it atomically."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SavePresetScreen(ModalScreen[Path | None]):
    """Type a path ending in .toml; enter saves, escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]
    AUTO_FOCUS = "Input"

    def __init__(self, suggestion: str) -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(id="save-preset") as box:
            box.border_title = "Save experiment as preset"
            yield Label("File (run it again with tuinn --config FILE):")
            yield Input(self.suggestion, id="save-path")
            yield Label("", id="save-message")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if not event.value.strip() or path.is_dir():
            self.query_one("#save-message", Label).update("give a file name, such as my-spiral.toml")
            return
        if not path.resolve().parent.is_dir():
            self.query_one("#save-message", Label).update(f"the folder {path.resolve().parent} does not exist")
            return
        self.dismiss(path if path.suffix else path.with_suffix(".toml"))
