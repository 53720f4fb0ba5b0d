"""The Evaluator: measures loss and metric on the training and validation sets and returns them.

It records nothing: the Trainer puts what it returns on the run's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuinn.config import RunConfig
from tuinn.data import Dataset
from tuinn.nn import Network
from tuinn.train.health import Activity, ActivityTally
from tuinn.train.probes import confusion_matrix, predicted_classes
from tuinn.train.setup import EVAL_STREAM, encode_targets, stream_seed

EVALUATIONS_PER_RUN = 200  # evaluate at most this often over the planned epochs (and at the end)
EVAL_EVERY_MAX = 100  # epochs: however large the budget, the target is checked at least this often
EVAL_SECONDS = 2.0  # and at the end of an epoch once this much wall time passed since the last check
MAX_EVAL_SAMPLES = 2048
EVAL_CHUNK = 1024  # samples per forward pass when evaluating
#: the figures an evaluation gives, by name (None: no validation set)
FIGURES = ("train_loss", "val_loss", "train_metric", "val_metric")


@dataclass(frozen=True)
class Evaluation:
    """One measurement: the figures by name, the confusion matrix and the classes predicted for the sample set.

    `tally` counted the hidden layers' outputs on the training subset (the evaluation batch).
    """

    figures: dict[str, float | None]
    confusion: np.ndarray | None
    sample_predicted: np.ndarray | None
    tally: ActivityTally = field(default_factory=ActivityTally)

    @property
    def activity(self) -> dict[str, Activity]:
        """Each hidden layer's saturated and dead shares on the evaluation batch (worked out when read)."""
        return self.tally.result()


class Evaluator:
    """Measures a network on one dataset: a fixed subset of the training set, and the validation set."""

    def __init__(self, config: RunConfig, dataset: Dataset, network: Network) -> None:
        self.dataset = dataset
        self.y_train = encode_targets(config, dataset, dataset.y_train, network)
        self.y_val = encode_targets(config, dataset, dataset.y_val, network)
        rng = np.random.default_rng(stream_seed(config.seed, EVAL_STREAM))
        n_eval = min(len(dataset.x_train), MAX_EVAL_SAMPLES)
        self.train_subset = np.sort(rng.choice(len(dataset.x_train), n_eval, replace=False))
        #: whether the validation set is other data (a truth table validates on its own four rows)
        self.separate_val = bool(len(dataset.x_val)) and not (
            dataset.x_val.shape == dataset.x_train.shape and np.array_equal(dataset.x_val, dataset.x_train)
        )

    def measure(self, network: Network) -> Evaluation:
        """Loss and metric of `network` on both sets, its confusion matrix and its classes for the sample set."""
        ds, idx = self.dataset, self.train_subset
        tally = ActivityTally()
        train_loss, train_metric, train_predicted = self._measure(
            network, ds.x_train[idx], self.y_train[idx], ds.y_train[idx], tally
        )
        val_loss = val_metric = val_predicted = None
        if len(ds.x_val):
            val_loss, val_metric, val_predicted = self._measure(network, ds.x_val, self.y_val, ds.y_val)
        confusion = None
        if ds.task == "classification":
            labels, predicted = (ds.y_val, val_predicted) if len(ds.x_val) else (ds.y_train[idx], train_predicted)
            assert predicted is not None
            confusion = confusion_matrix(labels, predicted, ds.classes)
        figures = {
            "train_loss": train_loss,
            "val_loss": val_loss,
            "train_metric": train_metric,
            "val_metric": val_metric,
        }
        return Evaluation(figures, confusion, val_predicted if len(ds.x_val) else None, tally)

    def _measure(
        self, network: Network, x: np.ndarray, y: np.ndarray, labels: np.ndarray, tally: ActivityTally | None = None
    ) -> tuple[float, float, np.ndarray | None]:
        """Mean loss and metric over (x, y), and the predicted classes, in chunks so memory stays bounded;
        a `tally` counts the hidden layers' outputs of each chunk."""
        total_loss = 0.0
        predicted = []
        for start in range(0, len(x), EVAL_CHUNK):
            part = slice(start, start + EVAL_CHUNK)
            loss, out = network.evaluate(x[part], y[part])
            if tally is not None:
                tally.add(network)
            total_loss += loss * len(out)
            if self.dataset.task == "classification":
                predicted.append(predicted_classes(out, network.loss.name))
        loss = total_loss / len(x)
        if self.dataset.task == "regression":
            return loss, loss, None
        classes = np.concatenate(predicted)
        return loss, float(np.mean(classes == labels)), classes


def predict(network: Network, x: np.ndarray) -> np.ndarray:
    """Predicted classes for `x`, in chunks."""
    parts = [network.forward(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
    return predicted_classes(np.concatenate(parts), network.loss.name)


def target_value(config: RunConfig, task: str, figures: dict[str, float | None]) -> float | None:
    """The figure the run's target is about (None: not measured, or the accuracy of a regression)."""
    metric = config.target.metric
    if task == "regression" and metric.endswith("accuracy"):
        return None
    return figures.get(metric.replace("accuracy", "metric"))


def eval_every(epochs: int) -> int:
    """Epochs between the evaluations that decide early stopping, for a run of `epochs` epochs."""
    return min(EVAL_EVERY_MAX, max(1, epochs // EVALUATIONS_PER_RUN))
