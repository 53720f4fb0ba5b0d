"""Data-parallel steps: any thread count gives the single-threaded result within the tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tests.nn.parallel_support import batch, relative_difference, train
from tuinn.nn import Network, step_plan
from tuinn.nn.step_plan import MAX_GEMM_SHARE, RELATIVE_TOLERANCE


def dense(units: int, activation: str = "relu") -> dict:
    return {"type": "dense", "units": units, "activation": activation}


def conv(filters: int) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": 3, "padding": 1, "activation": "relu"}


CLASSIFIER = {"loss": "softmax_cross_entropy"}
MLP = {"layers": [dense(256), dense(256, "tanh"), dense(10, "softmax")], **CLASSIFIER}
CNN = {
    "layers": [conv(8), {"type": "maxpool2d", "pool_size": 2}, conv(8), {"type": "flatten"}, dense(10, "softmax")],
    **CLASSIFIER,
}
NETS = {"mlp": (MLP, (200,)), "cnn": (CNN, (12, 12, 2))}


def build(name: str, threads: int, dtype=np.float32, **extra) -> Network:
    spec, shape = NETS[name]
    net = Network.from_spec({**spec, **extra}, shape, seed=1, dtype=dtype)
    net.set_threads(threads)
    return net


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(limits=1):  # as the Trainer runs workers
        yield


@pytest.fixture(autouse=True)
def split_gemm_bound_nets_too(monkeypatch):
    """These tests check the split itself, on a dense net as well: no calibration, and the rule that
    keeps GEMM-bound nets whole is off."""
    monkeypatch.setattr(step_plan, "CALIBRATE", False)
    monkeypatch.setattr(step_plan, "MAX_GEMM_SHARE", 1.0)


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("threads", [2, 3, 4])
def test_gradients_match_one_thread_within_the_tolerance(name: str, threads: int) -> None:
    x, y = batch(NETS[name][1])
    one, many = build(name, 1), build(name, threads)
    assert many._parallel.shards(len(x)) == threads  # it really splits
    loss_one, _ = one.loss_and_grads(x, y)
    loss_many, _ = many.loss_and_grads(x, y)
    assert loss_many == pytest.approx(loss_one, rel=RELATIVE_TOLERANCE)
    assert relative_difference(many.flat_grads, one.flat_grads) < RELATIVE_TOLERANCE
    for key, g in one.grads.items():  # every parameter, not only the norm of all of them
        np.testing.assert_allclose(many.grads[key], g, rtol=1e-3, atol=RELATIVE_TOLERANCE * np.abs(g).max())


def test_float64_agrees_to_rounding() -> None:
    x, y = batch((12, 12, 2), dtype=np.float64)
    one, two = build("cnn", 1, np.float64), build("cnn", 2, np.float64)
    one.loss_and_grads(x, y)
    two.loss_and_grads(x, y)
    assert relative_difference(two.flat_grads, one.flat_grads) < 1e-12


def test_one_thread_count_repeats_bit_for_bit() -> None:
    a, b = build("cnn", 2), build("cnn", 2)
    assert train(a) == train(b)
    assert np.array_equal(a.flat_params, b.flat_params)


def test_training_at_two_threads_follows_one_thread() -> None:
    one, two = build("mlp", 1), build("mlp", 2)
    losses_one, losses_two = train(one), train(two)
    np.testing.assert_allclose(losses_two, losses_one, rtol=1e-4)
    assert losses_two[-1] < losses_two[0]  # it learns
    assert relative_difference(two.flat_params, one.flat_params) < 1e-4


def test_penalties_are_counted_once() -> None:
    x, y = batch((200,))
    one, two = build("mlp", 1, l2=0.01, l1=0.001), build("mlp", 2, l2=0.01, l1=0.001)
    loss_one, _ = one.loss_and_grads(x, y)
    loss_two, _ = two.loss_and_grads(x, y)
    assert loss_two == pytest.approx(loss_one, rel=RELATIVE_TOLERANCE)
    assert relative_difference(two.flat_grads, one.flat_grads) < RELATIVE_TOLERANCE


def test_workers_follow_an_activation_switch() -> None:
    x, y = batch((200,))
    one, two = build("mlp", 1), build("mlp", 2)
    two.loss_and_grads(x, y)  # the workers exist now, with relu
    for net in (one, two):
        net.set_activation("sigmoid")
    one.loss_and_grads(x, y)
    two.loss_and_grads(x, y)
    assert relative_difference(two.flat_grads, one.flat_grads) < RELATIVE_TOLERANCE


def test_tiny_nets_stay_on_one_thread() -> None:
    xor = Network.from_spec({"layers": [dense(4, "tanh"), dense(1, "sigmoid")], "loss": "binary_cross_entropy"}, (2,))
    xor.set_threads(4)
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    xor.loss_and_grads(x, np.array([[0.0], [1.0], [1.0], [0.0]]))
    assert xor._parallel.shards(4) == 1
    assert xor._parallel._crew is None  # no thread was ever started
    assert build("mlp", 4)._parallel.shards(8) == 1  # 8 samples: too few to split
    assert build("mlp", 4)._parallel.shards(16) == 1  # too little work in each layer call


def test_dropout_nets_stay_on_one_thread() -> None:
    layers = [dense(100), {"type": "dropout", "rate": 0.5}, dense(10, "softmax")]
    net = Network.from_spec({"layers": layers, **CLASSIFIER}, (100,))
    net.set_threads(2)
    assert net._parallel.shards(64) == 1


def test_a_replica_shares_weights_and_owns_its_gradients() -> None:
    net = build("cnn", 2)
    copy = net.replica()
    for a, b in zip(copy.layers, net.layers):
        for key in b.parameters:
            assert a.parameters[key] is b.parameters[key]
            assert not np.shares_memory(a.gradients[key], net.flat_grads)
    assert copy.flat_params is net.flat_params


def test_threads_must_be_positive() -> None:
    with pytest.raises(ValueError, match="threads"):
        build("mlp", 1).set_threads(0)


def test_gemm_bound_nets_stay_whole_and_memory_bound_ones_split(monkeypatch) -> None:
    """The rule as shipped: the dense net (GEMMs ~80% of its step) keeps one shard, the CNN splits."""
    monkeypatch.setattr(step_plan, "MAX_GEMM_SHARE", MAX_GEMM_SHARE)
    assert build("mlp", 2)._parallel.shards(128) == 1
    assert build("cnn", 2)._parallel.shards(128) == 2
