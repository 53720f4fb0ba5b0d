"""Data-parallel training steps: one batch split across worker threads against shared weights.

NumPy releases the GIL inside its kernels, so threads that each run forward and backward
on a slice (a shard) of the batch keep every core busy, including the im2col, pooling and
activation work that BLAS threads never reach. Each extra worker has a replica of the
network: its own layers (own buffers) whose parameters are the network's own arrays (views
of `flat_params`, shared, read only during the step) and its own gradient buffer.

Results. Each shard's loss gradient is scaled by its share of the batch, so the shards'
gradients add up to the whole batch's; they are summed into the network's `flat_grads` in
shard order. One thread count therefore gives the same result bit for bit, run after run;
other thread counts split the batch elsewhere and sum in another order, which changes
the gradient by rounding only: within `RELATIVE_TOLERANCE` of its norm (the float32 case;
float64 is ~1e-13).

Small nets stay on the single-threaded path. Two workers hand the GIL to each other
around every NumPy call (~5 µs of CPU each time), so a split pays only when a shard's
average layer call is long: its estimated time (`NS_PER_MULT_ADD`, `NS_PER_NEURON`)
must reach `MIN_CALL_MICROSECONDS`, and a shard must hold `MIN_SHARD_SAMPLES` samples.
Measured here (CPU time per step, two workers against one): the 28×28 CNN of the
benchmark 1.09×, the 32×32×3 one 1.03×, the MLP 1.4× (each worker packs the weights for
its GEMMs), the 8×8 CNN 2.0× (calls on ~16k values: all overhead), which the rule keeps
on one thread with xor, spiral and digits-cnn. On the idle machine (bench/README, one run)
two slices made the 28×28 CNN 1.37× and the 32×32×3 one 1.50× faster than one thread, and
the MLP 0.71× as fast: a GEMM-bound net (the GEMMs over `MAX_GEMM_SHARE` of the estimate:
the MLP 80%, against 14% and 40% for the two CNNs) stays on one thread. Replicables with stochastic layers (dropout)
stay single-threaded too, so that their masks do not depend on the thread count.

BLAS must run one thread per worker while workers run (``threadpool_limits(1)`` around
training): BLAS threads on top of ours would oversubscribe the cores.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from tuinn.nn.layers import Layer

Array = NDArray[Any]


class Replicable(Protocol):
    """What a data-parallel step needs of a network (the Replicable has it; this module does not import it)."""

    layers: list[Layer]
    spec: dict[str, Any] | None
    flat_params: Array
    flat_grads: Array

    def shard_loss_and_grads(self, x: Array, y: Array, share: float = 1.0) -> float:
        """`share` times a shard's loss; its gradients, times `share`, in `flat_grads`."""
        ...

    def replica(self) -> Replicable:
        """A copy with its own buffers and gradients whose parameters are this one's arrays."""
        ...


#: fewest samples in a shard: smaller slices waste the per-call overhead of every kernel
MIN_SHARD_SAMPLES = 8
#: rough time of a training step per sample and layer: per forward multiply-add (GEMM,
#: forward and backward) and per output value (the memory passes around it), in ns
NS_PER_MULT_ADD = 0.04
NS_PER_NEURON = 6.0
#: a shard's average layer call must take this long for a second worker to pay
MIN_CALL_MICROSECONDS = 50.0
#: a split pays only while the GEMMs are at most this share of the estimated step
MAX_GEMM_SHARE = 0.5
#: layer kinds whose training forward draws random numbers: kept on one thread
STOCHASTIC = frozenset({"dropout"})
#: how far gradients at two thread counts may differ, relative to the gradient's norm (float32)
RELATIVE_TOLERANCE = 1e-5


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class DataParallel:
    """Computes a network's loss and gradients with up to `threads` workers, one shard each."""

    def __init__(self, network: Replicable, threads: int) -> None:
        self.network = network
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._replicas: list[Replicable] = []
        self._signature: tuple[Any, ...] | None = None
        self._planned: dict[tuple[int, int, int], int] = {}

    def shards(self, batch: int) -> int:
        """How many shards a batch of `batch` samples is split into (1: the single-threaded path).

        Makes the workers' replicas when it splits; a network that cannot be replicated
        (built without a spec, or changed so that it no longer matches it) is not split.
        The answer is kept per batch size and network layout: a tiny net's step pays one lookup.
        """
        net = self.network
        key = (batch, id(net.flat_params), len(net.layers))
        shards = self._planned.get(key)
        if shards is None:
            shards = self._planned[key] = self._plan(batch)
        if shards > 1:
            try:
                self._workers(shards - 1)
            except ValueError:
                shards = self._planned[key] = 1
        return shards

    def _plan(self, batch: int) -> int:
        """The shard count by the rules above: as many as threads, shard size and work allow."""
        net = self.network
        if self.threads == 1 or net.spec is None or any(l.kind in STOCHASTIC for l in net.layers):
            return 1
        gemm = sum(l.mult_adds() for l in net.layers) * NS_PER_MULT_ADD
        passes = sum(l.neurons for l in net.layers) * NS_PER_NEURON
        if gemm > MAX_GEMM_SHARE * (gemm + passes):
            return 1  # GEMM-bound: each worker re-packs the weights for smaller products, and loses
        by_work = int(batch * (gemm + passes) / len(net.layers) / (1e3 * MIN_CALL_MICROSECONDS))
        return max(1, min(self.threads, batch // MIN_SHARD_SAMPLES, by_work))

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, shards: int) -> float:
        """The batch's mean loss; fills the network's `flat_grads` (penalties not included)."""
        net = self.network
        bounds = np.linspace(0, len(x), shards + 1).astype(int)
        share = [(b - a) / len(x) for a, b in zip(bounds, bounds[1:])]
        replicas = self._workers(shards - 1)
        errors = np.geterr()  # the caller's floating-point error handling, for the workers too
        pool = self._pool
        assert pool is not None  # made with the replicas
        futures = [
            pool.submit(_shard, rep, x[a:b], y[a:b], s, errors)
            for rep, a, b, s in zip(replicas, bounds[1:], bounds[2:], share[1:])
        ]
        # the calling thread takes the first shard, on the network's own layers
        loss = net.shard_loss_and_grads(x[: bounds[1]], y[: bounds[1]], share[0])
        for rep, future in zip(replicas, futures):
            loss += future.result()
            net.flat_grads += rep.flat_grads
        return loss

    def _workers(self, count: int) -> list[Replicable]:
        """`count` replicas of the network as it is now, and a pool to run them."""
        signature = _signature(self.network)
        if signature != self._signature:
            self._replicas = []
            self._signature = signature
        while len(self._replicas) < count:
            self._replicas.append(self.network.replica())
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="tuinn-worker")
            weakref.finalize(self, self._pool.shutdown, wait=False)
        return self._replicas[:count]


def _shard(net: Replicable, x: Array, y: Array, share: float, errors: Mapping[str, Any]) -> float:
    """A worker's part of the step, under the caller's floating-point error handling."""
    with np.errstate(**errors):
        return net.shard_loss_and_grads(x, y, share)


def _signature(net: Replicable) -> tuple[Any, ...]:
    """What a replica copies of a network: its layers, their activations, the parameter buffer."""
    return (tuple(map(id, net.layers)), tuple(l.activation for l in net.layers), id(net.flat_params))
