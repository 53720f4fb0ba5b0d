"""Network: whole-network gradients, parameters, spec errors, summary, save/load, training."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from gradcheck import check_grad

from tuinn.nn import Network, SpecError, make_optimizer
from tuinn.nn.plan import plan_network


def dense(units: int, activation: str = "linear", **extra) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **extra}


def model(*layers: dict, loss: str = "mse", **extra) -> dict:
    return {"layers": list(layers), "loss": loss, **extra}


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
XOR = model(dense(4, "tanh"), dense(1, "sigmoid"), loss="binary_cross_entropy")
MNIST_MLP = model(dense(256, "relu"), dense(128, "relu"), dense(10, "softmax"), loss="softmax_cross_entropy")


def data(inputs: int, outputs: int, kind: str, n: int = 6, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A batch of `n` inputs and targets: 'real' values, 'binary' labels or 'one-hot' classes."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, inputs))
    if kind == "real":
        return x, rng.standard_normal((n, outputs))
    if kind == "binary":
        return x, (rng.random((n, outputs)) < 0.5).astype(np.float64)
    return x, np.eye(outputs)[rng.integers(0, outputs, n)]


GRADIENT_SPECS = {
    "deep tanh": (model(dense(6, "tanh"), dense(5, "tanh"), dense(4, "tanh"), dense(2)), "real"),
    "relu": (model(dense(8, "relu"), dense(6, "relu"), dense(3), loss="hinge"), "binary"),
    "sigmoid + bce": (XOR, "binary"),
    "softmax + ce": (
        model(dense(7, "leaky_relu"), dense(4, "softmax"), loss="softmax_cross_entropy"),
        "one-hot",
    ),
    "mse regression": (model(dense(6, "swish"), dense(5, "gelu"), dense(2)), "real"),
    "maxout + penalties": (
        model({"type": "maxout", "units": 4, "pieces": 3}, dense(3, "elu"), dense(2), l1=0.01, l2=0.03),
        "real",
    ),
    "bce + penalties": (
        model(dense(5, "softplus"), dense(3, "sigmoid"), loss="bce", l1=0.02, l2=0.05),
        "binary",
    ),
}


@pytest.mark.parametrize("case", list(GRADIENT_SPECS))
def test_loss_and_grads_match_finite_differences(case: str) -> None:
    spec, kind = GRADIENT_SPECS[case]
    net = Network.from_spec(spec, (3,), seed=4)
    for p in net.params.values():  # non-zero biases, so their gradients are exercised fully
        p += np.random.default_rng(6).standard_normal(p.shape) * 0.1
    x, y = data(3, net.output_shape[0], kind)
    loss, grads = net.loss_and_grads(x, y)
    analytic = {name: g.copy() for name, g in grads.items()}
    assert np.isfinite(loss) and len(analytic) == len(net.params)
    for name, p in net.params.items():
        check_grad(lambda _: net.loss_and_grads(x, y)[0], p, analytic[name])


def test_penalties_add_to_the_loss_of_the_weights_only() -> None:
    x, y = data(3, 2, "real")
    plain = Network.from_spec(model(dense(4, "tanh"), dense(2)), (3,), seed=1)
    penalized = Network.from_spec(model(dense(4, "tanh"), dense(2), l1=0.1, l2=0.2), (3,), seed=1)
    penalized.params["dense_1.b"][...] = 5.0  # biases carry no penalty
    plain.params["dense_1.b"][...] = 5.0
    weights = [penalized.params["dense_1.W"], penalized.params["dense_2.W"]]
    l1 = 0.1 * sum(np.abs(w).sum() for w in weights)
    l2 = 0.2 * sum((w * w).sum() for w in weights)
    assert penalized.loss_and_grads(x, y)[0] == pytest.approx(plain.loss_and_grads(x, y)[0] + l1 + l2)
    assert penalized.evaluate(x, y)[0] == pytest.approx(plain.evaluate(x, y)[0])


def test_fused_output_is_the_probability_and_evaluate_uses_the_logits() -> None:
    net = Network.from_spec(XOR, (2,), seed=0)
    out = net.forward(XOR_X)
    z = net.layers[-1].preactivation
    assert np.allclose(out, 1 / (1 + np.exp(-z)))
    loss, out2 = net.evaluate(XOR_X, XOR_Y)
    assert np.array_equal(out, out2)
    assert loss == pytest.approx(net.loss_and_grads(XOR_X, XOR_Y)[0])


def test_parameter_names_order_and_flat_views() -> None:
    spec = model(dense(4, "relu"), {"type": "dropout", "rate": 0.2}, {"type": "maxout", "units": 3}, dense(2))
    net = Network.from_spec(spec, (5,))
    assert list(net.params) == [
        "dense_1.W", "dense_1.b", "maxout_1.W", "maxout_1.b", "dense_2.W", "dense_2.b"
    ]  # fmt: skip
    assert list(net.grads) == list(net.params)
    assert net.parameter_count == net.flat_params.size == 5 * 4 + 4 + 4 * 3 * 2 + 3 * 2 + 3 * 2 + 2
    offset = 0
    for name, p in net.params.items():
        assert np.shares_memory(p, net.flat_params) and np.shares_memory(net.grads[name], net.flat_grads)
        assert np.array_equal(net.flat_params[offset : offset + p.size], p.ravel())
        offset += p.size
    net.flat_params[:] = 0.5  # an optimizer stepping the flat buffer moves every layer
    assert all((p == 0.5).all() for p in net.params.values())
    assert net.layers[0].parameters["W"] is net.params["dense_1.W"]


def test_set_activation_switches_hidden_layers_and_keeps_weights() -> None:
    net = Network.from_spec(model(dense(4, "tanh"), dense(3, "tanh"), dense(1, "sigmoid"), loss="bce"), (2,))
    weights = net.flat_params.copy()
    before = net.forward(XOR_X)
    assert net.set_activation("relu") == ["dense_1", "dense_2"]
    assert [l.activation for l in net.layers] == ["relu", "relu", "sigmoid"]
    assert np.array_equal(net.flat_params, weights)
    assert not np.allclose(net.forward(XOR_X), before)
    assert net.set_activation("elu", ["dense_2"]) == ["dense_2"]
    assert [l.activation for l in net.layers] == ["relu", "elu", "sigmoid"]
    with pytest.raises(KeyError, match="softmax"):
        net.set_activation("softmax")
    with pytest.raises(KeyError, match="'dense_9'"):
        net.set_activation("tanh", ["dense_9"])
    with pytest.raises(ValueError, match="sigmoid.*binary_cross_entropy"):
        net.set_activation("tanh", ["dense_3"])  # the fused output stays what the loss needs
    regression = Network.from_spec(model(dense(3, "tanh"), dense(1)), (2,))
    assert regression.set_activation("tanh", ["dense_2"]) == ["dense_2"]


@pytest.mark.parametrize(
    ("spec", "input_shape", "message"),
    [
        (model({"type": "dense2", "units": 3}), (2,), r"layer 1: unknown type 'dense2'; known: dense"),
        (model(dense(3), dense(2, foo=1)), (2,), r"layer 2 \(dense\): .*unexpected keyword argument 'foo'"),
        (model(dense(3), {"type": "dense"}), (2,), r"layer 2 \(dense\): .*missing .*'units'"),
        (
            model(dense(3, "softmax"), dense(2, "softmax"), loss="softmax_cross_entropy"),
            (2,),
            r"layer 1 \(dense_1\): softmax is only allowed on the output layer",
        ),
        (model(dense(3), dense(2, "softmax")), (2,), r"layer 2 \(dense_2\): a softmax output needs loss"),
        (
            model(dense(3), dense(1, "tanh"), loss="binary_cross_entropy"),
            (2,),
            r"layer 2 \(dense_2\): loss binary_cross_entropy needs activation sigmoid",
        ),
        (
            model(dense(3), dense(4, "sigmoid"), loss="softmax_cross_entropy"),
            (2,),
            r"layer 2 \(dense_2\): loss softmax_cross_entropy needs activation softmax",
        ),
        (model(dense(3)), (4, 4, 1), r"layer 1 \(dense\): .*4×4×1; put a flatten layer before it"),
        (
            model({"type": "flatten"}, {"type": "dropout"}, dense(3, init="lecun")),
            (4, 4, 1),
            r"layer 3 \(dense\): unknown initializer 'lecun'",
        ),
        (model(dense(3, "swishy")), (2,), r"layer 1 \(dense\): unknown activation 'swishy'"),
        (model(dense(3), loss="l3"), (2,), r"unknown loss 'l3'"),
        (model(dense(3), lr=0.1), (2,), r"unknown model key 'lr'"),
        (model(dense(3), l2="lots"), (2,), r"model key 'l2' must be a number >= 0, got 'lots'"),
        ({"layers": [dense(3)]}, (2,), r"needs a 'loss'"),
        (model(), (2,), r"non-empty 'layers'"),
        (model(dense(3), [3]), (2,), r"layer 2: expected a table"),
    ],
)
def test_bad_specs_name_the_layer_or_key(spec: dict, input_shape: tuple, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        Network.from_spec(spec, input_shape)
    with pytest.raises(SpecError, match=message):  # planning from shapes refuses it alike
        plan_network(spec, input_shape)


def test_summary_rows_against_hand_counts() -> None:
    net = Network.from_spec(MNIST_MLP, (784,))
    rows = net.summary_rows()
    assert [(r.name, r.type, r.output_shape, r.activation) for r in rows] == [
        ("dense_1", "Dense(256)", (256,), "relu"),
        ("dense_2", "Dense(128)", (128,), "relu"),
        ("dense_3", "Dense(10)", (10,), "softmax"),
    ]
    assert [r.neurons for r in rows] == [256, 128, 10]
    assert [r.parameters for r in rows] == [784 * 256 + 256, 256 * 128 + 128, 128 * 10 + 10]
    assert [r.mult_adds for r in rows] == [784 * 256, 256 * 128, 128 * 10]
    assert sum(r.parameters for r in rows) == net.parameter_count == 235_146


def test_summary_rows_of_flatten_dropout_and_maxout() -> None:
    spec = model(
        {"type": "flatten"}, {"type": "dropout", "rate": 0.5}, {"type": "maxout", "units": 5, "pieces": 3}, dense(2)
    )
    rows = Network.from_spec(spec, (3, 3, 2)).summary_rows()
    assert [(r.type, r.output_shape, r.neurons, r.parameters, r.mult_adds) for r in rows] == [
        ("Flatten", (18,), 18, 0, 0),
        ("Dropout(0.5)", (18,), 18, 0, 0),
        ("Maxout(5×3)", (5,), 5, 18 * 5 * 3 + 5 * 3, 18 * 5 * 3),
        ("Dense(2)", (2,), 2, 5 * 2 + 2, 5 * 2),
    ]
    assert [r.activation for r in rows] == [None, None, None, "linear"]


def test_weight_grad_norms_per_weighted_layer() -> None:
    net = Network.from_spec(XOR, (2,), seed=0)
    net.loss_and_grads(XOR_X, XOR_Y)
    norms = net.weight_grad_norms()
    assert list(norms) == ["dense_1", "dense_2"]
    assert norms["dense_2"] == pytest.approx(np.linalg.norm(net.grads["dense_2.W"]))


# --- save and load ---------------------------------------------------------------------


def trained(spec: dict = XOR, dtype=np.float64, steps: int = 20) -> Network:
    net = Network.from_spec(spec, (2,), seed=3, dtype=dtype)
    opt = make_optimizer("adam", 0.05)
    for _ in range(steps):
        net.loss_and_grads(XOR_X.astype(dtype), XOR_Y.astype(dtype))
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    return net


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_is_bit_identical(tmp_path: Path, dtype) -> None:
    net = trained(dtype=dtype)
    path = net.save(tmp_path / "xor.npz")
    loaded = Network.load(path)
    assert loaded.dtype == net.dtype and list(loaded.params) == list(net.params)
    assert np.array_equal(loaded.flat_params, net.flat_params)
    x = XOR_X.astype(dtype)
    assert np.array_equal(loaded.forward(x), net.forward(x))
    fresh = Network.from_spec(XOR, (2,), seed=99, dtype=dtype)
    fresh.load_weights(path)
    assert np.array_equal(fresh.forward(x), net.forward(x))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.npz"]  # no temporary file left


def test_a_failed_save_leaves_the_old_file_intact(tmp_path: Path, monkeypatch) -> None:
    path = trained().save(tmp_path / "model.npz")
    old = path.read_bytes()

    def half_written(file, **arrays) -> None:
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(OSError, match="No space"):
        trained(steps=25).save(path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_load_refuses_files_that_are_not_tuinn_networks(tmp_path: Path) -> None:
    (tmp_path / "text.npz").write_text("just some text\n")
    (tmp_path / "empty.npz").write_bytes(b"")
    np.save(tmp_path / "single.npy", np.zeros(3))
    np.savez(tmp_path / "plain.npz", weights=np.zeros(3))
    np.savez(tmp_path / "future.npz", __meta__=np.array('{"format": 99}'))
    good = trained().save(tmp_path / "good.npz").read_bytes()
    (tmp_path / "truncated.npz").write_bytes(good[: len(good) // 2])
    for name in ("text.npz", "empty.npz", "single.npy", "plain.npz", "future.npz", "truncated.npz"):
        with pytest.raises(ValueError, match="not a tuinn network file"):
            Network.load(tmp_path / name)
    with pytest.raises(ValueError, match="not a tuinn network file"):
        Network.from_spec(XOR, (2,)).load_weights(tmp_path / "single.npy")


def _touch(path: str) -> None:
    """What a malicious pickle would run on load: the test checks it never does."""
    Path(path).touch()


class Payload:
    """An object whose unpickling runs _touch."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self) -> tuple:
        return _touch, (str(self.flag),)


def test_load_never_unpickles(tmp_path: Path) -> None:
    flag = tmp_path / "pwned"
    evil_meta, evil_weight = tmp_path / "meta.npz", tmp_path / "weight.npz"
    np.savez(evil_meta, __meta__=np.array([Payload(flag)], dtype=object))
    arrays = dict(np.load(trained().save(tmp_path / "good.npz")))
    arrays["dense_1.W"] = np.array([Payload(flag)], dtype=object)
    np.savez(evil_weight, **arrays)
    for path in (evil_meta, evil_weight):
        with pytest.raises(ValueError):
            Network.load(path)
    with pytest.raises(ValueError):
        Network.from_spec(XOR, (2,)).load_weights(evil_weight)
    assert not flag.exists()


def test_load_refuses_mismatched_weights(tmp_path: Path) -> None:
    path = trained().save(tmp_path / "xor.npz")
    wider = Network.from_spec(model(dense(5, "tanh"), dense(1, "sigmoid"), loss="bce"), (2,))
    with pytest.raises(ValueError, match=r"'dense_1.W' has shape \(2, 4\), the network needs \(2, 5\)"):
        wider.load_weights(path)


# --- training --------------------------------------------------------------------------


def test_training_is_reproducible_bit_for_bit_from_the_seed() -> None:
    spec = model(dense(8, "relu"), {"type": "dropout", "rate": 0.3}, dense(1, "sigmoid"), loss="bce")

    def run(seed: int) -> np.ndarray:
        net = Network.from_spec(spec, (2,), seed=seed)
        opt = make_optimizer("sgd", 0.1, momentum=0.9)
        for _ in range(30):
            net.loss_and_grads(XOR_X, XOR_Y)
            opt.step({"all": net.flat_params}, {"all": net.flat_grads})
        return net.flat_params.copy()

    assert np.array_equal(run(7), run(7))
    assert not np.array_equal(run(7), run(8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xor_trains_in_float32_and_float64(dtype) -> None:
    net = trained(dtype=dtype, steps=300)
    assert net.flat_params.dtype == net.flat_grads.dtype == dtype
    loss, out = net.evaluate(XOR_X.astype(dtype), XOR_Y.astype(dtype))
    assert out.dtype == dtype
    assert loss < 0.05
    assert np.array_equal(out > 0.5, XOR_Y > 0.5)


def test_mlp_float32_step_keeps_float32() -> None:
    net = Network.from_spec(MNIST_MLP, (784,), seed=0, dtype="float32")
    x, y = data(784, 10, "one-hot", n=8)
    loss, grads = net.loss_and_grads(x.astype(np.float32), y.astype(np.float32))
    assert np.isfinite(loss) and all(g.dtype == np.float32 for g in grads.values())


def test_save_keeps_a_switched_activation(tmp_path):
    net = Network.from_spec(
        {
            "layers": [
                {"type": "dense", "units": 3, "activation": "tanh"},
                {"type": "dense", "units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_cross_entropy",
        },
        (2,),
        seed=0,
    )
    net.set_activation("relu")
    net.save(tmp_path / "n.npz")
    loaded = Network.load(tmp_path / "n.npz")
    assert [l.activation for l in loaded.layers] == ["relu", "sigmoid"]
    x = np.random.default_rng(0).standard_normal((5, 2))
    assert np.array_equal(loaded.forward(x), net.forward(x))


def test_targets_of_another_shape_are_refused_not_broadcast() -> None:
    net = Network.from_spec(model(dense(3, "tanh"), dense(1)), (2,))
    for y in (XOR_Y[:, 0], XOR_Y[:3], np.hstack([XOR_Y, XOR_Y])):
        with pytest.raises(ValueError, match=r"targets have shape .* output for 4 samples has shape \(4, 1\)"):
            net.loss_and_grads(XOR_X, y)
        with pytest.raises(ValueError, match="targets have shape"):
            net.evaluate(XOR_X, y)


def test_load_weights_brings_the_saved_activations(tmp_path):
    spec = {
        "layers": [
            {"type": "dense", "units": 3, "activation": "tanh"},
            {"type": "dense", "units": 1, "activation": "sigmoid"},
        ],
        "loss": "binary_cross_entropy",
    }
    saved = Network.from_spec(spec, (2,), seed=1)
    saved.set_activation("relu")
    saved.save(tmp_path / "n.npz")
    other = Network.from_spec(spec, (2,), seed=2)
    other.load_weights(tmp_path / "n.npz")
    assert [l.activation for l in other.layers] == ["relu", "sigmoid"]
    x = np.random.default_rng(0).standard_normal((4, 2))
    assert np.array_equal(other.forward(x), saved.forward(x))


def test_load_weights_refuses_another_architecture(tmp_path):
    a = Network.from_spec(
        {"layers": [{"type": "dense", "units": 2, "activation": "sigmoid"}], "loss": "binary_cross_entropy"},
        (2,),
        seed=0,
    )
    b = Network.from_spec(
        {
            "layers": [{"type": "maxout", "units": 2}, {"type": "dense", "units": 2, "activation": "sigmoid"}],
            "loss": "binary_cross_entropy",
        },
        (2,),
        seed=0,
    )
    a.save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="saved from a network of layers"):
        b.load_weights(tmp_path / "a.npz")


def test_saved_file_is_readable_like_any_new_file(tmp_path):
    net = Network.from_spec(
        {"layers": [{"type": "dense", "units": 1, "activation": "sigmoid"}], "loss": "binary_cross_entropy"},
        (2,),
        seed=0,
    )
    umask = os.umask(0o022)
    try:
        net.save(tmp_path / "n.npz")
    finally:
        os.umask(umask)
    assert (tmp_path / "n.npz").stat().st_mode & 0o777 == 0o644
