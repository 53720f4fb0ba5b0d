"""Bars: tiny grayscale images holding one horizontal or one vertical line (2 classes).

The smallest real image task: a 4×4 picture is enough to show what a conv
kernel shares across positions (the seed-conv preset), and a 2×2 kernel can
tell the two orientations apart.
"""

from __future__ import annotations

import numpy as np

from tuinn.data.dataset import Dataset
from tuinn.data.spec import VAL_RATIO, SpecReader
from tuinn.data.split import split_dataset

KEYS = ("kind", "size", "samples", "noise", VAL_RATIO)
CLASS_NAMES = ("horizontal", "vertical")


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """Images of shape (size, size, 1): a bright line on a random row (class 0) or column (class 1)."""
    size = read.integer("size", 4, 2, 64)
    samples = read.integer("samples", 400, 4, 1_000_000)
    noise = read.number("noise", 10, 0, 50) / 100.0
    val_ratio = read.ratio(default=0.25)
    labels = rng.integers(0, 2, samples)
    where = rng.integers(0, size, samples)
    grid = np.arange(size)
    rows = grid[None, :, None] == where[:, None, None]  # (N, size, 1): the chosen row
    cols = grid[None, None, :] == where[:, None, None]  # (N, 1, size): the chosen column
    x = np.where(labels[:, None, None] == 0, rows, cols).astype(np.float64)
    x += noise * rng.standard_normal(x.shape)
    return split_dataset(
        "bars",
        x[..., None],
        labels,
        val_ratio=val_ratio,
        rng=rng,
        classes=2,
        class_names=CLASS_NAMES,
        dtype=dtype,
        description=f"{size}×{size} images of one horizontal or vertical line, noise {noise:.0%}",
    )
