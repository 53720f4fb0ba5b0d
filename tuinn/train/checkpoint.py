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
import zipfile
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.config import ConfigError, RunConfig, parse_config
from tuinn.config.settings import config_table, dumps
from tuinn.train.evaluation import Evaluation
from tuinn.train.lab import hidden_activation
from tuinn.train.run_parts import Probe, RunParts
from tuinn.train.setup import build_optimizer
from tuinn.train.snapshot import Event
from tuinn.train.state import RunStatus

KIND = "tuinn-checkpoint"
VERSION = 2  # 2: the lr series in the History, the early-stopping watch
STATE = "__checkpoint__"


class CheckpointError(ValueError):
    """A file that is not a checkpoint this tuinn can resume; the message names the file."""


def save_checkpoint(trainer: RunParts, path: str | os.PathLike[str]) -> Path:
    """Write the trainer's whole state to `path` (an .npz a network file reader also reads)."""
    if trainer.phase == "pretrain":
        raise ValueError("a run cannot be checkpointed during layer-wise pretraining: save it once fine-tuning starts")
    arrays: dict[str, np.ndarray] = {}
    opt = trainer.optimizer
    for name, slot_values in opt.state.items():
        for key, value in slot_values.items():
            arrays[f"opt/{name}/{key}"] = value
    slots = sorted(arrays)
    clock = trainer.clock.state(arrays)
    status = trainer.status
    counters = {
        "step_count": clock.pop("step_count"),
        "epoch": clock.pop("epoch"),
        "samples_seen": clock.pop("samples_seen"),
        "_cursor": clock.pop("_cursor"),
        "lr": trainer.lr,
        "optimizer_name": trainer.config.train.optimizer,
        "hidden_activation": hidden_activation(trainer.config, trainer.network),
        "selected": trainer.probe.layer,
        "sample_index": trainer.probe.sample,
        "target_met": status.target_met,
        "diverged": status.diverged,
        "_evaluated_at": trainer.clock.evaluated_at,
        "_recorded_lr": trainer.recorded_lr,
    }
    state = {
        "kind": KIND,
        "version": VERSION,
        "config": config_table(trainer.config),
        "base_dir": None if trainer.config.base_dir is None else str(trainer.config.base_dir),
        "source": trainer.config.source,
        "counters": counters,
        "divergence": trainer.divergence.state(),
        "early_stop": trainer.early_stop.state(),
        "optimizer": {"iterations": opt.iterations, "slots": slots},
        "epoch_budget": clock.pop("epoch_budget"),
        "last_eval": trainer.last.figures,
        "events": [[e.step, e.epoch, e.kind, e.text] for e in trainer.events],
        "random": {"shuffle": clock.pop("shuffle"), "network": trainer.network.rng.bit_generator.state},
        "history": trainer.history.state(arrays),
        "finetuning": trainer.pretrainer is not None,
    }
    if trainer.last.confusion is not None:
        arrays["run/confusion"] = trainer.last.confusion
    arrays[STATE] = np.array(json.dumps(state))
    return trainer.network.save(path, extra=arrays)


def read_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
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
    except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as e:
        raise CheckpointError(f"{path}: not a tuinn checkpoint ({e})") from None
    return state, arrays


def checkpoint_config(path: str | os.PathLike[str], state: dict[str, Any]) -> RunConfig:
    """The run's settings as they were at the checkpoint, parsed and validated like a preset file."""
    base_dir = None if state.get("base_dir") is None else Path(state["base_dir"])
    try:
        return parse_config(dumps(state["config"]), source=str(path), base_dir=base_dir)
    except (ConfigError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: its settings do not parse ({e})") from None


def restore_checkpoint(
    trainer: RunParts, path: str | os.PathLike[str], state: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Put a checkpoint's state into a trainer freshly built from `checkpoint_config` (its record)."""
    try:
        _restore(trainer, state, arrays)
    except (KeyError, ValueError, TypeError) as e:
        name = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise CheckpointError(f"{path}: does not fit the run it describes ({name})") from None


def _restore(trainer: RunParts, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    net = trainer.network
    for name, p in net.params.items():  # check every array before changing anything
        if arrays[name].shape != p.shape:
            raise ValueError(f"parameter {name!r} has shape {arrays[name].shape}, the network needs {p.shape}")
    counters = state["counters"]
    clock = {k: counters[k] for k in ("step_count", "epoch", "samples_seen", "_cursor")}
    clock |= {"epoch_budget": state["epoch_budget"], "shuffle": state["random"]["shuffle"]}
    trainer.clock.restore(clock, arrays)
    trainer.history.restore(state["history"], arrays)
    for name, p in net.params.items():
        p[...] = arrays[name]
    net.rng.bit_generator.state = state["random"]["network"]
    trainer.lr, trainer.recorded_lr = counters["lr"], counters["_recorded_lr"]
    trainer.probe = Probe(counters["selected"], counters["sample_index"])
    trainer.clock.evaluated_at = counters["_evaluated_at"]
    trainer.divergence.restore(state["divergence"])
    trainer.early_stop.restore(state["early_stop"])
    trainer.optimizer = build_optimizer(trainer.config, trainer.lr)
    trainer.optimizer.iterations = state["optimizer"]["iterations"]
    for key in state["optimizer"]["slots"]:
        _, name, slot = key.split("/")
        trainer.optimizer.state.setdefault(name, {})[slot] = arrays[key].copy()
    confusion = arrays.get("run/confusion")
    trainer.last = Evaluation(state["last_eval"], confusion, None)
    trainer.events = deque((Event(*e) for e in state["events"]), maxlen=trainer.events.maxlen)
    if state["finetuning"] and trainer.pretrainer is not None:
        trainer.pretrainer.position = len(trainer.pretrainer.layers)  # pretraining was done
    clock_ = trainer.clock
    clock_.budget = max(clock_.budget, trainer.config.train.epochs)  # --epochs may extend it
    trainer.status = RunStatus(
        target_met=counters["target_met"],
        target_announced=any(e.kind == "target" for e in trainer.events),
        diverged=counters["diverged"],
        finished=bool(counters["diverged"]) or clock_.epoch >= clock_.budget,
    )


class Checkpoint:
    """A checkpoint read from disk: its settings (a RunConfig) and the state to put into a trainer."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.state, self.arrays = read_checkpoint(path)
        self.config = checkpoint_config(path, self.state)

    def restore(self, trainer: RunParts) -> None:
        """Continue the checkpointed run in `trainer` (built from `self.config`, perhaps with more epochs)."""
        restore_checkpoint(trainer, self.path, self.state, self.arrays)


def save_run(trainer: RunParts, path: str | os.PathLike[str]) -> tuple[Path, str]:
    """Save a checkpoint, or only the network during pretraining; returns the path and what was saved."""
    if trainer.phase == "pretrain":
        return trainer.network.save(path), "the network (a run is checkpointed once pretraining is over)"
    return save_checkpoint(trainer, path), "a checkpoint"


def default_checkpoint_name(trainer: RunParts) -> str:
    """Where the app's Save checkpoint writes: '<preset>-epoch<N>.npz' in the working folder."""
    return f"{trainer.config.name}-epoch{trainer.epoch}.npz"


def save_now(trainer: RunParts, path: str | None) -> str:
    """Save the run between steps (the app's key): what was written where, or why it could not be, for an event."""
    target = path or default_checkpoint_name(trainer)
    try:
        written, what = save_run(trainer, target)
    except OSError as e:
        return f"could not save {target}: {e.strerror or e}"
    return f"saved {what} to {written}"
