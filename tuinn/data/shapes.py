"""The ``shape`` option: present each sample flat, as an H×W×C image, or in a given shape."""

from __future__ import annotations

import math

import numpy as np

from tuinn.data.dataset import DataError
from tuinn.data.spec import SHAPE, key_name


def image_shape(sample_shape: tuple[int, ...]) -> tuple[int, ...]:
    """An HWC image shape for samples of `sample_shape`: (H, W) gains a channel, N values a square side."""
    if len(sample_shape) == 3:
        return sample_shape
    if len(sample_shape) == 2:
        return (*sample_shape, 1)
    size = math.prod(sample_shape)
    side = math.isqrt(size)
    if len(sample_shape) != 1 or side * side != size:
        raise DataError(
            f'{key_name(SHAPE)} "image" needs square samples, but each sample has shape '
            f"{sample_shape}; give the shape as a list such as [height, width, channels]"
        )
    return (side, side, 1)


def reshape_samples(x: np.ndarray, shape: str | tuple[int, ...] | None) -> np.ndarray:
    """`x` (N, ...) with every sample reshaped as `shape` asks; None keeps it as it is."""
    sample_shape = tuple(x.shape[1:])
    if shape is None:
        return x
    if shape == "flat":
        target: tuple[int, ...] = (math.prod(sample_shape),)
    elif shape == "image":
        target = image_shape(sample_shape)
    else:
        assert not isinstance(shape, str), f"{shape!r} is not a shape word"  # (SpecReader.shape allows only those)
        target = tuple(shape)
        if math.prod(target) != math.prod(sample_shape):
            raise DataError(
                f"{key_name(SHAPE)} {list(target)} holds {math.prod(target)} values per sample, "
                f"but each sample has {math.prod(sample_shape)}"
            )
    return x.reshape((len(x), *target))
