"""Rosenblatt's perceptron (1958): one layer of step units and the perceptron learning rule.

The rule, for a misclassified sample, is ``w += lr * (y - step(x·w + b)) * x``. There is
no gradient (the step's derivative is zero); `loss_and_grads` returns the rule's update
direction, averaged over the batch, in the same shape as a gradient, so plain SGD with
learning rate `lr` applies exactly Rosenblatt's rule. A single-layer perceptron can only
separate classes by a line (a hyperplane), which is why it never learns XOR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tuinn.nn.network import Network


class Perceptron(Network):
    """A single layer of step units trained by the perceptron rule (loss 'perceptron')."""

    @classmethod
    def create(cls, inputs: int, outputs: int = 1, seed: int = 0, dtype: Any = np.float64) -> "Perceptron":
        """A perceptron of `outputs` step units on `inputs` features, weights starting at zero."""
        spec = {
            "layers": [{"type": "dense", "units": outputs, "activation": "step", "init": "zeros"}],
            "loss": "perceptron",
        }
        return cls.from_spec(spec, (inputs,), seed=seed, dtype=dtype)
