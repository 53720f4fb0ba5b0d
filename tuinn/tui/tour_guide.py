"""The tour in the app: a panel with the stop's lesson above the dashboard, and the guide that walks the stops.

`>` and `<` go to the next and previous stop in the same window (the run of the new
stop's preset replaces the old one), `t` opens the stop's whole text, with the table of
its `table` preset when it has one. A stop that compares with an earlier run (`compare`)
pins that run as the baseline on the way there. The texts come from presets/tour.toml
(tuinn.config.tour_file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen
from textual.widgets import Static

from tuinn.config import load_preset
from tuinn.config.tour_file import Stop, load_tour
from tuinn.report.summary import summary_table
from tuinn.train import commands as cmd
from tuinn.train.baseline import Baseline
from tuinn.train.setup import plan_model, preset_input_shape
from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import banner_lines
from tuinn.tui.pin import BaselineKeeper
from tuinn.tui.workbench import AboutKeeper, Send

SECTIONS = (("History", "history"), ("Look", "look"), ("Try", "things_to_try"))


@dataclass(frozen=True)
class TourPosition:
    """The stops of the tour and the one on screen."""

    stops: tuple[Stop, ...]
    index: int = 0

    @property
    def stop(self) -> Stop:
        return self.stops[self.index]

    def moved(self, delta: int) -> "TourPosition":
        """The position `delta` stops on, kept within the tour."""
        return TourPosition(self.stops, min(max(self.index + delta, 0), len(self.stops) - 1))

    def heading(self) -> str:
        return f"Tour {self.index + 1}/{len(self.stops)} · {self.stop.when} · {self.stop.title}"


class TourPanel(Static):
    """The tour's banner: the stop's heading and what to look at, in the one or two lines the layout leaves it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Tour"
        self.position: TourPosition | None = None
        self.max_lines = 8
        self.display = False

    def show_position(self, position: TourPosition | None, max_lines: int) -> None:
        """Show `position` (None hides the panel) in at most `max_lines` lines."""
        self.position, self.max_lines = position, max_lines
        self.display = position is not None
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_region.width
        if self.position is not None and width > 0:
            self.update(banner_text(self.position, width, self.max_lines))


#: the banner's keys, the wording it prefers first
BANNER_KEYS = ("  t the whole text · > next · < previous", "  t text · > next · < prev", "  t text · < >")


def banner_text(position: TourPosition, width: int, lines: int) -> Text:
    """The heading with the keys, then (in two lines) what to look at, cut to fit; `t` shows the whole text."""
    heading = Text(position.heading(), "bold")
    # the keys in words while the heading fits beside them, else in short (the stop's title matters more)
    keys = next(
        (k for k in (Text(words, "dim") for words in BANNER_KEYS) if heading.cell_len + k.cell_len <= width),
        Text(BANNER_KEYS[-1], "dim"),
    )
    heading.truncate(max(1, width - keys.cell_len), overflow="ellipsis")
    look = Text.assemble(("Look: ", "bold cyan"), position.stop.look)
    if lines < 2:
        first = heading + keys
        first.truncate(width, overflow="ellipsis")
        return first
    look.truncate(width, overflow="ellipsis")
    return Text("\n").join([heading + keys, look])


def lesson_text(position: TourPosition, width: int, max_lines: int) -> Text:
    """Heading, the three sections cut to an equal share of `max_lines` lines of `width` (only what to
    look at when there is room for one), and the keys."""
    stop = position.stop
    sections = SECTIONS if max_lines - 2 >= len(SECTIONS) else SECTIONS[1:2]  # short of room: what to look at
    budget = max(1, (max_lines - 2) // len(sections))
    text = Text(position.heading(), "bold")
    text.truncate(width, overflow="ellipsis")
    text.append("\n")
    for label, attr in sections:
        section = Text.assemble((f"{label}: ", "bold cyan"), getattr(stop, attr))
        if len(section) > width * budget:  # wrapping loses a few cells a line: cut with room to spare
            section.truncate(int(width * budget * 0.9) - 1, overflow="ellipsis")
        text.append_text(section)
        text.append("\n")
    hint = "> next stop · < previous · t the whole text" + (" and its table" if stop.table else "")
    text.append(hint, "dim")
    return text


class StopTextScreen(ModalScreen[None]):
    """The whole text of a stop, and its table preset's --summary; escape or t closes it."""

    BINDINGS = [Binding("escape,t", "dismiss", "close")]

    def __init__(self, position: TourPosition) -> None:
        super().__init__()
        self.position = position

    def compose(self) -> ComposeResult:
        stop = self.position.stop
        body = Text.assemble((self.position.heading() + "\n\n", "bold"))
        for label, attr in SECTIONS:
            body.append(f"{label}: ", "bold cyan")
            body.append(getattr(stop, attr) + "\n\n")
        table = None
        if stop.table:
            config = load_preset(stop.table)
            plan = plan_model(config, preset_input_shape(config))
            body.append(f"tuinn --preset {stop.table} --summary", "bold")
            table = Text(summary_table(plan.rows, plan.input_shape), no_wrap=True)
        with ScrollableContainer(id="stop-text") as scroll:  # focused: the arrows, Page and End keys scroll it
            scroll.border_title = "Tour"
            scroll.border_subtitle = "escape or t closes · arrows scroll"
            yield Static(body, id="stop-prose")
            if table is not None:
                yield Static(table, id="stop-table")

    def on_mount(self) -> None:
        self.query_one("#stop-text").focus()


class TourGuide:
    """The stop on screen (None: no tour), its panel, and walking the stops; new stops' runs go out by `send`."""

    def __init__(
        self,
        app: App[int],
        send: Send,
        about: AboutKeeper,
        position: TourPosition | None = None,
        *,
        pins: BaselineKeeper | None = None,
        latest: Callable[[], Snapshot] | None = None,
    ) -> None:
        self.app = app
        self.send = send
        self.about = about
        self.position = position
        self.pins = pins  # where a comparison stop pins the earlier run
        self.latest = latest  # the Snapshot on screen
        if position is not None:
            self._start_run(position)

    def lines(self) -> int:
        """Lines the tour's banner takes (as the layout plans it)."""
        return banner_lines(self.app.size.height, True)

    def lesson(self, preset: str) -> tuple[str, ...]:
        """The panels the stop on screen is about, when its preset is the one running (else none)."""
        if self.position is None or self.position.stop.preset != preset:
            return ()
        return self.position.stop.lesson

    def show(self) -> None:
        """Draw the tour panel for the screen's size (hidden when no tour runs)."""
        if self.position is not None:
            self.about.told_by_tour(self.position.stop.preset)
        self.app.query_one(TourPanel).show_position(self.position, self.lines())

    def go_to(self, position: TourPosition, preset: str) -> None:
        """Show `position`'s text and, if its preset is not `preset` (the one running), open it in its place."""
        self.position = position
        self.show()
        self.compare()
        if position.stop.preset != preset:
            self.send(cmd.OpenPreset(load_preset(position.stop.preset)))
            self._start_run(position)

    def _start_run(self, position: TourPosition) -> None:
        """Start the stop's new run as its text needs: paused (space starts it) or running at the watching pace."""
        self.send(cmd.Pause() if position.stop.start == "paused" else cmd.Resume())

    def compare(self) -> None:
        """At a stop that compares with an earlier run, pin that run: the one on screen when it is that preset's
        and has finished (edits and all), else the preset's whole run, computed at full speed in the background.
        A stop that compares with nothing lets go of a baseline the tour pinned (one pinned with B stays)."""
        if self.position is None or self.pins is None or self.latest is None:
            return
        preset = self.position.stop.compare
        if preset is None:
            self.pins.release_tour_pin()
            return
        on_screen = self.latest()
        if on_screen.preset == preset and on_screen.finished:
            self.pins.set(Baseline.of(on_screen), by_tour=True)
        else:
            self.pins.compute(load_preset(preset))
        self.app.notify(f"tour: {preset}'s run is pinned as the baseline to compare with (B unpins)", timeout=4)

    def start(self, preset: str) -> None:
        """Start the tour at the stop of `preset` (or at the first stop)."""
        stops = load_tour()
        here = next((i for i, s in enumerate(stops) if s.preset == preset), 0)
        self.go_to(TourPosition(stops, here), preset)

    def walk(self, delta: int, preset: str) -> None:
        """`delta` stops on (starting the tour at `preset` when it is off)."""
        if self.position is None:
            self.start(preset)
            return
        moved = self.position.moved(delta)
        if moved.index == self.position.index:
            self.app.notify("that was the " + ("last" if delta > 0 else "first") + " stop of the tour", timeout=3)
            return
        self.go_to(moved, preset)

    def open_text(self, preset: str) -> None:
        """The stop's whole text (starting the tour at `preset` when it is off)."""
        if self.position is None:
            self.start(preset)
        if self.position is not None:
            self.app.push_screen(StopTextScreen(self.position))
