"""The bundled 8×8 handwritten digits (1,797 images, 10 classes), shipped inside the package.

Source: Optical Recognition of Handwritten Digits, the test part, by
E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, 1998, licensed
CC BY 4.0 (see the NOTICE file next to this module). Each pixel counts the "on"
pixels of a 4×4 block of a 32×32 bitmap, so it lies in 0..16; it is scaled to [0, 1].
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

import numpy as np

from tuinn.data.dataset import Dataset
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader
from tuinn.data.split import PoolOptions, dataset_from_pool
from tuinn.data.targets import CLASS_NAME_SETS

RESOURCE = "digits.csv.gz"
SIDE = 8
PIXEL_MAX = 16
KEYS = ("kind", SHAPE, VAL_RATIO, LIMIT)
DESCRIPTION = "8×8 handwritten digits, UCI ML Repository (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0"


@functools.lru_cache(maxsize=1)
def raw_digits() -> np.ndarray:
    """The bundled table as read-only uint8, shape (1797, 65): 64 pixels row-major, then the label."""
    with resources.files(__package__).joinpath(RESOURCE).open("rb") as packed, gzip.open(packed, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    table.setflags(write=False)
    return table


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """The digits as a [data] table of kind "digits" asks: ``shape`` "image" (8, 8, 1) or "flat" (64,)."""
    options = PoolOptions.read(read, shape="image", val_ratio=0.2)
    table = raw_digits()
    x = table[:, :-1].reshape(-1, SIDE, SIDE).astype(dtype) / PIXEL_MAX
    return dataset_from_pool(
        "digits",
        x,
        table[:, -1].astype(np.int64),
        options,
        rng=rng,
        classes=10,
        class_names=CLASS_NAME_SETS["digits"],
        description=DESCRIPTION,
        dtype=dtype,
    )
