"""From loaded arrays to a Dataset: optional random subset, reshape, seeded train/val split, dtype cast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuinn.data.dataset import DataError, Dataset
from tuinn.data.shapes import reshape_samples
from tuinn.data.spec import VAL_RATIO, SpecReader, key_name


@dataclass(frozen=True)
class PoolOptions:
    """How to cut one pool of samples, from the spec: ``limit``, ``shape`` and ``val_ratio``."""

    limit: int | None
    shape: str | tuple[int, ...] | None
    val_ratio: float

    @classmethod
    def read(cls, read: SpecReader, *, shape: str | None, val_ratio: float) -> PoolOptions:
        """The options of `read`'s spec, with these defaults for ``shape`` and ``val_ratio``."""
        return cls(limit=read.limit(), shape=read.shape(default=shape), val_ratio=read.ratio(default=val_ratio))


def subset(x: np.ndarray, y: np.ndarray, limit: int | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` samples drawn at random without replacement (all of them when None)."""
    if limit is None or limit >= len(x):
        return x, y
    keep = np.sort(rng.choice(len(x), size=limit, replace=False))
    return x[keep], y[keep]


def split_indices(
    y: np.ndarray, val_ratio: float, classification: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and validation indices; stratified by label for classification.

    Each class gives its share of ``round(N * val_ratio)`` validation samples
    (cumulative rounding, so the total is exact); raises DataError when either
    part would be empty.
    """
    n = len(y)
    n_val = int(np.floor(n * val_ratio + 0.5))
    if not 0 < n_val < n:
        raise DataError(
            f"{key_name(VAL_RATIO)} {val_ratio:g} of {n} samples leaves "
            f"{n - n_val} for training and {n_val} for validation; both need at least 1"
        )
    order = rng.permutation(n)
    if not classification:
        return order[n_val:], order[:n_val]
    order = order[np.argsort(y[order], kind="stable")]
    counts = np.bincount(y[order])
    counts = counts[counts > 0]
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - np.repeat(starts, counts)
    val_cumulative = np.floor(np.cumsum(counts) * val_ratio + 0.5).astype(np.int64)
    val_per_class = np.diff(val_cumulative, prepend=0)
    is_val = rank < np.repeat(val_per_class, counts)
    return rng.permutation(order[~is_val]), rng.permutation(order[is_val])


def make_dataset(
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    classes: int,
    class_names: tuple[str, ...] = (),
    description: str = "",
    dtype: np.dtype,
) -> Dataset:
    """A Dataset with x cast to `dtype`, labels to int64 (classification) or targets to `dtype`."""
    task = "classification" if classes else "regression"
    y_dtype = np.int64 if classes else dtype
    (x_train, y_train), (x_val, y_val) = train, val
    return Dataset(
        name=name,
        x_train=x_train.astype(dtype, copy=False),
        y_train=y_train.astype(y_dtype, copy=False),
        x_val=x_val.astype(dtype, copy=False),
        y_val=y_val.astype(y_dtype, copy=False),
        input_shape=tuple(int(d) for d in x_train.shape[1:]),
        task=task,
        classes=classes,
        class_names=class_names,
        description=description,
    )


def split_dataset(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    val_ratio: float,
    rng: np.random.Generator,
    classes: int,
    class_names: tuple[str, ...] = (),
    description: str = "",
    dtype: np.dtype,
) -> Dataset:
    """Split one pool of samples into train and validation (see `split_indices`) and build the Dataset."""
    train, val = split_indices(y, val_ratio, classes > 0, rng)
    return make_dataset(
        name,
        (x[train], y[train]),
        (x[val], y[val]),
        classes=classes,
        class_names=class_names,
        description=description,
        dtype=dtype,
    )


def dataset_from_pool(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    options: PoolOptions,
    *,
    rng: np.random.Generator,
    classes: int,
    class_names: tuple[str, ...] = (),
    description: str = "",
    dtype: np.dtype,
) -> Dataset:
    """Cut a pool as `options` say (subset to ``limit``, reshape to ``shape``), then split and build it."""
    x, y = subset(x, y, options.limit, rng)
    return split_dataset(
        name,
        reshape_samples(x, options.shape),
        y,
        val_ratio=options.val_ratio,
        rng=rng,
        classes=classes,
        class_names=class_names,
        description=description,
        dtype=dtype,
    )
