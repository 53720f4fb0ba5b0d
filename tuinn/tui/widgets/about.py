"""About this preset: a banner of one or two lines, and the whole text on `i` (what it teaches, things to try, why a
missed target is missed)."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen
from textual.widgets import Static

from tuinn.train.snapshot import Snapshot
from tuinn.tui.glyphs import to_ascii
from tuinn.tui.widgets.panel import Terminal


def about_text(s: Snapshot) -> Text:
    """The card's text: description, things to try, target (and, when missed by design, why)."""
    e = s.experiment
    text = Text()
    text.append(s.description or "No description.", "")
    tries = e.things_to_try if e is not None else ()
    if tries:
        text.append("\nTry: ", "bold")
        text.append("  ·  ".join(tries))
    text.append("\nTarget: ", "bold")
    text.append(s.target + ("  ✓ met" if s.target_met else ""))
    if s.finished and not s.target_met and e is not None and e.target.explain_miss:
        text.append("\nWhy it is missed: ", "bold yellow")
        text.append(e.target.explain_miss)
    return text


def banner_text(s: Snapshot, width: int, lines: int) -> Text:
    """The banner: the preset's name and what it teaches (or why its target was missed), cut to `lines` of `width`."""
    e = s.experiment
    missed = s.finished and not s.target_met and e is not None and e.target.explain_miss
    head = Text.assemble((f"{s.preset}", "bold"), (" · why it is missed: " if missed else " · ", "dim"))
    body = e.target.explain_miss if missed and e is not None else s.description or "No description."
    hint = Text("  i: more", "dim")
    text = head + Text(body)
    room = max(1, width * lines - hint.cell_len - 2 * (lines - 1))  # wrapping loses a cell or two a line
    if text.cell_len > room:
        text.truncate(room - 1)
        text.append("…")
    return text + hint


class AboutCard(Static):
    """The About banner: one or two lines over the panels (their rows are planned around it); `i` opens the whole text."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="about")
        self.snapshot = snapshot
        self._key: tuple[object, ...] | None = None
        self.display = False  # the app shows it when a preset starts

    def on_resize(self) -> None:
        self._key = None
        self.show(self.snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """Redraw when what the banner says (or its room) changes."""
        self.snapshot = snapshot
        width, lines = self.content_region.width, max(1, self.content_region.height)
        key = (snapshot.preset, snapshot.description, snapshot.target_met, snapshot.finished, width, lines)
        if key != self._key and width > 0:
            self._key = key
            text = banner_text(snapshot, width, lines)
            self.update(Text(to_ascii(text.plain)) if cast(Terminal, self.app).ascii else text)


class AboutScreen(ModalScreen[None]):
    """The whole About text: description, things to try, target; escape or i closes it."""

    BINDINGS = [Binding("escape,i", "dismiss", "close")]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        text = about_text(self.snapshot)
        ascii = cast(Terminal, self.app).ascii
        with ScrollableContainer(id="about-text") as box:
            box.border_title = f"About {self.snapshot.preset}"
            box.border_subtitle = "escape or i closes"
            yield Static(Text(to_ascii(text.plain)) if ascii else text)
