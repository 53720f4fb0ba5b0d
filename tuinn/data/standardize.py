"""Standardising features: mean 0 and variance 1 per feature, measured on the training split only."""

from __future__ import annotations

import dataclasses

import numpy as np

from tuinn.data.dataset import Dataset
from tuinn.data.spec import SpecReader

STANDARDIZE_KEY = "standardize"


def standardized(dataset: Dataset) -> Dataset:
    """`dataset` with every feature shifted and scaled by the training split's mean and deviation.

    The validation split gets the same shift and scale (it is not measured). A constant
    feature is only centred. The description says what was done.
    """
    x = dataset.x_train.reshape(len(dataset.x_train), -1)
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    scale = np.where(std > 0, std, 1.0)

    def apply(a: np.ndarray) -> np.ndarray:
        flat = (a.reshape(len(a), -1) - mean) / scale
        result: np.ndarray = flat.astype(a.dtype, copy=False).reshape(a.shape)
        return result

    note = "features standardized (mean 0, variance 1 from the training split)"
    description = f"{dataset.description}; {note}" if dataset.description else note
    return dataclasses.replace(
        dataset, x_train=apply(dataset.x_train), x_val=apply(dataset.x_val), description=description
    )


def read_standardize(read: SpecReader, default: bool) -> bool:
    """``standardize``: true or false; `default` when absent (on for CSV and NPZ features)."""
    value = read.spec.get(STANDARDIZE_KEY, default)
    if not isinstance(value, bool):
        raise read.fail(STANDARDIZE_KEY, f"must be true or false, got {value!r}")
    return value
