"""Where one training step's time goes, kernel by kernel: python bench/profile_step.py [WORKLOAD ...].

Runs the benchmark's step on one thread (BLAS at one thread too, or at `--blas-threads`
for the whole step, as the "BLAS threads" plan runs it) and times, per layer, the linear
part of the forward and backward, the activation and its derivative, pooling, the loss and
the optimizer; inside a convolution or a dense layer, the matrix products (every `np.matmul`
of tuinn.nn.im2col, tuinn.nn.layers.dense and tuinn.nn.products, timed through a wrapper)
apart from the rest, which is im2col (padding and column copies) forward and col2im (the
shifted adds) backward, or the bias's add and gradient. Prints the median milliseconds per
step of each over several rounds and its share of the timed step.

With `--split`, where a 2-slice step loses its second core: each kernel's CPU time on half
the batch alone on one thread against a worker's half in the 2-slice step (both workers
timed, their mean), rounds alternating; a kernel whose CPU time grows in the split loses to
the other core (caches, memory bandwidth), and "Python between kernels" growing would be the
interpreter's share. Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402
from workloads import WORKLOADS, synthetic_batch  # noqa: E402

import tuinn.nn.im2col as im2col  # noqa: E402
import tuinn.nn.layers.dense as dense_module  # noqa: E402
import tuinn.nn.products as products_module  # noqa: E402
from tuinn.nn import Network, make_optimizer, step_plan  # noqa: E402
from tuinn.nn.blas import blas_threads  # noqa: E402
from tuinn.nn.layers import ActivatedLayer  # noqa: E402
from tuinn.nn.step_plan import StepPlan  # noqa: E402

Clock = dict[str, float]
#: the clock every time is read from: wall time, or with --cpu this thread's CPU time (less disturbed by
#: other processes on a busy machine; the step runs on one thread)
now = time.perf_counter


def timed(clock: Clock, name: str, fn: Callable) -> Callable:
    """`fn`, adding the seconds each call takes to clock[name]."""

    def run(*args: Any, **kwargs: Any) -> Any:
        start = now()
        try:
            return fn(*args, **kwargs)
        finally:
            clock[name] += now() - start

    return run


class ThreadClocks(dict):
    """A clock per thread: `clock[name] += seconds` lands in the calling thread's own (`by_thread`)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_thread: dict[int, Clock] = defaultdict(lambda: defaultdict(float))

    def __getitem__(self, name: str) -> float:
        return self.by_thread[threading.get_ident()][name]

    def __setitem__(self, name: str, seconds: float) -> None:
        self.by_thread[threading.get_ident()][name] = seconds


class TimedNumpy:
    """numpy, with `matmul` timed into clock['<current conv> GEMM'] (for tuinn.nn.im2col); a label per thread."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self._local = clock, threading.local()

    @property
    def label(self) -> str:
        return getattr(self._local, "label", "GEMM")

    @label.setter
    def label(self, label: str) -> None:
        self._local.label = label

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    def matmul(self, *args: Any, **kwargs: Any) -> Any:
        return timed(self.clock, self.label, np.matmul)(*args, **kwargs)


def instrument(net: Network, clock: Clock, numpy_proxy: TimedNumpy) -> None:
    """Wrap every layer's parts (and the loss) so that their time lands in `clock`."""
    for layer in net.layers:
        name = f"{layer.name}"
        if isinstance(layer, ActivatedLayer):
            for part in ("linear_forward", "linear_backward"):
                inner = timed(clock, f"{name} {part.split('_')[1]} (all)", getattr(layer, part))
                if layer.kind in ("conv2d", "dense"):
                    inner = with_label(numpy_proxy, f"{name} {part.split('_')[1]} GEMM", inner)
                setattr(layer, part, inner)
            act = layer._act
            layer._act = dataclasses.replace(
                act, fn=timed(clock, f"{name} {act.name}", act.fn), grad=timed(clock, f"{name} {act.name}'", act.grad)
            )
            if layer.kind == "dense":  # its relu runs inline in a training pass: timed as the layer's own rest
                for part in ("forward", "backward"):
                    setattr(layer, part, timed(clock, f"{name} {part} (layer)", getattr(layer, part)))
        else:
            layer.forward = timed(clock, f"{name} forward", layer.forward)
            layer.backward = timed(clock, f"{name} backward", layer.backward)
    loss = net.loss
    net.loss = dataclasses.replace(loss, both=timed(clock, f"loss {loss.name}", loss.value_and_grad))


def with_label(proxy: TimedNumpy, label: str, fn: Callable) -> Callable:
    """`fn` with the proxy's matmul time going to `label` while it runs."""

    def run(*args: Any, **kwargs: Any) -> Any:
        proxy.label = label
        return fn(*args, **kwargs)

    return run


def is_activation(key: str, layer: str) -> bool:
    """Whether `key` is the clock of `layer`'s activation or its derivative (as `instrument` names them)."""
    return key.startswith(f"{layer} ") and not key.endswith(")") and len(key.split(" ")) == 2


def rows(clock: Clock) -> dict[str, float]:
    """Kernels from the raw clock: a conv's '(all)' minus its GEMMs is im2col / col2im."""
    out = {}
    for key, seconds in clock.items():
        if key.endswith("(layer)"):  # a dense layer's pass less its linear part and its activation timed apart
            base = key.removesuffix(" (layer)")
            layer, part = base.rsplit(" ", 1)
            derivative = part == "backward"
            activation = sum(v for k, v in clock.items() if is_activation(k, layer) and k.endswith("'") == derivative)
            rest = seconds - clock.get(f"{base} (all)", 0.0) - activation
            out[f"{layer} inline activation{chr(39) * derivative}, the layer's Python"] = rest
        elif key.endswith("(all)"):
            base = key.removesuffix(" (all)")
            gemm = clock.get(f"{base} GEMM", 0.0)
            if gemm:
                forward = base.endswith("forward")
                if "dense" in base:
                    out[f"{base} GEMM"] = gemm
                    rest = "bias add" if forward else "bias gradient"
                else:
                    rest = "im2col" if forward else "col2im, dW/db copy"
                out[f"{base.rsplit(' ', 1)[0]} {rest}"] = seconds - gemm
            else:
                out[base] = seconds
        else:
            out[key] = seconds
    return out


#: the modules whose `np.matmul` calls are timed as GEMMs
TIMED_MODULES = (im2col, dense_module, products_module)


def time_gemms(proxy: Any) -> None:
    """Point the modules' `np` at `proxy` (a TimedNumpy), or back at numpy."""
    for module in TIMED_MODULES:
        module.np = proxy


def profile(workload: str, rounds: int, steps: int, threads: int = 1) -> None:
    w = WORKLOADS[workload]
    net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    opt = make_optimizer("sgd", w.lr)
    x, labels = synthetic_batch(w)
    y = np.eye(w.outputs, dtype=w.dtype)[labels]
    params, grads = {"all": net.flat_params}, {"all": net.flat_grads}
    clock: Clock = defaultdict(float)

    def step() -> None:
        net.loss_and_grads(x, y)
        opt.step(params, grads)

    for _ in range(10):
        step()
    plain = []
    for _ in range(rounds):  # the step as the benchmark runs it
        start = now()
        for _ in range(steps):
            step()
        plain.append((now() - start) / steps)
    proxy = TimedNumpy(clock)
    time_gemms(proxy)
    instrument(net, clock, proxy)
    opt.step = timed(clock, "optimizer (sgd)", opt.step)
    per_round: dict[str, list[float]] = defaultdict(list)
    totals = []
    for _ in range(rounds):
        clock.clear()
        start = now()
        for _ in range(steps):
            step()
        totals.append((now() - start) / steps)
        for key, seconds in rows(clock).items():
            per_round[key].append(seconds / steps)
    time_gemms(np)
    total = statistics.median(totals)
    print(
        f"\n{w.title}: step {statistics.median(plain) * 1e3:.2f} ms uninstrumented, "
        f"{total * 1e3:.2f} ms instrumented (median of {rounds} rounds of {steps} steps, {threads} BLAS thread(s), "
        f"{'CPU' if now is time.thread_time else 'wall'} time)"
    )
    print("| kernel | ms per step | share |\n|---|---|---|")
    medians = {key: statistics.median(v) for key, v in per_round.items()}
    for key, seconds in medians.items():
        print(f"| {key} | {seconds * 1e3:.3f} | {seconds / total:.1%} |")
    rest = total - sum(medians.values())
    print(f"| Python and the rest | {rest * 1e3:.3f} | {rest / total:.1%} |")


def profile_split(workload: str, rounds: int, steps: int) -> None:
    """Each kernel's CPU time: half the batch alone on one thread, against a worker's half in the 2-slice step."""
    w = WORKLOADS[workload]
    net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    net.set_threads(2)
    x, labels = synthetic_batch(w)
    y = np.eye(w.outputs, dtype=w.dtype)[labels]
    split = StepPlan(2, 1)
    chosen, step_plan.choose = step_plan.choose, lambda seconds: split
    net.loss_and_grads(x, y)  # makes the worker's replica
    step_plan.choose = chosen
    parallel = net._parallel
    assert parallel is not None and parallel.plan(w.batch) == split, "the net takes no split"
    clock = ThreadClocks()
    proxy = TimedNumpy(clock)
    time_gemms(proxy)
    for each in [net, *parallel._replicas]:
        instrument(each, clock, proxy)
        each.shard_loss_and_grads = timed(clock, "whole", each.shard_loss_and_grads)  # type: ignore[method-assign]
    half = w.batch // 2
    ways = {
        "half alone": lambda: net.shard_loss_and_grads(x[:half], y[:half], 0.5),
        "split": lambda: parallel._run(x, y, split),
    }
    cpu: dict[str, dict[str, list[float]]] = {way: defaultdict(list) for way in ways}
    wall: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, step in ways.items():
            step()
            clock.by_thread.clear()
            start = time.perf_counter()
            for _ in range(steps):
                step()
            wall[way].append((time.perf_counter() - start) / steps)
            threads = [rows(c) for c in clock.by_thread.values()]
            for key in threads[0]:
                cpu[way][key].append(statistics.mean(t.get(key, 0.0) for t in threads) / steps)
    time_gemms(np)
    medians = {way: {key: statistics.median(v) for key, v in by_key.items()} for way, by_key in cpu.items()}
    alone, split_half = medians["half alone"], medians["split"]
    print(f"\n{w.title}: CPU ms a half batch, median of {rounds} rounds of {steps} steps")
    a, b = (statistics.median(wall[way]) * 1e3 for way in ways)
    print(f"Wall ms a step: half alone {a:.3f}, the 2-slice step {b:.3f} (both halves at once; {b / a:.2f}x)")
    print("| kernel | half alone | a worker's half in the split | ratio |\n|---|---|---|---|")
    kernels = [key for key in alone if key != "whole"]
    for key in kernels:
        print(f"| {key} | {alone[key] * 1e3:.3f} | {split_half[key] * 1e3:.3f} | {split_half[key] / alone[key]:.2f} |")
    for label, pick in (("kernels", lambda m: sum(m[k] for k in kernels)), ("whole half step", lambda m: m["whole"])):
        a, b = pick(alone), pick(split_half)
        print(f"| {label} | {a * 1e3:.3f} | {b * 1e3:.3f} | {b / a:.2f} |")
    a, b = (m["whole"] - sum(m[k] for k in kernels) for m in (alone, split_half))
    print(f"| Python between kernels | {a * 1e3:.3f} | {b * 1e3:.3f} | {b / a:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "workloads", nargs="*", metavar="WORKLOAD", help=f"from {', '.join(WORKLOADS)} (default: cnn28 cnn32)"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--cpu", action="store_true", help="time CPU seconds of this thread, not wall seconds")
    parser.add_argument("--split", action="store_true", help="CPU per kernel: half the batch alone against 2 slices")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads for the whole step (the 'N BLAS threads' plan)"
    )
    args = parser.parse_args()
    global now
    if args.cpu or args.split:
        now = time.thread_time
    for name in args.workloads:
        if name not in WORKLOADS:
            parser.error(f"unknown workload {name!r}")
    with threadpool_limits(limits=1):
        for name in args.workloads or ["cnn28", "cnn32"]:
            if args.split:
                profile_split(name, args.rounds, args.steps)
            else:
                with blas_threads(args.blas_threads):
                    profile(name, args.rounds, args.steps, args.blas_threads)


if __name__ == "__main__":
    main()
