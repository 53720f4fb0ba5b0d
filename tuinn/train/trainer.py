"""Trainer: owns the dataset, network and optimizer of one run; steps it and reports on it.

Only the thread that calls `step` touches the model. Other threads talk to it
through `submit` (commands, applied between steps) and read `snapshot()`s.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from tuinn.config import ConfigError, RunConfig
from tuinn.data import DataError, Dataset, load_data
from tuinn.nn import Network, SpecError, make_optimizer
from tuinn.nn.activations import HIDDEN_ACTIVATIONS
from tuinn.nn.optimizers import OPTIMIZERS
from tuinn.nn.plan import NetworkPlan, plan_network
from tuinn.train import commands as cmd
from tuinn.train.adapt import adapted_output
from tuinn.train.budget import check_budget
from tuinn.train.divergence import DivergenceWatch
from tuinn.train.early_stop import EarlyStop
from tuinn.train.history import History
from tuinn.train.lab import LAB_COMMANDS, Lab
from tuinn.train.pretrain import Pretrainer
from tuinn.train.probes import (
    confusion_matrix,
    conv_kernels,
    decision_surface,
    gradient_matrix,
    predicted_classes,
    sample_view,
)
from tuinn.train.schedule import Schedule
from tuinn.train.snapshot import Curve, Event, LayerStats, Snapshot


def quiet_float_errors():
    """Silence NumPy's overflow warnings in a training loop: divergence is reported as a message."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


EVALUATIONS_PER_RUN = 200  # evaluate at most this often over the planned epochs (and at the end)
EVAL_EVERY_MAX = 100  # epochs: however large the budget, the target is checked at least this often
EVAL_SECONDS = 2.0  # and at the end of an epoch once this much wall time passed since the last check
MAX_EVAL_SAMPLES = 2048
MAX_EVENTS = 200
EVAL_CHUNK = 1024  # samples per forward pass when evaluating
# independent random streams derived from the run's seed (the network uses the seed itself)
DATA_STREAM, EVAL_STREAM, SHUFFLE_STREAM, PRETRAIN_STREAM = 1, 2, 3, 4
RATE_INTERVAL, RATE_POINTS = 0.1, 21  # samples/s is measured over the last ~2 s of wall time
#: speed limits in training steps per second (None: as fast as the machine goes)
SPEEDS: tuple[float | None, ...] = (None, 1000.0, 100.0, 10.0)
WATCH_SECONDS = 30.0  # a run shown live should last at least about this long


def stream_seed(seed: int, stream: int) -> int:
    """A seed for one purpose (data, shuffling, ...) derived from the run's seed, uncorrelated with it."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def load_dataset(config: RunConfig) -> Dataset:
    """The run's data; a bad [data] table or file becomes a ConfigError naming the preset."""
    if config.needs_data and not config.data.get("path"):
        raise ConfigError(f"{config.name}: {config.needs_data}")
    try:
        seed = stream_seed(config.seed, DATA_STREAM)
        return load_data(config.data, seed=seed, base_dir=config.base_dir, dtype=config.train.dtype)
    except DataError as e:
        raise ConfigError(f"{config.source}: [data] {e}") from None


def build_network(config: RunConfig, input_shape: tuple[int, ...], batch: int = 1) -> Network:
    """The run's network from its model spec; a SpecError names the preset, and a network that
    would not fit the memory budget at `batch` samples a step is refused before it is allocated."""
    with model_errors(config):
        check_budget(plan_network(config.model, input_shape, dtype=config.train.dtype), batch, config.source)
        return Network.from_spec(config.model, input_shape, seed=config.seed, dtype=config.train.dtype)


def plan_model(config: RunConfig, input_shape: tuple[int, ...]) -> NetworkPlan:
    """The run's network counted from shapes, nothing allocated; a SpecError names the preset."""
    with model_errors(config):
        return plan_network(config.model, input_shape, dtype=config.train.dtype)


def preset_input_shape(config: RunConfig) -> tuple[int, ...]:
    """The input shape the config's data has (or will have, for presets that wait for your files)."""
    if config.needs_data and not config.data.get("path") and config.input_shape:
        return config.input_shape
    return load_dataset(config).input_shape


@contextmanager
def model_errors(config: RunConfig) -> Iterator[None]:
    """Turn a SpecError from the [model] table into a ConfigError naming the preset."""
    try:
        yield
    except SpecError as e:
        raise ConfigError(f"{config.source}: [model] {e}") from None


class Trainer(Lab):
    """Trains one RunConfig step by step; steer it with `submit`, read it with `snapshot`."""

    def __init__(
        self,
        config: RunConfig,
        dataset: Dataset | None = None,
        stop_at_target: bool | None = None,
        threads: int = 1,
    ) -> None:
        self.config = config
        #: worker threads a step may use (Network.set_threads); BLAS should run one thread each
        self.threads = threads
        #: stop once the target is met (the preset's choice unless given: the app trains on)
        self.stop_at_target = config.train.stop_at_target if stop_at_target is None else stop_at_target
        self.dataset = dataset if dataset is not None else load_dataset(config)
        self.config, adapted = adapted_output(config, self.dataset)  # --data: the output layer fits the classes
        #: what was done to your data (--data): its description, and the output layer adapted to it
        self.data_note = "; ".join(filter(None, (self.dataset.description, adapted))) if config.data.get("path") else ""
        self.commands: queue.SimpleQueue = queue.SimpleQueue()
        #: the learning-rate schedule, with the user's overrides (`+`/`-`) folded in
        self.schedule = Schedule.of(self.config.train)
        self.lr = self.schedule.lr_at(0, 0, 1)
        self.optimizer_name = config.train.optimizer
        self.hidden_activation: str | None = None
        self.selected = 0
        self.sample_index = 0  # the sample shown on image presets, in sample_set()
        #: at most this many steps a second when a TrainingThread runs it (None: no limit)
        self.speed: float | None = None
        self.events: deque[Event] = deque(maxlen=MAX_EVENTS)
        self._start()
        self._prepare_targets()

    # --- set-up ----------------------------------------------------------------------
    def _prepare_targets(self) -> None:
        ds = self.dataset
        self.y_train = self._encode(ds.y_train)
        self.y_val = self._encode(ds.y_val)
        rng = np.random.default_rng(stream_seed(self.config.seed, EVAL_STREAM))
        n_eval = min(len(ds.x_train), MAX_EVAL_SAMPLES)
        self._train_eval_idx = np.sort(rng.choice(len(ds.x_train), n_eval, replace=False))
        #: whether the validation set is other data (a truth table validates on its own four rows)
        self.separate_val = bool(len(ds.x_val)) and not (
            ds.x_val.shape == ds.x_train.shape and np.array_equal(ds.x_val, ds.x_train)
        )

    def _start(self) -> None:
        """(Re)build network and optimizer from the seed; clear counters and history."""
        n_train = len(self.dataset.x_train)
        self.network = build_network(
            self.config, self.dataset.input_shape, batch=min(self.config.train.batch_size or n_train, n_train)
        )
        self.network.set_threads(self.threads)
        self._check_output()
        hidden = self.network.hidden_layers
        if self.hidden_activation is None and hidden:
            self.hidden_activation = hidden[0].activation
        elif hidden:  # a reset keeps the activation the user switched to, on the seed's weights
            self.network.set_activation(self.hidden_activation)
        self.optimizer = self._make_optimizer(self.optimizer_name)
        self.weighted_layers = [l.name for l in self.network.layers if "W" in l.parameters]
        self.history = History(len(self.weighted_layers))
        self._recorded_lr: float | None = None  # the lr last put in the History (it records changes only)
        self.rng = np.random.default_rng(stream_seed(self.config.seed, SHUFFLE_STREAM))
        self._divergence = DivergenceWatch(sustained=self.network.loss.name != "perceptron")
        self.step_count = 0
        self.epoch = 0
        self.samples_seen = 0
        self._order = np.arange(len(self.dataset.x_train))
        self._cursor = len(self._order)  # start a new epoch on the first step
        self._epoch_losses: list[float] = []
        self.paused = False
        self._single_steps = 0
        self.finished = False
        self.diverged: str | None = None
        self.stopped_early: str | None = None  # why early stopping ended the run ([target] patience)
        self.early_stop = EarlyStop(self.config.target)
        self.target_met = False
        self.last_eval: dict[str, float | None] = dict.fromkeys(History.CURVES)
        self.confusion: np.ndarray | None = None  # of the last evaluation, on the confusion_source set
        self._sample_predicted: np.ndarray | None = None  # classes predicted for sample_set() at the last evaluation
        self._evaluated_at: int | None = None  # the step last_eval was measured at
        self._rate = deque(maxlen=RATE_POINTS)  # (time, samples) every RATE_INTERVAL s, for samples/s
        n_train = len(self.dataset.x_train)
        batch = self.config.train.batch_size or n_train
        self.batch_size = min(batch, n_train)
        self.steps_per_epoch = -(-n_train // self.batch_size)
        self.epoch_budget = self.config.train.epochs
        self.eval_every = min(EVAL_EVERY_MAX, max(1, self.config.train.epochs // EVALUATIONS_PER_RUN))
        self._eval_clock = time.perf_counter()  # when the figures were last measured
        self.pretrainer = self._make_pretrainer()

    def _make_pretrainer(self) -> Pretrainer | None:
        """The layer-wise pretraining phase that runs before training, if the preset asks for one."""
        pre = self.config.train.pretrain
        if pre is None:
            return None
        batch = pre.batch_size if pre.batch_size is not None else self.config.train.batch_size
        seed = stream_seed(self.config.seed, PRETRAIN_STREAM)
        try:
            return Pretrainer(self.network, self.dataset.x_train, pre, batch or len(self.dataset.x_train), seed)
        except ValueError as e:
            raise ConfigError(f"{self.config.source}: {e}") from None

    @property
    def phase(self) -> str:
        """'pretrain' while the layers are pretrained, then 'finetune'; 'train' for runs without it."""
        if self.pretrainer is None:
            return "train"
        return "finetune" if self.pretrainer.done else "pretrain"

    def _encode(self, y: np.ndarray) -> np.ndarray:
        ds, dtype = self.dataset, np.dtype(self.config.train.dtype)
        if ds.task == "regression":
            return np.asarray(y, dtype=dtype).reshape(len(y), -1)
        units = self.network.output_shape[-1]
        if units == 1:
            return np.asarray(y, dtype=dtype).reshape(-1, 1)
        onehot = np.zeros((len(y), units), dtype=dtype)
        onehot[np.arange(len(y)), y] = 1.0
        return onehot

    def _check_output(self) -> None:
        ds, net = self.dataset, self.network
        units = net.output_shape[-1] if len(net.output_shape) == 1 else None
        where = f"{self.config.source}: key 'model.layers[{len(net.layers) - 1}].units'"
        if ds.task == "regression":
            if units != ds.outputs:
                raise ConfigError(
                    f"{where}: the data has {ds.outputs} regression output(s); the last layer gives {net.output_shape}"
                )
            return
        wanted = 1 if ds.classes == 2 and units == 1 else ds.classes
        if units != wanted:
            raise ConfigError(
                f"{where}: the data has {ds.classes} classes; the last layer gives {net.output_shape}, it needs {ds.classes} units (or 1 for two classes)"
            )
        if units == 1 and net.loss.name == "softmax_cross_entropy":
            raise ConfigError(f"{where}: softmax cross-entropy needs one unit per class")

    def _make_optimizer(self, name: str):
        options = self.config.train.optimizer_options if name == self.config.train.optimizer else {}
        return make_optimizer(name, self.lr, **options)

    def load_dataset(self, config: RunConfig) -> Dataset:
        """The data `config` describes (the lab's edits load new data through this)."""
        return load_dataset(config)

    # --- commands ----------------------------------------------------------------------
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
        if isinstance(c, cmd.SetActivation):
            self._switch_activation(c.name)
        elif isinstance(c, cmd.CycleActivation):
            names = HIDDEN_ACTIVATIONS
            current = names.index(self.hidden_activation) if self.hidden_activation in names else -1
            self._switch_activation(names[(current + c.direction) % len(names)])
        elif isinstance(c, (cmd.SetLearningRate, cmd.ScaleLearningRate)):
            self._override_lr(c)
        elif isinstance(c, cmd.SetOptimizer):
            self._switch_optimizer(c.name)
        elif isinstance(c, cmd.CycleOptimizer):
            names = list(OPTIMIZERS)
            self._switch_optimizer(names[(names.index(self.optimizer_name) + c.direction) % len(names)])
        elif isinstance(c, cmd.CycleSpeed):
            self.speed = SPEEDS[(SPEEDS.index(self.speed) + c.direction) % len(SPEEDS)]
        elif isinstance(c, (cmd.Pause, cmd.Resume, cmd.TogglePause)):
            paused = not self.paused if isinstance(c, cmd.TogglePause) else isinstance(c, cmd.Pause)
            if self.finished and not self.diverged and not isinstance(c, cmd.Pause):
                self._extend()
                paused = False
            if paused != self.paused:
                self.paused = paused
                self._event("pause" if paused else "resume", "paused" if paused else "resumed")
        elif isinstance(c, cmd.Step):
            if self.paused:  # a step asked for while running is not kept for later
                self._single_steps += 1
        elif isinstance(c, cmd.Reset):
            paused, events = self.paused, self.events
            self._start()
            self.paused, self.events = paused, events
            self._event("reset", f"reset to seed {self.config.seed}")
        elif isinstance(c, cmd.SaveCheckpoint):
            self._save_checkpoint(c.path)
        elif isinstance(c, cmd.SelectLayer):
            self.selected = (self.selected + c.delta) % max(1, len(self.weighted_layers))
        elif isinstance(c, cmd.SelectSample):
            self.sample_index = (self.sample_index + c.delta) % len(self.sample_set()[0])
        elif isinstance(c, cmd.NextMisclassified):
            self._next_misclassified(c.direction)
        elif isinstance(c, LAB_COMMANDS):
            self.apply_lab(c)
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(f"unknown command {c!r}")

    def sample_set(self) -> tuple[np.ndarray, np.ndarray, str]:
        """The samples the sample view walks through: the validation set, or the training set without one."""
        ds = self.dataset
        return (ds.x_val, ds.y_val, "validation") if len(ds.x_val) else (ds.x_train, ds.y_train, "training")

    def _next_misclassified(self, direction: int) -> None:
        """Move the shown sample to the next one (in `direction`) the model got wrong at the last evaluation."""
        if self.dataset.task != "classification":
            return
        x, labels, _ = self.sample_set()
        predicted = self._sample_predicted
        if predicted is None or len(predicted) != len(x):
            predicted = self._predict(x)
        wrong = np.flatnonzero(predicted != labels)
        if not len(wrong):
            return
        offsets = (wrong - self.sample_index) * direction % len(x)
        offsets[offsets == 0] = len(x)  # the current sample comes last
        self.sample_index = int(wrong[np.argmin(offsets)])

    def _predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted classes for `x`, in chunks."""
        parts = [self.network.forward(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
        return predicted_classes(np.concatenate(parts), self.network.loss.name)

    def _save_checkpoint(self, path: str | None) -> None:
        """Save the run now (between steps); the outcome is an event, as the app shows events."""
        from tuinn.train.checkpoint import default_checkpoint_name, save_run

        target = path or default_checkpoint_name(self)
        try:
            written, what = save_run(self, target)
            self._event("checkpoint", f"saved {what} to {written}")
        except OSError as e:
            self._event("checkpoint", f"could not save {target}: {e.strerror or e}")

    def load_weights(self, path: str) -> None:
        """Start from weights (and activations) saved with Network.save; the layers must match."""
        self.network.load_weights(path)
        self._evaluated_at = None
        if self.network.hidden_layers:
            self.hidden_activation = self.network.hidden_layers[0].activation

    def _extend(self) -> None:
        """Train on after the run finished: another budget of the preset's epochs."""
        self.finished = False
        self.stopped_early = None
        self.early_stop.restart()
        self.epoch_budget = self.epoch + self.config.train.epochs
        self._event("resume", f"training on to epoch {self.epoch_budget}")

    def watchable_speed(self) -> float | None:
        """The slowest speed limit that still gets through the planned epochs within WATCH_SECONDS.

        Tiny nets finish their budget in well under a second, too fast to see
        anything learn; the app starts them at this limit. None when even the
        fastest limit would take longer.
        """
        needed = self.epoch_budget * self.steps_per_epoch / WATCH_SECONDS
        limits = [s for s in SPEEDS if s is not None and s >= needed]
        return min(limits) if limits else None

    def _switch_activation(self, name: str) -> None:
        if not self.network.hidden_layers:
            return
        old = self.hidden_activation
        self.network.set_activation(name)
        self.hidden_activation = name
        self._evaluated_at = None  # same weights, other outputs
        if old != name:
            self._event("activation", f"activation {old} -> {name}")

    def _override_lr(self, c: cmd.SetLearningRate | cmd.ScaleLearningRate) -> None:
        """`+`/`-` or a set lr: the schedule, peak and floor, is scaled from the next step on (an event)."""
        self._follow_schedule()  # the next step's lr is the one the override changes
        old, before = self.lr, self.schedule
        # (a cosine down to 0 ends at 0: then a set lr sets the peak)
        factor = c.factor if isinstance(c, cmd.ScaleLearningRate) else c.lr / (old or before.lr)
        self.schedule = before.scaled(factor)
        self._follow_schedule()
        scheduled = self.config.train.schedule.kind != "constant" or self.config.train.schedule.warms_up
        scale = f" (schedule ×{self.schedule.lr / before.lr:.3g} from here)" if scheduled else ""
        self._event("lr", f"lr {old:.4g} -> {self.lr:.4g}{scale}")

    def _follow_schedule(self) -> None:
        """Give the optimizer the schedule's lr for the step about to run: the one place the schedule acts."""
        batch = 0 if self._cursor >= len(self._order) else self._cursor // self.batch_size
        self.lr = self.schedule.lr_at(self.epoch, batch, self.steps_per_epoch)
        self.optimizer.lr = self.lr

    def _switch_optimizer(self, name: str) -> None:
        old = self.optimizer_name
        self.optimizer_name = name
        self.optimizer = self._make_optimizer(name)
        if old != name:
            self._event("optimizer", f"optimizer {old} -> {name}")

    def _event(self, kind: str, text: str, step: int | None = None) -> None:
        self.events.append(Event(self.step_count if step is None else step, self.epoch, kind, text))

    # --- training ------------------------------------------------------------------------
    @property
    def wants_step(self) -> bool:
        """Whether the run loop should step now (not finished, and running or asked to step)."""
        return not self.finished and (not self.paused or self._single_steps > 0)

    def step(self) -> float | None:
        """Apply queued commands, then train on one batch; returns its loss (None if no step ran)."""
        self.apply_commands()
        if not self.wants_step:
            return None
        if self.paused:
            self._single_steps -= 1
        if self.phase == "pretrain":
            return self._pretrain_step()
        if self._cursor >= len(self._order):
            self._new_epoch()
        self._follow_schedule()
        idx = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += len(idx)
        full = len(idx) == len(self._order)
        x = self.dataset.x_train if full else self.dataset.x_train[idx]
        y = self.y_train if full else self.y_train[idx]
        loss, _ = self.network.loss_and_grads(x, y)
        reason = self._divergence.check(loss)
        if reason is not None:
            self._diverge(loss, reason, len(idx))
            return loss
        self.optimizer.step({"all": self.network.flat_params}, {"all": self.network.flat_grads})
        self._count_step(len(idx))
        self._epoch_losses.append(loss)
        self.history.record("train_loss", self.step_count, loss)
        if self.lr != self._recorded_lr:  # a step function: recorded where it changes (a float compare per step)
            self.history.record("lr", self.step_count, self.lr)
            self._recorded_lr = self.lr
        if self._cursor >= len(self._order):
            self._end_epoch()
        return loss

    def _count_step(self, samples: int) -> None:
        self.step_count += 1
        self.samples_seen += samples
        self._latest = (time.perf_counter(), self.samples_seen)
        if not self._rate or self._latest[0] - self._rate[-1][0] >= RATE_INTERVAL:
            self._rate.append(self._latest)

    def _pretrain_step(self) -> float:
        """One batch of the current layer's autoencoder; its events go on the run's record."""
        layer = self.pretrainer.layer.name
        loss, samples = self.pretrainer.step()
        if not np.isfinite(loss):
            lr = self.config.train.pretrain.lr
            self.stop_with(
                f"pretraining stopped: the reconstruction loss of {layer} became {loss:.4g}; "
                f"the pretraining learning rate {lr:g} is probably too high",
                f"diverged (loss {loss:.4g})",
            )
            return loss
        self._count_step(samples)
        self.history.record("recon_loss", self.step_count, loss)
        for kind, text in self.pretrainer.take_events():
            self._event(kind, text)
        return loss

    def _new_epoch(self) -> None:
        if self.config.train.shuffle and self.batch_size < len(self._order):
            self._order = self.rng.permutation(len(self._order))
        self._cursor = 0
        self._epoch_losses = []

    def _end_epoch(self) -> None:
        self.epoch += 1
        last = self.epoch >= self.epoch_budget
        regular = (
            self.epoch % self.eval_every == 0
        )  # early stopping counts these only: a run stops where it would on any machine
        if last or regular or time.perf_counter() - self._eval_clock >= EVAL_SECONDS:
            norms = list(self.network.weight_grad_norms().values())
            self.history.grad_norms.append(self.step_count, np.log10(np.maximum(norms, 1e-30)))
            self.evaluate()
            if self.target_met and self.stop_at_target:
                self.finished = True
            elif regular and self.early_stop.update(self.target_value(), self.epoch):
                self.finished = True
                self.stopped_early = self.early_stop.message(self.eval_every)
                self._event("early_stop", self.stopped_early)
        if last:
            self.finished = True

    def evaluate(self) -> dict[str, float | None]:
        """Measure loss and metric on (a fixed subset of) the training set and the validation set.

        Measured once per step: a second call before the weights or activations change
        returns the same figures without running the network again.
        """
        if self._evaluated_at == self.step_count:
            return self.last_eval
        self._evaluated_at = self.step_count
        self._eval_clock = time.perf_counter()
        ds = self.dataset
        idx = self._train_eval_idx
        train_loss, train_metric, train_predicted = self._measure(ds.x_train[idx], self.y_train[idx], ds.y_train[idx])
        if len(ds.x_val):
            val_loss, val_metric, val_predicted = self._measure(ds.x_val, self.y_val, ds.y_val)
        else:
            val_loss = val_metric = val_predicted = None
        if ds.task == "classification":
            labels, predicted = (ds.y_val, val_predicted) if len(ds.x_val) else (ds.y_train[idx], train_predicted)
            self.confusion = confusion_matrix(labels, predicted, ds.classes)
            self._sample_predicted = val_predicted if len(ds.x_val) else None
        self.last_eval = {
            "train_loss": train_loss,
            "val_loss": val_loss,
            "train_metric": train_metric,
            "val_metric": val_metric,
        }
        for name, value in self.last_eval.items():
            if value is not None and name != "train_loss":
                self.history.record(name, self.step_count, value)
        was_met = self.target_met
        self.target_met = self.config.target.met(self.target_value())
        if self.target_met and not was_met:
            self._event("target", f"target met: {self.config.target.describe()}")
        return self.last_eval

    def _measure(self, x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> tuple[float, float, np.ndarray | None]:
        """Mean loss and metric over (x, y), and the predicted classes, in chunks so memory stays bounded."""
        total_loss = 0.0
        predicted = []
        for start in range(0, len(x), EVAL_CHUNK):
            part = slice(start, start + EVAL_CHUNK)
            loss, out = self.network.evaluate(x[part], y[part])
            total_loss += loss * len(out)
            if self.dataset.task == "classification":
                predicted.append(predicted_classes(out, self.network.loss.name))
        loss = total_loss / len(x)
        if self.dataset.task == "regression":
            return loss, loss, None
        classes = np.concatenate(predicted)
        return loss, float(np.mean(classes == labels)), classes

    def target_value(self) -> float | None:
        """The current value of the metric the target is about."""
        metric = self.config.target.metric
        key = metric.replace("accuracy", "metric")
        if self.dataset.task == "regression" and metric.endswith("accuracy"):
            return None
        return self.last_eval.get(key)

    def _diverge(self, loss: float, reason: str, samples: int) -> None:
        """Stop: the step that showed it counts as the last one (its update is not applied), so the
        status panel, the history and the message give the same step and loss."""
        self._count_step(samples)
        self._epoch_losses = [loss]
        self.history.record("train_loss", self.step_count, loss)
        self.stop_with(
            f"training stopped at step {self.step_count} (epoch {self.epoch + 1}): {reason}; "
            f"the learning rate {self.lr:g} is too high",
            f"diverged (loss {loss:.4g})",
        )

    def stop_with(self, message: str, event: str, step: int | None = None) -> None:
        """End the run early with `message` (shown as `diverged`) and mark it as an event."""
        self.finished = True
        self.diverged = message
        self._event("diverged", event, step)

    def run_epochs(self, epochs: int = 1) -> None:
        """Train `epochs` whole epochs (or until finished)."""
        target = self.epoch + epochs
        with quiet_float_errors():
            while self.epoch < target and not self.finished:
                self.step()

    @property
    def samples_per_sec(self) -> float:
        """Training samples per second over the last ~2 s of wall time."""
        if not self._rate:
            return 0.0
        (t0, n0), (t1, n1) = self._rate[0], self._latest
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    # --- reporting -------------------------------------------------------------------------
    def snapshot(self, detail: bool = True) -> Snapshot:
        """An immutable copy of the run's state; `detail` adds the surfaces, maps and matrices."""
        net, ds = self.network, self.dataset
        norms = net.weight_grad_norms()
        stats = [
            LayerStats(l.name, l.activation, norms[l.name], float(np.abs(l.gradients["W"]).mean()))
            for l in net.layers
            if l.name in norms
        ]
        selected = self.weighted_layers[self.selected] if self.weighted_layers else None
        selected_grad = decision = sample = None
        maps: tuple = ()
        kernels: tuple = ()
        if detail:
            if selected is not None:
                layer = next(l for l in net.layers if l.name == selected)
                selected_grad = gradient_matrix(layer.gradients["W"])
            val = ds.plane_val_points if self.separate_val else None
            decision = decision_surface(net, (ds.plane_points, ds.y_train), (val, ds.y_val), ds.task, ds.features)
            if len(net.input_shape) == 3:
                x, y, source = self.sample_set()
                i = self.sample_index % len(x)
                label = int(y[i]) if ds.task == "classification" else -1
                sample, maps = sample_view(net, x[i], label, i, len(x), source, ds.class_names)
                kernels = conv_kernels(net)
        curves = {name: Curve(s.steps, s.values) for name, s in self.history.curves.items()}
        lr = curves["lr"]
        if len(lr) and lr.steps[-1] < self.step_count:  # held from its last change to now
            curves["lr"] = Curve(np.append(lr.steps, self.step_count), np.append(lr.values, self.lr))
        train_loss = self._epoch_mean_loss()
        return Snapshot(
            preset=self.config.name,
            description=self.config.description,
            data_note=self.data_note,
            task=ds.task,
            step=self.step_count,
            epoch=self.epoch,
            epochs=self.epoch_budget,
            samples_seen=self.samples_seen,
            metric_name="accuracy" if ds.task == "classification" else "mse",
            train_loss=train_loss,
            val_loss=self.last_eval["val_loss"],
            train_metric=self.last_eval["train_metric"],
            val_metric=self.last_eval["val_metric"],
            curves=curves,
            lr=self.lr,
            schedule=self.config.train.schedule.describe(),
            optimizer=self.optimizer_name,
            optimizer_label=self.optimizer.describe(),
            summary=tuple(net.summary_rows()),
            activations={l.name: l.activation for l in net.activated_layers},
            layer_stats=tuple(stats),
            grad_history_layers=tuple(self.weighted_layers),
            grad_history=self.history.grad_norms.values.T.reshape(len(self.weighted_layers), -1),
            selected_layer=selected,
            selected_grad=selected_grad,
            feature_maps=maps,
            decision=decision,
            samples_per_sec=self.samples_per_sec,
            paused=self.paused,
            finished=self.finished,
            diverged=self.diverged,
            stopped_early=self.stopped_early,
            target=self.config.target.describe(),
            target_met=self.target_met,
            events=tuple(self.events),
            input_shape=net.input_shape,
            speed=self.speed,
            separate_val=self.separate_val,
            class_names=(ds.class_names or tuple(str(k) for k in range(ds.classes)))
            if ds.task == "classification"
            else (),
            sample=sample,
            kernels=kernels,
            confusion=None if self.confusion is None else self.confusion.copy(),
            confusion_source=("validation" if self.separate_val else "training") if self.confusion is not None else "",
            phase=self.phase,
            pretrain=self.pretrainer.status() if self.phase == "pretrain" else None,
            experiment=self.experiment(),
            features=ds.features,
            refused=self.refused,
            refusals=self.refusals,
        )

    def _epoch_mean_loss(self) -> float | None:
        if self._epoch_losses:
            return float(np.mean(self._epoch_losses))
        return self.history.curves["train_loss"].last()
