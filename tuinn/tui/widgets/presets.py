"""The preset browser (key `b`, "Open preset"): every built-in preset with what it teaches and its target."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuinn.config import RunConfig, load_preset, preset_names


def first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def preset_option(config: RunConfig) -> Option:
    label = Text.assemble(
        (config.name, "bold"),
        "  ",
        first_sentence(config.description),
        "\n",
        ("   target: " + config.target.describe(), "dim"),
    )
    return Option(label, id=config.name)


class PresetBrowser(ModalScreen[str | None]):
    """Pick a preset; it starts in the same window. Escape closes without a change."""

    BINDINGS = [Binding("escape", "dismiss(None)", "close")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = OptionList(*(preset_option(load_preset(name)) for name in preset_names()), id="presets")
        options.border_title = "Open preset (enter opens, escape closes)"
        yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        names = preset_names()
        if self.current in names:
            options.highlighted = names.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
