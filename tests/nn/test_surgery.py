"""Network surgery keeps what fits and, where it promises to, the function the network computes."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn import Network, SpecError, make_optimizer
from tuinn.nn.surgery import add_input, carry, insert_layer, remove_input, remove_layer, resize_layer


def mlp(*units: int, activation: str = "tanh", inputs: int = 3) -> Network:
    layers = [{"type": "dense", "units": u, "activation": activation} for u in units]
    layers.append({"type": "dense", "units": 2, "activation": "softmax"})
    return Network.from_spec({"layers": layers, "loss": "softmax_cross_entropy"}, (inputs,), seed=1)


def cnn(filters: int = 3) -> Network:
    spec = {
        "layers": [
            {"type": "conv2d", "filters": filters, "kernel_size": 2, "activation": "relu"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "conv2d", "filters": 2, "kernel_size": 1, "activation": "relu"},
            {"type": "flatten"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
        "loss": "softmax_cross_entropy",
    }
    return Network.from_spec(spec, (5, 5, 1), seed=2)


X = np.random.default_rng(0).normal(size=(7, 3))
IMAGES = np.random.default_rng(1).normal(size=(4, 5, 5, 1))


def test_growing_a_layer_keeps_old_units_and_the_function():
    net = mlp(4, 5)
    before = net.forward(X)
    s = resize_layer(net, 0, 8)
    new = s.network
    np.testing.assert_array_equal(new.params["dense_1.W"][:, :4], net.params["dense_1.W"])
    np.testing.assert_array_equal(new.params["dense_2.W"][:4], net.params["dense_2.W"])
    assert not new.params["dense_2.W"][4:].any(), "new units' outgoing weights start at zero"
    assert new.params["dense_1.W"][:, 4:].any(), "new units get fresh incoming weights"
    np.testing.assert_array_equal(new.params["dense_3.W"], net.params["dense_3.W"])
    np.testing.assert_allclose(new.forward(X), before, atol=1e-12)
    assert s.description == "units dense_1 4 -> 8"


def test_shrinking_drops_the_units_with_the_smallest_outgoing_norm():
    net = mlp(4, 5)
    net.params["dense_2.W"][[0, 2]] *= 1e-3  # units 0 and 2 barely matter
    s = resize_layer(net, 0, 2)
    np.testing.assert_array_equal(s.network.params["dense_1.W"], net.params["dense_1.W"][:, [1, 3]])
    np.testing.assert_array_equal(s.network.params["dense_2.W"], net.params["dense_2.W"][[1, 3]])
    np.testing.assert_array_equal(s.network.params["dense_1.b"], net.params["dense_1.b"][[1, 3]])


def test_conv_filters_grow_through_pooling_and_keep_the_function():
    net = cnn(3)
    before = net.forward(IMAGES)
    s = resize_layer(net, 0, 5)
    new = s.network
    np.testing.assert_array_equal(new.params["conv2d_1.W"][..., :3], net.params["conv2d_1.W"])
    np.testing.assert_array_equal(new.params["conv2d_2.W"][:, :, :3], net.params["conv2d_2.W"])
    assert not new.params["conv2d_2.W"][:, :, 3:].any()
    np.testing.assert_allclose(new.forward(IMAGES), before, atol=1e-12)
    shrunk = resize_layer(net, 2, 1).network  # conv before flatten -> dense: rows by channel
    assert shrunk.params["dense_1.W"].shape == (4, 2)


def test_a_linear_inserted_layer_is_the_identity_and_a_relu_one_on_relu_outputs():
    net = mlp(4, activation="relu")
    before = net.forward(X)
    for act in ("linear", "relu"):
        s = insert_layer(net, 1, act)
        assert [l.name for l in s.network.layers] == ["dense_1", "dense_2", "dense_3"]
        np.testing.assert_allclose(s.network.forward(X), before, atol=1e-12)
        np.testing.assert_array_equal(s.network.params["dense_3.W"], net.params["dense_2.W"])
        assert s.kept["dense_3.W"].source == "dense_2.W"


def test_an_inserted_sigmoid_layer_stays_close_to_the_function():
    net = mlp(4)
    before = net.forward(X)
    after = insert_layer(net, 1, "sigmoid").network.forward(X)
    assert np.abs(after - before).max() < 0.05  # its bias offset is absorbed; only curvature is left


def test_removing_a_layer_folds_it_into_the_next():
    net = mlp(4, 5, activation="linear")
    before = net.forward(X)
    s = remove_layer(net, 1)
    assert [l.units for l in s.network.layers] == [4, 2]
    np.testing.assert_allclose(s.network.forward(X), before, atol=1e-12)  # exact for linear layers
    np.testing.assert_array_equal(s.network.params["dense_1.W"], net.params["dense_1.W"])
    with pytest.raises(SpecError, match="output layer"):
        remove_layer(net, 2)


def test_an_added_input_has_zero_weights_and_changes_nothing():
    net = mlp(4)
    before = net.forward(X)
    s = add_input(net, 1)
    wider = np.insert(X, 1, 7.0, axis=1)
    assert not s.network.params["dense_1.W"][1].any()
    np.testing.assert_allclose(s.network.forward(wider), before, atol=1e-12)
    back = remove_input(s.network, 1)
    np.testing.assert_array_equal(back.network.params["dense_1.W"], net.params["dense_1.W"])
    with pytest.raises(SpecError, match="flat inputs"):
        add_input(cnn(), 0)


def test_carry_moves_optimizer_state_with_the_kept_weights():
    net = mlp(4, 5)
    opt = make_optimizer("adam", 0.01)
    y = np.eye(2)[np.arange(len(X)) % 2]
    for _ in range(3):
        net.loss_and_grads(X, y)
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    s = resize_layer(net, 0, 6)
    m = carry(net, s, opt.state["all"]["m"])
    views = dict(zip(s.network.params, np.split(m, np.cumsum([p.size for p in s.network.params.values()])[:-1])))
    old_m = dict(
        zip(net.params, np.split(opt.state["all"]["m"], np.cumsum([p.size for p in net.params.values()])[:-1]))
    )
    np.testing.assert_array_equal(views["dense_3.W"], old_m["dense_3.W"])
    w1 = views["dense_1.W"].reshape(3, 6)
    np.testing.assert_array_equal(w1[:, :4], old_m["dense_1.W"].reshape(3, 4))
    assert not w1[:, 4:].any()


def test_resizing_what_cannot_be_resized_names_the_layer():
    with pytest.raises(SpecError, match=r"layer 2 \(maxpool2d_1\)"):
        resize_layer(cnn(), 1, 4)
