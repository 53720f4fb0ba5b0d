"""Layer-wise pretraining: the [train.pretrain] table, the autoencoder phase, the switch to fine-tuning."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import XOR_TOML
from tuinn.config import ConfigError, PretrainConfig, load_preset, parse_config
from tuinn.train.setup import quiet_float_errors
from tuinn.train.trainer import Trainer

PRETRAINED = XOR_TOML.replace("momentum = 0.9\n", "momentum = 0.9\n[train.pretrain]\nepochs = 3\nlr = 0.01\n")


def test_pretrain_table_parses_with_defaults():
    config = parse_config(PRETRAINED, source="t.toml", base_dir=None)
    assert config.train.pretrain == PretrainConfig(kind="autoencoder", epochs=3, lr=0.01, optimizer="adam")
    assert parse_config(XOR_TOML, source="t.toml", base_dir=None).train.pretrain is None


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("epochs = 3", "epochs = 0", "train.pretrain.epochs"),
        ("epochs = 3", 'kind = "rbm"', "train.pretrain.kind"),
        ("lr = 0.01", "lr = -1.0", "train.pretrain.lr"),
        ("lr = 0.01", 'optimizer = "lbfgs"', "train.pretrain.optimizer"),
        ("lr = 0.01", "layers = 2", "train.pretrain.layers"),
        ("lr = 0.01", "batch_size = -3", "train.pretrain.batch_size"),
        ("[train.pretrain]\nepochs = 3\nlr = 0.01\n", "pretrain = 3\n", "train.pretrain"),
    ],
)
def test_bad_pretrain_values_name_the_key(old, new, key):
    with pytest.raises(ConfigError) as err:
        parse_config(PRETRAINED.replace(old, new), source="mine.toml", base_dir=None)
    assert "mine.toml" in str(err.value) and f"'{key}'" in str(err.value)


def test_a_net_without_hidden_dense_layers_cannot_be_pretrained():
    text = PRETRAINED.replace('[[model.layers]]\ntype = "dense"\nunits = 4\nactivation = "tanh"\n', "")
    with pytest.raises(ConfigError, match="t.toml: .*needs hidden dense layers"):
        Trainer(parse_config(text, source="t.toml", base_dir=None))


def pretrain_steps(trainer: Trainer) -> int:
    p = trainer.pretrainer
    return len(p.layers) * p.config.epochs * -(-len(trainer.dataset.x_train) // p.batch_size)


def test_each_layer_is_pretrained_in_turn_the_others_held_still():
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    net = trainer.network
    start = [layer.parameters["W"].copy() for layer in net.layers]
    per_layer = pretrain_steps(trainer) // 8
    for k in range(8):  # the eight hidden layers, input first
        assert trainer.phase == "pretrain"
        for _ in range(per_layer):
            assert trainer.snapshot(detail=False).pretrain.layer == net.layers[k].name
            trainer.step()
        now = [layer.parameters["W"] for layer in net.layers]
        assert not np.array_equal(now[k], start[k]), f"layer {k + 1} was not trained"
        for j in range(k + 1, 9):
            assert np.array_equal(now[j], start[j]), f"layer {j + 1} moved while layer {k + 1} was pretrained"
        start[k] = now[k].copy()  # held still from here on
    assert trainer.phase == "finetune" and trainer.epoch == 0
    kinds = [e.kind for e in trainer.events]
    assert kinds == ["pretrain"] * 16 + ["finetune"]
    assert [e.text.split()[1] for e in trainer.events if e.text.startswith("pretraining dense")] == [
        f"dense_{i}" for i in range(1, 9)
    ]
    assert trainer.events[-1].step == trainer.step_count == pretrain_steps(trainer)


def test_reconstruction_loss_falls_and_is_recorded():
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    first_epoch = -(-len(trainer.dataset.x_train) // trainer.pretrainer.batch_size)
    losses = [trainer.step() for _ in range(trainer.pretrainer.config.epochs * first_epoch)]  # dense_1 only
    assert np.mean(losses[-first_epoch:]) < 0.5 * np.mean(losses[:first_epoch]), losses
    curve = trainer.snapshot(detail=False).curves["recon_loss"]
    assert len(curve) == len(losses) and np.allclose(curve.values, losses)
    assert trainer.history.curves["train_loss"].last() is None  # no supervised step yet


def test_the_status_names_every_layer_where_each_began_and_how_each_finished():
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    per_layer = pretrain_steps(trainer) // 8
    assert trainer.snapshot(detail=False).pretrain.names == tuple(f"dense_{i}" for i in range(1, 9))
    losses = [trainer.step() for _ in range(2 * per_layer + 5)]  # dense_1 and dense_2, then into dense_3
    status = trainer.snapshot(detail=False).pretrain
    assert status.layer == "dense_3" and status.starts == (0, per_layer, 2 * per_layer)
    last_epoch = per_layer // trainer.pretrainer.config.epochs
    expected = [np.mean(losses[end - last_epoch : end]) for end in (per_layer, 2 * per_layer)]
    np.testing.assert_allclose(status.final_losses, expected)
    recon = trainer.snapshot(detail=False).curves["recon_loss"]
    assert recon.steps[0] == status.starts[0] + 1  # a layer's points follow its start
    # dense_3 is in its first epoch: it has no epoch's figure yet (not dense_2's last one)
    assert status.reconstruction_loss is None and status.epoch == 0


def test_fine_tuning_uses_the_presets_own_training():
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    while trainer.phase == "pretrain":
        trainer.step()
    steps = trainer.step_count
    trainer.run_epochs(1)
    assert trainer.epoch == 1 and trainer.step_count - steps == trainer.clock.steps_per_epoch == 25
    assert trainer.optimizer.describe() == "sgd(lr=0.1)"


def test_reset_starts_pretraining_again():
    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    for _ in range(300):
        trainer.step()
    first = trainer.network.flat_params.copy()
    from tuinn.train import commands as cmd

    trainer.submit(cmd.Reset())
    trainer.step()
    assert trainer.phase == "pretrain" and trainer.snapshot(detail=False).pretrain.layer == "dense_1"
    assert not np.array_equal(first, trainer.network.flat_params)


def test_a_diverging_pretraining_stops_with_a_message():
    text = (
        PRETRAINED.replace("lr = 0.01", "lr = 1000.0")
        .replace("epochs = 3", "epochs = 400")
        .replace("[train.pretrain]", '[train.pretrain]\noptimizer = "sgd"')
    )
    text = text.replace('units = 4\nactivation = "tanh"', 'units = 4\nactivation = "linear"')
    trainer = Trainer(parse_config(text, source="t.toml", base_dir=None))
    with quiet_float_errors():
        for _ in range(400):
            if trainer.finished:
                break
            trainer.step()
    assert trainer.finished and "pretraining stopped" in trainer.diverged and "1000" in trainer.diverged
