"""Help screen (key `?`): every key and what it does, from the app's own bindings."""

from __future__ import annotations

from typing import Iterable

from rich import box
from rich.console import Group
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static


def key_name(binding: Binding) -> str:
    """The key as shown to people: '+' rather than 'plus'."""
    return binding.key_display or binding.key


def keys_table(bindings: Iterable[Binding]) -> Table:
    """Key and explanation, one binding a row."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Key", style="bold cyan", justify="center")
    table.add_column("What it does")
    for b in bindings:
        table.add_row(key_name(b), b.tooltip or b.description)
    return table


def palette_table(entries: Iterable[tuple[str, str]]) -> Table:
    """Command-palette entries that have no key of their own."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("In the palette (ctrl+p)", style="bold cyan")
    table.add_column("What it does")
    for name, text in entries:
        table.add_row(name, text)
    return table


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys; escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark", "dismiss", "close")]

    def __init__(self, bindings: Iterable[Binding], note: str, palette: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.bindings = list(bindings)
        self.note = note
        self.palette = list(palette)

    def compose(self) -> ComposeResult:
        body = Static(Group(keys_table(self.bindings), palette_table(self.palette)) if self.palette
                      else keys_table(self.bindings), id="help")
        body.border_title = "Keys"
        body.border_subtitle = self.note
        yield body
