"""Input features for 2-D data, as TF Playground offers them: x1, x2, x1², x2², x1·x2, sin x1, sin x2.

A ``[data]`` table may list them (``features = ["x1", "x2", "sin(x1)"]``); the network
then sees one input per feature, in the order of `FEATURES`, whatever the order listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tuinn.data.dataset import DataError, Dataset

#: name -> the feature computed from the (N, 2) points, in the order the inputs take
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,
    "x2^2": lambda p: p[:, 1] ** 2,
    "x1*x2": lambda p: p[:, 0] * p[:, 1],
    "sin(x1)": lambda p: np.sin(p[:, 0]),
    "sin(x2)": lambda p: np.sin(p[:, 1]),
}
#: how the app labels them
LABELS = {
    "x1": "x₁",
    "x2": "x₂",
    "x1^2": "x₁²",
    "x2^2": "x₂²",
    "x1*x2": "x₁x₂",
    "sin(x1)": "sin x₁",
    "sin(x2)": "sin x₂",
}
PLAIN = ("x1", "x2")  # what 2-D data gives without a features list


def check_features(value: object) -> tuple[str, ...]:
    """The features a ``data.features`` value names, in input order; DataError naming the key otherwise."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f'data.features must be a list of names such as ["x1", "x2"], got {value!r}')
    unknown = [v for v in value if v not in FEATURES]
    if unknown:
        raise DataError(f"data.features: unknown feature {unknown[0]!r}; known: {', '.join(FEATURES)}")
    if not value:
        raise DataError("data.features must name at least one feature")
    if len(set(value)) != len(value):
        raise DataError(f"data.features names a feature twice: {value!r}")
    return tuple(name for name in FEATURES if name in value)


def expand(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The (N, len(features)) inputs computed from (N, 2) points."""
    return np.stack([FEATURES[name](points) for name in features], axis=1).astype(points.dtype, copy=False)


def with_features(data: Dataset, features: tuple[str, ...]) -> Dataset:
    """`data` with its 2-D points replaced by `features` of them (the points kept for the decision plane)."""
    if data.input_shape != (2,):
        shape = "×".join(map(str, data.input_shape))
        raise DataError(f"data.features applies only to 2-D data; this data's samples are {shape}")
    if features == PLAIN:
        return data
    return replace(
        data,
        x_train=expand(data.x_train, features),
        x_val=expand(data.x_val, features),
        input_shape=(len(features),),
        features=features,
        plane_train=data.x_train,
        plane_val=data.x_val,
    )
