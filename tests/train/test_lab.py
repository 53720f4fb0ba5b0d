"""The lab's edits through the Trainer: applied between steps, keeping weights and optimizer state, marked as events."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.train import commands as cmd
from tuinn.train.trainer import Trainer


@pytest.fixture
def spiral() -> Trainer:
    t = Trainer(load_preset("spiral"), stop_at_target=False)
    for _ in range(30):
        t.step()
    return t


def apply(t: Trainer, command) -> None:
    t.submit(command)
    t.apply_commands()


def test_growing_a_layer_keeps_its_weights_and_adam_state(spiral):
    t = spiral
    w1, w3 = t.network.params["dense_1.W"].copy(), t.network.params["dense_3.W"].copy()
    m = t.optimizer.state["all"]["m"].copy()
    before = t.network.forward(t.dataset.x_val)
    apply(t, cmd.Edit((("model.layers[1].units", 24),)))
    assert t.refused is None
    np.testing.assert_array_equal(t.network.params["dense_1.W"], w1)
    np.testing.assert_array_equal(t.network.params["dense_3.W"][:16], w3)
    assert not t.network.params["dense_3.W"][16:].any()
    np.testing.assert_allclose(t.network.forward(t.dataset.x_val), before, atol=1e-12)
    assert t.optimizer.state["all"]["m"].size == t.network.flat_params.size
    assert t.optimizer.state["all"]["m"][-17:].tolist() == m[-17:].tolist()  # the output layer's moments
    assert str(t.events[-1]) == "units dense_2 16 -> 24 at step 30"
    assert t.config.model["layers"][1]["units"] == 24
    t.step()  # and it trains on


def test_a_feature_switched_on_leaves_the_outputs_unchanged(spiral):
    t = spiral
    before = t.network.forward(t.dataset.x_val)
    apply(t, cmd.Edit((("data.features", ["x1", "x2", "x1^2", "sin(x1)"]),)))
    assert t.network.input_shape == (4,) and t.dataset.input_shape == (4,)
    np.testing.assert_allclose(t.network.forward(t.dataset.x_val), before, atol=1e-12)
    assert not t.network.params["dense_1.W"][2:].any()
    assert "features x1, x2 -> x1, x2, x1^2, sin(x1)" in str(t.events[-1])
    apply(t, cmd.Edit((("data.features", ["x2", "x1^2"]),)))
    assert t.network.input_shape == (2,) and t.snapshot().decision is not None


def test_added_and_removed_layers_rename_and_keep_the_rest(spiral):
    t = spiral
    out = t.network.params["dense_4.W"].copy()
    apply(t, cmd.AddLayer(3, "linear"))
    assert [l.name for l in t.network.layers][-2:] == ["dense_4", "dense_5"]
    np.testing.assert_array_equal(t.network.params["dense_5.W"], out)
    assert t.snapshot().grad_history.shape[0] == 5
    apply(t, cmd.RemoveLayer(3))
    np.testing.assert_allclose(t.network.params["dense_4.W"], out, atol=1e-12)  # folding an identity


def test_refused_edits_change_nothing_and_say_why(spiral):
    t = spiral
    params, events = t.network.flat_params.copy(), len(t.events)
    for edit, message in [
        (cmd.Edit((("data.noise", 80),)), "data.noise must be between 0 and 50"),
        (cmd.Edit((("model.layers[3].units", 3),)), "model.layers[3].units"),
        (cmd.Edit((("data", {"kind": "digits", "shape": "flat"}),)), "the network takes 2"),
        (cmd.RemoveLayer(3), "hidden layer"),
    ]:
        apply(t, edit)
        assert message in t.refused
        np.testing.assert_array_equal(t.network.flat_params, params)
        assert len(t.events) == events
    assert t.snapshot().refusals == 4


def test_data_l2_batch_and_optimizer_settings_apply_live(spiral):
    t = spiral
    apply(t, cmd.Edit((("data.noise", 30), ("model.l2", 0.001), ("train.batch_size", 50), ("train.beta1", 0.8))))
    assert t.refused is None
    assert t.dataset.description.endswith("noise 30%") and t.network.l2 == 0.001
    assert t.clock.batch_size == 50 and t.optimizer.beta1 == 0.8
    assert [e.text for e in t.events][-4:] == [
        "noise 0 -> 30",
        "l2 0 -> 0.001",
        "batch_size 16 -> 50",
        "beta1 default -> 0.8",
    ]
    x = t.dataset.x_train.copy()
    apply(t, cmd.NewSample())
    assert not np.array_equal(t.dataset.x_train, x) and t.dataset.description.endswith("noise 30%")


def test_opening_a_preset_starts_it_in_place(spiral):
    t = spiral
    apply(t, cmd.OpenPreset(load_preset("digits-cnn")))
    assert t.config.name == "digits-cnn" and t.step_count == 0 and t.network.input_shape == (8, 8, 1)
    assert [e.text for e in t.events] == ["opened preset digits-cnn"]
    t.step()
    assert t.step_count == 1
