"""Snapshot: an immutable, small copy of everything the views show about a run.

The Trainer builds one on request; the TUI and the reporters read only these,
never the live arrays the training thread is updating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuinn.nn import SummaryRow


@dataclass(frozen=True)
class Event:
    """Something that happened at a step: a switch, a reset, a divergence."""

    step: int
    epoch: int
    kind: str  # "activation", "lr", "optimizer", "reset", "pause", "resume", "diverged", "target"
    text: str  # e.g. "activation tanh -> relu"

    def __str__(self) -> str:
        return f"{self.text} at step {self.step}"


@dataclass(frozen=True)
class LayerStats:
    """Weight-gradient statistics of one layer at the latest step."""

    name: str
    activation: str | None
    grad_norm: float
    grad_mean_abs: float


@dataclass(frozen=True)
class FeatureMap:
    """One conv/pool layer's output for the fixed sample: maps is (H, W, C)."""

    layer: str
    type: str
    shape: tuple[int, int, int]
    neurons: int
    maps: np.ndarray


@dataclass(frozen=True)
class DecisionSurface:
    """The model's output over a grid of the 2-D input plane, with the training points.

    values[i, j] is the output at (xs[j], ys[i]): the probability of class 1 for
    binary tasks, the predicted class for multi-class, the prediction for regression.
    """

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    points: np.ndarray
    labels: np.ndarray
    value_range: tuple[float, float]


@dataclass(frozen=True)
class Curve:
    """A bounded, downsampled series: steps[i] and values[i]."""

    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class Snapshot:
    """Everything a view needs about a run at one moment."""

    preset: str
    description: str
    task: str  # "classification" or "regression"
    step: int
    epoch: int
    epochs: int  # the planned number of epochs
    samples_seen: int
    metric_name: str  # "accuracy" or "mse"
    train_loss: float | None
    val_loss: float | None
    train_metric: float | None
    val_metric: float | None
    curves: dict[str, Curve]  # "train_loss", "val_loss", "train_metric", "val_metric"
    lr: float
    optimizer: str  # short name, e.g. "adam"
    optimizer_label: str  # e.g. "adam(lr=0.001)"
    summary: tuple[SummaryRow, ...]
    activations: dict[str, str]  # activated layer name -> activation
    layer_stats: tuple[LayerStats, ...]  # input to output
    grad_history_layers: tuple[str, ...]  # row names of grad_history
    grad_history: np.ndarray  # (layers, T) log10 weight-gradient norm, NaN before data
    selected_layer: str | None  # layer whose gradient matrix is in selected_grad
    selected_grad: np.ndarray | None  # 2-D, downsampled gradient of the selected layer's W
    feature_maps: tuple[FeatureMap, ...]
    decision: DecisionSurface | None
    samples_per_sec: float
    paused: bool
    finished: bool
    diverged: str | None  # why training stopped early: the loss became NaN or inf, or an error
    target: str  # e.g. "val accuracy >= 0.97"
    target_met: bool
    events: tuple[Event, ...] = field(default_factory=tuple)
    input_shape: tuple[int, ...] = ()  # per sample, e.g. (2,) or (8, 8, 1)
    speed: float | None = None  # the speed limit in steps per second, None for none
