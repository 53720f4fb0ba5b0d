"""Presets and CLI flags -> RunConfig: frozen dataclasses; every error names the file and key.

A preset is a TOML file::

    name = "xor"
    description = "One paragraph: what this run teaches."
    seed = 0

    [data]            # handed to tuinn.data.load_data (its keys are checked there)
    kind = "truth_table"
    name = "xor"

    [model]           # handed to tuinn.nn.Network.from_spec
    loss = "binary_cross_entropy"
    [[model.layers]]
    type = "dense"
    units = 4
    activation = "tanh"

    [train]
    epochs = 2000
    batch_size = 0    # 0 means the full training set in one batch
    lr = 0.5
    optimizer = "sgd"

    [target]
    metric = "train_accuracy"
    value = 1.0
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from tuinn.config.safe_toml import TomlInputError, parse_toml, size_problem
from tuinn.config.schedule_table import ScheduleConfig, parse_schedule
from tuinn.nn.activations import ACTIVATIONS
from tuinn.nn.optimizers import OPTIMIZERS
from tuinn.nn.spec import DTYPES, SpecError, parse_spec

PRESET_PACKAGE = "tuinn.presets"
TOUR_FILE = "tour.toml"  # the tour's stops (tuinn.config.tour_file) live with the presets but are not one
TOP_KEYS = {
    "name",
    "description",
    "seed",
    "needs_data",
    "input_shape",
    "try",
    "lesson",
    "data",
    "model",
    "train",
    "target",
}
#: the panels a preset's (or a tour stop's) `lesson` may name: the layout gives them their full content first
LESSON_PANELS = (
    "network",
    "decision",
    "sample",
    "feature_maps",
    "gradients",
    "confusion",
    "loss",
    "status",
    "architecture",
)
TARGET_METRICS = ("train_accuracy", "val_accuracy", "train_loss", "val_loss")
PRETRAIN_KINDS = ("autoencoder",)
MAX_LR = 1000.0
OPTIMIZER_OPTIONS = {"momentum": float, "nesterov": bool, "beta1": float, "beta2": float, "rho": float, "eps": float}


class ConfigError(ValueError):
    """A preset or flag that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class PretrainConfig:
    """Greedy layer-wise pretraining before training ([train.pretrain]; see tuinn.train.pretrain)."""

    kind: str = "autoencoder"
    epochs: int = 10  # per hidden layer
    lr: float = 0.05
    optimizer: str = "adam"
    batch_size: int | None = None  # None: the [train] batch size


@dataclass(frozen=True)
class TrainConfig:
    """How to train: epochs, batch size (0 = full batch), optimizer and its settings."""

    epochs: int = 100
    batch_size: int = 32
    lr: float = 0.01
    optimizer: str = "sgd"
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    dtype: str = "float64"
    shuffle: bool = True
    stop_at_target: bool = True
    pretrain: PretrainConfig | None = None
    schedule: ScheduleConfig = ScheduleConfig()


@dataclass(frozen=True)
class Target:
    """What counts as success: `metric` reaching `value` (>= for accuracy, <= for loss)."""

    metric: str = "val_accuracy"
    value: float = 0.9
    explain_miss: str = ""
    patience: int = 0  # early stopping: evaluations without improvement before the run stops (0: never)
    min_delta: float = 0.0  # what counts as an improvement of the metric

    @property
    def higher_is_better(self) -> bool:
        return self.metric.endswith("accuracy")

    def met(self, value: float | None) -> bool:
        if value is None or value != value:  # None or NaN
            return False
        return value >= self.value if self.higher_is_better else value <= self.value

    def describe(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        return f"{self.metric.replace('_', ' ')} {op} {self.value:g}"


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, from a preset plus command-line overrides."""

    name: str
    description: str
    source: str  # the preset file, for messages
    seed: int
    data: dict[str, Any]
    model: dict[str, Any]
    train: TrainConfig
    target: Target
    needs_data: str = ""  # the sentence to show when the data files are not given
    input_shape: tuple[int, ...] = ()  # with needs_data: the shape the data will have, for --summary
    base_dir: Path | None = None  # where relative data paths are resolved
    things_to_try: tuple[str, ...] = ()  # the preset's `try` list: short experiments for the learner
    lesson: tuple[str, ...] = ()  # the panels the preset is about (LESSON_PANELS), most important first


def preset_names() -> list[str]:
    """Names of the built-in presets, sorted."""
    files = resources.files(PRESET_PACKAGE).iterdir()
    return sorted(f.name[: -len(".toml")] for f in files if f.name.endswith(".toml") and f.name != TOUR_FILE)


def load_preset(name: str) -> RunConfig:
    """Load the built-in preset called `name`."""
    if name not in preset_names():
        raise ConfigError(f"unknown preset {name!r}; known: {', '.join(preset_names())}")
    text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_config(text, source=f"preset {name}", base_dir=None)


def load_config_file(path: str | Path) -> RunConfig:
    """Load a user's preset file."""
    if not str(path):
        raise ConfigError("--config '': give the path of a preset file (TOML)")
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: a folder, not a preset file (TOML)")
    try:
        problem = size_problem(path.stat().st_size) if path.is_file() else None
        if problem:
            raise ConfigError(f"{path}: {problem}")
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    return parse_config(text, source=str(path), base_dir=path.resolve().parent)


def parse_config(text: str, source: str, base_dir: Path | None) -> RunConfig:
    """Parse and validate preset TOML text; `source` names it in messages."""
    try:
        raw = parse_toml(text)
    except TomlInputError as e:
        raise ConfigError(f"{source}: {e}") from None
    check = _Checker(source)
    check.keys(raw, TOP_KEYS, "")
    for key in ("name", "data", "model"):
        if key not in raw:
            raise ConfigError(f"{source}: missing key '{key}'")
    name = check.typed(raw, "name", str, "")
    description = check.typed(raw.get("description", ""), None, str, "description")
    seed = check.typed(raw.get("seed", 0), None, int, "seed")
    check_values(check.fail, {"seed": "seed"}, {"seed": seed})
    data = check.table(raw, "data")
    model = check.table(raw, "model")
    train = _parse_train(check, check.table(raw, "train") if "train" in raw else {})
    target = _parse_target(check, check.table(raw, "target") if "target" in raw else {})
    needs_data = check.typed(raw.get("needs_data", ""), None, str, "needs_data")
    input_shape = raw.get("input_shape", [])
    if not (
        isinstance(input_shape, list)
        and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in input_shape)
    ):
        check.fail("input_shape", f"must be a list of positive integers such as [28, 28, 1], got {input_shape!r}")
    _check_model_names(check, model)
    try:  # the engine's own checks of the table, before anything (--data's output fitting) adapts it
        parse_spec(model)
    except SpecError as e:
        raise ConfigError(f"{source}: [model] {e}") from None
    things_to_try = raw.get("try", [])
    if not (isinstance(things_to_try, list) and all(isinstance(t, str) for t in things_to_try)):
        check.fail("try", f"must be a list of strings, got {things_to_try!r}")
    lesson = parse_lesson(raw.get("lesson", []), check.fail)
    return RunConfig(
        name=name,
        description=" ".join(description.split()),
        source=source,
        seed=seed,
        data=data,
        model=model,
        train=train,
        target=target,
        needs_data=" ".join(needs_data.split()),
        input_shape=tuple(input_shape),
        base_dir=base_dir,
        things_to_try=tuple(" ".join(t.split()) for t in things_to_try),
        lesson=lesson,
    )


def parse_lesson(value: Any, fail: Callable[[str, str], NoReturn]) -> tuple[str, ...]:
    """A `lesson` list of panel names (LESSON_PANELS), checked; `fail("lesson", message)` raises."""
    if not (isinstance(value, list) and all(isinstance(name, str) for name in value)):
        fail("lesson", f'must be a list of panel names such as ["gradients"], got {value!r}')
    for name in value:
        if name not in LESSON_PANELS:
            fail("lesson", f"unknown panel {name!r}; known: {', '.join(LESSON_PANELS)}")
    return tuple(dict.fromkeys(value))


def check_values(fail: Callable[[str, str], NoReturn], names: dict[str, str], values: dict[str, Any]) -> None:
    """The rules every source of settings obeys (preset file and flags alike).

    `values` may hold seed, epochs, batch_size, lr, optimizer; `names` gives
    each one's name for messages ("train.lr" or "--lr"); `fail(name, message)` raises.
    """
    rules: dict[str, tuple[Callable[[Any], bool], str]] = {
        "seed": (lambda v: v >= 0, "must be a non-negative integer"),
        "epochs": (lambda v: v >= 1, "must be at least 1"),
        "batch_size": (lambda v: v >= 0, "must be 0 (full batch) or positive"),
        "lr": (lambda v: math.isfinite(v) and 0 < v <= MAX_LR, f"must be a positive number up to {MAX_LR:g}"),
        "optimizer": (lambda v: v in OPTIMIZERS, f"must be one of {', '.join(OPTIMIZERS)}"),
    }
    for key, value in values.items():
        ok, rule = rules[key]
        if not ok(value):
            fail(names[key], f"{rule}, got {value!r}")


def _parse_train(check: _Checker, t: dict[str, Any]) -> TrainConfig:
    allowed = {f.name for f in dataclasses.fields(TrainConfig)} - {"optimizer_options"}
    check.keys(t, allowed | set(OPTIMIZER_OPTIONS), "train")
    defaults = TrainConfig()
    epochs = check.typed(t.get("epochs", defaults.epochs), None, int, "train.epochs")
    batch = check.typed(t.get("batch_size", defaults.batch_size), None, int, "train.batch_size")
    lr = check.typed(t.get("lr", defaults.lr), None, float, "train.lr")
    optimizer = check.typed(t.get("optimizer", defaults.optimizer), None, str, "train.optimizer")
    dtype = check.typed(t.get("dtype", defaults.dtype), None, str, "train.dtype")
    values = {"epochs": epochs, "batch_size": batch, "lr": lr, "optimizer": optimizer}
    check_values(check.fail, {k: f"train.{k}" for k in values}, values)
    if dtype not in DTYPES:
        check.fail("train.dtype", f"must be one of {', '.join(DTYPES)}, got {dtype!r}")
    options = {k: check.typed(t[k], None, typ, f"train.{k}") for k, typ in OPTIMIZER_OPTIONS.items() if k in t}
    accepted = inspect.signature(OPTIMIZERS[optimizer]).parameters
    for key in options:
        if key not in accepted:
            check.fail(f"train.{key}", f"does not apply to optimizer {optimizer!r}")
    try:
        OPTIMIZERS[optimizer](lr=lr, **options)
    except ValueError as e:  # the optimizer's own rule, e.g. "beta1 must be in [0, 1)"
        key = str(e).split()[0]
        check.fail(f"train.{key}" if key in options else "train", str(e))
    return TrainConfig(
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        optimizer=optimizer,
        optimizer_options=options,
        dtype=dtype,
        shuffle=check.typed(t.get("shuffle", True), None, bool, "train.shuffle"),
        stop_at_target=check.typed(t.get("stop_at_target", True), None, bool, "train.stop_at_target"),
        pretrain=_parse_pretrain(check, t["pretrain"]) if "pretrain" in t else None,
        schedule=parse_schedule(t["schedule"], lr, check.typed, check.fail) if "schedule" in t else ScheduleConfig(),
    )


def _parse_pretrain(check: _Checker, t: Any) -> PretrainConfig:
    if not isinstance(t, dict):
        check.fail("train.pretrain", f"must be a table ([train.pretrain]), got {t!r}")
    check.keys(t, {f.name for f in dataclasses.fields(PretrainConfig)}, "train.pretrain")
    defaults = PretrainConfig()
    kind = check.typed(t.get("kind", defaults.kind), None, str, "train.pretrain.kind")
    if kind not in PRETRAIN_KINDS:
        check.fail("train.pretrain.kind", f"must be one of {', '.join(PRETRAIN_KINDS)}, got {kind!r}")
    values = {
        "epochs": check.typed(t.get("epochs", defaults.epochs), None, int, "train.pretrain.epochs"),
        "lr": check.typed(t.get("lr", defaults.lr), None, float, "train.pretrain.lr"),
        "optimizer": check.typed(t.get("optimizer", defaults.optimizer), None, str, "train.pretrain.optimizer"),
    }
    if "batch_size" in t:
        values["batch_size"] = check.typed(t["batch_size"], None, int, "train.pretrain.batch_size")
    check_values(check.fail, {k: f"train.pretrain.{k}" for k in values}, values)
    return PretrainConfig(kind=kind, **values)


def _parse_target(check: _Checker, t: dict[str, Any]) -> Target:
    check.keys(t, {"metric", "value", "explain_miss", "patience", "min_delta"}, "target")
    metric = check.typed(t.get("metric", Target.metric), None, str, "target.metric")
    if metric not in TARGET_METRICS:
        check.fail("target.metric", f"must be one of {', '.join(TARGET_METRICS)}, got {metric!r}")
    value = check.typed(t.get("value", Target.value), None, float, "target.value")
    if metric.endswith("accuracy") and not 0.0 <= value <= 1.0:
        check.fail("target.value", f"an accuracy target must be between 0 and 1, got {value}")
    explain = check.typed(t.get("explain_miss", ""), None, str, "target.explain_miss")
    patience = check.typed(t.get("patience", 0), None, int, "target.patience")
    if patience < 0:
        check.fail("target.patience", f"must be 0 (no early stopping) or a number of evaluations, got {patience}")
    min_delta = check.typed(t.get("min_delta", 0.0), None, float, "target.min_delta")
    if not (math.isfinite(min_delta) and min_delta >= 0):
        check.fail("target.min_delta", f"must be a number from 0 up, got {min_delta!r}")
    return Target(
        metric=metric, value=value, explain_miss=" ".join(explain.split()), patience=patience, min_delta=min_delta
    )


def _check_model_names(check: _Checker, model: dict[str, Any]) -> None:
    """Catch unknown activations early, naming the exact key (the engine checks the rest)."""
    layers = model.get("layers")
    if not isinstance(layers, list):
        check.fail("model.layers", "must be an array of tables ([[model.layers]])")
    for i, layer in enumerate(layers):  # counted from 0, as `--set model.layers[0].units=8` is
        if not isinstance(layer, dict):
            check.fail(f"model.layers[{i}]", "must be a table")
        act = layer.get("activation")
        if act is not None and (not isinstance(act, str) or act not in ACTIVATIONS):
            check.fail(
                f"model.layers[{i}].activation",
                f"unknown activation {act!r}; known: {', '.join(ACTIVATIONS)}",
            )


class _Checker:
    """Validation helpers that raise ConfigError naming the source and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> NoReturn:
        raise ConfigError(f"{self.source}: key '{key}': {message}")

    def keys(self, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                full = f"{prefix}.{key}" if prefix else key
                self.fail(full, f"unknown key; allowed: {', '.join(sorted(allowed))}")

    def table(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        value: dict[str, Any] = raw[key]
        if not isinstance(value, dict):
            self.fail(key, f"must be a table ([{key}]), got {type(value).__name__}")
        return value

    def typed(self, value: Any, key: str | None, typ: type, name: str) -> Any:
        if key is not None:
            value = value[key]
            name = key
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if typ is int and isinstance(value, bool):
            self.fail(name, f"must be an integer, got {value!r}")
        if not isinstance(value, typ):
            self.fail(name, f"must be {_TYPE_NAMES[typ]}, got {value!r}")
        return value


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def with_overrides(config: RunConfig, **flags: Any) -> RunConfig:
    """Apply command-line flags (None means 'not given') to a RunConfig; bad values name the flag."""
    given = {k: v for k, v in flags.items() if v is not None}

    def fail(flag: str, message: str) -> NoReturn:
        raise ConfigError(f"{flag}: {message}")

    checked = {k: v for k, v in given.items() if k in ("seed", "epochs", "batch_size", "lr", "optimizer")}
    check_values(fail, {k: "--" + k.replace("_", "-") for k in checked}, checked)
    if given.get("lr", math.inf) < config.train.schedule.min_lr:
        fail("--lr", f"must be at least the schedule's min_lr ({config.train.schedule.min_lr:g}), got {given['lr']!r}")
    train_changes = {k: v for k, v in given.items() if k in ("epochs", "lr", "optimizer", "batch_size")}
    changes: dict[str, Any] = {}
    if train_changes:
        options = config.train.optimizer_options
        if train_changes.get("optimizer", config.train.optimizer) != config.train.optimizer:
            options = {}  # the preset's options were for its own optimizer
        changes["train"] = dataclasses.replace(config.train, optimizer_options=options, **train_changes)
    if "seed" in given:
        changes["seed"] = given["seed"]
    if "activation" in given:
        changes["model"] = with_hidden_activation(config.model, given["activation"])
    if "data" in given:
        changes["data"] = given["data"]
        changes["needs_data"] = ""
        changes["base_dir"] = None
    return dataclasses.replace(config, **changes)


def with_hidden_activation(model: dict[str, Any], activation: str) -> dict[str, Any]:
    """A copy of the model spec with every hidden layer's activation set to `activation`."""
    if activation not in ACTIVATIONS or activation == "softmax":
        raise ConfigError(
            f"--activation: unknown hidden activation {activation!r}; known: "
            + ", ".join(a for a in ACTIVATIONS if a != "softmax")
        )
    layers = [dict(layer) for layer in model["layers"]]
    hidden = [layer for layer in layers[:-1] if "activation" in layer or layer.get("type") in ("dense", "conv2d")]
    if not hidden:
        raise ConfigError("--activation: this network has no hidden layers to switch")
    for layer in hidden:
        layer["activation"] = activation
    return {**model, "layers": layers}
