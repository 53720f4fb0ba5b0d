"""Data-parallel training steps: one batch split across worker threads or processes against shared weights.

NumPy releases the GIL inside its kernels, so threads that each run forward and backward
on a slice (a shard) of the batch keep every core busy, including the im2col, pooling and
activation work that BLAS threads never reach. Each extra worker has a replica of the
network: its own layers (own buffers) whose parameters are the network's own arrays (views
of `flat_params`, shared, read only during the step) and its own gradient buffer. Between
its kernels a thread still waits for the GIL; a split may instead run its slices after the
first in worker processes forked once (`tuinn.nn.forked`), which wait for nothing but their
slice, or let the processes take chunks from a queue as each is free.

Results. Each shard's loss gradient is scaled by its share of the batch, so the shards'
gradients add up to the whole batch's; they are summed into the network's `flat_grads` in
shard order. One thread count therefore gives the same result bit for bit, run after run;
other thread counts split the batch elsewhere and sum in another order, which changes
the gradient by rounding only: within `RELATIVE_TOLERANCE` of its norm (the float32 case;
float64 is ~1e-13).

Whether a step splits at all, or runs whole with BLAS on every core instead, is measured
once per network shape and batch (`tuinn.nn.step_plan`). While a chosen plan other than one
thread runs, its steps are watched in windows of `WATCH_STEPS` steps and `WATCH_SECONDS` at
least: when a window's mean step is slower than the one-thread plan was when measured
(another process took a core, say: BLAS threads then wait for each other at every product),
the step falls back to one thread and is measured again `RECHECK_SECONDS` later. The mean,
as that is what a run's speed is: under another process's bursts a BLAS-thread step of the
MLP stalled 60-100 ms now and then while its median stayed at 0.8 ms. The window is long so
that a few slow steps do not drop a plan that pays: with the median of every 4 steps,
5 of 6 processes dropped the MLP's measured plan (2 BLAS threads, 1.3× one thread) for
one thread within 1-2 s, and a run reported either plan.

A split keeps BLAS at one thread (each worker's products stay on its own core); the other
plans leave it as the caller set it (``threadpool_limits(1)`` around training) or raise it
for the step. Threads in the products keep BLAS at one thread too, and hand the blocks of
each large dense product to the crew's threads.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from tuinn.nn import forked, step_plan
from tuinn.nn.blas import blas_threads
from tuinn.nn.crew import Crew, gather
from tuinn.nn.forked import ForkedShard, WorkerLost
from tuinn.nn.layers import Dense, Layer
from tuinn.nn.products import ProductSplit
from tuinn.nn.step_plan import ONE_THREAD, StepPlan

Array = NDArray[Any]


class Replicable(Protocol):
    """What a data-parallel step needs of a network (the Replicable has it; this module does not import it)."""

    layers: list[Layer]
    spec: dict[str, Any] | None
    flat_params: Array
    flat_grads: Array
    rng: np.random.Generator

    def shard_loss_and_grads(self, x: Array, y: Array, share: float = 1.0) -> float:
        """`share` times a shard's loss; its gradients, times `share`, in `flat_grads`."""
        ...

    def replica(self, parameters: Array | None = None) -> Replicable:
        """A copy with its own buffers and gradients whose parameters are this one's arrays (or views of `parameters`)."""
        ...


#: a window of a chosen plan's steps, whose mean step is compared with the one-thread plan's
#: measured time, holds this many steps and spans this many seconds at least
WATCH_STEPS = 5
WATCH_SECONDS = 1.0
#: seconds on one thread after a plan fell back, before it is measured again
RECHECK_SECONDS = 30.0
#: how long OpenBLAS's idle threads spin on after a product on them (measured: under 0.1 s)
BLAS_SPIN_SECONDS = 0.15


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class DataParallel:
    """Computes a network's loss and gradients on up to `threads` cores, by the step's measured plan."""

    def __init__(self, network: Replicable, threads: int) -> None:
        self.network = network
        self.threads = threads
        self._crew: Crew | None = None
        self._replicas: list[Replicable] = []
        self._signature: tuple[Any, ...] | None = None
        self._planned: dict[tuple[int, int, int], StepPlan] = {}
        #: steps are timed: a measured plan is watched, or one that fell back waits to be measured again
        self._watching = False
        #: the watched plan's batch key, shape key and limit (seconds a step), and its window's steps and their seconds
        self._watched: tuple[tuple[int, int, int], tuple[Any, ...], float] | None = None
        self._window_steps, self._window_seconds = 0, 0.0
        #: when a plan that fell back to one thread is measured again
        self._retry_at = 0.0
        #: what steps are timed by (a test may hand in a fake clock)
        self.clock = time.perf_counter
        #: where each network's chunks' gradients are summed, by its gradient buffer's id
        self._sums: dict[int, Array] = {}
        #: worker processes for splits in processes, and the network's signature when they were forked
        self._forked: list[ForkedShard] = []
        self._forked_signature: tuple[Any, ...] | None = None
        #: the chunk queue of the worker processes, for plans whose chunks are taken as each process is free
        self._queue: forked.ChunkQueue | None = None
        #: a worker process was lost: splits run in threads from then on
        self._processes_lost = False

    def plan(self, batch: int) -> StepPlan:
        """The plan a batch of `batch` samples runs by: the measured one, else the rules' prior."""
        plan = self._planned.get(self._key(batch))
        if plan is not None:
            return plan
        measured = step_plan.MEASURED.get(self._shape_key(batch))
        if measured is not None:
            return measured.plan
        net = self.network
        return step_plan.prior(step_plan.candidates(net.layers, batch, self.threads, net.spec is not None), net.layers)

    def shards(self, batch: int) -> int:
        """How many shards a batch of `batch` samples is split into (1: not split); makes the replicas."""
        plan = self.plan(batch)
        if plan.shards > 1:
            try:
                self._workers(plan.shards - 1)
            except ValueError:
                return 1
        return plan.shards

    def loss_and_grads(self, x: Array, y: Array) -> float:
        """The batch's mean loss; fills the network's `flat_grads` (penalties not included)."""
        net = self.network
        key = (len(x), id(net.flat_params), len(net.layers))  # `_key`, inline: a tiny net's step pays this
        plan = self._planned.get(key)
        if plan is ONE_THREAD and not self._watching:
            return net.shard_loss_and_grads(x, y)
        if plan is None:
            plan = self._planned[key] = self._measure(x, y)
        if not self._watching:
            return self._run(x, y, plan)
        start = self.clock()
        loss = self._run(x, y, plan)
        self._watch(self.clock() - start, key)
        return loss

    def _key(self, batch: int) -> tuple[int, int, int]:
        """The per-network lookup of a batch's plan: a tiny net's step pays one dictionary lookup."""
        return (batch, id(self.network.flat_params), len(self.network.layers))

    def _shape_key(self, batch: int) -> tuple[Any, ...]:
        net = self.network
        return step_plan.shape_key(net.layers, net.flat_params.dtype, batch, self.threads)

    def _candidates(self, batch: int) -> tuple[StepPlan, ...]:
        net = self.network
        plans = step_plan.candidates(net.layers, batch, self.threads, net.spec is not None)
        try:
            if any(p.shards > 1 for p in plans):
                self._workers(max(p.shards for p in plans) - 1)
        except ValueError:  # changed so that it no longer matches its spec: it cannot be replicated
            plans = tuple(p for p in plans if p.shards == 1)
        if self._processes_lost:
            plans = tuple(p for p in plans if not p.processes)
        return plans

    def _measure(self, x: Array, y: Array) -> StepPlan:
        """The batch's plan: the only candidate, the one measured for this shape, or measured now."""
        plans = self._candidates(len(x))
        if len(plans) == 1:
            return plans[0]
        shape = self._shape_key(len(x))
        measured = step_plan.MEASURED.get(shape)
        if measured is None:
            if not step_plan.CALIBRATE:
                return step_plan.prior(plans, self.network.layers)
            seconds = self._calibrate(x, y, plans)
            chosen = step_plan.choose(seconds)
            measured = step_plan.Measured(chosen, statistics.median(seconds[ONE_THREAD]))
            step_plan.MEASURED[shape] = measured
        if not measured.plan.processes:  # the calibration's worker processes, if any, are not needed
            self._close_processes(queue=True)
        elif self._processes_lost:
            return measured.plan.in_threads()
        if measured.plan != ONE_THREAD:  # watched (the latest such batch size, if a net steps several)
            self._watching = True
            self._watched = (self._key(len(x)), shape, measured.one_thread_seconds)
            self.new_window()
        return measured.plan

    def _calibrate(self, x: Array, y: Array, plans: tuple[StepPlan, ...]) -> dict[StepPlan, list[float]]:
        """Seconds a step of each plan on this batch, in interleaved rounds after an untimed warm-up round.

        In a round each plan runs one step untimed (the network's own layers step another
        batch size in each plan, a slice or a chunk, and pooling keeps the buffers of one size
        only), then a sample: consecutive steps for `step_plan.SAMPLE_SECONDS` at least, as
        training runs them (BLAS's threads awake between steps, buffers warm), timed together.
        A single timed step of a 1 ms MLP step was at the mercy of one scheduler tick.

        One timed round at least, however slow the step: a warm-up round is no measure (the
        first split makes the workers' replicas, and the plans after it find them made).

        Plans with BLAS threads are timed after all the others, in rounds of their own:
        OpenBLAS's threads spin for up to ~0.1 s after a product, on the core the other plans'
        workers need (a step with its products cut just after two BLAS-thread steps took
        2.6-7.2 ms of CPU, 1.5-1.8 ms half a second later; interleaved, every split and cut
        was timed in that state and lost to one thread or to BLAS threads). The calibration then
        waits `BLAS_SPIN_SECONDS`, so that the chosen plan's first steps (which the watch compares
        with one thread's time) do not run beside them either.

        The network's random stream is put back afterwards, so that a dropout mask does not
        depend on whether a calibration ran.
        """
        state = self.network.rng.bit_generator.state
        try:
            seconds: dict[StepPlan, list[float]] = {}
            quiet = [plan for plan in plans if plan.blas_threads == 1]
            spinning = [plan for plan in plans if plan.blas_threads > 1]
            for group in (quiet, spinning):
                if group:
                    seconds |= self._rounds(x, y, group, len(group) / len(plans))
            if spinning:  # the chosen plan's first steps, and the watch on them, without the spinning threads
                time.sleep(BLAS_SPIN_SECONDS)
            return seconds
        finally:
            self.network.rng.bit_generator.state = state

    def _rounds(self, x: Array, y: Array, plans: list[StepPlan], share: float) -> dict[StepPlan, list[float]]:
        """Each plan's samples (seconds a step) over interleaved rounds while they fit `share` of the budget.

        One round at least, `step_plan.MAX_ROUNDS` at most; another round starts only if it
        should end within the budget, at the pace of the rounds so far.
        """
        for plan in plans:  # warm-up: replicas, threads, buffers
            self._timed(x, y, plan)
        budget = share * step_plan.CALIBRATION_SECONDS
        seconds: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
        start = self.clock()
        for done in range(1, step_plan.MAX_ROUNDS + 1):
            for plan in plans:
                self._run(x, y, plan)  # a layer keeps one batch size's buffers: settle them, untimed
                seconds[plan].append(self._sample(x, y, plan))
            spent = self.clock() - start
            if spent * (done + 1) / done > budget:
                break
        return seconds

    def _timed(self, x: Array, y: Array, plan: StepPlan) -> float:
        """Seconds a step by `plan` takes."""
        start = self.clock()
        self._run(x, y, plan)
        return self.clock() - start

    def _sample(self, x: Array, y: Array, plan: StepPlan) -> float:
        """Seconds a step by `plan`: the mean of consecutive steps until `step_plan.SAMPLE_SECONDS` have passed.

        One step at least; a plan that turns slow (BLAS threads when another process takes a
        core: 50-80 ms a step of the MLP) ends its sample at the first step past the mark.
        """
        start, steps = self.clock(), 0
        while True:
            self._run(x, y, plan)
            steps += 1
            elapsed = self.clock() - start
            if elapsed >= step_plan.SAMPLE_SECONDS:
                return elapsed / steps

    def _watch(self, seconds: float, key: tuple[int, int, int]) -> None:
        """Fall back to one thread when the watched plan's steps are slower than one thread was; retry later."""
        if self._watched is None:  # fell back: measure again when it is time
            if time.monotonic() >= self._retry_at:
                self._planned.pop(key, None)
                self._watching = False
            return
        watched_key, shape, limit = self._watched
        if key != watched_key:
            return
        self._window_steps += 1
        self._window_seconds += seconds
        if self._window_steps < WATCH_STEPS or self._window_seconds < WATCH_SECONDS:
            return
        slow = self._window_seconds / self._window_steps > limit
        self.new_window()
        if slow:
            step_plan.MEASURED.pop(shape, None)
            self._planned[key] = ONE_THREAD
            self._watched, self._retry_at = None, time.monotonic() + RECHECK_SECONDS

    def new_window(self) -> None:
        """Start the watch's next window of steps."""
        self._window_steps, self._window_seconds = 0, 0.0

    def _run(self, x: Array, y: Array, plan: StepPlan) -> float:
        """One step by `plan`: whole, whole with BLAS on more threads, or split with BLAS at one."""
        if plan.shards > 1:
            with blas_threads(1):
                if plan.processes:
                    try:
                        if plan.balanced:
                            return self._balanced_in_processes(x, y, plan)
                        return self._split_in_processes(x, y, plan)
                    except WorkerLost:  # (a worker was killed, say): threads from now on, the same bits
                        plan = self._without_processes(plan)
                return self._split(x, y, plan)
        if plan.blas_threads > 1:
            with blas_threads(plan.blas_threads):
                return self.network.shard_loss_and_grads(x, y)
        if plan.product_threads > 1:
            split = ProductSplit(self._threads(), plan.product_threads)
            with blas_threads(1), products_split(self.network.layers, split):
                return self.network.shard_loss_and_grads(x, y)
        if plan.chunk:
            return chunked(self.network, x, y, 1.0, plan.chunk, self._sum_buffer(self.network))
        return self.network.shard_loss_and_grads(x, y)

    def _sum_buffer(self, net: Replicable) -> Array:
        """Where `net`'s chunks' gradients are summed."""
        return sum_buffer(self._sums, net.flat_grads)

    def _split(self, x: Array, y: Array, plan: StepPlan) -> float:
        """The step on `plan.shards` slices of the batch, one per worker; gradients summed in slice order."""
        shards = plan.shards
        net = self.network
        bounds, share = _slices(len(x), shards)
        replicas = self._workers(shards - 1)
        errors = np.geterr()  # the caller's floating-point error handling, for the workers too
        sums = [self._sum_buffer(rep) for rep in replicas] if plan.chunk else [None] * len(replicas)
        tasks = [
            partial(_shard, rep, x[a:b], y[a:b], s, errors, plan.chunk, total)
            for rep, a, b, s, total in zip(replicas, bounds[1:], bounds[2:], share[1:], sums)
        ]
        # the calling thread takes the first shard, on the network's own layers
        if plan.chunk:
            first = partial(chunked, net, x[: bounds[1]], y[: bounds[1]], share[0], plan.chunk, self._sum_buffer(net))
        else:
            first = partial(net.shard_loss_and_grads, x[: bounds[1]], y[: bounds[1]], share[0])
        loss, *others = self._threads().run([first, *tasks])
        for rep, other in zip(replicas, others):
            loss += other
            net.flat_grads += rep.flat_grads
        return float(loss)

    def _split_in_processes(self, x: Array, y: Array, plan: StepPlan) -> float:
        """`_split`, with the slices after the first stepped in worker processes: the same sums in the same order."""
        net = self.network
        bounds, share = _slices(len(x), plan.shards)
        slices = [(x[a:b], y[a:b], s) for a, b, s in zip(bounds[1:], bounds[2:], share[1:])]
        workers = self._processes([(xs, ys) for xs, ys, _ in slices])
        errors = np.geterr()
        started = []
        try:
            for worker, (xs, ys, s) in zip(workers, slices):
                worker.start(net.flat_params, xs, ys, s, plan.chunk, errors)
                started.append(worker)
            first = _step_slice(net, x[: bounds[1]], y[: bounds[1]], share[0], plan.chunk, self._sum_buffer(net))
        finally:  # every started worker answers before its arena or gradients are used again
            others, error = gather([worker.finish for worker in started])
        if error is not None:
            raise error
        loss = first
        for worker, other in zip(workers, others):
            loss += other
            net.flat_grads += worker.grads
        return float(loss)

    def _balanced_in_processes(self, x: Array, y: Array, plan: StepPlan) -> float:
        """The step in chunks that this process and the workers take from a queue as each is free; summed in chunk order.

        Which process steps which chunk does not change the result: each chunk's gradients have a
        place of their own, and the sum runs over the chunks in order.
        """
        net = self.network
        chunks = len(x) // plan.chunk
        bounds, _ = _slices(len(x), plan.shards)
        workers = self._processes([(x[a:b], y[a:b]) for a, b in zip(bounds[1:], bounds[2:])], (x, y, chunks))
        queue = workers[0].queue
        assert queue is not None, "_processes forks the workers with a queue the batch fits"
        queue.fill(x, y, chunks)
        errors = np.geterr()
        started = []
        try:
            for worker in workers:
                worker.start(net.flat_params, x, y, 1.0, plan.chunk, errors, queued=True)
                started.append(worker)
            forked.take_chunks(net, _step_slice, queue, x, y, plan.chunk)
        finally:  # every worker has answered, and no chunk is left for the next step
            _, error = gather([worker.finish for worker in started])
            queue.drain()
        if error is not None:
            raise error
        np.copyto(net.flat_grads, queue.grads[0])
        loss = float(queue.losses[0])
        for c in range(1, chunks):
            net.flat_grads += queue.grads[c]
            loss += float(queue.losses[c])
        return loss

    def _processes(
        self, slices: Sequence[tuple[Array, Array]], batch: tuple[Array, Array, int] | None = None
    ) -> list[ForkedShard]:
        """A worker process for each of `slices`, forked with the network as it is now, each with room for its slice.

        `batch` (x, y, chunks): the workers share a chunk queue that fits it. A queue, once made,
        is kept for the workers forked after it (a calibration alternates plans with and without).
        """
        signature = _signature(self.network)
        fits = all(w.fits(xs, ys) for w, (xs, ys) in zip(self._forked, slices))
        queue = self._queue
        if batch is not None and (queue is None or not queue.fits(*batch)):
            queue = self._queue = forked.ChunkQueue(self.network.flat_grads, batch[2], forked.arena_bytes(*batch[:2]))
        if signature != self._forked_signature or not fits or any(w.queue is not queue for w in self._forked):
            self._close_processes()
            self._forked_signature = signature
        arena = max(forked.arena_bytes(xs, ys) for xs, ys in slices)
        while len(self._forked) < len(slices):
            self._forked.append(ForkedShard(self.network, _step_slice, arena, queue))
        return self._forked[: len(slices)]

    def _close_processes(self, queue: bool = False) -> None:
        """End the worker processes (and with `queue`, drop their chunk queue)."""
        for worker in self._forked:
            worker.close()
        self._forked = []
        if queue:
            self._queue = None

    def _without_processes(self, plan: StepPlan) -> StepPlan:
        """Stop using worker processes (one was lost): each batch's plan in processes, `plan` too, becomes its thread twin."""
        self._close_processes(queue=True)
        self._forked_signature = None
        self._processes_lost = True
        for key, planned in self._planned.items():
            if planned.processes:
                self._planned[key] = planned.in_threads()
        return plan.in_threads()

    def _workers(self, count: int) -> list[Replicable]:
        """`count` replicas of the network as it is now, and the threads to run them."""
        signature = _signature(self.network)
        if signature != self._signature:
            self._replicas = []
            self._signature = signature
        while len(self._replicas) < count:
            self._replicas.append(self.network.replica())
        self._threads()
        return self._replicas[:count]

    def _threads(self) -> Crew:
        """The worker threads (one fewer than `threads`: the calling thread works too), made once."""
        if self._crew is None or self._crew.pid != os.getpid():  # made here, or in the process this one was forked from
            self._crew = Crew(self.threads - 1)
        return self._crew


def _slices(samples: int, shards: int) -> tuple[list[int], list[float]]:
    """Where a batch of `samples` is cut into `shards` slices as even as can be, and each slice's share of it."""
    bounds = [int(b) for b in np.linspace(0, samples, shards + 1).astype(int)]
    return bounds, [(b - a) / samples for a, b in zip(bounds, bounds[1:])]


def _shard(
    net: Replicable, x: Array, y: Array, share: float, errors: Mapping[str, Any], chunk: int, total: Array | None
) -> float:
    """A worker thread's part of the step (in chunks, summed in `total`), under the caller's floating-point error handling."""
    with np.errstate(**errors):
        return _step_slice(net, x, y, share, chunk, total)


def _step_slice(net: Replicable, x: Array, y: Array, share: float, chunk: int, total: Array | None) -> float:
    """`share` times a slice's loss, its gradients in `net.flat_grads`: whole, or in chunks summed in `total`."""
    if chunk:
        assert total is not None
        return chunked(net, x, y, share, chunk, total)
    return net.shard_loss_and_grads(x, y, share)


def sum_buffer(sums: dict[int, Array], grads: Array) -> Array:
    """Where chunks' gradients laid out as `grads` are summed: one buffer per gradient buffer, kept in `sums`."""
    buffer = sums.get(id(grads))
    if buffer is None or buffer.shape != grads.shape:
        buffer = sums[id(grads)] = np.empty_like(grads)
    return buffer


def chunked(net: Replicable, x: Array, y: Array, share: float, chunk: int, total: Array) -> float:
    """`net.shard_loss_and_grads` on `x` chunk after chunk (`chunk` samples each, dividing `x`); gradients summed in order."""
    loss = 0.0
    for start in range(0, len(x), chunk):
        loss += net.shard_loss_and_grads(x[start : start + chunk], y[start : start + chunk], share * chunk / len(x))
        if start == 0:
            np.copyto(total, net.flat_grads)
        else:
            total += net.flat_grads
    np.copyto(net.flat_grads, total)
    return loss


@contextmanager
def products_split(layers: Sequence[Layer], split: ProductSplit) -> Iterator[None]:
    """Run the body with the products of `layers` that take a split (dense layers) cut by `split`."""
    cut = [layer for layer in layers if isinstance(layer, Dense)]
    for layer in cut:
        layer.products = split
    try:
        yield
    finally:
        for layer in cut:
            layer.products = None


def _signature(net: Replicable) -> tuple[Any, ...]:
    """What a replica copies of a network: its layers, their activations, the parameter buffer."""
    return (tuple(map(id, net.layers)), tuple(l.activation for l in net.layers), id(net.flat_params))
