"""Where PyTorch's training step spends its time, op by op: python bench/torch_profile.py [WORKLOAD] [--threads N].

Runs bench/worker.py's PyTorch step (the same model, loss, SGD, batch and dtype) under
torch.profiler and prints the ops by their own CPU time a step, beside the step's wall time
unprofiled; the counterpart of bench/profile_step.py for the other engine. Needs torch.
Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from workloads import WORKLOADS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", default="mlp", choices=list(WORKLOADS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rows", type=int, default=15)
    args = parser.parse_args()
    import torch
    from torch.profiler import ProfilerActivity, profile
    from worker import torch_step

    step = torch_step(WORKLOADS[args.workload], args.threads)
    for _ in range(50):
        step()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        times.append((time.perf_counter() - start) / args.steps)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    print(
        f"{args.workload}, torch {torch.__version__}, {torch.get_num_threads()} thread(s): "
        f"step {statistics.median(times) * 1e3:.3f} ms unprofiled (median of 7 runs of {args.steps})"
    )
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    print("| op | calls a step | self CPU µs a step |\n|---|---|---|")
    for event in rows[: args.rows]:
        print(f"| {event.key} | {event.count / args.steps:g} | {event.self_cpu_time_total / args.steps:.1f} |")


if __name__ == "__main__":
    main()
