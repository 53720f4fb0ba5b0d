"""A layer's health in numbers: the update-to-weight ratio and the saturated / dead shares against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from tests.nn.optimizer_support import STEP_KINDS
from tuinn.config import load_preset, with_overrides
from tuinn.nn import Network, make_optimizer
from tuinn.train import commands as cmd
from tuinn.train import health
from tuinn.train.health import ActivityTally, band, update_ratios
from tuinn.train.trainer import Trainer


def small_net(activation: str, seed: int = 0) -> Network:
    spec = {
        "loss": "mse",
        "layers": [
            {"type": "dense", "units": 5, "activation": activation},
            {"type": "dense", "units": 1, "activation": "linear"},
        ],
    }
    return Network.from_spec(spec, (3,), seed=seed)


def batch(n: int = 16, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return scale * rng.normal(size=(n, 3)), rng.normal(size=(n, 1))


@pytest.mark.parametrize("name,options", STEP_KINDS, ids=lambda o: str(o))
def test_the_ratio_is_the_steps_actual_change_over_the_weights(name, options) -> None:
    net = small_net("tanh")
    opt = make_optimizer(name, 0.05, **options)
    x, y = batch()
    assert update_ratios(net, opt) == {}  # before a step: nothing to say
    for _ in range(3):  # a few steps, so momentum and the moving averages hold something
        before = {l.name: l.parameters["W"].copy() for l in net.layers}
        net.loss_and_grads(x, y)
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    ratios = update_ratios(net, opt)
    for layer in net.layers:
        w = layer.parameters["W"]
        by_hand = np.log10(np.linalg.norm(w - before[layer.name]) / np.linalg.norm(w))
        assert ratios[layer.name] == pytest.approx(by_hand, abs=1e-9)


def test_a_plain_sgd_step_moves_a_layer_by_lr_times_its_gradient() -> None:
    net = small_net("tanh")
    opt = make_optimizer("sgd", 0.1)
    x, y = batch()
    net.loss_and_grads(x, y)
    opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    first = net.layers[0]
    by_hand = np.log10(0.1 * np.linalg.norm(first.gradients["W"]) / np.linalg.norm(first.parameters["W"]))
    assert update_ratios(net, opt)[first.name] == pytest.approx(by_hand, abs=1e-12)


def test_another_network_has_no_ratio_from_the_old_ones_step() -> None:
    net, other = small_net("tanh"), small_net("tanh", seed=1)
    opt = make_optimizer("adam", 0.01)
    x, y = batch()
    net.loss_and_grads(x, y)
    opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    assert update_ratios(net, opt) and update_ratios(other, opt) == {}


@pytest.mark.parametrize(
    "activation,by_hand",
    [
        ("tanh", lambda a: np.mean(np.abs(a) > 0.97)),
        ("sigmoid", lambda a: np.mean((a < 0.03) | (a > 0.97))),
    ],
)
def test_the_saturated_share_counts_outputs_in_the_flat_ends(activation, by_hand) -> None:
    net = small_net(activation)
    x, _ = batch(40, scale=3.0)  # large inputs: some outputs saturate, some not
    parts = (x[:25], x[25:])  # counted over chunks, as the Evaluator runs them
    tally = ActivityTally()
    for part in parts:
        net.forward(part)
        tally.add(net)
    first = net.layers[0]
    a = np.tanh(x @ first.parameters["W"] + first.parameters["b"])
    if activation == "sigmoid":
        a = 1 / (1 + np.exp(-(x @ first.parameters["W"] + first.parameters["b"])))
    expected = by_hand(a)
    assert 0 < expected < 1  # the case is not trivial
    activity = tally.result()
    assert activity[first.name].saturated == pytest.approx(expected) and activity[first.name].dead is None
    assert net.layers[1].name not in activity  # the output layer is no hidden layer


def test_a_dead_unit_is_zero_on_every_sample_of_the_batch() -> None:
    net = small_net("relu")
    first = net.layers[0]
    first.parameters["W"][:, 1] = 0.0
    first.parameters["b"][1] = -1.0  # unit 2: always below zero
    first.parameters["W"][:, 3] = 0.0
    first.parameters["b"][3] = 0.5  # unit 4: always active
    x, _ = batch(30)
    tally = ActivityTally()
    for part in (x[:10], x[10:]):
        net.forward(part)
        tally.add(net)
    z = x @ first.parameters["W"] + first.parameters["b"]
    dead_by_hand = np.mean(np.all(z <= 0, axis=0))
    assert dead_by_hand >= 1 / 5
    assert tally.result()[first.name].dead == pytest.approx(dead_by_hand)
    assert tally.result()[first.name].saturated is None


def test_the_trainers_snapshot_carries_the_health_of_the_evaluation_batch() -> None:
    config = with_overrides(load_preset("deep-sigmoid"), epochs=3)
    trainer = Trainer(config)
    assert all(s.log_update_ratio is None and s.saturated is None for s in trainer.snapshot(detail=False).layer_stats)
    trainer.run_epochs(1)
    stats = {s.name: s for s in trainer.snapshot(detail=False).layer_stats}
    # the shares by hand, on the Evaluator's training subset
    h = trainer.dataset.x_train[trainer.evaluator.train_subset]
    for layer in trainer.network.layers[:-1]:
        h = 1 / (1 + np.exp(-(h @ layer.parameters["W"] + layer.parameters["b"])))
        assert stats[layer.name].saturated == pytest.approx(np.mean((h < 0.03) | (h > 0.97)))
    assert stats["dense_9"].saturated is None and all(s.dead is None for s in stats.values())
    assert all(s.log_update_ratio is not None for s in stats.values())
    trainer.submit(cmd.Reset())
    trainer.apply_commands()  # a new optimizer: no step of it yet
    assert all(s.log_update_ratio is None for s in trainer.snapshot(detail=False).layer_stats)


def test_the_bands() -> None:
    assert [band(v) for v in (-5.0, -4.0, -3.0, -2.0, -1.5)] == [
        "not learning",
        "healthy",
        "healthy",
        "healthy",
        "too fast",
    ]


def test_a_conv_channel_is_dead_when_0_at_every_position_of_every_sample() -> None:
    spec = {
        "loss": "softmax_cross_entropy",
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
            {"type": "flatten"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
    }
    net = Network.from_spec(spec, (6, 6, 1), seed=0, dtype="float32")
    conv = net.layers[0]
    conv.parameters["W"][..., 2] = 0.0
    conv.parameters["b"][2] = -1.0  # channel 3: 0 everywhere
    x = np.random.default_rng(2).normal(size=(20, 6, 6, 1)).astype(np.float32)
    tally = ActivityTally()
    for part in (x[:7], x[7:]):
        net.forward(part)
        tally.add(net)
    net.forward(x)
    maps = conv.output
    assert maps is not None
    by_hand = np.mean(np.all(maps == 0, axis=(0, 1, 2)))
    assert by_hand >= 1 / 4 and tally.result()[conv.name].dead == pytest.approx(by_hand)


def shares_by_hand(outputs: np.ndarray, activation: str) -> float:
    """The saturated share (tanh) or the dead share (relu) of one layer's outputs on a batch."""
    if activation == "tanh":
        return float(np.mean(np.abs(outputs) > 0.97))
    return float(np.mean(np.all(outputs == 0, axis=0)))


@pytest.mark.parametrize("activation,field", [("tanh", "saturated"), ("relu", "dead")])
def test_a_tally_read_after_more_training_counts_the_batch_it_was_given(activation, field) -> None:
    net = small_net(activation)
    opt = make_optimizer("sgd", 0.05)
    x, y = batch(16, scale=3.0)
    tally = ActivityTally()
    net.forward(x)
    tally.add(net)
    expected = shares_by_hand(net.layers[0].output.copy(), activation)
    for _ in range(3):  # steps and a forward pass of the same shape before the tally is read
        net.loss_and_grads(x, y)
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
        net.forward(np.full_like(x, -50.0))  # far out: other units saturate, other units are 0
    assert shares_by_hand(net.layers[0].output, activation) != expected  # the layer's outputs now differ
    assert getattr(tally.result()[net.layers[0].name], field) == pytest.approx(expected)


def test_chunks_too_large_to_keep_are_counted_at_once_to_the_same_shares(monkeypatch) -> None:
    net = small_net("tanh")
    x, _ = batch(40, scale=3.0)
    chunks = (x[:15], x[15:30], x[30:])
    kept, counted = ActivityTally(), ActivityTally()
    for part in chunks:
        net.forward(part)
        kept.add(net)
        with monkeypatch.context() as too_large:
            too_large.setattr(health, "KEPT_BYTES", 0)
            counted.add(net)
    net.forward(np.full_like(x[:10], -50.0))  # the layer's outputs move on before the tallies are read
    first = net.layers[0]
    assert kept.result()[first.name] == counted.result()[first.name]
    by_hand = shares_by_hand(np.tanh(x @ first.parameters["W"] + first.parameters["b"]), "tanh")
    assert kept.result()[first.name].saturated == pytest.approx(by_hand)


@pytest.mark.parametrize("limit,kept", [(0, False), (1 << 16, True)])
def test_a_tally_keeps_small_chunks_only(monkeypatch, limit, kept) -> None:
    import weakref

    monkeypatch.setattr(health, "KEPT_BYTES", limit)
    net = small_net("relu")
    x, _ = batch(16)
    tally = ActivityTally()
    net.forward(x)
    outputs = weakref.ref(net.layers[0].output)
    tally.add(net)
    net.forward(x)  # the layer lets go of them
    assert (outputs() is not None) == kept
    assert tally.result()[net.layers[0].name].dead is not None
