"""Greedy layer-wise pretraining, the 2006 chapter: each hidden layer learns, without labels, to
keep what its input holds, before backpropagation fine-tunes the whole stack.

Hinton and Salakhutdinov (Science, 2006) trained deep nets this way: one layer at a time,
input first, each on the outputs of the layers below it (already trained and held fixed).
Here each hidden dense layer is trained as an **autoencoder**: the layer is the encoder, a
decoder of its own maps the layer's output back to its input, and the two are trained to
reconstruct that input. The decoder suits the input's range: a sigmoid decoder with
cross-entropy for inputs that come from a sigmoid layer (values in (0, 1), as a sigmoid
can reproduce), a linear one with mean squared error for anything else (the raw data). Only
the encoder's weights are kept; the decoder is dropped when its layer is done.

Why autoencoders rather than restricted Boltzmann machines (Hinton's original)? An
autoencoder is a small feed-forward net, so it trains with the same engine, losses and
optimizers as everything else in tuinn and its reconstruction loss is a true objective
that can be plotted and compared; contrastive divergence follows no objective one can
compute, and its "reconstruction error" is only a proxy. Bengio, Lamblin, Popovici and
Larochelle (2007) found greedy autoencoder stacks about as good as RBM stacks. A
sigmoid autoencoder is the deterministic cousin of a binary RBM, so the lesson is the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tuinn.config import PretrainConfig
from tuinn.nn import Network, make_optimizer
from tuinn.nn.layers import Dense


@dataclass(frozen=True)
class PretrainStatus:
    """Where pretraining is: which layer (1-based among the pretrained ones), which epoch, its loss."""

    layer: str
    index: int
    layers: int
    epoch: int
    epochs: int
    reconstruction_loss: float | None
    loss_name: str  # "mse" or "binary_cross_entropy"
    names: tuple[str, ...] = ()  # every layer pretraining trains, input first
    starts: tuple[int, ...] = ()  # the step each layer begun so far began at: its recon_loss points come after it
    final_losses: tuple[float, ...] = ()  # the reconstruction loss each finished layer ended with (its last epoch)


def pretrainable_layers(network: Network) -> list[int]:
    """Indices of the hidden dense layers, input first: the layers pretraining trains."""
    return [i for i, layer in enumerate(network.layers[:-1]) if isinstance(layer, Dense)]


class Pretrainer:
    """Trains one hidden dense layer after another as an autoencoder, one batch per `step`.

    The network's layer weights are updated in place (at the end of each epoch and of
    each layer), so a snapshot taken between steps shows the weights as pretrained so far.
    """

    _order: np.ndarray  # the current layer's epoch order (set as each layer begins)
    _cursor: int

    def __init__(self, network: Network, x: np.ndarray, config: PretrainConfig, batch_size: int, seed: int) -> None:
        self.network = network
        self.config = config
        self.batch_size = min(batch_size, len(x))
        self.rng = np.random.default_rng(seed)
        self.layers = pretrainable_layers(network)
        if not self.layers:
            raise ValueError("[train.pretrain] needs hidden dense layers to pretrain; this network has none")
        self.position = 0  # in self.layers
        self.epoch = 0  # within the current layer
        self.steps = 0
        self._inputs = x  # the current layer's inputs: the data through the layers below
        self._below = 0  # network layers already applied to _inputs
        self._epoch_losses: list[float] = []
        self.last_loss: float | None = None
        self._events: list[tuple[str, str]] = []
        self._starts: list[int] = []
        self._final_losses: list[float] = []
        self._begin_layer()

    # --- progress ---------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.position >= len(self.layers)

    @property
    def layer(self) -> Dense:
        layer = self.network.layers[self.layers[min(self.position, len(self.layers) - 1)]]
        assert isinstance(layer, Dense)  # (pretrainable_layers lists dense layers only)
        return layer

    def status(self) -> PretrainStatus:
        return PretrainStatus(
            layer=self.layer.name,
            index=min(self.position + 1, len(self.layers)),
            layers=len(self.layers),
            epoch=self.epoch,
            epochs=self.config.epochs,
            reconstruction_loss=self.last_loss,
            loss_name=self._autoencoder.loss.name,
            names=tuple(self.network.layers[i].name for i in self.layers),
            starts=tuple(self._starts),
            final_losses=tuple(self._final_losses),
        )

    def failure(self, layer: str, loss: float) -> str:
        """Why pretraining stopped when `layer`'s reconstruction loss became `loss` (not finite)."""
        return (
            f"pretraining stopped: the reconstruction loss of {layer} became {loss:.4g}; "
            f"the pretraining learning rate {self.config.lr:g} is probably too high"
        )

    def take_events(self) -> Iterator[tuple[str, str]]:
        """(kind, text) of what happened since the last call: a layer begun, pretraining done."""
        events, self._events = self._events, []
        yield from events

    # --- training ---------------------------------------------------------------------
    def step(self) -> tuple[float, int]:
        """Train the current layer's autoencoder on one batch; (its loss, samples in the batch)."""
        if self._cursor >= len(self._order):
            self._order = self.rng.permutation(len(self._inputs))
            self._cursor = 0
        idx = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += len(idx)
        x = self._inputs[idx]
        loss, _ = self._autoencoder.loss_and_grads(x, x)
        self.steps += 1
        if not np.isfinite(loss):
            return loss, len(idx)
        self._optimizer.step({"all": self._autoencoder.flat_params}, {"all": self._autoencoder.flat_grads})
        self._epoch_losses.append(loss)
        if self._cursor >= len(self._order):
            self._end_epoch()
        return loss, len(idx)

    def _begin_layer(self) -> None:
        """Feed the data through the layers below, and build this layer's autoencoder."""
        index, layer = self.layers[self.position], self.layer
        for below in self.network.layers[self._below : index]:
            self._inputs = below.forward(self._inputs, training=False)
        self._below = index
        from_sigmoid = index > 0 and self.network.layers[index - 1].activation == "sigmoid"
        decoder, loss = ("sigmoid", "binary_cross_entropy") if from_sigmoid else ("linear", "mse")
        inputs = self._inputs.shape[1]
        spec = {
            "layers": [
                {"type": "dense", "units": layer.units, "activation": layer.activation, "use_bias": layer.use_bias},
                {"type": "dense", "units": inputs, "activation": decoder},
            ],
            "loss": loss,
        }
        seed = int(self.rng.integers(2**31))
        self._autoencoder = Network.from_spec(spec, (inputs,), seed=seed, dtype=self.network.dtype)
        encoder = self._autoencoder.layers[0]
        for key, p in layer.parameters.items():
            encoder.parameters[key][...] = p  # start from the network's own (random) weights
        self._optimizer = make_optimizer(self.config.optimizer, self.config.lr)
        self._order = np.arange(len(self._inputs))
        self._cursor = len(self._order)
        self.epoch = 0
        self.last_loss = None  # (this layer has no epoch yet: not the layer below's last figure)
        self._starts.append(self.steps)
        self._events.append(
            (
                "pretrain",
                f"pretraining {layer.name} ({self.position + 1}/{len(self.layers)}) as an autoencoder ({loss})",
            )
        )

    def _end_epoch(self) -> None:
        self.last_loss = float(np.mean(self._epoch_losses))
        self._epoch_losses = []
        self.epoch += 1
        self._keep_encoder()
        if self.epoch < self.config.epochs:
            return
        self._events.append(("pretrain", f"{self.layer.name} pretrained: reconstruction loss {self.last_loss:.4g}"))
        self._final_losses.append(self.last_loss)
        self.position += 1
        if self.done:
            self._events.append(("finetune", "pretraining done: fine-tuning every layer with backpropagation"))
        else:
            self._begin_layer()

    def _keep_encoder(self) -> None:
        """Copy the encoder's weights into the network's layer."""
        for key, p in self._autoencoder.layers[0].parameters.items():
            self.layer.parameters[key][...] = p
