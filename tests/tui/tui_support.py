"""Helpers of the TUI tests: the app on a stepping source (no training thread: the test steps the Trainer), a reader
of the screen."""

from __future__ import annotations

import numpy as np
from textual.widgets import TabPane

from tests.clock_support import FakeClock
from tuinn.config import RunConfig, load_preset, parse_config, with_overrides
from tuinn.data import Dataset, data_spec_for_path
from tuinn.train.runner import TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp
from tuinn.tui.live_source import LiveSource
from tuinn.tui.source import Capabilities, OnSnapshot, Scrub, Seek, SourceCommand
from tuinn.tui.tour_guide import TourPosition
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.loss import LossPanel

WIDE = (120, 40)
SMALL = (80, 24)

# A seed-sized CNN: 4×4×1 pictures, 2×2 kernels, 3 filters, stride 2 -> a 2×2×3 = 12-neuron layer.
SEED_CONV = """
name = "t-seed-conv"
description = "A tiny CNN for the TUI tests."
seed = 3
[data]
kind = "truth_table"
name = "xor"
[model]
loss = "softmax_cross_entropy"
[[model.layers]]
type = "conv2d"
filters = 3
kernel_size = 2
stride = 2
activation = "relu"
[[model.layers]]
type = "flatten"
[[model.layers]]
type = "dense"
units = 2
activation = "softmax"
[train]
epochs = 50
batch_size = 8
lr = 0.05
optimizer = "adam"
[target]
metric = "val_accuracy"
value = 1.0
"""


def seed_conv_trainer() -> Trainer:
    """A Trainer on 4×4×1 pictures: is the upper half brighter than the lower one?"""
    rng = np.random.default_rng(0)
    x = rng.random((40, 4, 4, 1))
    y = (x[:, :2].sum(axis=(1, 2, 3)) > x[:, 2:].sum(axis=(1, 2, 3))).astype(np.int64)
    data = Dataset("pictures", x[:32], y[:32], x[32:], y[32:], input_shape=(4, 4, 1), task="classification", classes=2)
    return Trainer(parse_config(SEED_CONV, source="test", base_dir=None), dataset=data)


class StepSource:
    """A run the test steps: no thread and no clock, so everything on screen is deterministic (no throughput figure).

    `advance` trains and shows the result; a key's command applies at once (and any single step it asks for).
    """

    capabilities = Capabilities(steer=True, timed=False)

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        #: a driver that is never started: it holds the speed limit (`s`) and stamps it on each Snapshot;
        #: `play` ticks it on a clock the test moves
        self.clock = FakeClock()
        self.driver = TrainingThread(trainer, clock=self.clock)
        self.latest: Snapshot = self.driver.snapshot()
        self.error: Exception | None = None
        self._on_snapshot: OnSnapshot | None = None

    def start(self, on_snapshot: OnSnapshot) -> None:
        self._on_snapshot = on_snapshot

    def send(self, command: SourceCommand) -> None:
        if isinstance(command, (Scrub, Seek)):
            return
        self.driver.submit(command)
        self.driver.apply_commands()
        while self.trainer.paused and self.trainer.wants_step:
            self.trainer.step()
        self.publish()

    def advance(self, steps: int = 1) -> None:
        """Train `steps` steps, then show the result."""
        for _ in range(steps):
            self.trainer.step()
        self.publish()

    def play(self, seconds: float) -> None:
        """Let `seconds` pass on the driver's clock, take the steps its pace allows by then, and show the result
        (a frame, as the training thread publishes one every 0.1 s)."""
        self.clock.now += seconds
        while self.driver.tick() == 0.0:
            pass
        self.publish()

    def publish(self) -> None:
        """Hand the app a Snapshot of the run now."""
        self.latest = self.driver.snapshot()
        if self._on_snapshot is not None:
            self._on_snapshot(self.latest)

    def state_line(self) -> None:
        return None

    def flat_out(self) -> bool:
        return False

    def publish_every(self, seconds: float) -> None:
        pass

    def shown(self, snapshot: Snapshot) -> None:
        pass

    def stop(self, timeout: float | None) -> None:
        pass


def trainer_app(trainer: Trainer, **options) -> TuinnApp:
    """The app on a stepping source over `trainer`."""
    return TuinnApp(StepSource(trainer), **options)


def step_app(run: str | RunConfig, **options) -> TuinnApp:
    """The app on a built-in preset (or a RunConfig), on a stepping source; it runs on past its target, as in the app."""
    config = load_preset(run) if isinstance(run, str) else run
    return trainer_app(Trainer(config, stop_at_target=False), **options)


def tour_app(position: TourPosition, **options) -> TuinnApp:
    """The app on the tour at `position`, on a stepping source over the stop's preset."""
    return step_app(position.stop.preset, tour=position, **options)


def live_app(config: RunConfig) -> TuinnApp:
    """The app on a live source: the run trains in a process of its own, as `tuinn` starts it."""
    trainer = Trainer(config, stop_at_target=False)
    return TuinnApp(LiveSource(TrainingThread(trainer)))


def preset_app(name: str, mnist_folder, colour_system: str = "truecolor", **options) -> TuinnApp:
    """The app on preset `name` on a stepping source; the IDX presets read the test's MNIST-format folder."""
    config = load_preset(name)
    if config.needs_data:
        config = with_overrides(config, data=data_spec_for_path(str(mnist_folder), config.data))
    return step_app(config, colour_system=colour_system, **options)


def screen_text(app: TuinnApp) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def panel_text(app: TuinnApp, kind: type) -> str:
    """The text of the panel of type `kind`, its lines joined by spaces (so wrapped phrases read whole).

    A panel on a tab not shown is drawn for the screen's size (what its tab would show).
    """
    panel = app.query_one(kind)
    lines = panel._lines
    if not panel.size.width and panel.snapshot is not None:
        lines = panel.build(panel.snapshot, app.size.width - 4, app.size.height - 4)
    return " ".join(" ".join(strip.text.split()) for strip in lines)


def loss_text(app: TuinnApp) -> str:
    """The text of the panel drawing the loss: the chart when the layout gives the loss its rows, else the sparklines."""
    return panel_text(app, ChartPanel if app.query(ChartPanel) else LossPanel)


def show_evaluation(app: TuinnApp) -> None:
    """Evaluate now (as each evaluation step does) and show the result."""
    app.source.trainer.evaluate()
    app.show(app.source.trainer.snapshot())


async def train_and_show(app: TuinnApp, pilot, steps: int) -> None:
    """Train `steps` steps, evaluate and show the result; two pauses: the layout planned for it, then painted."""
    app.source.advance(steps)
    show_evaluation(app)
    await pilot.pause()
    await pilot.pause()


async def reveal(app: TuinnApp, pilot, kind: type):
    """The panel of type `kind`, its tab opened first when the layout put it on one."""
    panel = app.query_one(kind)
    for pane in app.query(TabPane):
        if panel in pane.query(kind):
            pane.parent.parent.active = pane.id  # the TabbedContent holding the pane
            await pilot.pause()
    return panel
