"""The RunConfig is the one record of a run: every edit changes it, Reset rebuilds from it, a checkpoint keeps it."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.config.settings import config_table
from tuinn.train import commands as cmd
from tuinn.train.checkpoint import Checkpoint, save_checkpoint
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.editor import settings as st
from tuinn.tui.widgets.editor.form import DROPOUT, FIELD_LABELS, INIT, KIND, OPTIMIZER


def apply(t: Trainer, command: cmd.Command) -> None:
    t.submit(command)
    t.apply_commands()
    assert t.refused is None, (command, t.refused)


def assert_agree(t: Trainer) -> None:
    """Network, record and Snapshot say the same, and the network is the one the record builds."""
    snap = t.snapshot()
    assert snap.experiment == t.config
    fresh = Trainer(t.config)
    assert [r for r in snap.summary] == [r for r in fresh.snapshot().summary]
    for layer, spec in zip(t.network.layers, t.config.model["layers"]):
        if layer.activation is not None:
            assert layer.activation == spec.get("activation", layer.activation) == snap.activations[layer.name]
        if "rate" in spec:
            assert layer.rate == spec["rate"]
    assert (t.network.l1, t.network.l2) == (t.config.model.get("l1", 0.0), t.config.model.get("l2", 0.0))
    assert snap.optimizer == t.config.train.optimizer == fresh.snapshot().optimizer
    assert snap.optimizer_label == fresh.snapshot().optimizer_label
    assert snap.features == fresh.dataset.features and snap.input_shape == fresh.network.input_shape
    np.testing.assert_array_equal(t.network.flat_params, fresh.network.flat_params)


def test_an_editor_activation_survives_reset():
    """The reported bug: Edit relu, step, Reset, step left the layers at tanh while the record said relu."""
    t = Trainer(load_preset("spiral"))
    apply(t, cmd.Edit((("model.layers[0].activation", "relu"),)))
    t.step()
    apply(t, cmd.Reset())
    assert_agree(t)
    t.step()
    assert t.config.model["layers"][0]["activation"] == "relu"
    assert [l.activation for l in t.network.layers] == ["relu", "tanh", "tanh", "sigmoid"]
    assert t.snapshot().activations["dense_1"] == "relu"


def test_keys_are_edits_of_the_record_resolved_relatively():
    """a, o, +/- (lr) and the layer +/- keys change the record; reset keeps every one of them."""
    config = load_preset("spiral")
    t = Trainer(config)
    t.run_epochs(1)
    apply(t, cmd.CycleActivation(1))
    apply(t, cmd.CycleOptimizer(1))
    apply(t, cmd.ScaleLearningRate(2.0))
    apply(t, cmd.ResizeLayer(1, 3))
    apply(t, cmd.ResizeLayer(1, -1))  # relative to the record, not to a size seen in an old Snapshot
    hidden = [l["activation"] for l in t.config.model["layers"][:-1]]
    assert len(set(hidden)) == 1 and hidden[0] != "tanh"
    assert t.config.train.optimizer != config.train.optimizer
    assert t.config.train.lr == 2 * config.train.lr
    assert t.config.model["layers"][1]["units"] == 18 and t.network.layers[1].units == 18
    apply(t, cmd.Reset())
    assert t.config.model["layers"][1]["units"] == 18 and t.lr == 2 * config.train.lr
    assert_agree(t)


#: per editor field: a preset and the settings that field sends (through the editor's own helpers)
def _walk() -> dict[str, tuple[str, object]]:
    return {
        "data.name": ("spiral", lambda e: st.data_name(e, "circle")),
        "data.noise": ("spiral", lambda e: (("data.noise", 20),)),
        "data.val_ratio": ("spiral", lambda e: (("data.val_ratio", 0.3),)),
        "data.samples": ("spiral", lambda e: (("data.samples", 300),)),
        "data.classes": (
            "spiral",
            lambda e: (
                ("data.classes", 3),
                ("model.loss", "softmax_cross_entropy"),
                ("model.layers[3].units", 3),
                ("model.layers[3].activation", "softmax"),
            ),
        ),
        "data.size": ("seed-conv", lambda e: (("data.size", 5),)),
        "train.batch_size": ("spiral", lambda e: (("train.batch_size", 32),)),
        "model.l1": ("spiral", lambda e: (("model.l1", 0.001),)),
        "model.l2": ("spiral", lambda e: (("model.l2", 0.002),)),
        "train.lr": ("spiral", lambda e: (("train.lr", 0.05),)),
        "train.momentum": ("xor", lambda e: (("train.momentum", 0.5),)),
        "train.beta1": ("spiral", lambda e: (("train.beta1", 0.8),)),
        "train.beta2": ("spiral", lambda e: (("train.beta2", 0.99),)),
        "train.rho": ("spiral", lambda e: st.optimizer(e, "rmsprop") + (("train.rho", 0.8),)),
        DROPOUT: ("spiral", lambda e: st.dropout(e, 0.2)),
        INIT: ("spiral", lambda e: st.initializer(e, "he")),
        KIND: ("spiral", lambda e: st.data_kind(e, "truth_table", dict(e.data))),
        OPTIMIZER: ("spiral", lambda e: st.optimizer(e, "sgd")),
        "features": ("spiral", lambda e: st.toggle_feature(e, "sin_x1", True)),
        "model.layers[i].units": ("spiral", lambda e: (("model.layers[0].units", 9),)),
        "model.layers[i].activation": ("spiral", lambda e: (("model.layers[2].activation", "relu"),)),
    }


REFUSED = {"data.size": "open a preset made for this data instead"}


def test_the_walk_covers_every_field_of_the_editor():
    assert set(FIELD_LABELS) | {DROPOUT, INIT, KIND, OPTIMIZER} <= set(_walk())


@pytest.mark.parametrize("field", sorted(_walk()))
def test_every_editor_field_survives_reset_with_network_config_and_snapshot_agreeing(field):
    preset, settings_for = _walk()[field]
    t = Trainer(load_preset(preset))
    t.run_epochs(1)
    before = t.config
    if field in REFUSED:  # the lab refuses it live (the image size changes): nothing changes, as the CLI says
        t.submit(cmd.Edit(settings_for(t.config)))
        t.apply_commands()
        assert REFUSED[field] in (t.refused or "") and t.config == before
    else:
        apply(t, cmd.Edit(settings_for(t.config)))
        assert t.config != before
    edited = t.config
    t.step()
    t.submit(cmd.Reset())
    t.apply_commands()
    assert t.config == edited and t.step_count == 0
    assert_agree(t)
    t.step()
    assert t.config == edited


def test_the_lab_buttons_survive_reset():
    t = Trainer(load_preset("spiral"))
    t.run_epochs(1)
    apply(t, cmd.AddLayer(3, "relu"))
    apply(t, cmd.RemoveLayer(0))
    apply(t, cmd.NewSample())
    edited = t.config
    assert len(edited.model["layers"]) == 4 and edited.data["seed"] == 1
    apply(t, cmd.Reset())
    assert t.config == edited
    assert_agree(t)


def test_a_checkpoint_saved_after_edits_resumes_with_them(tmp_path):
    t = Trainer(load_preset("spiral"))
    t.run_epochs(2)
    apply(t, cmd.Edit((("model.layers[0].activation", "relu"), ("data.noise", 10))))
    apply(t, cmd.CycleOptimizer(1))
    apply(t, cmd.ScaleLearningRate(0.5))
    apply(t, cmd.ResizeLayer(2, 4))
    t.run_epochs(1)
    path = save_checkpoint(t, tmp_path / "edited.npz")
    checkpoint = Checkpoint(path)
    assert config_table(checkpoint.config) == config_table(t.config)  # the record round-trips
    resumed = Trainer(checkpoint.config)
    checkpoint.restore(resumed)
    assert config_table(resumed.config) == config_table(t.config)
    np.testing.assert_array_equal(resumed.network.flat_params, t.network.flat_params)
    assert [l.activation for l in resumed.network.layers] == [l.activation for l in t.network.layers]
    assert resumed.snapshot().optimizer_label == t.snapshot().optimizer_label
    t.run_epochs(1)
    resumed.run_epochs(1)
    np.testing.assert_array_equal(resumed.network.flat_params, t.network.flat_params)
