"""Where one training step's time goes, kernel by kernel: python bench/profile_step.py [WORKLOAD ...].

Runs the benchmark's step on one thread (BLAS at one thread too) and times, per layer,
the linear part of the forward and backward, the activation and its derivative, pooling,
the loss and the optimizer; inside a convolution, the matrix products (every `np.matmul`
of tuinn.nn.im2col, timed through a wrapper) apart from the rest, which is im2col
(padding and column copies) forward and col2im (the shifted adds) backward. Prints the
median milliseconds per step of each over several rounds and its share of the timed step.
Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
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
from tuinn.nn import Network, make_optimizer  # noqa: E402
from tuinn.nn.layers import ActivatedLayer  # noqa: E402

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


class TimedNumpy:
    """numpy, with `matmul` timed into clock['<current conv> GEMM'] (for tuinn.nn.im2col)."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.label = clock, "GEMM"

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
                if layer.kind == "conv2d":
                    inner = with_label(numpy_proxy, f"{name} {part.split('_')[1]} GEMM", inner)
                setattr(layer, part, inner)
            act = layer._act
            layer._act = dataclasses.replace(
                act, fn=timed(clock, f"{name} {act.name}", act.fn), grad=timed(clock, f"{name} {act.name}'", act.grad)
            )
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


def rows(clock: Clock) -> dict[str, float]:
    """Kernels from the raw clock: a conv's '(all)' minus its GEMMs is im2col / col2im."""
    out = {}
    for key, seconds in clock.items():
        if key.endswith("(all)"):
            base = key.removesuffix(" (all)")
            gemm = clock.get(f"{base} GEMM", 0.0)
            if gemm:
                rest = "im2col" if base.endswith("forward") else "col2im, dW/db copy"
                out[f"{base.rsplit(' ', 1)[0]} {rest}"] = seconds - gemm
            else:
                out[base] = seconds
        else:
            out[key] = seconds
    return out


def profile(workload: str, rounds: int, steps: int) -> None:
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
    im2col.np = proxy
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
    im2col.np = np
    total = statistics.median(totals)
    print(
        f"\n{w.title}: step {statistics.median(plain) * 1e3:.2f} ms uninstrumented, "
        f"{total * 1e3:.2f} ms instrumented (median of {rounds} rounds of {steps} steps, 1 thread, "
        f"{'CPU' if now is time.thread_time else 'wall'} time)"
    )
    print("| kernel | ms per step | share |\n|---|---|---|")
    medians = {key: statistics.median(v) for key, v in per_round.items()}
    for key, seconds in medians.items():
        print(f"| {key} | {seconds * 1e3:.3f} | {seconds / total:.1%} |")
    rest = total - sum(medians.values())
    print(f"| Python and the rest | {rest * 1e3:.3f} | {rest / total:.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "workloads", nargs="*", metavar="WORKLOAD", help=f"from {', '.join(WORKLOADS)} (default: cnn28 cnn32)"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--cpu", action="store_true", help="time CPU seconds of this thread, not wall seconds")
    args = parser.parse_args()
    global now
    if args.cpu:
        now = time.thread_time
    for name in args.workloads:
        if name not in WORKLOADS:
            parser.error(f"unknown workload {name!r}")
    with threadpool_limits(limits=1):
        for name in args.workloads or ["cnn28", "cnn32"]:
            profile(name, args.rounds, args.steps)


if __name__ == "__main__":
    main()
