"""The engine as a library: bad specs raise SpecError, bad arrays ArrayError naming the layer and both shapes."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn import ArrayError, Network, SpecError, make_optimizer

SPEC = {
    "layers": [
        {"type": "dense", "units": 3, "activation": "tanh"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_cross_entropy",
}


def test_numpy_integers_are_integers():
    spec = {**SPEC, "layers": [{**SPEC["layers"][0], "units": np.int64(3)}, SPEC["layers"][1]]}
    assert Network.from_spec(spec, (np.int64(2),), seed=np.int64(1)).parameter_count == 13


@pytest.mark.parametrize(
    "spec, shape, seed, message",
    [
        (None, (2,), 0, "a model spec is a dict"),
        (3, (2,), 0, "a model spec is a dict"),
        (SPEC, (2,), -1, "seed must be a non-negative integer, got -1"),
        (SPEC, (-1,), 0, r"input_shape must be a tuple of positive integers .* got \(-1,\)"),
        (SPEC, (2.5,), 0, r"input_shape .* got \(2.5,\)"),
        (SPEC, 2, 0, "input_shape"),
        ({**SPEC, "loss": object()}, (2,), 0, "not a number, string, bool, list or dict"),
    ],
)
def test_bad_specs_raise_spec_error(spec, shape, seed, message):
    with pytest.raises(SpecError, match=message):
        Network.from_spec(spec, shape, seed=seed)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((4, 3)), r"layer 1 \(dense_1\) takes a batch of shape \(N, 2\) with N >= 1, got shape \(4, 3\)"),
        (np.zeros((0, 2)), r"got shape \(0, 2\)"),
        (np.zeros(2), r"got shape \(2,\)"),
        ([[0.0, 1.0]], "got an object without a shape"),
        (np.zeros((4, 2), dtype=complex), "takes real numbers, got an array of complex128"),
    ],
)
def test_bad_inputs_raise_array_error(x, message):
    net = Network.from_spec(SPEC, (2,))
    with pytest.raises(ArrayError, match=message):
        net.forward(x)
    with pytest.raises(ArrayError, match=message):
        net.loss_and_grads(x, np.zeros((len(x) if hasattr(x, "__len__") else 1, 1)))


def test_bad_targets_name_the_output_layer_and_both_shapes():
    net = Network.from_spec(SPEC, (2,))
    with pytest.raises(
        ArrayError, match=r"targets have shape \(4, 2\), .* has shape \(4, 1\) \(its output layer is dense_2\)"
    ):
        net.loss_and_grads(np.zeros((4, 2)), np.zeros((4, 2)))
    assert issubclass(ArrayError, ValueError) and issubclass(SpecError, ValueError)


@pytest.mark.parametrize("options", [{"lr": "0.1"}, {"lr": True}, {"lr": 0.1, "momentum": "0.9"}])
def test_optimizer_settings_of_the_wrong_kind_are_value_errors(options):
    with pytest.raises(ValueError, match="must be"):
        make_optimizer("sgd", **options)
