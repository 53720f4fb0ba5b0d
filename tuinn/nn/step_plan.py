"""How a training step uses its thread budget: split the batch, or run BLAS on every core, or neither.

Four ways to run a step with `threads` cores (a `StepPlan` each):

- one thread: the step as a single-threaded network runs it (BLAS as the caller set it);
- BLAS threads: the same step with the matrix products on `threads` BLAS threads, while
  everything else (im2col, pooling, activations) stays on one. It pays for a GEMM-bound
  net (an MLP): BLAS splits each product, with no copy of the weights per worker;
- threads in the products: the same step with each large dense product cut into blocks,
  one per worker thread, BLAS at one thread in each (`tuinn.nn.products`). It pays for the
  same nets, and unlike BLAS's threads (which spin, waiting for each other at every
  product) it keeps its speed when another process takes a core;
- a split: one slice (shard) of the batch per worker thread, BLAS at one thread in each
  (`tuinn.nn.parallel`). It pays for a memory-bound net (a CNN), whose passes outside BLAS
  use the second core too. Its slices after the first may run in worker processes forked
  once (`tuinn.nn.forked`), which share no interpreter lock with the caller: on a 2-vCPU VM
  two threads of the 28×28 CNN slept 22–29 times a step waiting for it, and gained 1.03–1.20×
  over one thread where two processes gained 1.5–1.9×. Same slices, same sums: the same bits.
  Processes may also take chunks from a queue as each is free instead of fixed slices, so a
  core shared with another process does less of the step.

One thread and a split may also step in chunks of `CHUNK_SAMPLES` (each worker its slice,
chunk after chunk, gradients summed in order): a CNN's step on fewer samples keeps its
buffers in the core's cache (the 28×28 CNN's step used 15% less CPU in chunks of 16 than
on all 64 samples at once; bench/README).

Which is fastest depends on the net, the batch, the CPU and the machine's load, so the
rules below only pick the candidates; a short calibration on the first batch times each
(a warm-up round, then as many interleaved rounds as fit in `CALIBRATION_SECONDS`, each
plan's sample in a round a run of consecutive steps lasting `SAMPLE_SECONDS`, the median
sample of each) and the fastest wins, if it beats one thread by `MARGIN`. The choice is
kept per network shape, batch and thread budget for the rest of the process. Tiny nets
have a single candidate and are never timed; with `CALIBRATE` off the rules' `prior` runs.

The rules: BLAS threads only when some layer's product has `MIN_BLAS_MULT_ADDS` a batch;
threads in the products only when a dense layer's has `MIN_SPLIT_MULT_ADDS` (products.py);
a split only when each shard holds `MIN_SHARD_SAMPLES` and its average layer call is long
(estimated from `NS_PER_MULT_ADD` and `NS_PER_NEURON`, at least `MIN_CALL_MICROSECONDS`):
two workers hand the GIL to each other around every NumPy call (~5 µs of CPU each time),
so an 8×8 CNN's calls on ~16k values were all overhead (2.0× the CPU time of one thread).
Nets with dropout are never split, so that their masks do not depend on the thread count.

Results. The BLAS-thread plan, threads in the products and a split change the gradient by
rounding only (BLAS may sum a product's terms in another order at two threads or on a block
of it), within `RELATIVE_TOLERANCE` of its norm in float32; one plan repeats bit for bit. Which plan a run takes is measured, so two
processes at the same thread count may round differently; at one thread nothing is timed.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from tuinn.nn import forked, products


class PlannedLayer(Protocol):
    """What the rules read of a layer (a `tuinn.nn.layers.Layer` has it)."""

    kind: str

    @property
    def neurons(self) -> int: ...

    @property
    def parameter_count(self) -> int: ...

    @property
    def activation(self) -> str | None: ...

    def mult_adds(self) -> int: ...


@dataclass(frozen=True)
class StepPlan:
    """How one step runs: `shards` slices of the batch, with BLAS at `blas_threads` meanwhile."""

    shards: int = 1
    blas_threads: int = 1
    #: samples a worker steps at a time (0: its whole slice at once)
    chunk: int = 0
    #: threads each large dense product is cut over (`tuinn.nn.products`), BLAS at one thread in each
    product_threads: int = 1
    #: a split's slices after the first run in worker processes (`tuinn.nn.forked`), not threads
    processes: bool = False
    #: a split in processes whose chunks each process takes from a queue as it is free, not fixed slices
    balanced: bool = False

    def describe(self) -> str:
        """A few words for a report: "2 slices", "2 slices in processes", "2 BLAS threads", "1 thread in chunks of 16"."""
        if self.balanced:
            return f"{self.shards} processes taking chunks of {self.chunk}"
        if self.shards > 1:
            how = f"{self.shards} slices in processes" if self.processes else f"{self.shards} slices"
        elif self.product_threads > 1:
            how = f"{self.product_threads} threads in the products"
        else:
            how = f"{self.blas_threads} BLAS threads" if self.blas_threads > 1 else "1 thread"
        return f"{how} in chunks of {self.chunk}" if self.chunk else how

    def in_threads(self) -> StepPlan:
        """This plan with its slices in worker threads: what a plan in processes becomes when a worker is lost."""
        return replace(self, processes=False, balanced=False)


ONE_THREAD = StepPlan()

#: fewest samples in a shard: smaller slices waste the per-call overhead of every kernel
MIN_SHARD_SAMPLES = 8
#: rough time of a training step per sample and layer: per forward multiply-add (GEMM,
#: forward and backward) and per output value (the memory passes around it), in ns
NS_PER_MULT_ADD = 0.04
NS_PER_NEURON = 6.0
#: a shard's average layer call must take this long for a second worker to pay
MIN_CALL_MICROSECONDS = 50.0
#: without a calibration, a split is the prior only while the GEMMs are at most this share of the estimate
MAX_GEMM_SHARE = 0.5
#: a layer's forward product must have this many multiply-adds per batch for BLAS threads to be a candidate
MIN_BLAS_MULT_ADDS = 4_000_000
#: layer kinds whose products a plan may cut over threads (`tuinn.nn.products`)
SPLIT_PRODUCTS = frozenset({"dense"})
#: samples of a chunk, in the plans that step in chunks
CHUNK_SAMPLES = 16
#: at one thread, a step whose layer outputs over the batch take this many bytes runs in chunks of `CHUNK_SAMPLES`
#: unless GEMM-bound. Measured (one-thread CPU, 4 alternating process pairs): the 32×32×3 CNN at batch 64 (16.8 MB of
#: outputs) 1.09× faster in chunks; the 28×28×1 one (3.2 MB) 0.94×, its chunks' extra calls costing more than the cache saves
MIN_CHUNKED_BYTES = 8 << 20
#: a split's slices may run in worker processes (fork is there), so the calibration times those plans too
PROCESSES = forked.AVAILABLE
#: layer kinds whose training forward draws random numbers: never split (masks would follow the split)
STOCHASTIC = frozenset({"dropout"})
#: how far gradients at two thread counts may differ, relative to the gradient's norm (float32)
RELATIVE_TOLERANCE = 1e-5
#: time the candidates on the first batch (off: the rules' prior is taken)
CALIBRATE = True
#: the most a calibration spends after its warm-up round, in seconds
CALIBRATION_SECONDS = 0.5
#: timed rounds of a calibration, at most (one at least, whatever the budget)
MAX_ROUNDS = 9
#: a plan's sample in a round: consecutive steps lasting this long at least (one step at least)
SAMPLE_SECONDS = 0.005
#: a plan other than one thread must be this much faster than it to be chosen
MARGIN = 0.05


def candidates(layers: Sequence[PlannedLayer], batch: int, threads: int, replicable: bool) -> tuple[StepPlan, ...]:
    """The plans worth timing for this net and batch: one thread first, then BLAS threads, then a split.

    A split's slices are as even as can be; the plans in chunks come with a split, where the
    batch divides into equal chunks of every slice.
    """
    if threads == 1:
        return (ONE_THREAD,)
    plans = [ONE_THREAD]
    if max((l.mult_adds() for l in layers), default=0) * batch >= MIN_BLAS_MULT_ADDS:
        plans.append(StepPlan(1, threads))
    dense_products = max((l.mult_adds() for l in layers if l.kind in SPLIT_PRODUCTS), default=0) * batch
    if dense_products >= products.MIN_SPLIT_MULT_ADDS:
        plans.append(StepPlan(product_threads=threads))
    shards = _split_shards(layers, batch, threads)
    if replicable and shards > 1 and not any(l.kind in STOCHASTIC for l in layers):
        plans.append(StepPlan(shards, 1))
        if batch % (shards * CHUNK_SAMPLES) == 0 and batch >= 2 * shards * CHUNK_SAMPLES:
            plans += [StepPlan(1, 1, CHUNK_SAMPLES), StepPlan(shards, 1, CHUNK_SAMPLES)]
        if PROCESSES:
            in_processes = [replace(plan, processes=True) for plan in plans if plan.shards > 1]
            chunked = [plan for plan in in_processes if plan.chunk and batch // plan.chunk <= forked.MAX_CHUNKS]
            plans += in_processes + [replace(plan, balanced=True) for plan in chunked]
    return tuple(plans)


def one_thread_plan(layers: Sequence[PlannedLayer], batch: int, itemsize: int) -> StepPlan:
    """How a step runs on one thread: in chunks where the batch's layer outputs overflow the cache, else whole.

    A rule, not a measurement: at one thread nothing is timed, so a run repeats bit for bit.
    Not for a GEMM-bound net (its products run best on the whole batch) nor one that draws
    random numbers in training (its masks would be drawn chunk by chunk).
    """
    chunked = (
        batch % CHUNK_SAMPLES == 0
        and batch >= 2 * CHUNK_SAMPLES
        and batch * sum(l.neurons for l in layers) * itemsize >= MIN_CHUNKED_BYTES
        and not gemm_bound(layers)
        and not any(l.kind in STOCHASTIC for l in layers)
    )
    return StepPlan(1, 1, CHUNK_SAMPLES) if chunked else ONE_THREAD


def gemm_bound(layers: Sequence[PlannedLayer]) -> bool:
    """Whether the matrix products are most of the step's estimated time (a dense net's, not a CNN's)."""
    return gemm_ns(layers) > MAX_GEMM_SHARE * estimated_ns(layers)


def _split_shards(layers: Sequence[PlannedLayer], batch: int, threads: int) -> int:
    """Shards the batch can take: as many as threads, shard size and each layer call's work allow."""
    by_work = int(batch * estimated_ns(layers) / len(layers) / (1e3 * MIN_CALL_MICROSECONDS))
    return max(1, min(threads, batch // MIN_SHARD_SAMPLES, by_work))


def estimated_ns(layers: Sequence[PlannedLayer]) -> float:
    """The rough time of one sample's training step in ns: its GEMMs plus the memory passes around them."""
    return gemm_ns(layers) + sum(l.neurons for l in layers) * NS_PER_NEURON


def gemm_ns(layers: Sequence[PlannedLayer]) -> float:
    """The rough time of one sample's matrix products in a training step, in ns."""
    return sum(l.mult_adds() for l in layers) * NS_PER_MULT_ADD


def prior(plans: Sequence[StepPlan], layers: Sequence[PlannedLayer]) -> StepPlan:
    """The plan taken without timing: a split for a memory-bound net, BLAS threads for a GEMM-bound one."""
    split = next((p for p in plans if p.shards > 1), None)
    if split is not None and not gemm_bound(layers):
        return split
    return next((p for p in plans if p.blas_threads > 1), split or ONE_THREAD)


def choose(seconds: Mapping[StepPlan, Sequence[float]]) -> StepPlan:
    """The plan with the shortest median step, unless one thread (which must be timed) is within `MARGIN` of it."""
    medians = {plan: statistics.median(times) for plan, times in seconds.items()}
    best = min(medians, key=medians.__getitem__)
    return best if medians[best] < (1.0 - MARGIN) * medians[ONE_THREAD] else ONE_THREAD


def shape_key(layers: Sequence[PlannedLayer], dtype: Any, batch: int, threads: int) -> tuple[Any, ...]:
    """What a measured plan is kept under: the layers' kinds, sizes and activations, dtype, batch, budget."""
    shape = tuple((l.kind, l.neurons, l.parameter_count, l.mult_adds(), l.activation) for l in layers)
    return (shape, str(dtype), batch, threads)


@dataclass(frozen=True)
class Measured:
    """A calibration's verdict: the plan, and the one-thread plan's median step (the watch's limit)."""

    plan: StepPlan
    one_thread_seconds: float


#: measured plans of this process, by `shape_key`
MEASURED: dict[tuple[Any, ...], Measured] = {}
