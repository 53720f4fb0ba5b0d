"""The Textual app: trains a RunConfig in a background thread and shows its Snapshots ~10 times a second."""

from __future__ import annotations

import asyncio
import sys
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from rich.console import Console
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuinn.config import RunConfig, load_preset
from tuinn.train import commands as cmd
from tuinn.train.recorder import Recorder
from tuinn.train.runner import PUBLISH_INTERVAL, TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer
from tuinn.tui.glyphs import utf8_locale
from tuinn.tui.lab import LAB_BINDINGS, LAB_WIDE, LabActions, palette_entries
from tuinn.tui.pacing import FramePacer
from tuinn.tui.tour import TOUR_BINDINGS, TourActions, TourPanel, TourPosition
from tuinn.tui.widgets.about import AboutCard
from tuinn.tui.widgets.chart import CHART_INTERVAL, LossChartScreen
from tuinn.tui.widgets.dashboard import Dashboard
from tuinn.tui.widgets.help import HelpScreen, key_name
from tuinn.tui.widgets.status import StatusPanel
from tuinn.tui.wire import WireMeter

MIN_SIZE = (60, 20)  # below this, ask for a bigger terminal
WIDE_SIZE = (100, 30)  # from this up, every panel on one screen; below it, tabs
SIDE_ROOM = 110  # columns the panels need for the side column (neuron grid, sample, confusion) on one screen
HUGE_SIZE = (180, 50)  # from this up (a projector), the pictures take most of the screen
DEFAULT_FPS = 1 / PUBLISH_INTERVAL  # redraws a second at most; --fps lowers it for slow links
ASCII_NOTE = "The locale is not UTF-8, so the app draws in ASCII. For blocks and lines: export LANG=C.UTF-8 (or another UTF-8 locale) and start again."
# a key's handling waits this long at most for the interpreter lock while training steps (Python's default: 5 ms)
SWITCH_INTERVAL = 0.001
PACE_PERIOD = 0.5  # seconds between the pacer's readings
STOP_TIMEOUT = 2.0  # seconds to wait for the training thread on quit


PICK, LR, LAYER = (
    Binding.Group("pick", compact=True),
    Binding.Group("lr", compact=True),
    Binding.Group("layer", compact=True),
)


PROJECTOR_BINDING = Binding(
    "P",
    "projector",
    "projector",
    tooltip="Projector mode: the main picture as large as possible, epoch, loss and accuracy in large digits",
)


def is_wide(size: Size) -> bool:
    """Whether every panel fits on one screen of this size."""
    return size.width >= WIDE_SIZE[0] and size.height >= WIDE_SIZE[1]


class TuinnApp(LabActions, TourActions, App[int]):
    """The trainer's dashboard.

    With `autostart` (the default) a TrainingThread steps the Trainer and tells
    the screen each time it publishes a Snapshot (right after a key's command). With `autostart=False` (tests) no thread
    runs: the app owns the Trainer, `advance` steps it, keys apply at once, and
    everything on screen is deterministic (no throughput figure).
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tuinn"
    AUTO_FOCUS = "Tabs"  # on small screens the tabs; never the editor's first field (it would take the keys)
    BINDINGS = [
        # the footer shows them in this order: help and quit first, so they are on it at any width
        Binding("question_mark", "help", "help", key_display="?", tooltip="Help: what each panel shows, and every key"),
        Binding("q", "quit", "quit", tooltip="Quit (stops training)"),
        Binding("space", "pause", "pause", tooltip="Pause or resume training"),
        Binding("a", "activation(1)", "act", tooltip="Next activation for the hidden layers (weights kept)"),
        Binding(
            "A",
            "activation(-1)",
            "act←",
            show=False,
            tooltip="Previous activation for the hidden layers (weights kept)",
        ),
        Binding(
            "comma",
            "pick(-1)",
            "prev",
            key_display=",",
            group=PICK,
            tooltip="Previous unit of the neuron grid, or previous sample (image presets)",
        ),
        Binding(
            "full_stop",
            "pick(1)",
            "next",
            key_display=".",
            group=PICK,
            tooltip="Next unit of the neuron grid, or next sample (image presets)",
        ),
        Binding(
            "m",
            "misclassified",
            "wrong",
            tooltip="Image presets: jump to the next validation sample the model gets wrong",
        ),
        Binding("c", "channels", "channels", tooltip="Feature maps: the next page of channels of every layer"),
        Binding(
            "v",
            "points",
            "points",
            tooltip="Decision boundary: show all points, training only, validation only or the misclassified",
        ),
        Binding("n", "step", "step", tooltip="Train one step (while paused)"),
        Binding("r", "reset", "reset", tooltip="Reset: start again from the same seed's weights"),
        Binding("plus", "lr(2.0)", "lr×2", key_display="+", group=LR, tooltip="Double the learning rate"),
        Binding("minus", "lr(0.5)", "lr÷2", key_display="-", group=LR, tooltip="Halve the learning rate"),
        Binding("o", "optimizer", "optim", tooltip="Next optimizer (weights kept, optimizer state fresh)"),
        Binding(
            "left_square_bracket",
            "layer(-1)",
            "layer↑",
            key_display="[",
            group=LAYER,
            tooltip="Select the previous layer (gradient matrix, kernels)",
        ),
        Binding(
            "right_square_bracket",
            "layer(1)",
            "layer↓",
            key_display="]",
            group=LAYER,
            tooltip="Select the next layer (gradient matrix, kernels)",
        ),
        Binding("s", "speed", "speed", tooltip="Speed limit: as fast as possible, 1000, 100 or 10 steps/s"),
        Binding("p", "chart", "chart", tooltip="Full loss chart with the switches marked"),
        PROJECTOR_BINDING,
        Binding(
            "ctrl+s",
            "save_checkpoint",
            "save",
            show=False,
            tooltip="Save checkpoint: the whole run, to <preset>-epoch<N>.npz (continue with --resume)",
        ),
        *LAB_BINDINGS,
        *TOUR_BINDINGS,
    ]

    def __init__(
        self,
        config: RunConfig | None = None,
        *,
        trainer: Trainer | None = None,
        autostart: bool = True,
        tour: TourPosition | None = None,
        colour_system: str = "truecolor",
        ascii: bool = False,
        fps: float = DEFAULT_FPS,
        recorder: Recorder | None = None,
        projector: bool = False,
    ) -> None:
        super().__init__()
        self.set_display(
            colour_system=colour_system, ascii=ascii, fps=fps, tour=tour, recorder=recorder, projector=projector
        )
        if trainer is None:
            if config is None and tour is None:
                raise ValueError("TuinnApp needs a RunConfig, a Trainer or a tour")
            trainer = Trainer(
                config or load_preset(tour.stop.preset), stop_at_target=False
            )  # (runs on past its target)
        self.trainer = trainer
        #: the driver: its thread runs the trainer (autostart) and it holds the speed limit either way
        self.driver = TrainingThread(trainer, on_snapshot=self._published, interval=1 / fps)
        self.thread = self.driver if autostart else None
        self.show_rate = autostart  # in step mode the throughput means nothing
        if self.thread is not None:
            self.thread.speed = self.thread.watchable_speed()  # `s` lifts the limit
        self.snapshot: Snapshot = self.thread.latest if self.thread else trainer.snapshot()

    def set_display(
        self,
        *,
        colour_system: str,
        ascii: bool,
        fps: float = DEFAULT_FPS,
        tour: TourPosition | None = None,
        recorder: Recorder | None = None,
        projector: bool = False,
    ) -> None:
        """How the screen draws (colours, glyphs, frame rate, layout) and what rides along (tour, recorder)."""
        self.tour = tour
        #: the layout for a room (key P): the main picture large, the key numbers in large digits
        self.projector = projector
        self.recorder = recorder
        #: "truecolor", or "256": the ramps are then drawn in steps of the 256-colour palette
        self.colour_system = colour_system
        #: no UTF-8 locale: panels draw ASCII, borders are ASCII
        self.ascii = ascii
        self.fps = fps
        self.wire = WireMeter()
        self.pacer = FramePacer(fps)
        self.frames = 0  # Snapshots shown, for the pacer

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TourPanel(id="tour")
        yield Dashboard(
            self.snapshot, compact=not is_wide(self.size), show_rate=self.show_rate, projector=self.projector
        )
        yield Static(id="too-small")
        yield AboutCard(self.snapshot)
        yield Footer()

    async def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.screen.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-tiny")
        self.screen.set_class(width >= HUGE_SIZE[0] and height >= HUGE_SIZE[1], "-huge")
        self.query_one("#too-small", Static).update(
            f"The terminal is {width}×{height}: please enlarge the terminal to at least {MIN_SIZE[0]}×{MIN_SIZE[1]}."
        )
        await self.relayout(event.size)
        self.show_tour()

    async def relayout(self, size: Size | None = None) -> None:
        """One screen or tabs, for the room the panels have on a screen of `size` (less with the editor open)."""
        size = size or self.size
        lab = self.lab_width()
        room = Size(size.width - lab, size.height)
        wide = is_wide(room) if not lab else room.width >= LAB_WIDE[0] and room.height >= LAB_WIDE[1]
        self.screen.set_class(room.width < SIDE_ROOM, "-narrow")  # no room for the side column beside the picture
        await self.query_one(Dashboard).set_compact(not wide)

    def on_mount(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self.screen.set_class(self.ascii, "-ascii")
        if self.ascii:
            self.notify(ASCII_NOTE, timeout=10)
        self.show_tour()
        if self.thread is not None:
            self.wire.attach(self._driver)
            self.thread.start()
            self.set_interval(1.0, self._show_wire)
            self.set_interval(PACE_PERIOD, self._pace)

    def _show_wire(self) -> None:
        """Show what the screen costs on the wire, once a second."""
        for status in self.query(StatusPanel):
            status.wire = f"{self.wire.rate() / 1024:,.1f} KiB/s at {self.pacer.fps:.2g} fps (≤{self.fps:g})"

    def _pace(self) -> None:
        """Stretch the training thread's publish interval while frames would take training's time."""
        trainer = self.trainer
        flat_out = trainer.wants_step and self.thread.speed is None
        self.thread.interval = self.pacer.update(time.thread_time(), time.monotonic(), self.frames, flat_out)

    class Published(Message):
        """The training thread has published a new Snapshot."""

    def _published(self, _snapshot: Snapshot) -> None:
        # (in the training thread) post_message is thread-safe: the screen wakes at once
        try:
            self.post_message(self.Published())
        except RuntimeError:  # the app's event loop has closed: nobody is watching
            pass

    def on_tuinn_app_published(self, _message: Published) -> None:
        """Show the training thread's latest Snapshot, if it is new."""
        latest = self.thread.latest
        if latest is not self.snapshot:
            self.show(latest)

    def show(self, snapshot: Snapshot) -> None:
        """Draw `snapshot` on every panel."""
        self.snapshot = snapshot
        self.frames += 1
        self.query_one(Dashboard).show(snapshot)
        if isinstance(self.screen, LossChartScreen):
            self.screen.offer(snapshot)
        self.follow_lab(snapshot)
        if self.recorder is not None:
            self.recorder.offer(snapshot)

    # --- training ---------------------------------------------------------------------------
    def send(self, command: cmd.Command) -> None:
        """Queue a command for the Trainer; without a thread, apply it (and any single step) now."""
        self.driver.submit(command)
        if self.thread is None:
            self.trainer.apply_commands()
            while self.trainer.paused and self.trainer.wants_step:
                self.trainer.step()
            self.show(self.driver.snapshot())

    def advance(self, steps: int = 1) -> None:
        """Without a thread (tests): train `steps` steps, then show the result."""
        if self.thread is not None:
            raise RuntimeError("advance() is for step mode (autostart=False)")
        for _ in range(steps):
            self.trainer.step()
        self.show(self.driver.snapshot())

    def stop_training(self) -> None:
        """Stop the training thread (if any), waiting briefly for its current step."""
        if self.thread is not None:
            self.thread.stop(STOP_TIMEOUT)

    def on_unmount(self) -> None:
        self.stop_training()

    # --- actions ----------------------------------------------------------------------------
    def action_activation(self, direction: int) -> None:
        self.send(cmd.CycleActivation(direction))

    def action_pause(self) -> None:
        self.send(cmd.TogglePause())

    def action_step(self) -> None:
        if self.snapshot.paused:
            self.send(cmd.Step())
        else:
            self.notify("n trains one step while paused: press space to pause first", timeout=3)

    def action_save_checkpoint(self) -> None:
        self.send(cmd.SaveCheckpoint())

    def action_reset(self) -> None:
        self.send(cmd.Reset())

    def action_lr(self, factor: float) -> None:
        self.send(cmd.ScaleLearningRate(factor))

    def action_optimizer(self) -> None:
        self.send(cmd.CycleOptimizer())

    def action_layer(self, delta: int) -> None:
        self.send(cmd.SelectLayer(delta))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys of a picture the run has not got are left off the footer (and do nothing)."""
        s = self.snapshot
        applies = {
            "pick": s.sample is not None or (s.decision is not None and bool(s.decision.neurons)),
            "misclassified": s.sample is not None and s.task == "classification",
            "channels": bool(s.feature_maps) and not self.projector,  # (projector mode shows no feature maps)
            "points": s.decision is not None,
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

    def action_speed(self) -> None:
        self.send(cmd.CycleSpeed())

    def action_chart(self) -> None:
        self.push_screen(
            LossChartScreen(self.snapshot, interval=CHART_INTERVAL if self.show_rate else 0.0)
        )  # step mode: every step

    async def action_projector(self) -> None:
        """Switch projector mode on or off."""
        self.projector = not self.projector
        if self.projector:
            self._show_about(False)  # (i opens it again) the card would take the picture's lines
        self.refresh_bindings()
        await self.query_one(Dashboard).set_projector(self.projector)

    def action_help(self) -> None:
        note = "escape or ? closes · ctrl+p: every action by name · ←/→ switch tabs on small screens"
        self.push_screen(HelpScreen(self.BINDINGS, note, palette_entries()))

    async def action_quit(self) -> None:
        self.quit_with(0)

    def quit_with(self, code: int) -> None:
        """Stop training and close the app with exit status `code`, as `q` does."""
        self.stop_training()
        self.exit(code)

    def quit_soon(self, code: int) -> None:
        """`quit_with(code)` on the app's event loop; safe from a signal handler or another thread."""
        loop = getattr(self, "_event_loop", None)
        if loop is not None:
            loop.call_soon_threadsafe(self.quit_with, code)

    def _fatal_error(self) -> None:
        """A bug in the app: close it without Textual's traceback; run_app reports it (exit 3)."""
        self._close_messages_no_wait()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists every key's action too, and the tour."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Tour", "The history of neural networks, stop by stop (> next, < previous)", self.action_tour
        )
        for binding in self.BINDINGS:
            yield SystemCommand(binding.tooltip, f"key {key_name(binding)}", partial(self.run_action, binding.action))
        yield from self.lab_commands()


def terminal_colours() -> str:
    """ "truecolor" when the terminal says it has 24-bit colour (COLORTERM), else "256" (what OpenSSH gives)."""
    return "truecolor" if Console(force_terminal=True).color_system == "truecolor" else "256"


def run_app(
    config: RunConfig | None,
    trainer: Trainer | None = None,
    on_stop: Callable[[Callable[[], None]], None] | None = None,
    stop_code: Callable[[], int | None] = lambda: None,
    tour: TourPosition | None = None,
    fps: float = DEFAULT_FPS,
    recorder: Recorder | None = None,
    projector: bool = False,
) -> int:
    """Run the app on `config` (or on a ready `trainer`, or the tour) until the user quits; returns the exit code.

    `on_stop(callback)` registers what a stop signal does (close the app, as `q`);
    `stop_code()` then gives the exit status. A bug in the app or the training thread
    is raised again once the terminal is restored. `fps` caps the redraws a second;
    a `recorder` records what the screen shows; `projector` starts in projector mode.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = TuinnApp(
        config,
        trainer=trainer,
        tour=tour,
        colour_system=terminal_colours(),
        ascii=not utf8_locale(),
        fps=fps,
        recorder=recorder,
        projector=projector,
    )
    if on_stop is not None:
        on_stop(lambda: app.quit_soon(stop_code() or 0))
    code = app.run()
    if app.thread is not None:
        app.thread.stop(timeout=None)  # the screen is restored; now let a slow step finish before --save
    if recorder is not None:
        recorder.offer(app.trainer.snapshot(), force=True)  # the run as it ended
    error = app._exception or (app.thread.error if app.thread is not None else None)
    if error is not None:
        raise error
    return 0 if code is None else code
