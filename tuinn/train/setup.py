"""Set-up: the data, network, targets and optimizer of a run, built from its RunConfig."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from tuinn.config import ConfigError, RunConfig
from tuinn.data import DataError, Dataset, load_data
from tuinn.nn import Network, SpecError, make_optimizer
from tuinn.nn.layers.base import ActivatedLayer
from tuinn.nn.optimizers import Optimizer
from tuinn.nn.plan import NetworkPlan, plan_network
from tuinn.train.budget import check_budget
from tuinn.train.pretrain import Pretrainer

# independent random streams derived from the run's seed (the network uses the seed itself)
DATA_STREAM, EVAL_STREAM, SHUFFLE_STREAM, PRETRAIN_STREAM = 1, 2, 3, 4


def quiet_float_errors() -> Any:
    """Silence NumPy's overflow warnings in a training loop: divergence is reported as a message."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


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


def batch_size(config: RunConfig, dataset: Dataset) -> int:
    """Samples a training step takes: the configured batch (0: all), at most the training set."""
    n_train = len(dataset.x_train)
    return min(config.train.batch_size or n_train, n_train)


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


def with_network_activations(config: RunConfig, network: Network) -> RunConfig:
    """`config` whose layer tables name each layer's activation as the network has it (defaults spelt out)."""
    layers = [dict(spec) for spec in config.model["layers"]]
    for spec, layer in zip(layers, network.layers):
        if layer.activation is not None and ("activation" in spec or layer.activation != "linear"):
            spec["activation"] = layer.activation
    if layers == config.model["layers"]:
        return config
    return dataclasses.replace(config, model={**config.model, "layers": layers})


def encode_targets(config: RunConfig, dataset: Dataset, y: np.ndarray, network: Network) -> np.ndarray:
    """Labels as the network's outputs: values for regression, one column for two classes, else one-hot."""
    dtype = np.dtype(config.train.dtype)
    if dataset.task == "regression":
        return np.asarray(y, dtype=dtype).reshape(len(y), -1)
    units = network.output_shape[-1]
    if units == 1:
        return np.asarray(y, dtype=dtype).reshape(-1, 1)
    onehot = np.zeros((len(y), units), dtype=dtype)
    onehot[np.arange(len(y)), y] = 1.0
    return onehot


def check_output(config: RunConfig, dataset: Dataset, network: Network) -> None:
    """Refuse (ConfigError, as the command line words it) an output layer that does not fit the data."""
    shape = network.output_shape
    units = shape[-1] if len(shape) == 1 else None
    where = f"{config.source}: key 'model.layers[{len(network.layers) - 1}].units'"
    if dataset.task == "regression":
        if units != dataset.outputs:
            raise ConfigError(
                f"{where}: the data has {dataset.outputs} regression output(s); the last layer gives {shape}"
            )
        return
    wanted = 1 if dataset.classes == 2 and units == 1 else dataset.classes
    if units != wanted:
        raise ConfigError(
            f"{where}: the data has {dataset.classes} classes; the last layer gives {shape}, it needs {dataset.classes} units (or 1 for two classes)"
        )
    if units == 1 and network.loss.name == "softmax_cross_entropy":
        raise ConfigError(f"{where}: softmax cross-entropy needs one unit per class")


def build_optimizer(config: RunConfig, lr: float) -> Optimizer:
    """The run's optimizer with its options, at learning rate `lr`."""
    return make_optimizer(config.train.optimizer, lr, **config.train.optimizer_options)


def build_pretrainer(config: RunConfig, network: Network, dataset: Dataset) -> Pretrainer | None:
    """The layer-wise pretraining phase that runs before training, if the preset asks for one."""
    pre = config.train.pretrain
    if pre is None:
        return None
    batch = pre.batch_size if pre.batch_size is not None else config.train.batch_size
    seed = stream_seed(config.seed, PRETRAIN_STREAM)
    try:
        return Pretrainer(network, dataset.x_train, pre, batch or len(dataset.x_train), seed)
    except ValueError as e:
        raise ConfigError(f"{config.source}: {e}") from None


def apply_layer_settings(network: Network, config: RunConfig) -> None:
    """The record's settings a running network takes without surgery: L1, L2, dropout rates, activations."""
    network.l1 = float(config.model.get("l1", 0.0))
    network.l2 = float(config.model.get("l2", 0.0))
    for layer, spec in zip(network.layers, config.model["layers"]):
        if "rate" in spec and hasattr(layer, "rate"):
            layer.rate = float(spec["rate"])
        if isinstance(layer, ActivatedLayer) and "activation" in spec and layer.activation != spec["activation"]:
            layer.set_activation(spec["activation"])
