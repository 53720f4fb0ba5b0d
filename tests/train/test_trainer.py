"""The Trainer: steps, commands between steps, evaluation, divergence, snapshots."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import ConfigError
from tuinn.train import commands as cmd
from tuinn.train import measure
from tuinn.train.runner import TrainingThread, watchable_speed
from tuinn.train.trainer import Trainer


def test_training_reaches_the_target_and_stops(xor_config):
    t = Trainer(xor_config)
    t.run_epochs(500)
    assert t.finished and t.status.target_met
    assert t.epoch < 500  # stop_at_target
    assert any(e.kind == "target" for e in t.events)


def test_target_met_is_announced_the_first_time_only(xor_config, monkeypatch):
    t = Trainer(xor_config, stop_at_target=False)
    value = {"now": 0.0}
    monkeypatch.setattr(measure, "current", lambda run: value["now"])
    met_at = []
    for now in (1.0, 0.5, 1.0):  # met, lost, met again
        value["now"] = now
        t.step()
        t.evaluate()
        met_at.append(t.step_count)
    assert t.status.target_met
    assert [e.step for e in t.events if e.kind == "target"] == [met_at[0]]  # the first crossing, not the last
    t.submit(cmd.Reset())
    t.apply_commands()
    t.step()
    t.evaluate()
    assert [e.step for e in t.events if e.kind == "target"] == [met_at[0], 1]  # a new run meets it anew


def test_runs_are_reproducible_bit_for_bit(xor_config):
    a, b = Trainer(xor_config), Trainer(xor_config)
    for _ in range(50):
        a.step()
        b.step()
    assert np.array_equal(a.network.flat_params, b.network.flat_params)


def test_activation_switch_keeps_weights_and_marks_an_event(xor_config):
    t = Trainer(xor_config)
    t.step()
    before = t.network.flat_params.copy()
    t.submit(cmd.SetActivation("relu"))
    t.apply_commands()
    assert [l.activation for l in t.network.hidden_layers] == ["relu", "relu"]
    assert t.network.layers[-1].activation == "sigmoid"
    assert np.array_equal(t.network.flat_params, before)
    assert t.events[-1].text == "activation tanh -> relu" and t.events[-1].step == 1
    t.submit(cmd.CycleActivation(-1))
    t.apply_commands()
    assert [l["activation"] for l in t.config.model["layers"][:-1]] == ["tanh", "tanh"]  # relu's predecessor


def test_learning_rate_and_optimizer_switches(xor_config):
    t = Trainer(xor_config)
    t.submit(cmd.ScaleLearningRate(2.0))
    t.step()
    assert t.lr == 1.0 and t.optimizer.lr == 1.0
    before = t.network.flat_params.copy()
    t.submit(cmd.CycleOptimizer(1))
    t.apply_commands()
    assert t.config.train.optimizer == "adagrad" and t.optimizer.lr == 1.0
    assert np.array_equal(t.network.flat_params, before)
    assert [e.kind for e in t.events] == ["lr", "optimizer"]


def test_speed_cycles_through_the_limits_in_the_driver(xor_config):
    t = Trainer(xor_config)
    driver = TrainingThread(t)
    seen = []
    for _ in range(4):
        driver.submit(cmd.CycleSpeed())
        driver.apply_commands()  # (the thread that steps changes the limit: the watching pace sets it too)
        driver.publish()
        seen.append((driver.speed, driver.latest.speed))
    assert seen == [(1000.0, 1000.0), (100.0, 100.0), (10.0, 10.0), (None, None)]
    assert t.snapshot().speed is None  # the Trainer has no speed: only its driver does


def test_watchable_speed_stretches_tiny_runs_only(xor_config, make_config):
    assert watchable_speed(Trainer(xor_config)) == 100.0  # 500 one-step epochs: about 5 s at 100/s
    assert watchable_speed(Trainer(make_config(**{"epochs = 500": "epochs = 100000000"}))) is None


def test_pause_single_step_and_resume(xor_config):
    t = Trainer(xor_config)
    t.submit(cmd.TogglePause())
    assert t.step() is None and t.step_count == 0 and t.paused
    t.submit(cmd.Step())
    t.step()
    t.step()
    assert t.step_count == 1
    t.submit(cmd.Resume())
    t.step()
    assert t.step_count == 2 and not t.paused


def test_reset_returns_to_the_seeds_weights(xor_config):
    fresh = Trainer(xor_config).network.flat_params.copy()
    t = Trainer(xor_config)
    t.run_epochs(20)
    assert not np.array_equal(t.network.flat_params, fresh)
    t.submit(cmd.Reset())
    t.apply_commands()
    assert t.step_count == 0 and t.epoch == 0
    assert np.array_equal(t.network.flat_params, fresh)
    assert t.events[-1].kind == "reset"


def test_divergence_stops_training_with_a_message(diverging_config):
    config = diverging_config
    t = Trainer(config)
    t.run_epochs(500)
    assert t.finished and t.diverged
    assert "loss became" in t.diverged and "learning rate 1000" in t.diverged
    snap = t.snapshot()
    assert snap.diverged == t.diverged and not snap.target_met


def test_snapshot_is_a_copy(xor_config):
    t = Trainer(xor_config)
    t.run_epochs(5)
    snap = t.snapshot()
    grad = snap.selected_grad.copy()
    curve = snap.curves["train_loss"].values.copy()
    t.run_epochs(5)
    assert np.array_equal(snap.selected_grad, grad)
    assert np.array_equal(snap.curves["train_loss"].values, curve)
    assert snap.step == 5 and t.step_count == 10


def test_snapshot_has_what_views_need(xor_config):
    t = Trainer(xor_config)
    t.run_epochs(3)
    snap = t.snapshot()
    assert [s.name for s in snap.layer_stats] == ["dense_1", "dense_2", "dense_3"]
    assert snap.grad_history.shape[0] == 3 and snap.grad_history.shape[1] >= 1
    assert np.all(np.isfinite(snap.grad_history))
    assert snap.decision is not None and snap.decision.values.shape == (48, 48)
    assert snap.feature_maps == ()
    assert snap.activations == {"dense_1": "tanh", "dense_2": "tanh", "dense_3": "sigmoid"}


def test_output_layer_must_fit_the_classes(make_config):
    config = make_config(**{'units = 1\nactivation = "sigmoid"': 'units = 3\nactivation = "sigmoid"'})
    with pytest.raises(ConfigError, match=r"model\.layers\[2\]\.units.*2 classes"):
        Trainer(config)


def test_a_finished_run_trains_on_when_resumed(xor_config):
    t = Trainer(xor_config, stop_at_target=False)
    t.run_epochs(10_000)
    assert t.finished and t.epoch == 500
    t.submit(cmd.TogglePause())
    t.step()
    assert not t.finished and not t.paused and t.step_count == 501
    t.run_epochs(10_000)
    assert t.epoch == 1000 and t.snapshot().epochs == 1000
    assert any(e.text == "training on to epoch 1000" for e in t.events)


def test_a_diverged_run_does_not_resume(diverging_config):
    config = diverging_config
    t = Trainer(config)
    t.run_epochs(500)
    t.submit(cmd.Resume())
    assert t.step() is None and t.finished


def test_reset_after_a_switch_keeps_the_activation_and_starts_the_experiment_afresh(xor_config):
    """Reset rebuilds from the record: the same network a fresh run of the edited experiment starts with."""
    t = Trainer(xor_config)
    t.run_epochs(5)
    t.submit(cmd.SetActivation("relu"))
    t.submit(cmd.Reset())
    t.apply_commands()
    fresh = Trainer(t.config).network.flat_params
    assert t.step_count == 0 and np.array_equal(t.network.flat_params, fresh)
    assert [l.activation for l in t.network.hidden_layers] == ["relu", "relu"]


def test_a_finite_blow_up_counts_as_divergence(diverging_config):
    t = Trainer(diverging_config)
    t.run_epochs(500)
    assert t.diverged and "loss became" in t.diverged
    loss = float(t.diverged.split("loss became ")[1].split()[0])
    assert np.isfinite(loss) and loss > 1e6  # caught before it overflows
    event = t.events[-1]
    assert event.kind == "diverged" and f"at step {event.step} " in t.diverged


def test_too_few_output_units_for_the_classes_is_a_config_error(make_config):
    from tuinn.config import parse_config

    text = XOR_DIGITS.replace("units = 10", "units = 3")
    with pytest.raises(ConfigError, match=r"model\.layers\[0\]\.units.*10 classes"):
        Trainer(parse_config(text, source="t.toml", base_dir=None))


def test_data_and_weights_draw_from_different_streams(make_config):
    """With one seed for both, the first weights would equal the first data draws."""
    t = Trainer(make_config(**{'kind = "truth_table"\nname = "xor"': 'kind = "playground"\nname = "circle"'}))
    w = t.network.params["dense_1.W"].ravel()
    x = t.dataset.x_train.ravel()[: w.size]
    assert abs(np.corrcoef(w, x)[0, 1]) < 0.9


XOR_DIGITS = """
name = "d"
description = "digits, flat"
[data]
kind = "digits"
shape = "flat"
[model]
loss = "softmax_cross_entropy"
[[model.layers]]
type = "dense"
units = 10
activation = "softmax"
"""


def test_evaluation_runs_once_per_step_and_again_after_a_switch(xor_config, monkeypatch):
    t = Trainer(xor_config)
    t.run_epochs(3)
    calls = []
    measure = t.evaluator._measure
    monkeypatch.setattr(t.evaluator, "_measure", lambda *a: calls.append(1) or measure(*a))
    first = dict(t.evaluate())
    assert t.evaluate() == first and len(calls) == 2  # train and val, measured once
    t.submit(cmd.SetActivation("relu"))
    t.apply_commands()
    t.evaluate()
    assert len(calls) == 4


def test_a_cnn_preset_trains_alike_on_one_and_two_threads():
    from threadpoolctl import threadpool_limits

    from tuinn.config import load_preset, with_overrides

    config = with_overrides(load_preset("digits-cnn"), batch_size=128)  # enough work to split
    one, two = Trainer(config, threads=1), Trainer(config, threads=2)
    assert two.network.threads == 2 and two.network._parallel.shards(config.train.batch_size) == 2
    with threadpool_limits(limits=1):
        losses = [(one.step(), two.step()) for _ in range(8)]
    np.testing.assert_allclose([b for _, b in losses], [a for a, _ in losses], rtol=1e-4)
    two.submit(cmd.Reset())  # a rebuilt network keeps the run's threads
    two.apply_commands()
    assert two.network.threads == 2
