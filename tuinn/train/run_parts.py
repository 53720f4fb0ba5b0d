"""What the Trainer's readers see of it: the parts of a run that Snapshot assembly and the checkpoint read and restore.

A Protocol, so views.py and checkpoint.py name what they use without importing the Trainer (which imports them).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

from tuinn.config import RunConfig
from tuinn.data import Dataset
from tuinn.nn import Network
from tuinn.nn.optimizers import Optimizer
from tuinn.train.commands import SelectConvCell
from tuinn.train.divergence import DivergenceWatch
from tuinn.train.early_stop import EarlyStop
from tuinn.train.evaluation import Evaluation, Evaluator
from tuinn.train.history import History
from tuinn.train.pretrain import Pretrainer
from tuinn.train.snapshot import Event
from tuinn.train.state import RunClock, RunStatus


@dataclass
class Probe:
    """What the detail pictures look at: the weighted layer whose gradient is shown, the sample shown,
    and the conv or pooling cell whose computation is shown (None: none)."""

    layer: int = 0
    sample: int = 0
    cell: SelectConvCell | None = None


class RunParts(Protocol):
    """A run's record, model, data, clock, figures and probes (the Trainer is one)."""

    config: RunConfig
    dataset: Dataset
    network: Network
    optimizer: Optimizer
    lr: float
    recorded_lr: float | None
    clock: RunClock
    status: RunStatus
    history: History
    evaluator: Evaluator
    last: Evaluation
    events: deque[Event]
    probe: Probe
    pretrainer: Pretrainer | None
    divergence: DivergenceWatch
    early_stop: EarlyStop
    data_note: str
    refused: str | None
    refusals: int

    @property
    def phase(self) -> str:
        """'pretrain' while the layers are pretrained, then 'finetune'; 'train' for runs without it."""
        ...

    @property
    def epoch(self) -> int:
        """Whole epochs trained."""
        ...
