"""What the app's run pays that headless does not, without the app: a step's cost in each way of driving a Trainer.

For each preset, in alternating rounds, the same preset trained at one thread for the same seconds
(after a second of warm-up) by:

- headless:  `Trainer.step()` in a loop (bench/tui_wire.py's headless baseline);
- thread:    a TrainingThread stepping flat out, no Snapshots (what its driving costs);
- snapshots: a TrainingThread publishing a Snapshot every 0.1 s, each encoded for the pipe into a sink
             (the run's process's work, in this process);
- process:   a RunProcess (the app's run in a forked process) asked for a Snapshot every 0.1 s, each
             Snapshot acknowledged as shown the moment it comes (as the app does once it has drawn it);
- process, busy screen: the same, each Snapshot acknowledged after 25 ms of Python in this process (a frame's
             paint holding the app's interpreter lock while the next Snapshot may be on its way).

It prints CPU and wall microseconds a step and their ratio to headless per way (median of the rounds; CPU: every
thread of the stepping process, the run's process for the last two), then the
time a Snapshot takes to build and to encode, and how many Snapshots a second the process sent.
Not a test; the machine's load shows in the figures:

    python bench/run_cost.py [--presets xor gauss] [--seconds 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's tuinn
from threadpoolctl import threadpool_limits  # noqa: E402

from tuinn.config import load_preset, with_overrides  # noqa: E402
from tuinn.train.pipe import MessageWriter  # noqa: E402
from tuinn.train.run_process import RunProcess  # noqa: E402
from tuinn.train.runner import TrainingThread  # noqa: E402
from tuinn.train.setup import quiet_float_errors  # noqa: E402
from tuinn.train.snapshot import Snapshot  # noqa: E402
from tuinn.train.trainer import Trainer  # noqa: E402

EPOCHS = 100_000_000  # more than any preset gets through while measured
WARM_UP = 1.0  # seconds before counting, as the app and headless baseline get
INTERVAL = 0.1  # seconds between Snapshots, the app's rate
FRAME_CPU = 0.025  # seconds of Python a busy screen spends drawing each Snapshot (the app's frame at 120x40: 10-30 ms)
PRESETS = ("xor", "gauss", "regression", "perceptron-xor", "seed-conv", "spiral", "circle")


def trainer_of(preset: str) -> Trainer:
    """A fresh Trainer on `preset` at one thread that trains on past its target, as the app's does."""
    return Trainer(with_overrides(load_preset(preset), epochs=EPOCHS), stop_at_target=False, threads=1)


@dataclass
class Rate:
    """Steps taken over a stretch of wall time, and the CPU seconds the stepping process used meanwhile."""

    steps: int
    wall: float
    cpu: float


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds used so far by every thread of process `pid` (None: this one, exactly; another: from Linux
    /proc, in clock ticks)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def counted(trainer: Trainer, seconds: float) -> Rate:
    """The steps the trainer makes (stepped by another thread of this process) over `seconds` after the warm-up."""
    time.sleep(WARM_UP)
    start, cpu, steps = time.perf_counter(), cpu_seconds(), trainer.clock.step
    time.sleep(seconds)
    return Rate(trainer.clock.step - steps, time.perf_counter() - start, cpu_seconds() - cpu)


def headless(preset: str, seconds: float) -> Rate:
    """`Trainer.step()` in a loop."""
    trainer = trainer_of(preset)
    with quiet_float_errors(), threadpool_limits(limits=1):
        end = time.perf_counter() + WARM_UP
        while time.perf_counter() < end:
            trainer.step()
        start, cpu, steps = time.perf_counter(), cpu_seconds(), trainer.clock.step
        while time.perf_counter() < start + seconds:
            trainer.step()
    return Rate(trainer.clock.step - steps, time.perf_counter() - start, cpu_seconds() - cpu)


def in_thread(preset: str, seconds: float, snapshots: bool) -> Rate:
    """A TrainingThread flat out: with Snapshots built and encoded every INTERVAL, or none."""
    trainer = trainer_of(preset)
    thread = TrainingThread(trainer, interval=INTERVAL if snapshots else 1e9)
    if snapshots:
        writer = MessageWriter(io.BytesIO())

        def encode(snapshot: Snapshot) -> None:
            writer.out.seek(0)
            writer.send_snapshot(snapshot)

        thread.on_snapshot = encode
    thread.start()
    try:
        return counted(trainer, seconds)
    finally:
        thread.stop(None)


def in_process(preset: str, seconds: float, frame_cpu: float = 0.0) -> tuple[Rate, float]:
    """The run in its own process, Snapshots asked for every INTERVAL; and Snapshots a second received.

    Each Snapshot is acknowledged as shown once a screen thread here has "drawn" it: spent `frame_cpu` seconds in
    Python (holding this process's interpreter lock, as the app's event loop does while it paints a frame).
    """
    process = RunProcess(TrainingThread(trainer_of(preset), interval=INTERVAL))
    got: list[tuple[float, int, float]] = []
    arrived: queue.SimpleQueue[Snapshot | None] = queue.SimpleQueue()

    def screen() -> None:
        while (snapshot := arrived.get()) is not None:
            began = time.thread_time()
            while time.thread_time() - began < frame_cpu:
                pass
            process.shown(snapshot)

    def show(snapshot: Snapshot) -> None:
        got.append((time.perf_counter(), snapshot.step, cpu_seconds(process.pid)))
        arrived.put(snapshot)

    painter = threading.Thread(target=screen, daemon=True)
    painter.start()
    process.publish_every(INTERVAL)
    process.start(show)
    time.sleep(WARM_UP)
    first = len(got)
    time.sleep(seconds)
    process.stop(None)
    arrived.put(None)
    painter.join()
    (t0, s0, c0), (t1, s1, c1) = got[first], got[-2]  # (the last is the run as it ended)
    return Rate(s1 - s0, t1 - t0, c1 - c0), (len(got) - 2 - first) / (t1 - t0)


def snapshot_costs(preset: str, repeats: int = 20) -> tuple[float, float]:
    """Milliseconds to build one Snapshot and to encode it for the pipe (as a change from the one before), median."""
    trainer = trainer_of(preset)
    writer = MessageWriter(io.BytesIO())
    builds, encodes = [], []
    with quiet_float_errors(), threadpool_limits(limits=1):
        for _ in range(repeats):
            for _ in range(50):
                trainer.step()
            began = time.perf_counter()
            snapshot = trainer.snapshot()
            built = time.perf_counter()
            writer.out.seek(0)
            writer.send_snapshot(snapshot)
            builds.append(built - began)
            encodes.append(time.perf_counter() - built)
    return 1e3 * statistics.median(builds), 1e3 * statistics.median(encodes)


def measure(preset: str, seconds: float, rounds: int) -> None:
    """Print one preset's figures."""
    ways: dict[str, Callable[[], Rate]] = {
        "headless": lambda: headless(preset, seconds),
        "thread": lambda: in_thread(preset, seconds, snapshots=False),
        "snapshots": lambda: in_thread(preset, seconds, snapshots=True),
    }
    rates: dict[str, list[Rate]] = {name: [] for name in [*ways, "process", "process, busy screen"]}
    sent: list[float] = []
    for round_ in range(rounds):
        order = list(ways) if round_ % 2 == 0 else list(reversed(ways))
        for name in order:
            rates[name].append(ways[name]())
        rate, per_second = in_process(preset, seconds)
        rates["process"].append(rate)
        sent.append(per_second)
        rates["process, busy screen"].append(in_process(preset, seconds, FRAME_CPU)[0])
    cpu = {name: statistics.median(1e6 * r.cpu / r.steps for r in rs) for name, rs in rates.items()}
    wall = {name: statistics.median(1e6 * r.wall / r.steps for r in rs) for name, rs in rates.items()}
    build, encode = snapshot_costs(preset)
    print(f"{preset}: CPU µs a step (headless/this), wall µs a step (headless/this)", flush=True)
    for name in rates:
        print(
            f"  {name:20s} CPU {cpu[name]:7.1f} ({cpu['headless'] / cpu[name]:.2f})   "
            f"wall {wall[name]:7.1f} ({wall['headless'] / wall[name]:.2f})",
            flush=True,
        )
    print(
        f"  a Snapshot built in {build:.2f} ms, encoded in {encode:.2f} ms; "
        f"the process sent {statistics.median(sent):.1f} a second",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds counted in each run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per preset")
    args = parser.parse_args()
    for preset in args.presets:
        measure(preset, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
