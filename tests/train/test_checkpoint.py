"""Resume: 20 epochs equal 10 epochs, a checkpoint, a fresh process's worth of set-up and 10 more, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.config.schedule_table import ScheduleConfig
from tuinn.nn import Network
from tuinn.train import commands as cmd
from tuinn.train.checkpoint import Checkpoint, CheckpointError, save_checkpoint
from tuinn.train.trainer import Trainer

DROPOUT_MLP = {
    "loss": "softmax_cross_entropy",
    "layers": [
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
        {"type": "dense", "units": 3, "activation": "softmax"},
    ],
}


def config_for(name: str, epochs: int):
    config = load_preset(name)
    train = dataclasses.replace(config.train, epochs=epochs, stop_at_target=False)
    return dataclasses.replace(config, train=train)


def scheduled_config(name: str, epochs: int, **settings):
    config = config_for(name, epochs)
    return dataclasses.replace(config, train=dataclasses.replace(config.train, schedule=ScheduleConfig(**settings)))


def dropout_config(epochs: int):
    config = load_preset("gauss")
    train = dataclasses.replace(
        config.train, epochs=epochs, stop_at_target=False, optimizer="rmsprop", optimizer_options={}
    )
    return dataclasses.replace(config, model=DROPOUT_MLP, data={**config.data, "classes": 3}, train=train)


def assert_same_run(a: Trainer, b: Trainer) -> None:
    np.testing.assert_array_equal(a.network.flat_params, b.network.flat_params)
    assert a.optimizer.state.keys() == b.optimizer.state.keys()
    for name, slots in a.optimizer.state.items():
        for key, value in slots.items():
            np.testing.assert_array_equal(value, b.optimizer.state[name][key])
    assert a.optimizer.iterations == b.optimizer.iterations
    assert (a.step_count, a.epoch, a.clock.samples_seen, a.lr, a.status.target_met) == (
        b.step_count,
        b.epoch,
        b.clock.samples_seen,
        b.lr,
        b.status.target_met,
    )
    for name in a.history.curves:
        np.testing.assert_array_equal(a.history.curves[name].steps, b.history.curves[name].steps)
        np.testing.assert_array_equal(a.history.curves[name].values, b.history.curves[name].values)
    np.testing.assert_array_equal(a.history.grad_norms.values, b.history.grad_norms.values)
    assert list(a.events) == list(b.events)
    assert a.last.figures == b.last.figures
    assert a.clock.rng.bit_generator.state == b.clock.rng.bit_generator.state
    assert a.network.rng.bit_generator.state == b.network.rng.bit_generator.state


@pytest.mark.parametrize(
    "make",
    [
        lambda e: config_for("spiral", e),
        lambda e: config_for("digits-cnn", e),
        lambda e: config_for("xor", e),
        dropout_config,
        lambda e: scheduled_config("spiral", e, kind="cosine", min_lr=1e-4, warmup_steps=50),
        lambda e: scheduled_config("xor", e, kind="step", step_epochs=3, gamma=0.7, warmup_epochs=2),
    ],
    ids=[
        "spiral-adam",
        "digits-cnn",
        "xor-momentum",
        "dropout-rmsprop",
        "spiral-cosine-warmup-steps",
        "xor-step-warmup-epochs",
    ],
)
def test_twenty_epochs_equal_ten_a_checkpoint_and_ten_more(tmp_path, make):
    """Adam with shuffled mini-batches, a CNN in float32, momentum SGD, RMSprop with dropout's random masks,
    and lr schedules (with the ×0.5 override made at the checkpoint scaling them from there)."""
    first = Trainer(make(20))
    first.run_epochs(10)
    first.submit(cmd.ScaleLearningRate(0.5))  # a change made on the way is part of the run
    straight_changed = Trainer(make(20))
    straight_changed.run_epochs(10)
    straight_changed.submit(cmd.ScaleLearningRate(0.5))
    straight_changed.run_epochs(10)
    first.apply_commands()
    save_checkpoint(first, tmp_path / "run.npz")
    del first

    checkpoint = Checkpoint(tmp_path / "run.npz")
    resumed = Trainer(checkpoint.config)
    checkpoint.restore(resumed)
    assert resumed.epoch == 10 and not resumed.finished
    resumed.run_epochs(10)
    assert resumed.epoch == 20 and resumed.finished
    assert_same_run(resumed, straight_changed)


def test_early_stopping_resumed_stops_where_the_straight_run_stops(tmp_path):
    """The watch (best, its epoch, evaluations waited) is in the checkpoint: a resumed run stops at the same epoch."""

    def make():
        config = config_for("circle", 40)
        return dataclasses.replace(config, target=dataclasses.replace(config.target, patience=15, min_delta=0.5))

    straight = Trainer(make())
    straight.run_epochs(40)
    assert straight.status.stopped_early and straight.epoch == 16  # best at the first evaluation, none better by 0.5
    first = Trainer(make())
    first.run_epochs(10)
    save_checkpoint(first, tmp_path / "run.npz")
    checkpoint = Checkpoint(tmp_path / "run.npz")
    resumed = Trainer(checkpoint.config)
    checkpoint.restore(resumed)
    resumed.run_epochs(40)
    assert resumed.status.stopped_early == straight.status.stopped_early
    assert_same_run(resumed, straight)


def test_a_checkpoint_is_also_a_network_file(tmp_path):
    trainer = Trainer(config_for("xor", 5))
    trainer.run_epochs(5)
    save_checkpoint(trainer, tmp_path / "xor.npz")
    net = Network.load(tmp_path / "xor.npz")
    np.testing.assert_array_equal(net.flat_params, trainer.network.flat_params)


def test_resuming_with_more_epochs_extends_a_finished_run(tmp_path):
    trainer = Trainer(config_for("xor", 5))
    trainer.run_epochs(5)
    assert trainer.finished
    save_checkpoint(trainer, tmp_path / "xor.npz")
    checkpoint = Checkpoint(tmp_path / "xor.npz")
    longer = Trainer(
        dataclasses.replace(checkpoint.config, train=dataclasses.replace(checkpoint.config.train, epochs=8))
    )
    checkpoint.restore(longer)
    assert not longer.finished and longer.clock.budget == 8
    longer.run_epochs(10)
    assert longer.epoch == 8


@pytest.mark.parametrize(
    "break_it, fragment",
    [
        (lambda p: p.write_bytes(b"not a zip"), "not a tuinn checkpoint"),
        (lambda p: Network.load(p).save(p), "no training state"),
        (lambda p: np.savez(p, x=np.zeros(3)), "no training state"),
    ],
)
def test_files_that_are_not_checkpoints_are_refused_naming_the_file(tmp_path, break_it, fragment):
    trainer = Trainer(config_for("xor", 2))
    trainer.run_epochs(2)
    path = tmp_path / "run.npz"
    save_checkpoint(trainer, path)
    break_it(path)
    with pytest.raises(CheckpointError, match=fragment) as e:
        Checkpoint(path)
    assert "run.npz" in str(e.value)


def test_a_checkpoint_that_does_not_fit_its_own_settings_changes_nothing(tmp_path):
    trainer = Trainer(config_for("xor", 2))
    trainer.run_epochs(2)
    path = tmp_path / "run.npz"
    save_checkpoint(trainer, path)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["dense_1.W"] = np.zeros((3, 3))
    np.savez(path, **arrays)
    checkpoint = Checkpoint(path)
    fresh = Trainer(checkpoint.config)
    before = fresh.network.flat_params.copy()
    with pytest.raises(CheckpointError, match="dense_1.W"):
        checkpoint.restore(fresh)
    np.testing.assert_array_equal(fresh.network.flat_params, before)


async def test_the_apps_save_checkpoint_key_writes_a_run_that_resumes(tmp_path, monkeypatch):
    from tests.tui.tui_support import step_app

    monkeypatch.chdir(tmp_path)
    app = step_app(config_for("spiral", 20))
    async with app.run_test(size=(120, 40)) as pilot:
        app.source.advance(app.source.trainer.clock.steps_per_epoch * 3)
        await pilot.press("ctrl+s")
        assert app.snapshot.events[-1].text == "saved a checkpoint to spiral-epoch3.npz"
    checkpoint = Checkpoint(tmp_path / "spiral-epoch3.npz")
    resumed = Trainer(checkpoint.config)
    checkpoint.restore(resumed)
    assert resumed.epoch == 3
    np.testing.assert_array_equal(resumed.network.flat_params, app.source.trainer.network.flat_params)
