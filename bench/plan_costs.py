"""What each candidate plan of a step costs: python bench/plan_costs.py [WORKLOAD ...] [--threads N] [--rounds N].

Times every plan `tuinn.nn.step_plan.candidates` offers for the workload's network and
batch (one thread, BLAS threads, a split, the plans in chunks) in interleaved rounds in one
process, BLAS at one thread around them as the Trainer runs; prints each plan's median
wall time, its speed over one thread and its CPU time. What the calibration measures at a
network's first step, at length. Not a test.
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

from tuinn.nn.step_plan import StepPlan, candidates  # noqa: E402

#: seconds one plan runs for in each round
ROUND_SECONDS = 0.05


def plan_costs(name: str, threads: int, rounds: int) -> dict[StepPlan, tuple[float, float]]:
    """Median wall and CPU seconds a step of each candidate plan."""
    from split_scaling import network

    w = WORKLOADS[name]
    net, x, y = network(w, threads)
    parallel = net._parallel
    assert parallel is not None, "a plan needs more than one thread"
    plans = candidates(net.layers, w.batch, threads, net.spec is not None)
    for plan in plans:  # warm-up: replicas, buffers
        parallel._run(x, y, plan)
    steps = max(3, int(ROUND_SECONDS / parallel._timed(x, y, plans[0])))
    wall: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
    cpu: dict[StepPlan, list[float]] = {plan: [] for plan in plans}
    for _ in range(rounds):
        for plan in plans:
            start, used = time.perf_counter(), time.process_time()
            for _ in range(steps):
                parallel._run(x, y, plan)
            wall[plan].append((time.perf_counter() - start) / steps)
            cpu[plan].append((time.process_time() - used) / steps)
    return {plan: (statistics.median(wall[plan]), statistics.median(cpu[plan])) for plan in plans}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["mlp", "cnn28", "cnn32"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with threadpool_limits(limits=1), np.errstate(all="ignore"):
        for name in args.workloads:
            costs = plan_costs(name, args.threads, args.rounds)
            one = next(iter(costs.values()))[0]
            load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
            print(f"{name} (load {load}):")
            for plan, (wall, cpu) in costs.items():
                print(f"  {plan.describe():28} {wall * 1e3:9.3f} ms ({one / wall:.2f}x)  CPU {cpu * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()
