"""One benchmark process: time one workload on one engine and print a JSON line.

Run by bench/run.py, one process per measurement, so that NumPy's OpenBLAS threads
and PyTorch's OpenMP threads never share a process (in one process both slow down).

    python bench/worker.py {tuinn|torch} WORKLOAD [--threads N] [--runs N] [--run-seconds S]
    python bench/worker.py gemm          # float32 1024² matrix product: the machine's GEMM peak

`--threads 0` (the default) leaves each engine at its own default thread count.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

from workloads import WORKLOADS, Workload, synthetic_batch  # noqa: E402

Step = Callable[[], None]


#: the matrix size of the GEMM-peak measurement
GEMM_SIZE = 1024


def tuinn_step(w: Workload, threads: int) -> tuple[Step, Callable[[], dict[str, object]]]:
    """The step the Trainer runs: loss_and_grads, then one optimizer pass over the flat buffer.

    With `threads` cores (0: `tuinn --headless`'s default, every core this process may
    use) and BLAS at one thread around it, as the Trainer runs them; takes the first step,
    which measures the step's plan, before returning. Also returns what the step ran with:
    threads, slices, BLAS threads, chunk, threads in the products.
    """
    import numpy as np
    from threadpoolctl import threadpool_limits

    from tuinn.nn import Network, make_optimizer
    from tuinn.nn.parallel import available_cores

    threadpool_limits(limits=1)  # for the rest of this process
    net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    net.set_threads(threads or available_cores())
    opt = make_optimizer("sgd", w.lr)
    x, labels = synthetic_batch(w)
    y = (labels[:, None] if w.outputs == 1 else np.eye(w.outputs)[labels]).astype(w.dtype)
    params, grads = {"all": net.flat_params}, {"all": net.flat_grads}

    def step() -> None:
        net.loss_and_grads(x, y)
        opt.step(params, grads)

    def plan() -> dict[str, object]:
        return {"tuinn_threads": net.threads, "tuinn_plan": net.plan(w.batch).describe()}

    step()  # the first step measures the plan: before the run length is calibrated on the steps' time
    return step, plan


def torch_step(w: Workload, threads: int) -> Step:
    """The same network in PyTorch (NCHW images, fused logit losses), SGD, same batch and dtype."""
    import torch
    from torch_nets import torch_model

    if threads:
        torch.set_num_threads(threads)

    torch.manual_seed(0)
    dtype = getattr(torch, w.dtype)
    model = torch_model(w.spec, w.input_shape).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=w.lr)
    x_np, labels_np = synthetic_batch(w)
    x = torch.from_numpy(x_np)
    if x.dim() == 4:
        x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    if w.outputs == 1:
        loss_fn, y = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(labels_np[:, None]).to(dtype)
    else:
        loss_fn, y = torch.nn.CrossEntropyLoss(), torch.from_numpy(labels_np)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def gemm_step() -> Step:
    """One float32 GEMM_SIZE² matrix product with NumPy's BLAS at its default threads."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(np.float32) for _ in range(2))
    c = np.empty_like(a)
    return lambda: np.matmul(a, b, out=c)


def time_runs(step: Step, runs: int, run_seconds: float, warmup_seconds: float) -> list[float]:
    """Seconds per step for each of `runs` timed runs of about `run_seconds`, after a warm-up."""
    n, elapsed = 1, 0.0
    while elapsed < 0.05:  # calibrate how many steps fill a run
        n *= 2
        start = time.perf_counter()
        for _ in range(n):
            step()
        elapsed = time.perf_counter() - start
    per_run = max(1, int(n * run_seconds / elapsed))
    end = time.perf_counter() + warmup_seconds
    while time.perf_counter() < end:
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(per_run):
            step()
        times.append((time.perf_counter() - start) / per_run)
    return times


def numpy_info() -> dict[str, object]:
    """NumPy's version, its BLAS library, the kernel (core type) and threads it runs."""
    import numpy as np
    from threadpoolctl import threadpool_info

    blas = next((p for p in threadpool_info() if p["user_api"] == "blas"), {})
    return {
        "numpy": np.__version__,
        "blas": f"{blas.get('internal_api')} {blas.get('version')}",
        "blas_core": blas.get("architecture"),
        "blas_threads": blas.get("num_threads"),
    }


def traced_peak(step: Step) -> int:
    """Bytes of the highest tracemalloc peak during one step, above what was held before it."""
    tracemalloc.start()
    step()  # let buffers that live across steps settle under tracing
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["tuinn", "torch", "gemm"])
    parser.add_argument("workload", nargs="?", choices=list(WORKLOADS), help="(not for gemm)")
    parser.add_argument("--threads", type=int, default=0, help="threads (0: the engine's default)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--run-seconds", type=float, default=0.25)
    parser.add_argument("--warmup-seconds", type=float, default=0.5)
    args = parser.parse_args()
    if args.engine == "gemm":
        step = gemm_step()
    elif args.workload is None:
        parser.error(f"{args.engine} needs a workload")
    elif args.engine == "tuinn":
        step, plan = tuinn_step(WORKLOADS[args.workload], args.threads)
    else:
        step = torch_step(WORKLOADS[args.workload], args.threads)
    times = time_runs(step, args.runs, args.run_seconds, args.warmup_seconds)
    if args.engine == "torch":
        from torch_nets import torch_versions

        info = torch_versions()
    else:
        info = numpy_info()
        if args.engine == "tuinn":
            info.update(plan())
    result = {
        "engine": args.engine,
        "workload": args.workload,
        "threads": args.threads,
        "step_seconds": times,
        # numpy reports its allocations to tracemalloc; PyTorch's allocator does not
        "traced_peak_bytes": traced_peak(step) if args.engine != "torch" else None,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "info": info,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
