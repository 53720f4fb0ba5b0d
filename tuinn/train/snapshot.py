"""Snapshot: an immutable, small copy of everything the views show about a run.

The Trainer builds one on request; the TUI and the reporters read only these,
never the live arrays the training thread is updating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuinn.config import RunConfig
from tuinn.nn import SummaryRow
from tuinn.train.pretrain import PretrainStatus


@dataclass(frozen=True)
class Event:
    """Something that happened at a step: a switch, a reset, a divergence."""

    step: int
    epoch: int
    kind: str  # "activation", "lr", "optimizer", "reset", "pause", "resume", "diverged", "target",
    # "pretrain" (a layer begun or done), "finetune" (pretraining over), "early_stop"
    text: str  # e.g. "activation tanh -> relu"

    def __str__(self) -> str:
        return f"{self.text} at step {self.step}"


@dataclass(frozen=True)
class LayerStats:
    """Weight-gradient statistics and health of one layer at the latest step.

    `log_update_ratio` is log10(‖ΔW‖ / ‖W‖) over the last step (None before one); `saturated` the share of
    the layer's outputs saturated on the evaluation batch (tanh, sigmoid), `dead` the share of its units that
    are 0 on every sample of it (relu); None where they do not apply or before an evaluation.
    """

    name: str
    activation: str | None
    grad_norm: float
    grad_mean_abs: float
    log_update_ratio: float | None = None
    saturated: float | None = None
    dead: float | None = None


@dataclass(frozen=True)
class FeatureMap:
    """One conv/pool layer's output for the fixed sample: maps is (H, W, C)."""

    layer: str
    type: str
    shape: tuple[int, int, int]
    neurons: int
    maps: np.ndarray


@dataclass(frozen=True)
class NeuronLayer:
    """One layer's units over the decision grid: values[k, i, j] is unit k's output at (xs[j], ys[i]).

    `weights` (inputs, units) and `bias` (units,) are each unit's incoming
    parameters; the input layer (the features) has none, and no activation;
    a maxout layer (activation "maxout") has none either: each unit has a weight vector per piece.
    """

    name: str
    activation: str | None
    values: np.ndarray
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None

    @property
    def units(self) -> int:
        return len(self.values)

    @property
    def is_input(self) -> bool:
        """Whether these are the input features (the one layer without an activation)."""
        return self.activation is None


@dataclass(frozen=True)
class DecisionSurface:
    """The model's output over a grid of the 2-D input plane, with the data points.

    values[i, j] is the output at (xs[j], ys[i]): the probability of class 1 for
    binary tasks, the predicted class for multi-class, the prediction for regression.
    Points are training points first, then validation points (`is_val`); `correct`
    says whether the model gets each one right (always True for regression).
    `neurons` holds every layer's units over the same grid, inputs first.
    """

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    points: np.ndarray
    labels: np.ndarray
    value_range: tuple[float, float]
    is_val: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    neurons: tuple[NeuronLayer, ...] = ()


@dataclass(frozen=True)
class Kernels:
    """A conv layer's learned kernels: weights is (kh, kw, filters), averaged over the input channels."""

    layer: str
    in_channels: int
    weights: np.ndarray


@dataclass(frozen=True)
class SampleView:
    """One sample as a CNN sees it: the image, its true class and the predicted probabilities.

    `index` counts from 0 among `count` samples of `source` ("validation" or
    "training"); the Snapshot's feature_maps are this sample's.
    """

    index: int
    count: int
    source: str
    image: np.ndarray  # (H, W, C)
    label: int
    probabilities: np.ndarray  # (classes,), summing to 1
    class_names: tuple[str, ...]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))


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
    curves: dict[str, Curve]  # "train_loss", "val_loss", "train_metric", "val_metric", "recon_loss", "lr"
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
    watching: bool = False  # the speed limit is the watching pace (a run's start in the app: tuinn.train.pace)
    separate_val: bool = True  # False when "validation" is the training data again (truth tables)
    sample: SampleView | None = None  # image presets: the selected sample
    kernels: tuple[Kernels, ...] = ()  # conv layers' kernels, input to output
    confusion: np.ndarray | None = None  # (classes, classes) counts: row = true class, column = predicted
    confusion_source: str = ""  # "validation" or "training": the set the confusion matrix counts
    class_names: tuple[str, ...] = ()  # classification: a name per class ("0".."9" unless the data names them)
    phase: str = "train"  # "pretrain" (layer-wise pretraining), then "finetune"; "train" without it
    pretrain: PretrainStatus | None = None  # while pretraining: the layer, its epoch, its loss
    experiment: RunConfig | None = None  # the run's settings as they are now (the lab edits them)
    features: tuple[str, ...] = ()  # the input features of 2-D data (empty: the points themselves)
    refused: str | None = None  # why the last lab edit was refused (None: it applied)
    refusals: int = 0  # counts refused edits, so a view sees a new refusal
    data_note: str = ""  # --data: what the file is and what was done to it (standardized, output layer adapted)
    schedule: str = "constant"  # the learning-rate schedule in a few words ("cosine to 0.0001, warmup 5 epochs")
    stopped_early: str | None = None  # why early stopping ([target] patience) ended the run

    @property
    def class_accuracy(self) -> np.ndarray | None:
        """Per true class, the share of its samples predicted right (NaN for a class with none)."""
        if self.confusion is None:
            return None
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(self.confusion) / np.maximum(totals, 1), np.nan)
