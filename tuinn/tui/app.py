"""The Textual app: a view of a RunSource (a live run, a replay, ...), showing its Snapshots as they come."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from rich.console import Console
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingsMap
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuinn.train import commands as cmd
from tuinn.train.baseline import Baseline
from tuinn.train.recorder import FrameSink
from tuinn.train.snapshot import Snapshot
from tuinn.tui import keys
from tuinn.tui.glyphs import utf8_locale
from tuinn.tui.layout import Plan, banner_lines, plan_layout
from tuinn.tui.pacing import FramePacer
from tuinn.tui.pin import BaselineKeeper
from tuinn.tui.source import RunSource, Scrub, Seek, SourceCommand
from tuinn.tui.tour_guide import TourGuide, TourPanel, TourPosition
from tuinn.tui.widgets.about import AboutCard
from tuinn.tui.widgets.chart import CHART_INTERVAL, LossChartScreen
from tuinn.tui.widgets.conv_cell_screen import ConvCellScreen
from tuinn.tui.widgets.dashboard import Dashboard, lesson_of, panel_needs
from tuinn.tui.widgets.editor import ExperimentEditor
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.help import HelpScreen, key_name
from tuinn.tui.widgets.network_screen import NetworkScreen
from tuinn.tui.widgets.status import StatusPanel
from tuinn.tui.wire import WireMeter
from tuinn.tui.workbench import AboutKeeper, Workbench

MIN_SIZE = (60, 20)  # below this, ask for a bigger terminal
DEFAULT_FPS = 10.0  # redraws a second at most (a live run publishes as often); --fps lowers it for slow links
ASCII_NOTE = "The locale is not UTF-8, so the app draws in ASCII. For blocks and lines: export LANG=C.UTF-8 (or another UTF-8 locale) and start again."
# a key's handling waits this long at most for the interpreter lock while a Snapshot is read (Python's default: 5 ms)
SWITCH_INTERVAL = 0.001
PACE_PERIOD = 0.5  # seconds between the pacer's readings
STOP_TIMEOUT = 2.0  # seconds to wait for the source's run on quit
HELP_NOTE = "escape or ? closes · ctrl+p: every action by name · ←/→ switch tabs on small screens"


class TuinnApp(App[int]):
    """The dashboard of a run: it shows its source's Snapshots and sends the source what the keys ask.

    The keys follow what the source can do (keys.bindings_for): a live run is steered,
    a recording is played and scrubbed. The lab (Workbench, AboutKeeper) and the tour
    (TourGuide) are components the app holds; its actions call them.
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tuinn"
    AUTO_FOCUS = "Tabs"  # on small screens the tabs; never the editor's first field (it would take the keys)
    DEFAULT_CSS = """
    #state-line { dock: top; height: 1; background: $boost; color: $text; }
    """

    class Published(Message):
        """The source has a new Snapshot (posted from the source's own thread)."""

    def __init__(
        self,
        source: RunSource,
        *,
        tour: TourPosition | None = None,
        colour_system: str = "truecolor",
        ascii: bool = False,
        fps: float = DEFAULT_FPS,
        recorder: FrameSink | None = None,
        projector: bool = False,
        baseline: Baseline | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.capabilities = source.capabilities
        #: the throughput figure means something (not on a stepping source); panels read it
        self.show_rate = self.capabilities.timed
        # this source's keys (Textual keeps an app's bindings per instance; the palette's ctrl+p is already there)
        self._bindings = BindingsMap.merge([self._bindings, BindingsMap(keys.bindings_for(self.capabilities))])
        if not self.capabilities.steer:
            self.title = "tuinn attach" if self.capabilities.follow else "tuinn replay"
        #: the layout for a room (key P): the main picture large, the key numbers in large digits
        self.projector = projector
        #: records what the screen shows
        self.recorder = recorder
        #: "truecolor", or "256": the ramps are then drawn in steps of the 256-colour palette
        self.colour_system = colour_system
        #: no UTF-8 locale: panels draw ASCII, borders are ASCII
        self.ascii = ascii
        self.fps = fps
        self.wire = WireMeter()
        self.pacer = FramePacer(fps)
        self.frames = 0  # Snapshots shown, for the pacer
        self.snapshot: Snapshot = source.latest
        self.about = AboutKeeper(self)
        self.workbench = Workbench(self, self.send, lambda: self.snapshot)
        #: the pinned baseline (key B), drawn as a ghost beside the live run
        self.pins = BaselineKeeper(self, self.relayout)
        self.pins.baseline = baseline  # --baseline: pinned from the start
        self.tour = TourGuide(self, self.send, self.about, tour, pins=self.pins, latest=lambda: self.snapshot)
        state = source.state_line()
        self._state_line = Static(state, id="state-line") if state is not None else None
        self._ui_thread: int | None = None
        self._ui_loop: asyncio.AbstractEventLoop | None = None
        #: the last plan and what it was planned from (see `plan`)
        self._planned: tuple[tuple[object, ...], Plan] | None = None

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TourPanel(id="tour")
        yield AboutCard(self.snapshot)
        yield Dashboard(self.snapshot, self.plan(), show_rate=self.show_rate, projector=self.projector)
        yield Static(id="too-small")
        yield Footer()
        if self._state_line is not None:
            yield self._state_line

    async def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.screen.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-tiny")
        self.query_one("#too-small", Static).update(
            f"The terminal is {width}×{height}: please enlarge the terminal to at least {MIN_SIZE[0]}×{MIN_SIZE[1]}."
        )
        await self.relayout(event.size)
        self.tour.show()

    def plan(self, size: Size | None = None, snapshot: Snapshot | None = None) -> Plan:
        """Where the panels go on a screen of `size`: the lesson's first and whole, beside the editor when open.

        Planned again only when what it depends on changed (the size, the lesson, a panel's need with the pinned
        baseline's rows, the editor): a frame asks for the plan, and most frames change none of them.
        """
        size = size or self.size
        s = snapshot or self.snapshot
        needs = panel_needs(s, self.baseline)
        grounds = (
            (size.width, size.height),
            lesson_of(s, self.tour.lesson(s.preset)),
            tuple(needs.items()),
            self.workbench.width(),
            1 if self._state_line is not None else 0,
        )
        if self._planned is None or self._planned[0] != grounds:
            screen, lesson, _, editor, reserved = grounds
            self._planned = grounds, plan_layout(screen, lesson, needs, banner=True, editor=editor, reserved=reserved)
        return self._planned[1]

    async def relayout(self, size: Size | None = None) -> None:
        """Place the panels for a screen of `size` (less room with the editor open); the banner's lines too."""
        size = size or self.size
        lines = banner_lines(size.height, True)
        for banner in self.query("#about, #tour"):
            banner.styles.height = lines
        for editor in self.query("#editor"):  # docked beside the panels, it starts under the banner, not beneath it
            editor.styles.margin = (lines, 0, 0, 0)
        await self.query_one(Dashboard).set_plan(self.plan(size))

    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        self._ui_loop = asyncio.get_running_loop()
        self.screen.set_class(self.ascii, "-ascii")
        if self.ascii:
            self.notify(ASCII_NOTE, timeout=10)
        self.tour.show()
        self.tour.compare()
        if self.capabilities.paced:
            if self._driver is not None:
                self.wire.attach(self._driver)
            self.set_interval(1.0, self._show_wire)
            self.set_interval(PACE_PERIOD, self._pace)
        if self.recorder is not None:
            self.recorder.offer(self.snapshot)  # the run as it starts: a replay begins at its first step
        self.source.start(self._published)
        # the widgets built so far live as long as the app: the collector need not walk them at every frame
        # (spiral at 200x60: collection 6.3 -> 2.9 ms a frame); unfrozen when the app ends
        self.call_after_refresh(gc.freeze)
        self._show_latest()  # a command sent before the start (a tour stop that starts paused) is shown at once

    def _show_wire(self) -> None:
        """Show what the screen costs on the wire, once a second."""
        for status in self.query(StatusPanel):
            status.wire = f"{self.wire.rate() / 1024:,.1f} KiB/s at {self.pacer.fps:.2g} fps (≤{self.fps:g})"

    def _pace(self) -> None:
        """Stretch the source's publish interval while frames would take the run's time."""
        interval = self.pacer.update(time.thread_time(), time.monotonic(), self.frames, self.source.flat_out())
        self.source.publish_every(interval)

    def _published(self, _snapshot: Snapshot) -> None:
        """The source has a new Snapshot: show it now on the app's own thread, else wake the screen."""
        if threading.get_ident() == self._ui_thread:
            self._show_latest()
            return
        try:
            self.post_message(self.Published())  # thread-safe: the screen wakes at once
        except RuntimeError:  # the app's event loop has closed: nobody is watching
            pass

    def on_tuinn_app_published(self, _message: Published) -> None:
        self._show_latest()

    def _show_latest(self) -> None:
        """Show the source's latest Snapshot, if it is new, and its state line."""
        if self._state_line is not None:
            self._state_line.update(self.source.state_line() or "")
        latest = self.source.latest
        if latest is not self.snapshot:
            self.show(latest)

    def show(self, snapshot: Snapshot) -> None:
        """Draw `snapshot` on every panel."""
        if not self.screen_stack:  # the app is closing (a Snapshot published just before the run stopped)
            return
        self.snapshot = snapshot
        self.frames += 1
        # the conv-cell view covers the dashboard: drawing under it took most of a frame (it catches up on close)
        if not isinstance(self.screen, ConvCellScreen):
            self.query_one(Dashboard).show(snapshot)
        if isinstance(self.screen, (LossChartScreen, NetworkScreen, ConvCellScreen)):
            self.screen.offer(snapshot)
        self.call_next(self._follow, snapshot)
        self.call_after_refresh(self.source.shown, snapshot)  # (a live run sends the next once this one is drawn)
        if self.recorder is not None:
            self.recorder.offer(snapshot)

    async def _follow(self, snapshot: Snapshot) -> None:
        """Keep the lab on `snapshot`; a new preset (or new pictures) rebuilds the panels."""
        if not self.screen_stack:  # the app is closing
            return
        await self.workbench.follow(snapshot)
        dashboards = self.screen_stack[0].query_children(Dashboard)  # (not a walk through every widget, each frame)
        if not dashboards:  # the app is closing
            return
        dashboard = dashboards.first()
        plan = self.plan(snapshot=snapshot)
        if (
            _pictures(dashboard.snapshot) != _pictures(snapshot)
            or dashboard.snapshot.preset != snapshot.preset
            or plan != dashboard.plan
        ):
            dashboard.snapshot, dashboard.plan = snapshot, plan
            await dashboard.recompose()
            dashboard.show(snapshot)
            dashboard.give_keys_to_the_tabs()
        touring = self.tour.position is not None
        self.about.follow(snapshot, room=not self.projector and not touring, touring=touring)

    # --- the source ---------------------------------------------------------------------------
    def send(self, command: SourceCommand) -> None:
        """Send the source a command (a live run applies it between steps); show what it says back at once."""
        note = self.source.send(command)
        if note:
            self.notify(note, timeout=2)

    def stop_source(self) -> None:
        """Stop the source's run, waiting briefly for its current step."""
        self.source.stop(STOP_TIMEOUT)

    def on_unmount(self) -> None:
        gc.unfreeze()
        self.pins.close()
        self.stop_source()

    # --- the run's keys ---------------------------------------------------------------------
    def action_activation(self, direction: int) -> None:
        self.send(cmd.CycleActivation(direction))

    def action_pause(self) -> None:
        self.send(cmd.TogglePause())

    def action_step(self) -> None:
        s = self.snapshot
        if s.paused or (s.finished and not s.diverged):  # (a finished run trains on, paused, one step)
            self.send(cmd.Step())
        else:
            self.notify("n trains one step while paused: press space to pause first", timeout=3)

    def action_save_checkpoint(self) -> None:
        self.send(cmd.SaveCheckpoint())

    def action_reset(self) -> None:
        self.send(cmd.Reset())

    def action_watch_again(self) -> None:
        """`w`: the run again from its seed, running, at the watching pace."""
        self.send(cmd.Reset(watch=True))
        self.send(cmd.Resume())

    def action_lr(self, factor: float) -> None:
        self.send(cmd.ScaleLearningRate(factor))

    def action_optimizer(self) -> None:
        self.send(cmd.CycleOptimizer())

    def action_layer(self, delta: int) -> None:
        self.send(cmd.SelectLayer(delta))

    def action_speed(self) -> None:
        self.send(cmd.CycleSpeed())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys of a picture the run has not got are left off the footer (and do nothing)."""
        s = self.snapshot
        applies = {
            "pick": s.sample is not None or (s.decision is not None and bool(s.decision.neurons)),
            "misclassified": s.sample is not None and s.task == "classification",
            "channels": bool(s.feature_maps) and not self.projector,  # (projector mode shows no feature maps)
            "points": s.decision is not None,
            "network": s.decision is not None and bool(s.decision.neurons),
            "conv_cell": bool(s.feature_maps) and self.capabilities.steer,
        }
        return applies.get(action, True)

    def action_pick(self, delta: int) -> None:
        """`,` `.`: the previous / next sample on image presets, else the previous / next unit of the neuron grid."""
        if self.snapshot.sample is not None:
            self.send(cmd.SelectSample(delta))
        else:
            self.query_one(Dashboard).step_unit(delta)

    def action_misclassified(self) -> None:
        if self.snapshot.sample is not None:
            self.send(cmd.NextMisclassified())

    def action_channels(self) -> None:
        self.query_one(Dashboard).turn_page()

    def action_points(self) -> None:
        if self.snapshot.decision is not None:
            self.notify(f"points shown: {self.query_one(Dashboard).cycle_points()}", timeout=2)

    @property
    def baseline(self) -> Baseline | None:
        """The pinned baseline (None: none); the loss panel and the chart draw it."""
        return self.pins.baseline

    def action_baseline(self) -> None:
        self.pins.toggle(self.snapshot)

    def action_pin_baseline(self) -> None:
        self.pins.pin(self.snapshot)

    def action_unpin_baseline(self) -> None:
        self.pins.unpin()

    # --- a recording's keys -----------------------------------------------------------------
    def action_frames(self, delta: int) -> None:
        self.send(Scrub(delta))

    def action_seek(self, frame: int) -> None:
        self.send(Seek(frame))

    # --- views --------------------------------------------------------------------------------
    def action_chart(self) -> None:
        interval = CHART_INTERVAL if self.show_rate else 0.0  # a stepping source: every step
        self.push_screen(LossChartScreen(self.snapshot, interval=interval))

    def action_network(self) -> None:
        self.push_screen(NetworkScreen(self.snapshot))

    def action_conv_cell(self, start: cmd.SelectConvCell | None = None) -> None:
        """Open how a conv or pooling cell is computed (at `start`, else the first conv layer's first cell)."""
        if self.check_action("conv_cell", ()) and not isinstance(self.screen, ConvCellScreen):
            self.push_screen(ConvCellScreen(self.snapshot, self.send, start), self._catch_up)

    def _catch_up(self, _closed: None = None) -> None:
        """The dashboard shows the latest Snapshot again (it was not drawn under the conv-cell view)."""
        self.query_one(Dashboard).show(self.snapshot)

    def on_feature_maps_panel_cell_clicked(self, message: FeatureMapsPanel.CellClicked) -> None:
        self.action_conv_cell(cmd.SelectConvCell(message.layer, message.channel, message.row, message.col))

    async def action_projector(self) -> None:
        """Switch projector mode on or off."""
        self.projector = not self.projector
        if self.projector:
            self.about.show(False)  # (i opens it again) the card would take the picture's lines
        self.refresh_bindings()
        await self.query_one(Dashboard).set_projector(self.projector)

    def action_help(self) -> None:
        palette = [(entry.name, entry.text) for entry in keys.palette_for(self.capabilities)]
        self.push_screen(HelpScreen(keys.bindings_for(self.capabilities), HELP_NOTE, palette))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette lists every key's action too, and the palette-only entries."""
        yield from super().get_system_commands(screen)
        for binding in keys.bindings_for(self.capabilities):
            yield SystemCommand(binding.tooltip, f"key {key_name(binding)}", partial(self.run_action, binding.action))
        for entry in keys.palette_for(self.capabilities):
            yield SystemCommand(entry.name, entry.text, partial(self.run_action, entry.action))

    # --- the lab ------------------------------------------------------------------------------
    async def action_editor(self, field: str | None = None) -> None:
        """Open the editor (or close it); with `field`, open it with that field focused."""
        await self.workbench.toggle_editor(keep_open=field is not None, before=self.query_one(AboutCard))
        await self.relayout()
        if field is not None:  # after the palette (if it ran this) has given the focus back
            self.call_after_refresh(self.workbench.focus_field, field)

    def action_about(self) -> None:
        self.about.toggle()

    def action_open_preset(self) -> None:
        self.workbench.open_preset()

    def action_save_preset(self) -> None:
        self.workbench.save_preset()

    def action_add_layer(self) -> None:
        self.workbench.add_layer()

    def action_remove_layer(self) -> None:
        self.workbench.remove_layer()

    def action_neurons(self, delta: int) -> None:
        self.workbench.resize_layer(delta)

    async def action_edit_units(self) -> None:
        chosen = self.workbench.chosen_layer()
        if chosen is not None:
            await self.action_editor(self.workbench.size_field(chosen))

    def on_experiment_editor_apply(self, message: ExperimentEditor.Apply) -> None:
        self.send(message.command)

    async def on_experiment_editor_requested(self, message: ExperimentEditor.Requested) -> None:
        await self.run_action(message.action)

    # --- the tour -----------------------------------------------------------------------------
    def action_tour(self) -> None:
        self.tour.start(self.snapshot.preset)

    def action_tour_stop(self, delta: int) -> None:
        self.tour.walk(delta, self.snapshot.preset)

    def action_tour_text(self) -> None:
        self.tour.open_text(self.snapshot.preset)

    # --- closing ------------------------------------------------------------------------------
    async def action_quit(self) -> None:
        self.quit_with(0)

    def quit_with(self, code: int) -> None:
        """Stop the source and close the app with exit status `code`, as `q` does."""
        self.stop_source()
        self.exit(code)

    def quit_soon(self, code: int) -> None:
        """`quit_with(code)` on the app's event loop; safe from a signal handler or another thread."""
        if self._ui_loop is not None:
            self._ui_loop.call_soon_threadsafe(self.quit_with, code)

    def _fatal_error(self) -> None:
        """A bug in the app: close it without Textual's traceback; run_app reports it (exit 3)."""
        self._close_messages_no_wait()


def _pictures(s: Snapshot) -> tuple[bool, bool]:
    """Which picture panels a snapshot needs: decision boundary, feature maps."""
    return s.decision is not None, bool(s.feature_maps)


def terminal_colours() -> str:
    """ "truecolor" when the terminal says it has 24-bit colour (COLORTERM), else "256" (what OpenSSH gives)."""
    return "truecolor" if Console(force_terminal=True).color_system == "truecolor" else "256"


def run_app(
    source: RunSource,
    *,
    on_stop: Callable[[Callable[[], None]], None] | None = None,
    stop_code: Callable[[], int | None] = lambda: None,
    tour: TourPosition | None = None,
    fps: float = DEFAULT_FPS,
    recorder: FrameSink | None = None,
    projector: bool = False,
    baseline: Baseline | None = None,
) -> int:
    """Run the app on `source` until the user quits; returns the exit code.

    `on_stop(callback)` registers what a stop signal does (close the app, as `q`);
    `stop_code()` then gives the exit status. A bug in the app or the source's run
    is raised again once the terminal is restored. `fps` caps the redraws a second;
    a `recorder` records what the screen shows; `projector` starts in projector mode;
    a `baseline` is pinned from the start.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = TuinnApp(
        source,
        tour=tour,
        colour_system=terminal_colours(),
        ascii=not utf8_locale(),
        fps=fps,
        recorder=recorder,
        projector=projector,
        baseline=baseline,
    )
    if on_stop is not None:
        on_stop(lambda: app.quit_soon(stop_code() or 0))
    code = app.run()
    source.stop(None)  # the screen is restored; now let a slow step finish before --save
    if recorder is not None:
        recorder.offer(source.latest, force=True)  # the run as it ended
    error = app._exception or source.error
    if error is not None:
        raise error
    return 0 if code is None else code
