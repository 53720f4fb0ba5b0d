"""Dataset: a train/validation split with the facts a model needs (input shape, task, classes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TASKS = ("classification", "regression")


class DataError(ValueError):
    """Bad data spec or file; the message names the file and the key/row/column."""


@dataclass(frozen=True)
class Dataset:
    """Training and validation arrays plus what they mean.

    Classification labels are int64 class indices of shape (N,); regression
    targets are floats of shape (N, outputs). Inputs are (N, *input_shape),
    images in NHWC order.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    input_shape: tuple[int, ...]
    task: str
    classes: int
    class_names: tuple[str, ...] = ()
    description: str = ""
    #: the input features computed from 2-D points (empty: the inputs are the data itself)
    features: tuple[str, ...] = ()
    #: with features: the 2-D training and validation points they were computed from
    plane_train: np.ndarray | None = None
    plane_val: np.ndarray | None = None

    @property
    def plane_points(self) -> np.ndarray | None:
        """The training samples as points of the 2-D plane, when the data is 2-D (with or without features)."""
        if self.features:
            return self.plane_train
        return self.x_train if self.input_shape == (2,) else None

    @property
    def plane_val_points(self) -> np.ndarray | None:
        """The validation samples as points of the 2-D plane, when the data is 2-D."""
        if self.features:
            return self.plane_val
        return self.x_val if self.input_shape == (2,) else None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"{self.name}: task must be one of {', '.join(TASKS)}, got {self.task!r}")
        for part, x, y in (("train", self.x_train, self.y_train), ("val", self.x_val, self.y_val)):
            if tuple(x.shape[1:]) != tuple(self.input_shape):
                raise DataError(
                    f"{self.name}: x_{part} has samples of shape {x.shape[1:]}, input_shape is {self.input_shape}"
                )
            if len(x) != len(y):
                raise DataError(f"{self.name}: x_{part} has {len(x)} samples, y_{part} has {len(y)}")
            if self.task == "regression" and y.ndim != 2:
                raise DataError(f"{self.name}: regression targets y_{part} must be (N, outputs), got {y.shape}")
            if self.task == "classification" and y.ndim != 1:
                raise DataError(f"{self.name}: class labels y_{part} must be (N,), got {y.shape}")
        if self.class_names and len(self.class_names) != self.classes:
            raise DataError(f"{self.name}: {len(self.class_names)} class names for {self.classes} classes")

    @property
    def outputs(self) -> int:
        """Width of the model's output: the number of classes, or the number of regression targets."""
        return self.classes if self.task == "classification" else int(self.y_train.shape[1])
