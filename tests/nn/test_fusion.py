"""Max-pooling before a commuting activation in training: the same loss and gradients as in order."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad

from tuinn.nn import Network
from tuinn.nn.fusion import PoolBeforeActivation


def cnn(activation: str) -> dict:
    conv = {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1, "activation": activation}
    pool = {"type": "maxpool2d", "pool_size": 2}
    layers = [
        conv,
        pool,
        {**conv, "filters": 6},
        pool,
        {"type": "flatten"},
        {"type": "dense", "units": 3, "activation": "softmax"},
    ]
    return {"layers": layers, "loss": "softmax_cross_entropy"}


def batch(n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    return rng.standard_normal((n, 8, 8, 2)), np.eye(3)[rng.integers(0, 3, n)]


def in_order(net: Network) -> Network:
    """The same network trained layer by layer, with no fusion."""
    net._path = net.layers[:-1]
    return net


def test_relu_nets_train_through_the_fused_path() -> None:
    net = Network.from_spec(cnn("relu"), (8, 8, 2))
    assert [type(step) for step in net._path[:2]] == [PoolBeforeActivation, PoolBeforeActivation]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "elu"])
def test_fused_and_in_order_steps_agree(activation: str) -> None:
    x, y = batch()
    fused = Network.from_spec(cnn(activation), (8, 8, 2), seed=4)
    plain = in_order(Network.from_spec(cnn(activation), (8, 8, 2), seed=4))
    loss_fused, _ = fused.loss_and_grads(x, y)
    loss_plain, _ = plain.loss_and_grads(x, y)
    if activation == "relu":  # exactly: see tuinn.nn.fusion
        assert loss_fused == loss_plain
        assert np.array_equal(fused.flat_grads, plain.flat_grads)
    else:
        assert loss_fused == pytest.approx(loss_plain, rel=1e-12)
        np.testing.assert_allclose(fused.flat_grads, plain.flat_grads, rtol=1e-9, atol=1e-12)


def test_fused_gradients_match_finite_differences() -> None:
    x, y = batch(3)
    net = Network.from_spec(cnn("leaky_relu"), (8, 8, 2), seed=1)
    net.loss_and_grads(x, y)
    analytic = {name: g.copy() for name, g in net.grads.items()}
    for name, p in net.params.items():
        check_grad(lambda _: net.loss_and_grads(x, y)[0], p, analytic[name])


def test_an_activation_switch_leaves_or_takes_the_fused_path() -> None:
    x, y = batch()
    net = Network.from_spec(cnn("relu"), (8, 8, 2), seed=4)
    plain = in_order(Network.from_spec(cnn("relu"), (8, 8, 2), seed=4))
    for name in ("sigmoid", "relu"):
        net.set_activation(name)
        plain.set_activation(name)
        assert net.loss_and_grads(x, y)[0] == pytest.approx(plain.loss_and_grads(x, y)[0], rel=1e-12)
        np.testing.assert_allclose(net.flat_grads, plain.flat_grads, rtol=1e-9, atol=1e-12)
