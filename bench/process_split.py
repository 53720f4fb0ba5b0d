"""A 2-slice step with its second slice in a forked process, not a thread: python bench/process_split.py [WORKLOAD ...].

A probe of a design, not the engine's code. The network's parameters live in a shared
memory mapping that a worker process, forked once, reads through its own layers; each step
the parent copies the worker's slice of the batch into shared memory, wakes the worker by a
pipe, steps its own slice meanwhile, waits for the worker's gradients (copied into shared
memory) and adds them to its own, in slice order as the thread split does: the gradients
equal the thread split's bit for bit (checked). Two interpreters, so no slice waits for the
other's interpreter lock (GIL); a step costs two wake-ups (go, done), not one per NumPy call
that finds the lock taken.

Times, in interleaved rounds: the whole step on one thread, the engine's 2-slice step
(threads), and the same two slices in two processes; wall and CPU time (the parent's and
the worker's, read from /proc) and the parent's voluntary context switches a step. Not a test.
"""

from __future__ import annotations

import argparse
import mmap
import os
import resource
import statistics
import struct
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


def shared(like: np.ndarray) -> np.ndarray:
    """A zeroed array shaped as `like` in an anonymous shared mapping (seen by processes forked after)."""
    buffer = mmap.mmap(-1, max(1, like.nbytes))
    return np.frombuffer(buffer, dtype=like.dtype, count=like.size).reshape(like.shape)


def share_parameters(net: Network) -> None:
    """Move `net`'s parameters into shared memory: its flat buffer and every layer's views."""
    flat = shared(net.flat_params)
    flat[...] = net.flat_params
    for name, view in net.views_of(flat).items():
        layer_name, key = name.rsplit(".", 1)
        layer = next(layer for layer in net.layers if layer.name == layer_name)
        layer.parameters[key] = view
        net.params[name] = view
    net.flat_params = flat


class ProcessSplit:
    """The step on two slices: the first in this process, the second in a forked worker."""

    def __init__(self, net: Network, x: np.ndarray, y: np.ndarray) -> None:
        self.net, self.half = net, len(x) // 2
        self.x, self.y = shared(x[self.half :]), shared(y[self.half :])
        self.grads = shared(net.flat_grads)
        self.worker = net.replica()  # its own layers and buffers on the shared parameters
        go_read, self.go = os.pipe()
        self.done, done_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: step the second slice whenever told, until the pipe closes
            os.close(self.go)
            os.close(self.done)
            while os.read(go_read, 1):
                loss = self.worker.shard_loss_and_grads(self.x, self.y, 0.5)
                self.grads[...] = self.worker.flat_grads
                os.write(done_write, struct.pack("d", loss))
            os._exit(0)
        os.close(go_read)
        os.close(done_write)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """The batch's loss; the network's gradients, summed in slice order."""
        self.x[...] = x[self.half :]
        self.y[...] = y[self.half :]
        os.write(self.go, b"g")
        loss = self.net.shard_loss_and_grads(x[: self.half], y[: self.half], 0.5)
        (other,) = struct.unpack("d", os.read(self.done, 8))
        self.net.flat_grads += self.grads
        return loss + other

    def worker_cpu(self) -> float:
        """The worker's CPU seconds so far (user + system, from /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        os.close(self.go)
        os.waitpid(self.pid, 0)


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
    threads = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    threads.set_threads(2)
    parallel = threads._parallel
    assert parallel is not None
    split = StepPlan(2, 1)
    procs_net = Network.from_spec(w.spec, w.input_shape, seed=0, dtype=w.dtype)
    share_parameters(procs_net)
    procs = ProcessSplit(procs_net, x, y)
    try:
        parallel._run(x, y, split)
        procs.step(x, y)
        same = procs_net.flat_grads.tobytes() == threads.flat_grads.tobytes()
        ways: dict[str, tuple[Callable[[], Any], Callable[[], float]]] = {
            "1 thread, whole batch": (lambda: one.shard_loss_and_grads(x, y), lambda: 0.0),
            "2 slices, threads (the engine)": (lambda: parallel._run(x, y, split), lambda: 0.0),
            "2 slices, processes": (lambda: procs.step(x, y), procs.worker_cpu),
        }
        results: dict[str, list[tuple[float, float, float]]] = {way: [] for way in ways}
        for _ in range(rounds):
            for way, (fn, extra) in ways.items():
                results[way].append(timed(fn, extra))
    finally:
        procs.close()
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
