"""Two checkouts' training steps, A/B in alternating processes: python bench/ab_steps.py OLD_DIR NEW_DIR [WORKLOAD ...].

Each process imports tuinn from its checkout, builds the workload's network, steps it as
the benchmark does (loss_and_grads, then SGD over the flat buffer) with BLAS at
`--blas-threads` for the whole step (the "BLAS threads" plan, fixed: no calibration), and
reports the median over short rounds of its calling thread's CPU time, the process's CPU
time and the wall time a step. Processes alternate old, new, old, ... for `--pairs` pairs,
so that a busy machine disturbs both alike; the summary gives each side's median and the
new side's speed over the old (CPU of the calling thread: what one thread's step costs;
wall: what a 2-thread step takes, disturbed by other processes), and whether the two sides
leave the same parameters after the same steps (bit for bit). Not a test.

To make OLD_DIR: `git worktree add` or `git archive <commit> | tar -x -C OLD_DIR`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: the code one process runs: argv = checkout, bench dir, workload, BLAS threads, rounds, round seconds
PROCESS = """
import hashlib, json, statistics, sys, time
checkout, bench, name, threads, rounds, seconds = sys.argv[1:]
sys.path[:0] = [bench, checkout]
import numpy as np
from threadpoolctl import threadpool_limits
from workloads import WORKLOADS, synthetic_batch
from tuinn.nn import Network, make_optimizer
from tuinn.nn.blas import blas_threads
threadpool_limits(1)
w = WORKLOADS[name]
net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
opt = make_optimizer("sgd", w.lr)
x, labels = synthetic_batch(w)
y = (labels[:, None] if w.outputs == 1 else np.eye(w.outputs)[labels]).astype(w.dtype)
params, grads = {"all": net.flat_params}, {"all": net.flat_grads}
walls, cpus, own = [], [], []
with blas_threads(int(threads)):
    start = time.perf_counter()
    while time.perf_counter() - start < 0.2:
        net.loss_and_grads(x, y); opt.step(params, grads)
    for _ in range(int(rounds)):
        steps, start, used, mine = 0, time.perf_counter(), time.process_time(), time.thread_time()
        while time.perf_counter() - start < float(seconds):
            net.loss_and_grads(x, y); opt.step(params, grads)
            steps += 1
        walls.append((time.perf_counter() - start) / steps)
        cpus.append((time.process_time() - used) / steps)
        own.append((time.thread_time() - mine) / steps)
same = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)  # fixed steps: its parameters after
with blas_threads(int(threads)):
    for _ in range(5):
        same.loss_and_grads(x, y); opt.step({"all": same.flat_params}, {"all": same.flat_grads})
result = {k: statistics.median(v) for k, v in (("wall", walls), ("cpu", cpus), ("own", own))}
print(json.dumps({**result, "params": hashlib.sha256(same.flat_params.tobytes()).hexdigest()}))
"""


def one_process(checkout: Path, workload: str, threads: int, rounds: int, seconds: float) -> dict[str, Any]:
    """One process's medians (seconds a step): wall, process CPU, calling thread's CPU; a hash of its parameters."""
    args = [str(checkout), str(HERE), workload, str(threads), str(rounds), str(seconds)]
    done = subprocess.run([sys.executable, "-c", PROCESS, *args], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("workloads", nargs="*", default=["mlp"])
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.1, help="a round's length")
    args = parser.parse_args()
    for workload in args.workloads:
        compare(workload, args)


def compare(workload: str, args: argparse.Namespace) -> None:
    """Alternating pairs of processes on `workload`, a line each, then the medians and the parameters' verdict."""
    sides: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    loads = []
    for pair in range(args.pairs):
        for side in ("old", "new") if pair % 2 == 0 else ("new", "old"):
            checkout = args.old if side == "old" else args.new
            sides[side].append(one_process(checkout, workload, args.blas_threads, args.rounds, args.seconds))
        loads.append(Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?")
        old, new = sides["old"][-1], sides["new"][-1]
        print(
            f"pair {pair + 1}: own CPU ms old {old['own'] * 1e3:.3f} new {new['own'] * 1e3:.3f}  "
            f"wall ms old {old['wall'] * 1e3:.3f} new {new['wall'] * 1e3:.3f}  (load {loads[-1]})",
            flush=True,
        )
    print(f"{workload}, {args.blas_threads} BLAS thread(s), {args.pairs} alternating pairs, load {', '.join(loads)}")
    for key, label in (("own", "calling thread's CPU"), ("cpu", "process CPU"), ("wall", "wall")):
        old = statistics.median(r[key] for r in sides["old"])
        new = statistics.median(r[key] for r in sides["new"])
        print(f"  {label:22} old {old * 1e3:.3f} ms  new {new * 1e3:.3f} ms  speed new/old {old / new:.3f}x")
    hashes = {side: {r["params"] for r in results} for side, results in sides.items()}
    print(f"  parameters after 5 steps: {'the same bits' if hashes['old'] == hashes['new'] else 'DIFFERENT bits'}")


if __name__ == "__main__":
    main()
