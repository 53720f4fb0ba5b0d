"""Why a split step gains what it gains: python bench/split_scaling.py [WORKLOAD ...] [--rounds N].

Times, for each workload's batch at BLAS one thread:

- whole: the step on the whole batch, one thread;
- half alone: the step on half the batch, one thread, nothing else running;
- halves in 2 processes: each of two processes steps its half at the same time (no shared
  GIL, no merge): what the hardware gives two cores (memory bandwidth, shared caches, SMT);
- halves in 2 threads: tuinn's split step (two workers in one process, gradients merged);
- the same in chunks: each worker steps its half in chunks of `CHUNK_SAMPLES`;
- merge: the sum of the worker's gradients into the network's, alone;
- CPU time of a half step: alone, in each of the 2 processes, in each of the 2 threads;
- halves in 2 threads on 2 networks: two whole networks (no parameters shared), a half each, on
  the crew's two threads: what one interpreter costs without a replica's shared arrays;
- sleeps a step: the process's voluntary context switches a 2-slice step, i.e. a thread went to
  sleep: the crew's two handoffs, the rest waits for the interpreter lock (GIL).

whole / half alone is the speed-up a perfect split would give; halves in 2 processes over
half alone is the hardware's slow-down when both cores work; halves in 2 threads over
halves in 2 processes is what sharing one interpreter costs (the GIL, the pool, the merge).
CPU time is less sensitive to other processes than wall time: a half's CPU time grown in
both pairs is the hardware's (caches, memory); threads' wall time over their CPU time per
half above 1 is waiting (for the GIL, or for a core). Medians of rounds. Not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402
from workloads import WORKLOADS, Workload, synthetic_batch  # noqa: E402

from tuinn.nn import Network  # noqa: E402
from tuinn.nn.step_plan import CHUNK_SAMPLES, StepPlan  # noqa: E402

#: seconds each timed measurement runs for
SECONDS = 0.3


def network(w: Workload, threads: int) -> tuple[Network, np.ndarray, np.ndarray]:
    """The workload's network at `threads`, and its batch."""
    net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    net.set_threads(threads)
    x, labels = synthetic_batch(w)
    y = (labels[:, None] if w.outputs == 1 else np.eye(w.outputs)[labels]).astype(w.dtype)
    return net, x, y


def per_call(fn: Callable[[], Any], seconds: float = SECONDS) -> tuple[float, float]:
    """Seconds one call of `fn` takes, and the process's CPU seconds, over about `seconds` of calls."""
    fn()
    fn()
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n, (time.process_time() - cpu) / n


def sleeps_per_call(fn: Callable[[], Any], seconds: float = SECONDS) -> float:
    """Voluntary context switches of this process a call of `fn` (a thread sleeping: on a lock, or for the GIL)."""
    fn()
    n, start, before = 0, time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - before) / n


def half_in_process(name: str, start: Any, results: Any) -> None:
    """A process of the pair: waits for the other, then times its half-batch step."""
    with threadpool_limits(limits=1):
        net, x, y = network(WORKLOADS[name], 1)
        half = len(x) // 2
        net.shard_loss_and_grads(x[:half], y[:half], 0.5)
        start.wait()
        results.put(per_call(lambda: net.shard_loss_and_grads(x[:half], y[:half], 0.5)))


def halves_in_processes(name: str) -> tuple[float, float]:
    """The mean of the two processes' half-batch step while both run, and of their CPU seconds a step."""
    ctx = mp.get_context("fork")
    start, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=half_in_process, args=(name, start, results)) for _ in range(2)]
    for p in procs:
        p.start()
    times = [results.get() for _ in procs]
    for p in procs:
        p.join()
    return statistics.mean(t for t, _ in times), statistics.mean(c for _, c in times)


def measure(name: str) -> dict[str, float]:
    """One round of every measurement, in ms: wall time, and CPU time a half (for the halves); and the sleeps a step."""
    one, x, y = network(WORKLOADS[name], 1)
    two, _, _ = network(WORKLOADS[name], 2)
    half = len(x) // 2
    split = StepPlan(2, 1)
    parallel = two._parallel
    assert parallel is not None
    replica = parallel._workers(1)[0]

    def merge() -> None:
        two.flat_grads += replica.flat_grads

    other, _, _ = network(WORKLOADS[name], 1)
    crew = parallel._threads()

    def separate() -> None:
        crew.run(
            [
                lambda: one.shard_loss_and_grads(x[:half], y[:half], 0.5),
                lambda: other.shard_loss_and_grads(x[half:], y[half:], 0.5),
            ]
        )

    alone = per_call(lambda: one.shard_loss_and_grads(x[:half], y[:half], 0.5))
    processes = halves_in_processes(name)
    threads = per_call(lambda: parallel._run(x, y, split))
    chunked = per_call(lambda: parallel._run(x, y, StepPlan(2, 1, CHUNK_SAMPLES)))
    networks = per_call(separate)
    return {
        "whole": per_call(lambda: one.shard_loss_and_grads(x, y))[0] * 1e3,
        "half alone": alone[0] * 1e3,
        "halves in 2 processes": processes[0] * 1e3,
        "halves in 2 threads": threads[0] * 1e3,
        "halves in 2 threads in chunks": chunked[0] * 1e3,
        "halves in 2 threads on 2 networks": networks[0] * 1e3,
        "merge": per_call(merge, 0.05)[0] * 1e3,
        "CPU a half alone": alone[1] * 1e3,
        "CPU a half in 2 processes": processes[1] * 1e3,
        "CPU a half in 2 threads": threads[1] / 2 * 1e3,
        "CPU a half in 2 threads in chunks": chunked[1] / 2 * 1e3,
        "CPU a half in 2 threads on 2 networks": networks[1] / 2 * 1e3,
        "sleeps a step": sleeps_per_call(lambda: parallel._run(x, y, split)),  # a count, not ms
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["cnn28", "cnn32", "mlp"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        for name in args.workloads:
            rounds = [measure(name) for _ in range(args.rounds)]
            ms = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
            sleeps = ms.pop("sleeps a step")
            print(f"{name}: " + ", ".join(f"{k} {v:.3f} ms" for k, v in ms.items()))
            print(
                f"  perfect split {ms['whole'] / ms['half alone']:.2f}x; "
                f"two processes {ms['whole'] / ms['halves in 2 processes']:.2f}x "
                f"(each half {ms['halves in 2 processes'] / ms['half alone']:.2f}x slower than alone); "
                f"two threads {ms['whole'] / ms['halves in 2 threads']:.2f}x "
                f"({ms['halves in 2 threads'] / ms['halves in 2 processes']:.2f}x the processes' time)"
            )
            print(
                f"  CPU a half: processes {ms['CPU a half in 2 processes'] / ms['CPU a half alone']:.2f}x, "
                f"threads {ms['CPU a half in 2 threads'] / ms['CPU a half alone']:.2f}x, "
                f"in chunks {ms['CPU a half in 2 threads in chunks'] / ms['CPU a half alone']:.2f}x, "
                f"on 2 networks {ms['CPU a half in 2 threads on 2 networks'] / ms['CPU a half alone']:.2f}x alone's; "
                f"threads' wall time over their CPU a half {ms['halves in 2 threads'] / ms['CPU a half in 2 threads']:.2f}"
            )
            print(
                f"  a 2-slice step's threads sleep {sleeps:.1f} times (2 of them the crew's handoffs, the rest the GIL)"
            )


if __name__ == "__main__":
    main()
