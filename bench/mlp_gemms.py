"""The MLP step's matrix products alone, at 1 and 2 BLAS threads, against the GEMM peak: python bench/mlp_gemms.py.

Times each product of the `mlp` workload's training step (forward, weight gradient and
input gradient of every dense layer but the first's input gradient), in the operand
layouts the step uses and in the transposed layouts a layer could use instead, each alone
in a loop (its operands warm in the cache) with `out=`; and the float32 1024² product
`bench/worker.py gemm` measures as the machine's peak, at the same thread counts. Prints
each product's CPU and wall time and its GFLOP/s; the sum of each product's best time is
the floor the step's GEMMs set. Rounds alternate the thread counts. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

import numpy as np  # noqa: E402
from workloads import WORKLOADS, Workload  # noqa: E402

from tuinn.nn.blas import blas_threads  # noqa: E402

#: seconds each product runs for in a round
ROUND_SECONDS = 0.05
#: seconds of the peak product run before a thread count's products are timed
WARM_UP_SECONDS = 0.05


def products(w: Workload) -> dict[str, tuple[str, Callable[[], object], int]]:
    """Each product of the step as the layers run it, and its alternatives: label -> (group, call, flops)."""
    rng = np.random.default_rng(0)
    dtype = np.dtype(w.dtype)
    sizes = [w.input_shape[0]] + [layer["units"] for layer in w.spec["layers"]]
    n = w.batch
    out: dict[str, tuple[str, Callable[[], object], int]] = {}

    def arr(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    for i, (fan_in, units) in enumerate(zip(sizes, sizes[1:]), start=1):
        flops = 2 * n * fan_in * units
        x, w_, dz = arr(n, fan_in), arr(fan_in, units), arr(n, units)
        z, dw, dx = np.empty((n, units), dtype), np.empty((fan_in, units), dtype), np.empty((n, fan_in), dtype)
        zt, dwt, dxt = np.empty((units, n), dtype), np.empty((units, fan_in), dtype), np.empty((fan_in, n), dtype)
        xt, wt, dzt = np.ascontiguousarray(x.T), np.ascontiguousarray(w_.T), np.ascontiguousarray(dz.T)
        size = f"{n}x{fan_in}x{units}"
        out[f"L{i} forward z = x @ W ({size})"] = (f"L{i} fwd", lambda x=x, w_=w_, z=z: np.matmul(x, w_, out=z), flops)
        out[f"L{i} forward z.T = W.T(view) @ x.T(view)"] = (
            f"L{i} fwd",
            lambda x=x, w_=w_, zt=zt: np.matmul(w_.T, x.T, out=zt),
            flops,
        )
        out[f"L{i} forward z = x @ W.T(view of (units, in))"] = (
            f"L{i} fwd",
            lambda x=x, wt=wt, z=z: np.matmul(x, wt.T, out=z),
            flops,
        )
        out[f"L{i} dW = x.T(view) @ dz"] = (f"L{i} dW", lambda x=x, dz=dz, dw=dw: np.matmul(x.T, dz, out=dw), flops)
        out[f"L{i} dW = xt(C) @ dz"] = (f"L{i} dW", lambda xt=xt, dz=dz, dw=dw: np.matmul(xt, dz, out=dw), flops)
        out[f"L{i} dW.T = dz.T(view) @ x"] = (
            f"L{i} dW",
            lambda x=x, dz=dz, dwt=dwt: np.matmul(dz.T, x, out=dwt),
            flops,
        )
        out[f"L{i} dW.T = dzt(C) @ x"] = (f"L{i} dW", lambda x=x, dzt=dzt, dwt=dwt: np.matmul(dzt, x, out=dwt), flops)
        if i > 1:
            out[f"L{i} dx = dz @ W.T(view)"] = (
                f"L{i} dx",
                lambda dz=dz, w_=w_, dx=dx: np.matmul(dz, w_.T, out=dx),
                flops,
            )
            out[f"L{i} dx = dz @ wt(C)"] = (f"L{i} dx", lambda dz=dz, wt=wt, dx=dx: np.matmul(dz, wt, out=dx), flops)
            out[f"L{i} dx.T = W @ dz.T(view)"] = (
                f"L{i} dx",
                lambda dz=dz, w_=w_, dxt=dxt: np.matmul(w_, dz.T, out=dxt),
                flops,
            )
    return out


def peak_product(size: int = 1024) -> tuple[str, tuple[str, Callable[[], object], int]]:
    """The float32 size² product bench/worker.py times as the machine's GEMM peak."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size)).astype(np.float32) for _ in range(2))
    c = np.empty_like(a)
    return f"peak {size}² float32", ("peak", lambda: np.matmul(a, b, out=c), 2 * size**3)


def timed(call: Callable[[], object], steps: int) -> tuple[float, float]:
    """Wall and process CPU seconds a call, over `steps` calls."""
    start, used = time.perf_counter(), time.process_time()
    for _ in range(steps):
        call()
    return (time.perf_counter() - start) / steps, (time.process_time() - used) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="mlp")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument(
        "--best",
        action="store_true",
        help="each figure the best round's, not the median (on a busy machine: its quietest)",
    )
    args = parser.parse_args()
    pick = min if args.best else statistics.median
    w = WORKLOADS[args.workload]
    table = dict(products(w))
    label, entry = peak_product()
    table[label] = entry
    steps = {}
    with blas_threads(1):
        for name, (_, call, _) in table.items():
            call()
            steps[name] = max(3, int(ROUND_SECONDS / timed(call, 3)[0]))
    wall: dict[tuple[int, str], list[float]] = {(t, n): [] for t in args.threads for n in table}
    cpu: dict[tuple[int, str], list[float]] = {(t, n): [] for t in args.threads for n in table}
    for _ in range(args.rounds):
        for threads in args.threads:
            with blas_threads(threads):
                warm_up = time.perf_counter() + WARM_UP_SECONDS
                while time.perf_counter() < warm_up:  # BLAS's threads awake (or gone to sleep) before timing
                    table[label][1]()
                for name, (_, call, _) in table.items():
                    timed(call, max(1, steps[name] // 4))  # its operands in the cache
                    a, b = timed(call, steps[name])
                    wall[threads, name].append(a)
                    cpu[threads, name].append(b)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    how = "best" if args.best else "median"
    print(f"{w.title}: each product alone, {how} of {args.rounds} rounds (load {load})")
    for threads in args.threads:
        print(f"\nBLAS threads {threads}\n| product | wall µs | CPU µs | GFLOP/s (wall) |\n|---|---|---|---|")
        best: dict[str, float] = {}
        for name, (group, _, flops) in table.items():
            t, c = pick(wall[threads, name]), pick(cpu[threads, name])
            print(f"| {name} | {t * 1e6:.1f} | {c * 1e6:.1f} | {flops / t / 1e9:.0f} |")
            if group != "peak":
                best[group] = min(best.get(group, float("inf")), t)
        peak_name = label
        peak = table[peak_name][2] / pick(wall[threads, peak_name])
        floor = sum(best.values())
        flops = w.gemm_flops()
        print(
            f"floor (each product at its best layout): {floor * 1e6:.1f} µs = {flops / floor / 1e9:.0f} GFLOP/s, "
            f"{flops / floor / peak:.0%} of this thread count's peak ({peak / 1e9:.0f} GFLOP/s)"
        )


if __name__ == "__main__":
    main()
