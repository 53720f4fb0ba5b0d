"""The Watcher: a PyTorch loop's steps turned into Snapshots, written as a tuinn recording.

Cheap at every step (the loss and metric kept as detached tensors, one stat of the control file); every
`every` steps they go to the curves, and a frame is written when the recorder's pace allows (twice a second at
first, halving every 128 frames, as tuinn's own recordings): gradient norms and update ratios captured by hooks
armed for that step's backward only, a forward pass of the sample for the pictures, copied to the host then.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import torch
from torch import nn

from tuinn.nn import SummaryRow
from tuinn.train.health import log_ratio, update_ratio
from tuinn.train.history import Series
from tuinn.train.probes import gradient_matrix
from tuinn.train.recorder import Recorder
from tuinn.train.snapshot import (
    Curve,
    DecisionSurface,
    Event,
    FeatureMap,
    LayerStats,
    SampleView,
    Snapshot,
)
from tuinn.train.steering import ControlReader, control_path, write_control
from tuinn.watch.architecture import ACTIVATIONS, Leaf, describe, image_shape, leaves, shapes_of, summary_rows
from tuinn.watch.pictures import plane, plane_values, probabilities, shrink

GRID = 48  # the plane of a 2-input model, per axis
PAUSE_POLL = 0.1  # seconds between reads of the control file while paused
CURVES = ("train_loss", "train_metric", "val_loss", "val_metric", "lr")


@dataclass(frozen=True)
class WatchOptions:
    """How a model is watched: the sampling interval, which modules, the class names, the metric's name, the pace."""

    every: int
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    class_names: tuple[str, ...]
    metric_name: str
    paced: bool = True
    epochs: int = 0


def distributed() -> bool:
    """Whether this process is one of a torch.distributed job."""
    return bool(torch.distributed.is_available() and torch.distributed.is_initialized())


def is_writer() -> bool:
    """Whether this process writes: always, except the ranks after the first under torch.distributed."""
    return not (distributed() and torch.distributed.get_rank() != 0)


def host(t: Any) -> np.ndarray:
    """A tensor (CPU or CUDA) or array-like as a NumPy array on the host."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        array: np.ndarray = (t.float() if t.is_floating_point() else t).cpu().numpy()
        return array
    return np.asarray(t)


def as_matrix(weight: torch.Tensor) -> torch.Tensor:
    """A weight (or its gradient) laid out as tuinn's: inputs × units for Linear, kh × kw × in × out for Conv2d."""
    return weight.permute(2, 3, 1, 0) if weight.ndim == 4 else weight.T if weight.ndim == 2 else weight


class Watcher:
    """Writes a PyTorch model's training to a recording; `step()` once per training step, `close()` at the end."""

    def __init__(
        self,
        model: nn.Module,
        path: str | os.PathLike[str],
        sample: Any,
        targets: Any,
        optimizer: torch.optim.Optimizer | None,
        options: WatchOptions,
        tensorboard: str | os.PathLike[str] | None = None,
    ) -> None:
        self.alive = is_writer()
        self.steps = 0
        self.path = Path(path)
        if not self.alive:
            return
        try:
            self._start(model, sample, targets, optimizer, options, tensorboard)
        except Exception as e:  # noqa: BLE001  (the loop must never see tuinn fail)
            self._fail(e)

    def _start(
        self,
        model: nn.Module,
        sample: Any,
        targets: Any,
        optimizer: torch.optim.Optimizer | None,
        options: WatchOptions,
        tensorboard: str | os.PathLike[str] | None,
    ) -> None:
        self.model: nn.Module = getattr(model, "module", model)  # the module inside DistributedDataParallel
        self.optimizer = optimizer
        self.options = options
        self.every = max(1, int(options.every))
        self.sample = sample
        self.targets = None if targets is None else host(targets).reshape(len(targets), -1)[:, 0]
        self.leaves: list[Leaf] = leaves(self.model, options.include, options.exclude)
        self.weighted = [leaf for leaf in self.leaves if leaf.weight is not None]
        self.summary: tuple[SummaryRow, ...] = ()
        self.input_shape: tuple[int, ...] = ()
        if sample is not None:
            self.summary = summary_rows(self.leaves, shapes_of(self.model, self.leaves, sample))
            self.input_shape = image_shape(tuple(sample.shape[1:]))
        self.curves = {name: Series() for name in CURVES}
        self.grad_norms = Series(width=max(1, len(self.weighted)))
        self.pending: list[tuple[int, Any, Any]] = []
        self.window: dict[str, list[float]] = {"train_loss": [], "train_metric": []}
        self.last_frame = -np.inf
        self.events: list[Event] = []
        self.epoch = 0
        self.started = time.monotonic()
        self.captured: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        self.selected_grad: torch.Tensor | None = None
        self.handles: list[Any] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.recorder = Recorder(self.path)
        self.control = None
        self.lr_scale = 1.0
        if optimizer is not None and not distributed():  # one rank's lr alone would part the replicas: read-only
            write_control(control_path(self.path), ControlReader(control_path(self.path)).control)
            self.control = ControlReader(control_path(self.path))
        self.board = None
        if tensorboard is not None:
            from tuinn.report.tensorboard import BoardWriter

            self.board = BoardWriter(tensorboard)
        self._arm()

    # --- the loop's side -------------------------------------------------------------------
    def step(
        self,
        loss: Any = None,
        metric: Any = None,
        val_loss: Any = None,
        val_metric: Any = None,
        epoch: int | None = None,
    ) -> None:
        """Count one training step (call it after `optimizer.step()`); every `every` steps write a frame.

        A call with only `val_loss` / `val_metric` records them at the last step and counts none.
        """
        if not self.alive:
            return
        try:
            self._step(loss, metric, val_loss, val_metric, epoch)
        except Exception as e:  # noqa: BLE001
            self._fail(e)

    def _step(self, loss: Any, metric: Any, val_loss: Any, val_metric: Any, epoch: int | None) -> None:
        if epoch is not None:
            self.epoch = epoch
        validation = val_loss is not None or val_metric is not None
        for name, value in (("val_loss", val_loss), ("val_metric", val_metric)):
            if value is not None:
                self.curves[name].append(self.steps, float(value))
        if validation and loss is None and metric is None:
            return  # validation figures only: they belong to the step just counted
        self.steps += 1
        self.pending.append((self.steps, _detached(loss), _detached(metric)))
        if self.control is not None:
            self._steer()
        if self.steps % self.every == 0 or self.steps == 1:
            if self.handles or self.steps == 1:  # armed: the frame is due
                self._write_frame()
            else:
                self._flush_scalars()
            self._disarm()
        if (self.steps + 1) % self.every == 0 and self._frame_due():
            self._arm()

    def _steer(self) -> None:
        """Apply the app's learning-rate scale and wait while it asks for a pause."""
        assert self.control is not None and self.optimizer is not None
        wish = self.control.poll()
        if wish.lr_scale != self.lr_scale:
            factor = wish.lr_scale / self.lr_scale
            for group in self.optimizer.param_groups:
                group["lr"] *= factor
            self.lr_scale = wish.lr_scale
            self._event("lr", f"lr ×{factor:g} -> {self.lr:g} (from the app)")
        if wish.paused:
            self._event("pause", "paused from the app")
            self._write_frame(paused=True)
            while self.control.poll().paused:
                time.sleep(PAUSE_POLL)
            self._event("resume", "resumed from the app")

    def _event(self, kind: str, text: str) -> None:
        self.events.append(Event(self.steps, self.epoch, kind, text))

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"]) if self.optimizer is not None else 0.0

    # --- gradients, captured during the sampled step's backward ------------------------------
    def _arm(self) -> None:
        """Hooks on every watched weight for the next backward: its gradient's norm and mean, the weight before."""
        if self.handles or not hasattr(torch.Tensor, "register_post_accumulate_grad_hook"):
            return
        self.captured = {}
        for leaf in self.weighted:
            assert leaf.weight is not None
            hook = partial(self._capture, leaf.name)
            self.handles.append(leaf.weight.register_post_accumulate_grad_hook(hook))  # type: ignore[no-untyped-call]

    def _capture(self, name: str, weight: torch.Tensor) -> None:
        try:
            grad = weight.grad
            if grad is not None:
                g = grad.detach()
                self.captured[name] = (g.norm(), g.abs().mean(), weight.detach().clone())
                if name == self.weighted[0].name:  # the selected layer's matrix, in case zero_grad() comes first
                    self.selected_grad = g.clone()
        except Exception as e:  # noqa: BLE001
            self._fail(e)

    def _disarm(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def _layer_stats(self) -> tuple[tuple[LayerStats, ...], dict[str, float]]:
        """Each watched layer's gradient statistics and its update-to-weight ratio ‖ΔW‖ / ‖W‖ over this step
        (in the LayerStats as log10, as tuinn's own runs give it; saturated and dead shares are not measured here).

        The gradient is the one still on the weight at `step()`; once zeroed, the one the hook saw after backward
        (under DistributedDataParallel that is this rank's own, before the average: call `step()` before
        `zero_grad()` there).
        """
        stats, ratios = [], {}
        for leaf in self.weighted:
            assert leaf.weight is not None
            norm = mean = logged = None
            if leaf.name in self.captured:
                norm, mean, before = self.captured[leaf.name]
                w = leaf.weight.detach()
                moved, size = float((w - before).norm()), float(w.norm())
                ratios[leaf.name], logged = update_ratio(moved, size), log_ratio(moved, size)
            if leaf.weight.grad is not None:  # as the optimizer used it (under DDP: averaged over the ranks)
                norm, mean = leaf.weight.grad.norm(), leaf.weight.grad.abs().mean()
            activation = next((r.activation for r in self.summary if r.name == leaf.name), None)
            stats.append(
                LayerStats(
                    leaf.name,
                    activation,
                    float("nan") if norm is None else float(norm),
                    float(mean or float("nan")),
                    logged,
                )
            )
        return tuple(stats), ratios

    # --- the frame --------------------------------------------------------------------------
    def _flush_scalars(self) -> None:
        """Move the pending loss and metric values to the curves (and to the window of the next frame)."""
        for step, loss, metric in self.pending:
            for name, value in (("train_loss", loss), ("train_metric", metric)):
                if value is not None:
                    self.window[name].append(float(value))
                    self.curves[name].append(step, self.window[name][-1])
        self.pending = []
        if self.optimizer is not None:
            self.curves["lr"].append(self.steps, self.lr)

    def _window_means(self) -> tuple[float | None, float | None]:
        """The mean loss and metric over the steps since the last frame; the window starts again."""
        means = tuple(float(np.mean(v)) if v else None for v in self.window.values())
        self.window = {name: [] for name in self.window}
        return means[0], means[1]

    def _frame_due(self) -> bool:
        """Whether the recorder's pace allows a frame now (twice a second at first, halving every 128 frames)."""
        return not self.options.paced or time.monotonic() - self.last_frame >= self.recorder.interval

    def _write_frame(self, paused: bool = False, finished: bool = False) -> None:
        snapshot = self.snapshot(paused, finished)
        self.last_frame = time.monotonic()
        self.recorder.write(snapshot, keyframe=finished)
        if self.board is not None:
            self.board.write(snapshot)

    def snapshot(self, paused: bool = False, finished: bool = False) -> Snapshot:
        """The run as a Snapshot now: curves, gradient rows, the sample's pictures."""
        self._flush_scalars()
        train_loss, train_metric = self._window_means()
        stats, ratios = self._layer_stats()
        for name, ratio in ratios.items():
            self.curves.setdefault(f"update_ratio/{name}", Series()).append(self.steps, ratio)
        if stats:
            self.grad_norms.append(self.steps, np.log10(np.maximum([s.grad_norm for s in stats], 1e-30)))
        selected = self.weighted[0] if self.weighted else None
        selected_grad = None
        if selected is not None and selected.weight is not None:
            grad = selected.weight.grad if selected.weight.grad is not None else self.selected_grad
            selected_grad = None if grad is None else gradient_matrix(host(as_matrix(grad)))
        maps, sample_view, decision = self._pictures() if self.sample is not None else ((), None, None)
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return Snapshot(
            preset=type(self.model).__name__,
            description="a PyTorch model watched by tuinn.watch"
            + ("; + - change its learning rate, space pauses it" if self.control is not None else " (read-only)"),
            task="classification" if self.targets is not None and self.targets.dtype.kind in "iu" else "regression",
            step=self.steps,
            epoch=self.epoch,
            epochs=max(self.options.epochs, self.epoch),
            samples_seen=self.steps,
            metric_name=self.options.metric_name,
            train_loss=train_loss,
            val_loss=self.curves["val_loss"].last(),
            train_metric=train_metric,
            val_metric=self.curves["val_metric"].last(),
            curves={name: Curve(s.steps, s.values) for name, s in self.curves.items()},
            lr=self.lr,
            optimizer=type(self.optimizer).__name__.lower() if self.optimizer is not None else "",
            optimizer_label=f"{type(self.optimizer).__name__.lower()}(lr={self.lr:g})" if self.optimizer else "",
            summary=self.summary,
            activations={r.name: r.activation for r in self.summary if r.activation},
            layer_stats=stats,
            grad_history_layers=tuple(leaf.name for leaf in self.weighted),
            grad_history=self.grad_norms.values.T.reshape(len(self.weighted), -1) if stats else np.zeros((0, 0)),
            selected_layer=selected.name if selected is not None else None,
            selected_grad=selected_grad,
            feature_maps=maps,
            decision=decision,
            samples_per_sec=self.steps / elapsed,
            paused=paused,
            finished=finished,
            diverged=None,
            target="",
            target_met=False,
            events=tuple(self.events),
            input_shape=self.input_shape,
            sample=sample_view,
            class_names=self.options.class_names,
        )

    def _pictures(self) -> tuple[tuple[FeatureMap, ...], SampleView | None, DecisionSurface | None]:
        """One forward pass of the sample (eval mode, no gradients): conv/pool maps of its first item, its output."""
        outputs: dict[str, torch.Tensor] = {}

        def keep(name: str) -> Any:
            def hook(_m: nn.Module, _i: Any, out: Any) -> None:
                if isinstance(out, torch.Tensor) and out.ndim == 4:
                    outputs[name] = out[0].detach()

            return hook

        handles = [leaf.module.register_forward_hook(keep(leaf.name)) for leaf in self.leaves]
        training = self.model.training
        try:
            self.model.eval()
            with torch.no_grad():
                out = host(self.model(self.sample))
        finally:
            self.model.train(training)
            for handle in handles:
                handle.remove()
        maps: list[FeatureMap] = []
        for before, leaf in zip([None, *self.leaves], self.leaves):
            if leaf.name not in outputs:
                continue
            full = host(outputs[leaf.name]).transpose(1, 2, 0)
            small = shrink(full)
            if (
                type(leaf.module) in ACTIVATIONS
            ):  # a conv's activation: the conv's maps, as tuinn's own layers show them
                if before is not None and maps and maps[-1].layer == before.name:
                    maps[-1] = FeatureMap(before.name, maps[-1].type, small.shape, full.size, small)
                continue
            maps.append(FeatureMap(leaf.name, describe(leaf.module), small.shape, full.size, small))
        out = out.reshape(len(out), -1)
        view = decision = None
        if self.targets is not None and self.targets.dtype.kind in "iu" and self.sample.ndim == 4:
            p = probabilities(out[0])
            names = self.options.class_names or tuple(str(k) for k in range(len(p)))
            image = host(self.sample[0]).transpose(1, 2, 0)
            view = SampleView(0, len(out), "sample", image, int(self.targets[0]), p, names)
        if self.sample.ndim == 2 and self.sample.shape[1] == 2:
            decision = self._plane(out)
        return tuple(maps), view, decision

    def _plane(self, out: np.ndarray) -> DecisionSurface:
        """A 2-input model's output over the plane of its sample, with the sample's points."""
        points = host(self.sample).astype(np.float64)
        xs, ys, grid = plane(points, GRID)
        first = next(self.model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
        dtype = self.sample.dtype if isinstance(self.sample, torch.Tensor) else torch.float32
        training = self.model.training
        try:
            self.model.eval()
            with torch.no_grad():
                surface = host(self.model(torch.as_tensor(grid, dtype=dtype, device=device)))
        finally:
            self.model.train(training)
        values, value_range = plane_values(surface.reshape(len(grid), -1), GRID)
        labels = self.targets if self.targets is not None else np.zeros(len(points))
        predicted = out.argmax(axis=1) if out.shape[1] > 1 else (plane_values(out, 1)[0].ravel() >= 0.5)
        return DecisionSurface(
            xs=xs,
            ys=ys,
            values=values,
            points=points,
            labels=labels,
            value_range=value_range,
            is_val=np.zeros(len(points), dtype=bool),
            correct=np.asarray(predicted == labels, dtype=bool),
        )

    # --- the end ------------------------------------------------------------------------------
    def close(self) -> None:
        """Write the last frame (a keyframe, marked finished) and close the file."""
        if not self.alive:
            return
        try:
            self._write_frame(finished=True)
        except Exception as e:  # noqa: BLE001
            self._fail(e)
            return
        self._shut()

    def _shut(self) -> None:
        self.alive = False
        self._disarm()
        for closing in (getattr(self, "recorder", None), getattr(self, "board", None)):
            if closing is not None:
                try:
                    closing.close()
                except Exception:  # noqa: BLE001
                    pass

    def _fail(self, error: Exception) -> None:
        """Say once what went wrong and stop watching; the training loop goes on."""
        if not self.alive:
            return
        print(
            f"tuinn.watch: stopped watching at step {self.steps} ({type(error).__name__}: {error}); "
            f"training goes on, {self.path} holds the frames so far",
            file=sys.stderr,
        )
        self._shut()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _detached(value: Any) -> Any:
    """A tensor detached from its graph (no copy to the host yet); other values as they are."""
    return value.detach() if isinstance(value, torch.Tensor) else value
