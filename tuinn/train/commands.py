"""Commands a user (keys, CLI) sends the Trainer; it applies them between steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuinn.config import RunConfig


@dataclass(frozen=True)
class SetActivation:
    """Switch the hidden layers to `name` (weights kept)."""

    name: str


@dataclass(frozen=True)
class CycleActivation:
    """Switch the hidden layers to the next (+1) or previous (-1) activation."""

    direction: int = 1


@dataclass(frozen=True)
class SetLearningRate:
    """Make the next step's lr `lr`; a schedule is scaled to pass through it and goes on from there."""

    lr: float


@dataclass(frozen=True)
class ScaleLearningRate:
    """Multiply the learning rate by `factor` (x2 and /2 on the keys): the whole schedule from the next step on."""

    factor: float


@dataclass(frozen=True)
class SetOptimizer:
    name: str


@dataclass(frozen=True)
class CycleOptimizer:
    direction: int = 1


@dataclass(frozen=True)
class CycleSpeed:
    """Step through the speed limits (as fast as possible, 1000, 100, 10 steps a second)."""

    direction: int = 1


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class TogglePause:
    pass


@dataclass(frozen=True)
class Step:
    """Run one training step, even while paused."""


@dataclass(frozen=True)
class Reset:
    """Start again from the seed's initial weights, keeping the current settings; `watch`: at the watching pace."""

    watch: bool = False


@dataclass(frozen=True)
class SelectLayer:
    """Move the gradient-matrix selection by `delta` weighted layers."""

    delta: int


@dataclass(frozen=True)
class SelectSample:
    """Move the shown sample (image presets) by `delta` samples of its set."""

    delta: int


@dataclass(frozen=True)
class NextMisclassified:
    """Show the next (+1) or previous (-1) sample the model gets wrong, as of the last evaluation."""

    direction: int = 1


@dataclass(frozen=True)
class Edit:
    """Change the experiment by preset keys, e.g. (("data.noise", 30),), keeping the weights that fit."""

    settings: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class AddLayer:
    """Insert a dense layer before layer `index` (0-based), as close to the identity as `activation` allows."""

    index: int
    activation: str = "tanh"


@dataclass(frozen=True)
class ResizeLayer:
    """Give hidden layer `index` (0-based) `delta` more units (or filters), keeping the weights that fit."""

    index: int
    delta: int


@dataclass(frozen=True)
class RemoveLayer:
    """Remove hidden layer `index` (0-based), folding its weights into the next layer."""

    index: int


@dataclass(frozen=True)
class NewSample:
    """Draw fresh data with the same settings (the next data seed); the network keeps its weights."""


@dataclass(frozen=True)
class OpenPreset:
    """Start `config` in place of the current run (no restart of the app)."""

    config: RunConfig


@dataclass(frozen=True)
class SaveCheckpoint:
    """Save the run as a checkpoint between steps (`path` None: '<preset>-epoch<N>.npz')."""

    path: str | None = None


Command = (
    SetActivation
    | CycleActivation
    | SetLearningRate
    | ScaleLearningRate
    | SetOptimizer
    | CycleOptimizer
    | CycleSpeed
    | Pause
    | Resume
    | TogglePause
    | Step
    | Reset
    | SelectLayer
    | SelectSample
    | NextMisclassified
    | Edit
    | AddLayer
    | ResizeLayer
    | RemoveLayer
    | NewSample
    | OpenPreset
    | SaveCheckpoint
)
