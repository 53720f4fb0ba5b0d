"""The engine: a vectorised NumPy neural-network library with no other tuinn import.

Usable on its own from a script or notebook::

    from tuinn.nn import Network
    net = Network.from_spec({"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                                        {"type": "dense", "units": 1, "activation": "sigmoid"}],
                             "loss": "binary_cross_entropy"}, input_shape=(2,), seed=0)
    loss, grads = net.loss_and_grads(x, y)
"""

from tuinn.nn.activations import ACTIVATIONS, Activation, get_activation
from tuinn.nn.losses import LOSSES, Loss, get_loss
from tuinn.nn.network import ArrayError, Network
from tuinn.nn.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from tuinn.nn.perceptron import Perceptron
from tuinn.nn.spec import SpecError, SummaryRow

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "LOSSES",
    "Loss",
    "get_loss",
    "Network",
    "SpecError",
    "ArrayError",
    "SummaryRow",
    "OPTIMIZERS",
    "Optimizer",
    "make_optimizer",
    "Perceptron",
]
