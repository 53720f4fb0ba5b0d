"""One-thread training steps of two checkouts, A/B by CPU time: python bench/step_ab.py OLD NEW [WORKLOAD ...].

OLD and NEW are directories holding a `tuinn` package (a checkout, or an exported commit). Each
round runs one process per checkout, alternating which goes first, and each process times its
step by this thread's CPU time (BLAS at one thread): on a shared machine CPU time is less
disturbed than wall time, and alternating spreads what disturbance remains over both. Prints
every round's pair and the medians; at the end, whether the two left the same parameters after
the same steps (bit for bit). Not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(workload: str, steps: int) -> dict[str, float | str]:
    """CPU ms a step of this process's tuinn on `workload` (one thread), and a hash of the parameters after."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from threadpoolctl import threadpool_limits
    from workloads import WORKLOADS, synthetic_batch

    from tuinn.nn import Network, make_optimizer

    w = WORKLOADS[workload]
    net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    opt = make_optimizer("sgd", w.lr)
    x, labels = synthetic_batch(w)
    y = np.eye(w.outputs, dtype=w.dtype)[labels]
    params, grads = {"all": net.flat_params}, {"all": net.flat_grads}
    with threadpool_limits(limits=1):
        for _ in range(5):
            net.loss_and_grads(x, y)
            opt.step(params, grads)
        start = time.thread_time()
        for _ in range(steps):
            net.loss_and_grads(x, y)
            opt.step(params, grads)
        seconds = (time.thread_time() - start) / steps
    return {"ms": seconds * 1e3, "params": hashlib.sha256(net.flat_params.tobytes()).hexdigest()}


def run_one(tree: str, workload: str, steps: int) -> dict[str, float | str]:
    """`measure` in a fresh process importing tuinn from `tree`."""
    env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import step_ab, json; "
    code += f"print(json.dumps(step_ab.measure({workload!r}, {steps})))"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("workloads", nargs="*", default=["cnn32"])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    trees = {"old": str(Path(args.old).resolve()), "new": str(Path(args.new).resolve())}
    for workload in args.workloads:
        times: dict[str, list[float]] = {"old": [], "new": []}
        hashes: dict[str, set[str]] = {"old": set(), "new": set()}
        for pair in range(args.pairs):
            order = ["old", "new"] if pair % 2 == 0 else ["new", "old"]
            for side in order:
                result = run_one(trees[side], workload, args.steps)
                times[side].append(float(result["ms"]))
                hashes[side].add(str(result["params"]))
            load = os.getloadavg()[0]
            print(
                f"{workload} pair {pair + 1}: old {times['old'][-1]:.2f} new {times['new'][-1]:.2f} ms (load {load:.2f})"
            )
        old, new = (statistics.median(times[side]) for side in ("old", "new"))
        same = "the same bits" if hashes["old"] == hashes["new"] else "DIFFERENT bits"
        print(
            f"{workload}: median old {old:.2f} new {new:.2f} CPU ms a step ({new / old:.3f}x); parameters after: {same}"
        )


if __name__ == "__main__":
    main()
