"""A 2-slice step in threads against the same in worker processes: python bench/process_split.py [WORKLOAD ...].

The engine's two ways of running a split (`tuinn.nn.parallel`): the second slice on a worker
thread of this process, or in a worker process forked once (`tuinn.nn.forked`), whose
interpreter lock (GIL) is its own; the gradients of the two are equal bit for bit (checked).

Times, in interleaved rounds: the whole step on one thread, the 2-slice step in threads, and
in processes; wall and CPU time (this process's and the worker process's, read from /proc)
and this process's voluntary context switches a step. Not a test.
"""

from __future__ import annotations

import argparse
import os
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
from workloads import WORKLOADS, synthetic_batch  # noqa: E402

from tuinn.nn import Network  # noqa: E402
from tuinn.nn.step_plan import StepPlan  # noqa: E402

#: seconds each timed measurement runs for
SECONDS = 0.3


def process_cpu(pid: int) -> float:
    """A process's CPU seconds so far (user + system, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn: Callable[[], Any], extra_cpu: Callable[[], float] = lambda: 0.0) -> tuple[float, float, float]:
    """(wall ms, CPU ms, voluntary switches of this process) a call of `fn`, over about `SECONDS`."""
    fn()
    fn()
    n, start, cpu, other = 0, time.perf_counter(), time.process_time(), extra_cpu()
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    while time.perf_counter() - start < SECONDS:
        fn()
        n += 1
    wall = (time.perf_counter() - start) / n
    cpu_used = (time.process_time() - cpu + extra_cpu() - other) / n
    return wall * 1e3, cpu_used * 1e3, (resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches) / n


def probe(name: str, rounds: int) -> None:
    w = WORKLOADS[name]
    x, labels = synthetic_batch(w)
    y = np.eye(w.outputs, dtype=w.dtype)[labels]
    one = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    threads, procs = (Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype) for _ in range(2))
    split, in_processes = StepPlan(2, 1), StepPlan(2, 1, processes=True)
    for net in (threads, procs):
        net.set_threads(2)
    in_threads, forked = threads._parallel, procs._parallel
    assert in_threads is not None and forked is not None
    in_threads._run(x, y, split)
    forked._run(x, y, in_processes)
    same = procs.flat_grads.tobytes() == threads.flat_grads.tobytes()
    worker = forked._forked[0].pid
    ways: dict[str, tuple[Callable[[], Any], Callable[[], float]]] = {
        "1 thread, whole batch": (lambda: one.shard_loss_and_grads(x, y), lambda: 0.0),
        "2 slices, threads": (lambda: in_threads._run(x, y, split), lambda: 0.0),
        "2 slices, processes": (lambda: forked._run(x, y, in_processes), lambda: process_cpu(worker)),
    }
    results: dict[str, list[tuple[float, float, float]]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, (fn, extra) in ways.items():
            results[way].append(timed(fn, extra))
    print(f"\n{w.title}: gradients of the two splits {'equal bit for bit' if same else 'DIFFER'}")
    print("| step | wall ms | over 1 thread | CPU ms | voluntary switches a step |\n|---|---|---|---|---|")
    base = statistics.median(r[0] for r in results["1 thread, whole batch"])
    for way, rows in results.items():
        wall, cpu, switches = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"| {way} | {wall:.3f} | {base / wall:.2f}x | {cpu:.3f} | {switches:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["cnn28", "cnn32"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        for name in args.workloads:
            probe(name, args.rounds)


if __name__ == "__main__":
    main()
