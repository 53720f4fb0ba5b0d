"""The array types the engine's signatures name (numpy.typing aliases)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: an array of any dtype (inputs, targets, masks)
Array = NDArray[Any]
#: an array of floating-point values (parameters, activations, gradients)
FloatArray = NDArray[np.floating[Any]]
