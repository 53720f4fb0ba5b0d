"""The array types the engine's signatures name (numpy.typing aliases)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: an array of any dtype (inputs, targets, masks)
Array = NDArray[Any]
#: an array of floating-point values (parameters, activations, gradients)
FloatArray = NDArray[np.floating[Any]]


#: arrays of fewer elements are allocated afresh, not kept: for them finding a kept array costs more
#: than NumPy's allocation (an XOR step took 12% more CPU with every array kept)
REUSE_FROM = 4096


class Scratch:
    """Arrays reused from call to call, by name, shape and dtype: made on first use, the oldest dropped past `keep`.

    What a layer's training pass writes its outputs into (valid until its next such call):
    a step then allocates no large arrays.
    """

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._arrays: dict[tuple[Any, ...], Array] = {}

    def get(self, name: str, shape: tuple[int, ...], like: Array, dtype: Any) -> Array:
        """The array kept under (name, shape, dtype), made (uninitialised, of `like`'s array type) on first use."""
        key = (name, shape, dtype)
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.empty_like(like, dtype=dtype, shape=shape, order="C")
            if len(self._arrays) > self.keep:
                del self._arrays[next(iter(self._arrays))]
        return array
