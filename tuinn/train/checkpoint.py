"""Checkpoints: a run saved whole (weights, optimizer state, counters, History, events, random
states, the early-stopping watch, the run's settings) so that resuming it continues exactly where
it stopped. The lr schedule's position is the epoch and step; an override of it (`+`/`-`) is in
the settings, as the scaled lr and min_lr.

A checkpoint is a network file (`Network.load`, `--load` and `tuinn export --load` read it)
with the training state beside the weights: one JSON document and named arrays, in an .npz
written through a temporary file and a rename, read with allow_pickle=False and checked
before anything is changed.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path

import numpy as np

from tuinn.config import ConfigError, parse_config
from tuinn.config.settings import config_table, dumps
from tuinn.train import early_stop
from tuinn.train.history import History, Series
from tuinn.train.snapshot import Event

KIND = "tuinn-checkpoint"
VERSION = 2  # 2: the lr series in the History, the early-stopping watch
STATE = "__checkpoint__"
#: Trainer attributes saved as they are (JSON scalars)
COUNTERS = (
    "step_count",
    "epoch",
    "samples_seen",
    "_cursor",
    "lr",
    "optimizer_name",
    "hidden_activation",
    "selected",
    "sample_index",
    "target_met",
    "diverged",
    "_evaluated_at",
    "_recorded_lr",
)
#: the divergence watch's running figures (the loss it started from, its average, steps above it)
WATCH = ("first", "_average", "_high_steps")
#: Series attributes that are scalars; the arrays are _steps, _values and _pending_sum
SERIES_SCALARS = ("_len", "_group", "_pending_steps", "_pending")


class CheckpointError(ValueError):
    """A file that is not a checkpoint this tuinn can resume; the message names the file."""


def _series_state(prefix: str, s: Series, arrays: dict[str, np.ndarray]) -> dict:
    arrays[f"{prefix}.steps"], arrays[f"{prefix}.values"] = s._steps, s._values
    arrays[f"{prefix}.pending_sum"] = s._pending_sum
    return {"capacity": s.capacity, "width": s.width, **{k: getattr(s, k) for k in SERIES_SCALARS}}


def _restore_series(prefix: str, s: Series, state: dict, arrays) -> None:
    if (state["capacity"], state["width"]) != (s.capacity, s.width):
        raise ValueError(
            f"history {prefix} holds {state['width']} values x {state['capacity']}, the run needs {s.width} x {s.capacity}"
        )
    for key, target in (("steps", s._steps), ("values", s._values), ("pending_sum", s._pending_sum)):
        saved = arrays[f"{prefix}.{key}"]
        if saved.shape != target.shape:
            raise ValueError(f"array {prefix}.{key} has shape {saved.shape}, not {target.shape}")
        target[...] = saved
    for k in SERIES_SCALARS:
        setattr(s, k, state[k])


def save_checkpoint(trainer, path: str | os.PathLike) -> Path:
    """Write the trainer's whole state to `path` (an .npz a network file reader also reads)."""
    if trainer.phase == "pretrain":
        raise ValueError("a run cannot be checkpointed during layer-wise pretraining: save it once fine-tuning starts")
    arrays: dict[str, np.ndarray] = {}
    opt = trainer.optimizer
    for name, slots in opt.state.items():
        for key, value in slots.items():
            arrays[f"opt/{name}/{key}"] = value
    history = trainer.history
    state = {
        "kind": KIND,
        "version": VERSION,
        "config": config_table(trainer.experiment()),
        "base_dir": None if trainer.config.base_dir is None else str(trainer.config.base_dir),
        "source": trainer.config.source,
        "counters": {k: getattr(trainer, k) for k in COUNTERS},
        "divergence": {k: getattr(trainer._divergence, k) for k in WATCH},
        "early_stop": {k: getattr(trainer.early_stop, k) for k in early_stop.STATE},
        "optimizer": {"iterations": opt.iterations, "slots": sorted(arrays)},
        "epoch_budget": trainer.epoch_budget,
        "last_eval": trainer.last_eval,
        "events": [[e.step, e.epoch, e.kind, e.text] for e in trainer.events],
        "random": {"shuffle": trainer.rng.bit_generator.state, "network": trainer.network.rng.bit_generator.state},
        "history": {name: _series_state(f"history/{name}", s, arrays) for name, s in history.curves.items()}
        | {"grad_norms": _series_state("history/grad_norms", history.grad_norms, arrays)},
        "finetuning": trainer.pretrainer is not None,
    }
    arrays["run/order"] = trainer._order
    arrays["run/epoch_losses"] = np.asarray(trainer._epoch_losses, dtype=np.float64)
    if trainer.confusion is not None:
        arrays["run/confusion"] = trainer.confusion
    arrays[STATE] = np.array(json.dumps(state))
    return trainer.network.save(path, extra=arrays)


def read_checkpoint(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """The state document and arrays of a checkpoint; CheckpointError naming the file otherwise."""
    try:
        with np.load(path, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile) or STATE not in f.files:
                raise ValueError("no training state in it (a network saved without its run?)")
            arrays = {name: f[name] for name in f.files}
        state = json.loads(str(arrays.pop(STATE)))
        if state.get("kind") != KIND:
            raise ValueError("not a checkpoint")
        if state.get("version") != VERSION:
            raise ValueError(f"checkpoint version {state.get('version')!r}, this tuinn reads {VERSION}")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except (OSError, ValueError, EOFError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: not a tuinn checkpoint ({e})") from None
    return state, arrays


def checkpoint_config(path: str | os.PathLike, state: dict):
    """The run's settings as they were at the checkpoint, parsed and validated like a preset file."""
    base_dir = None if state.get("base_dir") is None else Path(state["base_dir"])
    try:
        return parse_config(dumps(state["config"]), source=str(path), base_dir=base_dir)
    except (ConfigError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: its settings do not parse ({e})") from None


def restore_checkpoint(trainer, path: str | os.PathLike, state: dict, arrays: dict[str, np.ndarray]) -> None:
    """Put a checkpoint's state into a trainer freshly built from `checkpoint_config`."""
    try:
        _restore(trainer, path, state, arrays)
    except (KeyError, ValueError, TypeError) as e:
        name = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise CheckpointError(f"{path}: does not fit the run it describes ({name})") from None


def _restore(trainer, path, state: dict, arrays: dict[str, np.ndarray]) -> None:
    net = trainer.network
    for name, p in net.params.items():  # check every array before changing anything
        if arrays[name].shape != p.shape:
            raise ValueError(f"parameter {name!r} has shape {arrays[name].shape}, the network needs {p.shape}")
    for name, p in net.params.items():
        p[...] = arrays[name]
    for layer, spec in zip(net.layers, json.loads(str(arrays["__meta__"]))["spec"]["layers"]):
        if layer.activation is not None and "activation" in spec:
            layer.set_activation(spec["activation"])
    counters = state["counters"]
    for k in COUNTERS:
        setattr(trainer, k, counters[k])
    for k in WATCH:
        setattr(trainer._divergence, k, state["divergence"][k])
    for k in early_stop.STATE:
        setattr(trainer.early_stop, k, state["early_stop"][k])
    if trainer.early_stop.waited >= trainer.config.target.patience:  # it had stopped early: resuming trains on
        trainer.early_stop.restart()
    trainer.optimizer = trainer._make_optimizer(trainer.optimizer_name)
    trainer.optimizer.iterations = state["optimizer"]["iterations"]
    for key in state["optimizer"]["slots"]:
        _, name, slot = key.split("/")
        trainer.optimizer.state.setdefault(name, {})[slot] = arrays[key].copy()
    trainer.last_eval = state["last_eval"]
    trainer.events = deque((Event(*e) for e in state["events"]), maxlen=trainer.events.maxlen)
    trainer.rng.bit_generator.state = state["random"]["shuffle"]
    net.rng.bit_generator.state = state["random"]["network"]
    history: History = trainer.history
    for name, s in history.curves.items():
        _restore_series(f"history/{name}", s, state["history"][name], arrays)
    _restore_series("history/grad_norms", history.grad_norms, state["history"]["grad_norms"], arrays)
    order = arrays["run/order"]
    if order.shape != trainer._order.shape:
        raise ValueError(f"the data has {len(trainer._order)} training samples, the checkpoint {len(order)}")
    trainer._order = order.copy()
    trainer._epoch_losses = [float(v) for v in arrays["run/epoch_losses"]]
    trainer.confusion = arrays.get("run/confusion")
    if state["finetuning"] and trainer.pretrainer is not None:
        trainer.pretrainer.position = len(trainer.pretrainer.layers)  # pretraining was done
    trainer.epoch_budget = max(state["epoch_budget"], trainer.config.train.epochs)  # --epochs may extend it
    trainer.finished = bool(trainer.diverged) or trainer.epoch >= trainer.epoch_budget


class Checkpoint:
    """A checkpoint read from disk: its settings (a RunConfig) and the state to put into a trainer."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.state, self.arrays = read_checkpoint(path)
        self.config = checkpoint_config(path, self.state)

    def restore(self, trainer) -> None:
        """Continue the checkpointed run in `trainer` (built from `self.config`, perhaps with more epochs)."""
        restore_checkpoint(trainer, self.path, self.state, self.arrays)


def save_run(trainer, path: str | os.PathLike) -> tuple[Path, str]:
    """Save a checkpoint, or only the network during pretraining; returns the path and what was saved."""
    if trainer.phase == "pretrain":
        return trainer.network.save(path), "the network (a run is checkpointed once pretraining is over)"
    return save_checkpoint(trainer, path), "a checkpoint"


def default_checkpoint_name(trainer) -> str:
    """Where the app's Save checkpoint writes: '<preset>-epoch<N>.npz' in the working folder."""
    return f"{trainer.config.name}-epoch{trainer.epoch}.npz"
