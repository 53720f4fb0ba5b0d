"""What each candidate plan of a step costs: python bench/plan_costs.py [WORKLOAD ...] [--threads N] [--rounds N].

Times every plan `tuinn.nn.step_plan.candidates` offers for the workload's network and
batch (one thread, BLAS threads, threads in the products, a split, the plans in chunks) in
interleaved rounds in one process, BLAS at one thread around them as the Trainer runs;
prints each plan's median wall time, its speed over one thread, its CPU time, and the CPU
time of the calling thread, which waits for the others: on an idle machine the step takes
at least that long, so one thread's CPU over it bounds the speed-up a plan can give (a
figure other processes disturb less than wall time; BLAS's own threads spin, so for them it
says little). Plans with BLAS threads are timed after the others, whose CPU their spinning
threads would take. What the calibration measures at a network's first step, at length.
Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

from tuinn.nn.parallel import BLAS_SPIN_SECONDS  # noqa: E402
from tuinn.nn.step_plan import StepPlan, candidates  # noqa: E402

#: seconds one plan runs for in each round
ROUND_SECONDS = 0.05


def plan_costs(name: str, threads: int, rounds: int) -> dict[StepPlan, tuple[float, float, float]]:
    """Median wall, CPU and calling-thread CPU seconds a step of each candidate plan."""
    from split_scaling import network

    w = WORKLOADS[name]
    net, x, y = network(w, threads)
    parallel = net._parallel
    assert parallel is not None, "a plan needs more than one thread"
    plans = candidates(net.layers, w.batch, threads, net.spec is not None)
    for plan in plans:  # warm-up: replicas, buffers
        parallel._run(x, y, plan)
    time.sleep(BLAS_SPIN_SECONDS)  # OpenBLAS's threads go idle
    steps = max(3, int(ROUND_SECONDS / parallel._timed(x, y, plans[0])))
    wall: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
    cpu: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
    caller: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
    # as the calibration does: plans with BLAS threads after the others (their threads spin on after them)
    for group in ([p for p in plans if p.blas_threads == 1], [p for p in plans if p.blas_threads > 1]):
        for _ in range(rounds):
            for plan in group:
                start, used, own = time.perf_counter(), time.process_time(), time.thread_time()
                for _ in range(steps):
                    parallel._run(x, y, plan)
                wall[plan].append((time.perf_counter() - start) / steps)
                cpu[plan].append((time.process_time() - used) / steps)
                caller[plan].append((time.thread_time() - own) / steps)
    return {
        plan: (statistics.median(wall[plan]), statistics.median(cpu[plan]), statistics.median(caller[plan]))
        for plan in plans
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["mlp", "cnn28", "cnn32"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with threadpool_limits(limits=1), np.errstate(all="ignore"):
        for name in args.workloads:
            costs = plan_costs(name, args.threads, args.rounds)
            one = next(iter(costs.values()))
            load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
            print(f"{name} (load {load}):")
            for plan, (wall, cpu, caller) in costs.items():
                print(
                    f"  {plan.describe():28} {wall * 1e3:9.3f} ms ({one[0] / wall:.2f}x)  CPU {cpu * 1e3:9.3f} ms"
                    f"  calling thread {caller * 1e3:9.3f} ms (bound {one[2] / caller:.2f}x)"
                )


if __name__ == "__main__":
    main()
