"""tuinn.watch on real PyTorch loops: the stream replay reads, its numbers against the loop's own, failures, steering."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.watch.torch_support import image_batch, nn, small_cnn, torch
from tuinn.train.recorder import FIRST_INTERVAL, Recording
from tuinn.train.steering import Control, control_path, write_control


def train(model, w, steps: int, lr: float = 0.05, record=None) -> torch.optim.Optimizer:
    """A plain loop: `record(step, model)` sees the gradients after backward and the weights after the step."""
    opt = w.optimizer if getattr(w, "optimizer", None) is not None else torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(1, steps + 1):
        x, y = image_batch(16, seed=step)
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        opt.step()
        if record is not None:
            record(step, model, before)
        w.step(loss=loss, metric=0.5)
    return opt


def test_the_architecture_table_names_every_leaf_with_its_image_shape(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)
    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets)
    train(model, w, 3)
    w.close()
    rows = {r.name: r for r in Recording(tmp_path / "run.tuinn")[0].summary}
    assert rows["0"].type == "Conv2D(4, 3×3)" and rows["0"].output_shape == (8, 8, 4) and rows["0"].parameters == 40
    assert rows["0"].activation == "relu" and rows["1"].type == "Activation(relu)"
    assert rows["2"].type == "MaxPool2D(2×2)" and rows["2"].output_shape == (4, 4, 4)
    assert rows["3"].type == "BatchNorm" and rows["4"].type == "Flatten" and rows["4"].output_shape == (64,)
    assert rows["5"].type == "Dropout(0.1)" and rows["6"].type == "Dense(10)" and rows["6"].parameters == 650
    assert rows["7"].type == "other: Identity"
    assert rows["0"].neurons == 8 * 8 * 4


def test_gradient_norms_and_update_ratios_equal_the_loops_own(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)
    seen: dict[int, dict[str, tuple[float, float]]] = {}

    def record(step, m, before) -> None:
        seen[step] = {
            name: (
                float(m[int(name)].weight.grad.norm()),
                float(
                    (m[int(name)].weight.detach() - before[f"{name}.weight"]).norm()
                    / m[int(name)].weight.detach().norm()
                ),
            )
            for name in ("0", "3", "6")
        }

    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets, every=5, paced=False)
    train(model, w, 12, record=record)
    w.close()
    recording = Recording(tmp_path / "run.tuinn")
    frames = [recording[i] for i in range(len(recording))]
    assert [f.step for f in frames] == [1, 5, 10, 12]
    for frame in frames[:-1]:
        stats = {s.name: s.grad_norm for s in frame.layer_stats}
        logged = {s.name: s.log_update_ratio for s in frame.layer_stats}
        assert stats.keys() == {"0", "3", "6"}
        for name, (norm, ratio) in seen[frame.step].items():
            assert stats[name] == pytest.approx(norm, abs=1e-6)
            curve = frame.curves[f"update_ratio/{name}"]
            assert curve.steps[-1] == frame.step and curve.values[-1] == pytest.approx(ratio, rel=1e-5)
            assert logged[name] == pytest.approx(np.log10(ratio), abs=1e-5)  # the health number tuinn's runs give
    last = frames[-2]
    assert last.grad_history.shape == (3, 3) and last.grad_history_layers == ("0", "3", "6")
    assert np.allclose(last.grad_history[:, -1], np.log10([seen[10][n][0] for n in ("0", "3", "6")]), atol=1e-6)
    assert last.selected_layer == "0" and last.selected_grad is not None
    assert [m.layer for m in last.feature_maps] == ["0", "2", "3"] and last.feature_maps[0].maps.shape == (8, 8, 4)
    assert last.sample is not None and last.sample.label == int(targets[0])
    assert last.sample.probabilities.sum() == pytest.approx(1.0)
    loss_curve = frames[-1].curves["train_loss"]
    assert list(loss_curve.steps) == list(range(1, 13))


def test_a_two_input_model_shows_its_output_over_the_plane(tmp_path) -> None:
    import tuinn

    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    points = torch.randn(32, 2)
    labels = (points[:, 0] > 0).long()
    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=points, targets=labels, every=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(4):
        loss = nn.functional.cross_entropy(model(points), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        w.step(loss=loss)
    w.close()
    surface = Recording(tmp_path / "run.tuinn")[-1].decision
    assert surface is not None and surface.values.shape == (48, 48) and len(surface.points) == 32
    assert set(np.unique(surface.values)) <= {0.0, 1.0} and surface.value_range == (0.0, 1.0)


def test_a_hook_that_raises_stops_watching_once_and_the_loop_finishes(tmp_path, capsys) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)

    probes = []

    def fussy(_module, inputs, _output) -> None:
        if inputs[0].shape[0] == 4 and not torch.is_grad_enabled():
            probes.append(1)
            if len(probes) > 1:
                raise RuntimeError("this hook refuses the sample")

    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets, every=3, paced=False)
    model[0].register_forward_hook(fussy)
    train(model, w, 10)
    w.close()
    err = capsys.readouterr().err
    assert err.count("tuinn.watch: stopped watching") == 1 and "this hook refuses the sample" in err
    assert not w.alive and w.steps == 3 and [f.step for f in Recording(tmp_path / "run.tuinn")] == [1]


def test_nan_values_are_recorded_not_raised(tmp_path, capsys) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)
    with tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets, every=2) as w:
        train(model, w, 2)
        with torch.no_grad():
            model[6].weight.fill_(float("nan"))
        train(model, w, 3)
    assert capsys.readouterr().err == ""
    last = Recording(tmp_path / "run.tuinn")[-1]
    assert last.step == 5 and np.isnan(last.curves["train_loss"].values[-1])
    assert np.isnan(last.sample.probabilities).all() or not np.isfinite(last.sample.probabilities).all()


def test_the_app_steers_the_learning_rate_and_pauses_the_loop(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    w = tuinn.watch(model, tmp_path / "run.tuinn", optimizer=opt, every=100)
    control = control_path(tmp_path / "run.tuinn")
    assert control.exists()
    w.step(loss=1.0)
    write_control(control, Control(lr_scale=4.0))
    w.step(loss=1.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.4)
    write_control(control, Control(lr_scale=2.0, paused=True))
    threading.Timer(0.5, write_control, (control, Control(lr_scale=2.0, paused=False))).start()
    started = time.monotonic()
    w.step(loss=1.0)
    assert time.monotonic() - started >= 0.4 and opt.param_groups[0]["lr"] == pytest.approx(0.2)
    w.close()
    frames = Recording(tmp_path / "run.tuinn")
    assert any(frames[i].paused for i in range(len(frames)))
    assert [e.kind for e in frames[-1].events] == ["lr", "lr", "pause", "resume"]


def test_frames_keep_the_recorders_pace_while_scalars_keep_every_step(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=image_batch(4)[0], every=2)
    started = time.monotonic()
    train(model, w, 40)
    elapsed = time.monotonic() - started
    w.close()
    recording = Recording(tmp_path / "run.tuinn")
    assert len(recording) <= elapsed / FIRST_INTERVAL + 2 and recording[0].step == 1
    assert list(recording[len(recording) - 1].curves["train_loss"].steps) == list(range(1, 41))


def test_other_ranks_write_nothing(tmp_path, monkeypatch) -> None:
    import tuinn

    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda: 1)
    w = tuinn.watch(small_cnn(), tmp_path / "run.tuinn", sample=image_batch(2)[0])
    w.step(loss=1.0)
    w.close()
    assert not w.alive and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "include, exclude, kept", [((), ("3",), ["0", "6"]), (("0", "6"), (), ["0", "6"]), (("[03]",), (), ["0", "3"])]
)
def test_include_and_exclude_pick_modules_by_name(tmp_path, include, exclude, kept) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)
    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets, include=include, exclude=exclude)
    train(model, w, 2)
    w.close()
    last = Recording(tmp_path / "run.tuinn")[-1]
    assert [s.name for s in last.layer_stats] == kept and list(last.grad_history_layers) == kept
    assert all(r.name not in exclude for r in last.summary)


def test_gradients_zeroed_before_step_are_still_seen(tmp_path) -> None:
    import tuinn

    model = small_cnn()
    sample, targets = image_batch(4)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    w = tuinn.watch(model, tmp_path / "run.tuinn", sample=sample, targets=targets, every=2, paced=False)
    norms = {}
    for step in range(1, 5):
        x, y = image_batch(16, seed=step)
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        norms[step] = float(model[0].weight.grad.norm())
        opt.step()
        opt.zero_grad()  # the grads are gone (None) when w.step() runs
        w.step(loss=loss)
    w.close()
    recording = Recording(tmp_path / "run.tuinn")
    frame = next(recording[i] for i in range(len(recording)) if recording[i].step == 4)
    assert frame.layer_stats[0].grad_norm == pytest.approx(norms[4], abs=1e-6)
    assert frame.selected_grad is not None and frame.selected_grad.shape == (9, 4)
