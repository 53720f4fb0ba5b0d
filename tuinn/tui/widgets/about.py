"""About this preset (key `i`): what the preset teaches, things to try, and why a missed target is missed."""

from __future__ import annotations

from typing import cast

from rich.text import Text
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


class AboutCard(Static):
    """A card docked under the panels (not over them); `i` or escape hides it."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="about")
        self.border_title = f"About {snapshot.preset}"
        self.border_subtitle = "i: hide"
        self._key: tuple[object, ...] | None = None
        self.display = False  # the app opens it when a preset starts, where there is room
        self.show(snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """Redraw when what the card says changes."""
        e = snapshot.experiment
        key = (
            snapshot.preset,
            snapshot.description,
            snapshot.target_met,
            snapshot.finished,
            e.things_to_try if e else (),
        )
        if key != self._key:
            self._key = key
            self.border_title = f"About {snapshot.preset}"
            text = about_text(snapshot)
            self.update(Text(to_ascii(text.plain)) if cast(Terminal, self.app).ascii else text)
