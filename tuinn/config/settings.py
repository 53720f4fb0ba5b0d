"""Settings by dotted key (`--set data.noise=30`, the lab's edits) and a RunConfig written back as a preset.

A key names a place in the preset's TOML as the error messages do: ``data.noise``,
``train.lr``, ``model.layers[0].units`` (layers counted from 0), ``target.value``.
A value is read as TOML (``30``, ``0.5``, ``true``, ``["x1", "x2"]``,
``{type = "dense", units = 4}``); anything that is not TOML is taken as a string,
so ``--set data.name=circle`` needs no quotes. The changed preset is checked like a file.
"""

from __future__ import annotations

import copy
import inspect
import os
import string
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import tomli_w

from tuinn.config.run_config import OPTIMIZER_OPTIONS, ConfigError, RunConfig, parse_config
from tuinn.config.schedule_table import schedule_table
from tuinn.nn.atomic import write_atomically
from tuinn.nn.optimizers import OPTIMIZERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

NAME_START = frozenset(string.ascii_letters + "_")
NAME_CHARACTERS = NAME_START | frozenset(string.digits)
MAX_INDEX_DIGITS = 18  # a longer list index is no index of any list (and int() refuses thousands of digits)


def config_table(config: RunConfig) -> dict[str, Any]:
    """The preset table (as TOML would hold it) that parses back to `config`."""
    train = config.train
    table: dict[str, Any] = {"name": config.name, "description": config.description, "seed": config.seed}
    if config.needs_data:
        table["needs_data"] = config.needs_data
    if config.input_shape:
        table["input_shape"] = list(config.input_shape)
    if config.things_to_try:
        table["try"] = list(config.things_to_try)
    if config.lesson:
        table["lesson"] = list(config.lesson)
    table["data"] = copy.deepcopy(config.data)
    table["model"] = copy.deepcopy(config.model)
    table["train"] = {
        "epochs": train.epochs,
        "batch_size": train.batch_size,
        "lr": train.lr,
        "optimizer": train.optimizer,
        **train.optimizer_options,
        "dtype": train.dtype,
        "shuffle": train.shuffle,
        "stop_at_target": train.stop_at_target,
    }
    if schedule_table(train.schedule):
        table["train"]["schedule"] = schedule_table(train.schedule)
    table["target"] = {"metric": config.target.metric, "value": config.target.value}
    if config.target.patience:
        table["target"] |= {"patience": config.target.patience, "min_delta": config.target.min_delta}
    if config.target.explain_miss:
        table["target"]["explain_miss"] = config.target.explain_miss
    return table


def parse_setting(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` -> (key, value), the value read as TOML or else as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, such as data.noise=30")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def _parts(key: str) -> list[tuple[str, list[int]]]:
    """'model.layers[0].units' -> [('model', []), ('layers', [0]), ('units', [])]; ConfigError if malformed."""
    parts = []
    for part in key.split("."):
        parsed = _part(part)
        if parsed is None:
            raise ConfigError(
                f"--set {key}: {part!r} is not a key name (write keys as data.noise or model.layers[0].units)"
            )
        parts.append(parsed)
    return parts


def _part(part: str) -> tuple[str, list[int]] | None:
    """'layers[0][1]' -> ('layers', [0, 1]); None unless a name ([A-Za-z_][A-Za-z0-9_]*) and [digits] indices."""
    name, bracket, rest = part.partition("[")
    if not name or name[0] not in NAME_START or not NAME_CHARACTERS.issuperset(name):
        return None
    indices = []
    if bracket:
        if not rest.endswith("]"):
            return None
        for index in rest[:-1].split("]["):
            if not (index.isdecimal() and len(index) <= MAX_INDEX_DIGITS):
                return None
            indices.append(int(index))
    return name, indices


def get_key(table: dict[str, Any], key: str) -> Any:
    """The value at dotted `key` of `table`, or None when there is none."""
    node: Any = table
    for name, indices in _parts(key):
        node = node.get(name) if isinstance(node, dict) else None
        for index in indices:
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return node


def set_key(table: dict[str, Any], key: str, value: Any) -> None:
    """Put `value` at dotted `key` of `table`; ConfigError naming the key if the path does not exist."""
    parts = _parts(key)
    node: Any = table
    path = ""
    for n, (name, indices) in enumerate(parts):
        last = n == len(parts) - 1
        path = f"{path}.{name}" if path else name
        if not isinstance(node, dict):
            raise ConfigError(f"--set {key}: '{path.rsplit('.', 1)[0]}' is not a table")
        if last and not indices:
            node[name] = value
            return
        if name not in node:
            if indices:
                raise ConfigError(f"--set {key}: the preset has no list '{path}'")
            node[name] = {}
        node = node[name]
        for j, index in enumerate(indices):
            if not isinstance(node, list):
                raise ConfigError(f"--set {key}: '{path}' is not a list")
            if index >= len(node):
                raise ConfigError(
                    f"--set {key}: '{path}' has {len(node)} entries, counted from 0 "
                    f"({path}[0] to {path}[{len(node) - 1}])"
                )
            path = f"{path}[{index}]"
            if last and j == len(indices) - 1:
                node[index] = value
                return
            node = node[index]


def with_settings(config: RunConfig, settings: Iterable[str | tuple[str, Any]]) -> RunConfig:
    """`config` with each ``KEY=VALUE`` (or (key, value)) applied, validated as a preset file is."""
    pairs = [parse_setting(s) if isinstance(s, str) else s for s in settings]
    if not pairs:
        return config
    table = config_table(config)
    for key, value in pairs:
        set_key(table, key, value)
    if "train.optimizer" in dict(pairs):  # the old optimizer's options go, unless set too
        _drop_foreign_options(table["train"], {k for k, _ in pairs})
    return parse_config(dumps(table), source=config.source, base_dir=config.base_dir)


def _drop_foreign_options(train: dict[str, Any], given: set[str]) -> None:
    """Remove options the (new) optimizer does not take, except those set explicitly."""
    optimizer = OPTIMIZERS.get(str(train.get("optimizer")))
    if optimizer is None:
        return  # parse_config names the unknown optimizer
    accepted = inspect.signature(optimizer).parameters
    for key in [k for k in train if k in OPTIMIZER_OPTIONS and k not in accepted and f"train.{k}" not in given]:
        del train[key]


def dumps(table: dict[str, Any]) -> str:
    """A preset table as TOML text."""
    try:
        return tomli_w.dumps(table, multiline_strings=True)
    except TypeError as e:  # a value TOML cannot hold (None, an object)
        raise ConfigError(f"cannot write this preset as TOML: {e}") from None


def save_preset(config: RunConfig, path: str | os.PathLike[str], name: str | None = None) -> Path:
    """Write `config` as a preset file `--config` reads back (through a temporary file and a rename).

    `name` renames the preset; a relative data path is made absolute, so the file can live anywhere.
    """
    target = Path(path)
    table = config_table(config)
    table["name"] = name or config.name
    if "path" in table["data"] and config.base_dir is not None:
        table["data"]["path"] = str((config.base_dir / table["data"]["path"]).resolve())
    text = dumps(table)
    parse_config(text, source=str(target), base_dir=target.resolve().parent)  # it must read back

    def write(f: IO[Any]) -> None:
        f.write(text)

    write_atomically(target, write, mode="w")
    return target
