"""Trainer: the step loop of one run, with its collaborators; steer it with commands, read it with Snapshots.

Only the thread that calls `step` touches the model. Other threads talk to it through
`submit` (commands, applied between steps) and read `snapshot()`s. The run's RunConfig is
the only record of what the run is: every command that changes the run is resolved
against it, planned (lab.py) and committed in one place; Reset and OpenPreset rebuild
from it through one restart path.
"""

from __future__ import annotations

import queue
from collections import deque

import numpy as np

from tuinn.config import ConfigError, RunConfig
from tuinn.data import Dataset
from tuinn.nn import SpecError
from tuinn.train import commands as cmd
from tuinn.train import lab, measure, setup, views
from tuinn.train.adapt import adapted_output
from tuinn.train.checkpoint import save_now
from tuinn.train.commit import commit
from tuinn.train.divergence import DivergenceWatch
from tuinn.train.early_stop import EarlyStop
from tuinn.train.evaluation import FIGURES, Evaluation, Evaluator, eval_every
from tuinn.train.history import History
from tuinn.train.run_parts import Probe
from tuinn.train.schedule import Schedule
from tuinn.train.snapshot import Event, Snapshot
from tuinn.train.state import RunClock, RunStatus

MAX_EVENTS = 200


class Trainer:
    """Trains one RunConfig step by step; steer it with `submit`, read it with `snapshot`."""

    def __init__(
        self, config: RunConfig, dataset: Dataset | None = None, stop_at_target: bool | None = None, threads: int = 1
    ) -> None:
        #: worker threads a step may use (Network.set_threads); BLAS should run one thread each
        self.threads = threads
        #: stop once the target is met (the preset's choice unless given: the app trains on)
        self.stop_at_target = config.train.stop_at_target if stop_at_target is None else stop_at_target
        dataset = dataset if dataset is not None else setup.load_dataset(config)
        config, adapted = adapted_output(config, dataset)  # --data: the output layer fits the classes
        #: what was done to your data (--data): its description, and the output layer adapted to it
        self.data_note = "; ".join(filter(None, (dataset.description, adapted))) if config.data.get("path") else ""
        self.commands: queue.SimpleQueue[cmd.Command] = queue.SimpleQueue()
        self.events: deque[Event] = deque(maxlen=MAX_EVENTS)
        self.probe = Probe()
        self.status = RunStatus()
        self.refused: str | None = None  # why the last edit was refused (None: it applied)
        self.refusals = 0  # how many edits were refused, so a view can tell a new refusal from an old one
        self.opened = 0  # presets opened in place of the first: a driver re-paces a new run
        self.restarts = 0  # (re)builds of the run from its record: the first, resets, presets opened
        self._restart(config, dataset)

    def _restart(self, config: RunConfig, dataset: Dataset) -> None:
        """(Re)build the run from its record: network and optimizer from the seed, counters and history cleared."""
        self.restarts += 1
        network = setup.build_network(config, dataset.input_shape, batch=setup.batch_size(config, dataset))
        network.set_threads(self.threads)
        setup.check_output(config, dataset, network)
        self.config, self.dataset, self.network = setup.with_network_activations(config, network), dataset, network
        self.schedule = Schedule.of(config.train)
        self.lr = self.schedule.lr_at(0, 0, 1)
        self.optimizer = setup.build_optimizer(config, self.lr)
        self.history = History(len(views.weighted_layers(self)))
        self.recorded_lr: float | None = None  # the lr last put in the History (it records changes only)
        rng = np.random.default_rng(setup.stream_seed(config.seed, setup.SHUFFLE_STREAM))
        self.clock = RunClock(
            len(dataset.x_train), setup.batch_size(config, dataset), config.train.epochs, rng, config.train.shuffle
        )
        self.divergence = DivergenceWatch(sustained=network.loss.name != "perceptron")
        self.early_stop = EarlyStop(config.target)
        self.evaluator = Evaluator(config, dataset, network)
        self.last = Evaluation(dict.fromkeys(FIGURES), None, None)  # the last evaluation
        self.status = RunStatus(paused=self.status.paused)
        self.pretrainer = setup.build_pretrainer(config, network, dataset)

    # --- read-outs ---------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        """'pretrain' while the layers are pretrained, then 'finetune'; 'train' for runs without it."""
        if self.pretrainer is None:
            return "train"
        return "finetune" if self.pretrainer.done else "pretrain"

    @property
    def step_count(self) -> int:
        return self.clock.step

    @property
    def epoch(self) -> int:
        return self.clock.epoch

    @property
    def paused(self) -> bool:
        return self.status.paused

    @property
    def finished(self) -> bool:
        return self.status.finished

    @property
    def diverged(self) -> str | None:
        return self.status.diverged

    @property
    def eval_every(self) -> int:
        """Epochs between the evaluations that decide early stopping (and what a recording keeps)."""
        return eval_every(self.config.train.epochs)

    def snapshot(self, detail: bool = True) -> Snapshot:
        """An immutable copy of the run's state; `detail` adds the surfaces, maps and matrices."""
        return views.snapshot(self, detail)

    # --- commands ----------------------------------------------------------------------------
    def submit(self, command: cmd.Command) -> None:
        """Queue a command; it is applied before the next step (thread-safe)."""
        self.commands.put(command)

    def apply_commands(self) -> int:
        """Apply every queued command now; returns how many were applied."""
        applied = 0
        while not self.commands.empty():  # one consumer (the training thread): empty() is exact
            self._apply(self.commands.get_nowait())
            applied += 1
        return applied

    def _apply(self, c: cmd.Command) -> None:
        """The one dispatcher: run commands act at once; edits of the record are planned, then committed."""
        match c:
            case cmd.Pause() | cmd.Resume() | cmd.TogglePause():
                paused = not self.paused if isinstance(c, cmd.TogglePause) else isinstance(c, cmd.Pause)
                self._pause(paused, train_on=not isinstance(c, cmd.Pause))
            case cmd.Step():
                if self.finished and not self.diverged:  # n on a finished run: on for another budget, paused
                    self._train_on()
                    self._pause(True, train_on=False)
                if self.paused:  # a step asked for while running is not kept for later
                    self.status.single_steps += 1
            case cmd.Reset():
                self._restart(self.config, self.dataset)
                self.event("reset", f"reset to seed {self.config.seed}")
            case cmd.SaveCheckpoint(path=path):
                self.event("checkpoint", save_now(self, path))
            case cmd.SelectLayer(delta=delta):
                self.probe.layer = (self.probe.layer + delta) % max(1, len(views.weighted_layers(self)))
            case cmd.SelectSample(delta=delta):
                self.probe.sample = (self.probe.sample + delta) % len(views.sample_set(self.dataset)[0])
            case cmd.NextMisclassified(direction=direction):
                self.probe.sample = views.next_misclassified(self, direction)
            case cmd.CycleSpeed():
                pass  # the driver's: a TrainingThread paces the steps; stepped by hand there is no speed
            case _:
                self._edit(c)

    def _edit(self, c: cmd.Command) -> None:
        """Resolve a change of the record against it, plan it and commit it; or refuse it, changing nothing."""
        try:
            if isinstance(c, cmd.OpenPreset):
                self._open(c.config)
            else:
                self.follow_schedule()  # the next step's lr: the one an lr change starts from
                position = (self.clock.epoch, self.clock.batch, self.clock.steps_per_epoch)
                run = lab.Run(
                    self.config, self.dataset, self.network, setup.load_dataset, self.lr, self.schedule, position
                )
                plan = lab.plan_command(run, c)
                if plan is not None:
                    commit(self, plan)
            self.refused = None
        except SpecError as e:  # the engine's words, with the preset named as the CLI names it
            self._refuse(f"{self.config.source}: [model] {e}")
        except (ConfigError, ValueError, KeyError) as e:
            self._refuse(str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e))

    def _open(self, config: RunConfig) -> None:
        """Start `config` in place of this run: the same restart path as Reset, on its own data."""
        dataset = setup.load_dataset(config)
        self._restart(config, dataset)
        self.probe = Probe()
        self.events.clear()
        self.opened += 1
        self.event("preset", f"opened preset {config.name}")

    def _refuse(self, message: str) -> None:
        self.refused = message
        self.refusals += 1

    def _pause(self, paused: bool, train_on: bool) -> None:
        """Pause or run on; `train_on` a finished run (not diverged) trains another budget, running."""
        status = self.status
        if status.finished and not status.diverged and train_on:
            paused = False
            self._train_on()
        if paused != status.paused:
            status.paused = paused
            self.event("pause" if paused else "resume", "paused" if paused else "resumed")

    def _train_on(self) -> None:
        """A finished run (not diverged) goes on for another budget of epochs."""
        status = self.status
        status.finished, status.stopped_early = False, None
        self.early_stop.restart()
        self.clock.budget = self.clock.epoch + self.config.train.epochs
        self.event("resume", f"training on to epoch {self.clock.budget}")

    def event(self, kind: str, text: str, step: int | None = None) -> None:
        """Mark the run's history with an event (at this step unless given)."""
        self.events.append(Event(self.clock.step if step is None else step, self.clock.epoch, kind, text))

    def load_weights(self, path: str) -> None:
        """Start from weights (and activations) saved with Network.save; the layers must match. The record follows."""
        self.network.load_weights(path)
        self.config = setup.with_network_activations(self.config, self.network)
        self.clock.evaluated_at = None

    # --- training ------------------------------------------------------------------------------
    @property
    def wants_step(self) -> bool:
        """Whether the run loop should step now (not finished, and running or asked to step)."""
        return not self.status.finished and (not self.status.paused or self.status.single_steps > 0)

    def step(self) -> float | None:
        """Apply queued commands, then train on one batch; returns its loss (None if no step ran)."""
        self.apply_commands()
        if not self.wants_step:
            return None
        if self.status.paused:
            self.status.single_steps -= 1
        if self.pretrainer is not None and not self.pretrainer.done:
            return self._pretrain_step()
        clock = self.clock
        if clock.epoch_done:
            clock.new_epoch()
        self.follow_schedule()
        idx = clock.take_batch()
        full = len(idx) == len(clock.order)
        x = self.dataset.x_train if full else self.dataset.x_train[idx]
        y = self.evaluator.y_train if full else self.evaluator.y_train[idx]
        loss, _ = self.network.loss_and_grads(x, y)
        reason = self.divergence.check(loss)
        if reason is not None:
            self._diverge(loss, reason, len(idx))
            return loss
        self.optimizer.step({"all": self.network.flat_params}, {"all": self.network.flat_grads})
        self.clock.count(len(idx))
        clock.epoch_losses.append(loss)
        self.history.record("train_loss", clock.step, loss)
        if self.lr != self.recorded_lr:  # a step function: recorded where it changes (a float compare per step)
            self.history.record("lr", clock.step, self.lr)
            self.recorded_lr = self.lr
        if clock.epoch_done:
            measure.end_epoch(self)
        return loss

    def follow_schedule(self) -> None:
        """Give the optimizer the schedule's lr for the step about to run: the one place the schedule acts."""
        self.lr = self.schedule.lr_at(self.clock.epoch, self.clock.batch, self.clock.steps_per_epoch)
        self.optimizer.lr = self.lr

    def _pretrain_step(self) -> float:
        """One batch of the current layer's autoencoder; its events go on the run's record."""
        assert self.pretrainer is not None
        layer = self.pretrainer.layer.name
        loss, samples = self.pretrainer.step()
        if not np.isfinite(loss):
            self.stop_with(self.pretrainer.failure(layer, loss), f"diverged (loss {loss:.4g})")
            return loss
        self.clock.count(samples)
        self.history.record("recon_loss", self.clock.step, loss)
        for kind, text in self.pretrainer.take_events():
            self.event(kind, text)
        return loss

    def evaluate(self) -> dict[str, float | None]:
        """Measure the network now and record the figures (once per step: see measure.evaluate)."""
        return measure.evaluate(self)

    def _diverge(self, loss: float, reason: str, samples: int) -> None:
        """Stop: the step that showed it counts as the last one (its update is not applied), so the
        status panel, the history and the message give the same step and loss."""
        self.clock.count(samples)
        self.clock.epoch_losses = [loss]
        self.history.record("train_loss", self.clock.step, loss)
        self.stop_with(
            f"training stopped at step {self.clock.step} (epoch {self.clock.epoch + 1}): {reason}; "
            f"the learning rate {self.lr:g} is too high",
            f"diverged (loss {loss:.4g})",
        )

    def stop_with(self, message: str, event: str, step: int | None = None) -> None:
        """End the run early with `message` (shown as `diverged`) and mark it as an event."""
        self.status.finished = True
        self.status.diverged = message
        self.event("diverged", event, step)

    def run_epochs(self, epochs: int = 1) -> None:
        """Train `epochs` whole epochs (or until finished)."""
        target = self.clock.epoch + epochs
        with setup.quiet_float_errors():
            while self.clock.epoch < target and not self.status.finished:
                self.step()
