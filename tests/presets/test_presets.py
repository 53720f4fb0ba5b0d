"""Every built-in preset meets its target headless (or, where the lesson is a failure, misses it)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from tuinn.config import load_preset, preset_names
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless
from tuinn.train.trainer import Trainer

#: presets whose lesson is that the net cannot learn the task
MISSES = {"perceptron-xor", "deep-sigmoid", "digits-small-deep"}
#: presets that train on files the user supplies (tested in test_idx_presets.py), or on
#: nothing (million-pixels: its --summary is tested in tests/cli)
NEED_FILES = {name for name in preset_names() if load_preset(name).needs_data}


def run(name: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = run_headless(Trainer(load_preset(name)), JsonReporter(out))
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("name", sorted(set(preset_names()) - NEED_FILES))
def test_preset_meets_or_misses_its_target(name):
    code, records = run(name)
    end = records[-1]
    assert end["type"] == "end"
    if name in MISSES:
        assert code == 1 and not end["target_met"], end
        assert load_preset(name).target.explain_miss in end["message"]
    else:
        assert code == 0 and end["target_met"], end


def test_deep_relu_meets_the_target_deep_sigmoid_misses():
    """The same data and depth: only the activation (and its initialisation) differ."""
    sigmoid, relu = load_preset("deep-sigmoid"), load_preset("deep-relu")
    assert sigmoid.data == relu.data and sigmoid.target == relu.target.__class__(
        relu.target.metric, relu.target.value, sigmoid.target.explain_miss
    )
    assert len(sigmoid.model["layers"]) == len(relu.model["layers"]) >= 8


def test_deep_sigmoid_gradients_shrink_about_fourfold_per_layer():
    trainer = Trainer(load_preset("deep-sigmoid"))
    trainer.step()
    norms = list(trainer.network.weight_grad_norms().values())[:-1]  # hidden layers, input first
    ratios = [a / b for a, b in zip(norms, norms[1:])]
    assert 0.1 < sorted(ratios)[len(ratios) // 2] < 0.45, ratios  # the median layer-to-layer factor
    assert norms[0] < 1e-3 * norms[-1], norms


def test_deep_relu_gradients_reach_the_input():
    trainer = Trainer(load_preset("deep-relu"))
    trainer.run_epochs(1)
    norms = list(trainer.network.weight_grad_norms().values())
    assert norms[0] > 0.05 * max(norms), norms


def test_pretraining_is_the_only_difference_from_deep_sigmoid():
    plain, pretrained = load_preset("deep-sigmoid"), load_preset("deep-sigmoid-pretrained")
    assert plain.data == pretrained.data and plain.model == pretrained.model and plain.seed == pretrained.seed
    assert dataclasses.replace(pretrained.train, pretrain=None) == plain.train
    assert pretrained.train.pretrain is not None and plain.target.value == pretrained.target.value


def first_fine_tuning_norms(name: str) -> list[float]:
    trainer = Trainer(load_preset(name))
    while trainer.phase == "pretrain":
        trainer.step()
    trainer.step()
    return list(trainer.network.weight_grad_norms().values())[:-1]  # the hidden layers, input first


def test_after_pretraining_the_lowest_layer_gets_gradient():
    """From the random start dense_1 gets ~3e-5 of dense_8's gradient; after pretraining ~0.8."""
    plain, pretrained = first_fine_tuning_norms("deep-sigmoid"), first_fine_tuning_norms("deep-sigmoid-pretrained")
    assert plain[0] < 1e-3 * plain[-1], plain
    assert pretrained[0] > 0.1 * pretrained[-1], pretrained


def test_deep_maxout_gradients_reach_the_input_as_deep_relus_do():
    """First-step weight-gradient norms, input first: maxout and ReLU keep them, sigmoid loses ~4x a layer."""
    sigmoid, relu, maxout = (first_fine_tuning_norms(n) for n in ("deep-sigmoid", "deep-relu", "deep-maxout"))
    assert len(sigmoid) == len(relu) == len(maxout) == 8
    per_layer = {
        name: (n[-1] / n[0]) ** (1 / 7) for name, n in (("sigmoid", sigmoid), ("relu", relu), ("maxout", maxout))
    }
    assert per_layer["sigmoid"] > 3.0, per_layer  # the gradient shrinks about 4x per layer toward the input
    assert 0.5 < per_layer["maxout"] < 2.0 and 0.5 < per_layer["relu"] < 2.0, per_layer
    assert maxout[0] > 1e4 * sigmoid[0], (maxout, sigmoid)


def full_budget(name: str, seed: int) -> dict:
    config = dataclasses.replace(load_preset(name), seed=seed)
    trainer = Trainer(config, stop_at_target=False)
    trainer.run_epochs(config.train.epochs)
    return trainer.evaluate()


def test_limited_data_pair_differs_only_in_depth():
    shallow, deep = load_preset("digits-small-shallow"), load_preset("digits-small-deep")
    assert shallow.data == deep.data and shallow.train == deep.train and shallow.target.value == deep.target.value

    def hidden(c):
        return [(l["units"], l["activation"]) for l in c.model["layers"][:-1]]

    assert hidden(deep) == hidden(shallow) * 8 == [(32, "tanh")] * 8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_limited_data_the_deep_net_generalises_worse(seed):
    """Both fit their 180 digits; the deep one gets fewer of the 1,617 held-out digits right."""
    shallow, deep = full_budget("digits-small-shallow", seed), full_budget("digits-small-deep", seed)
    assert shallow["train_metric"] >= 0.99 and deep["train_metric"] >= 0.99, (shallow, deep)
    assert deep["val_metric"] < shallow["val_metric"] - 0.01, (shallow, deep)


def test_every_preset_has_things_to_try():
    """The About card's list: every built-in preset says what to try."""
    for name in preset_names():
        tries = load_preset(name).things_to_try
        assert tries and all(len(t) > 10 for t in tries), name
