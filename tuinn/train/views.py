"""Snapshot assembly: an immutable copy of a run for every view; the probes' parameters (layer, sample)."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np

from tuinn.data import Dataset
from tuinn.train.evaluation import predict
from tuinn.train.health import Activity, update_ratios
from tuinn.train.probes import conv_kernels, decision_surface, gradient_matrix, sample_view
from tuinn.train.run_parts import RunParts
from tuinn.train.snapshot import Curve, FeatureMap, Kernels, LayerStats, SampleView, Snapshot


def sample_set(dataset: Dataset) -> tuple[np.ndarray, np.ndarray, str]:
    """The samples the sample view walks through: the validation set, or the training set without one."""
    ds = dataset
    return (ds.x_val, ds.y_val, "validation") if len(ds.x_val) else (ds.x_train, ds.y_train, "training")


def next_misclassified(trainer: RunParts, direction: int) -> int:
    """The index of the next sample (in `direction`) the model got wrong at the last evaluation."""
    current = trainer.probe.sample
    if trainer.dataset.task != "classification":
        return current
    x, labels, _ = sample_set(trainer.dataset)
    predicted = trainer.last.sample_predicted
    if predicted is None or len(predicted) != len(x):
        predicted = predict(trainer.network, x)
    wrong = np.flatnonzero(predicted != labels)
    if not len(wrong):
        return current
    offsets = (wrong - current) * direction % len(x)
    offsets[offsets == 0] = len(x)  # the current sample comes last
    return int(wrong[np.argmin(offsets)])


def weighted_layers(trainer: RunParts) -> list[str]:
    """The names of the layers with a weight matrix, input to output."""
    return [l.name for l in trainer.network.layers if "W" in l.parameters]


def snapshot(trainer: RunParts, detail: bool = True) -> Snapshot:
    """An immutable copy of the run's state; `detail` adds the surfaces, maps and matrices."""
    t, net, ds = trainer, trainer.network, trainer.dataset
    norms, ratios, activity = net.weight_grad_norms(), update_ratios(net, t.optimizer), t.last.activity
    stats = [
        LayerStats(
            l.name,
            l.activation,
            norms[l.name],
            float(np.abs(l.gradients["W"]).mean()),
            ratios.get(l.name),
            *astuple(activity.get(l.name, Activity())),
        )
        for l in net.layers
        if l.name in norms
    ]
    weighted = weighted_layers(t)
    selected = weighted[t.probe.layer] if weighted else None
    selected_grad = decision = sample = None
    maps: tuple[FeatureMap, ...] = ()
    kernels: tuple[Kernels, ...] = ()
    if detail:
        if selected is not None:
            layer = next(l for l in net.layers if l.name == selected)
            selected_grad = gradient_matrix(layer.gradients["W"])
        val = ds.plane_val_points if t.evaluator.separate_val else None
        decision = decision_surface(net, (ds.plane_points, ds.y_train), (val, ds.y_val), ds.task, ds.features)
        if len(net.input_shape) == 3:
            sample, maps = _sample(t)
            kernels = conv_kernels(net)
    curves = {name: Curve(s.steps, s.values) for name, s in t.history.curves.items()}
    lr = curves["lr"]
    if len(lr) and lr.steps[-1] < t.clock.step:  # held from its last change to now
        curves["lr"] = Curve(np.append(lr.steps, t.clock.step), np.append(lr.values, t.lr))
    figures, status = t.last.figures, t.status
    separate_val = t.evaluator.separate_val
    confusion = t.last.confusion
    return Snapshot(
        preset=t.config.name,
        description=t.config.description,
        data_note=t.data_note,
        task=ds.task,
        step=t.clock.step,
        epoch=t.clock.epoch,
        epochs=t.clock.budget,
        samples_seen=t.clock.samples_seen,
        metric_name="accuracy" if ds.task == "classification" else "mse",
        train_loss=_epoch_mean_loss(t),
        val_loss=figures["val_loss"],
        train_metric=figures["train_metric"],
        val_metric=figures["val_metric"],
        curves=curves,
        lr=t.lr,
        schedule=t.config.train.schedule.describe(),
        optimizer=t.config.train.optimizer,
        optimizer_label=t.optimizer.describe(),
        summary=tuple(net.summary_rows()),
        activations={l.name: l.activation for l in net.activated_layers},
        layer_stats=tuple(stats),
        grad_history_layers=tuple(weighted),
        grad_history=t.history.grad_norms.values.T.reshape(len(weighted), -1),
        selected_layer=selected,
        selected_grad=selected_grad,
        feature_maps=maps,
        decision=decision,
        samples_per_sec=t.clock.rate.samples_per_sec,
        paused=status.paused,
        finished=status.finished,
        diverged=status.diverged,
        stopped_early=status.stopped_early,
        target=t.config.target.describe(),
        target_met=status.target_met,
        events=tuple(t.events),
        input_shape=net.input_shape,
        separate_val=separate_val,
        class_names=(ds.class_names or tuple(str(k) for k in range(ds.classes))) if ds.task == "classification" else (),
        sample=sample,
        kernels=kernels,
        confusion=None if confusion is None else confusion.copy(),
        confusion_source=("validation" if separate_val else "training") if confusion is not None else "",
        phase=t.phase,
        pretrain=t.pretrainer.status() if t.pretrainer is not None and t.phase == "pretrain" else None,
        experiment=t.config,
        features=ds.features,
        refused=t.refused,
        refusals=t.refusals,
    )


def _sample(t: RunParts) -> tuple[SampleView, tuple[FeatureMap, ...]]:
    """The probed sample as the network sees it, and its feature maps."""
    ds = t.dataset
    x, y, source = sample_set(ds)
    i = t.probe.sample % len(x)
    label = int(y[i]) if ds.task == "classification" else -1
    return sample_view(t.network, x[i], label, i, len(x), source, ds.class_names)


def _epoch_mean_loss(t: RunParts) -> float | None:
    if t.clock.epoch_losses:
        return float(np.mean(t.clock.epoch_losses))
    return t.history.curves["train_loss"].last()
