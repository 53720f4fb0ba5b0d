"""A/B: the Trainer's step cost with and without the layer-health numbers.

    python bench/health_ab.py OLD_SOURCE_DIR [--rounds 7] [--presets xor spiral digits-cnn]
    python bench/health_ab.py --in-process [--rounds 41] [--presets ...]

Old and new code in alternating processes; or, robust to a busy machine, one process that alternates short
blocks of steps with the health parts switched off and on (the tally of the evaluation batch, what the
optimizer notes of its update, the ratios a Snapshot reads; both sides patched alike: on patches each part
with itself), off first in odd rounds and on first in even ones, each block holding whole periods of the
evaluations and Snapshots, timed by the CPU time of its thread (steps run on this one thread: BLAS is held to
one; a busy machine's waits are left out), and prints the median of the blocks' ratios.

OLD_SOURCE_DIR holds the tuinn package before the change (e.g. `git archive <commit> | tar -x -C DIR`).
Each round runs one process on the old code and one on this checkout, alternating which goes first, and
each process times `Trainer.step()` as the headless run drives it: every step, evaluations where the
Trainer makes them, a Snapshot (detail=False) at each epoch the headless reporter prints (about 20 a run). It prints µs per step of every run
and the medians' ratio. The machine may be shared: take the medians, and repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
#: steps timed per process: about two seconds on an idle core
STEPS = {"xor": 40_000, "spiral": 6_000, "digits-cnn": 400}

CHILD = """
import json, math, sys, time
from threadpoolctl import threadpool_limits
from tuinn.config import load_preset
from tuinn.train.setup import quiet_float_errors
from tuinn.train.trainer import Trainer

preset, steps = sys.argv[1], int(sys.argv[2])
config = load_preset(preset)
trainer = Trainer(config, stop_at_target=False)
with threadpool_limits(limits=1), quiet_float_errors():
    trainer.clock.budget = 10**9  # train on past the preset's epochs
    for _ in range(min(200, steps // 10)):  # warm up
        trainer.step()
    every = max(1, math.ceil(config.train.epochs / 20))  # the epochs the headless reporter prints
    epoch, start = trainer.epoch, time.perf_counter()
    for _ in range(steps):
        trainer.step()
        if trainer.epoch != epoch:
            epoch = trainer.epoch
            if epoch % every == 0:
                trainer.snapshot(detail=False)
    elapsed = time.perf_counter() - start
print(json.dumps({"us_per_step": 1e6 * elapsed / steps}))
"""


def run(source: Path, preset: str, steps: int) -> float:
    """µs per step of one process importing tuinn from `source`."""
    env = dict(os.environ, PYTHONPATH=str(source), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, preset, str(steps)],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["us_per_step"])


def in_process(preset: str, rounds: int) -> None:
    """Blocks of steps with the health parts off, then on, `rounds` times; the median of on/off."""
    import math
    import time
    from contextlib import ExitStack
    from unittest import mock

    from threadpoolctl import threadpool_limits

    from tuinn.config import load_preset
    from tuinn.nn.optimizers import Optimizer
    from tuinn.train import evaluation, views
    from tuinn.train.setup import quiet_float_errors
    from tuinn.train.trainer import Trainer

    class NoTally:
        def add(self, network: object) -> None:
            pass

        def result(self) -> dict[str, object]:
            return {}

    def bare_subtract(self: Optimizer, name: str, p: object, update: object, then: object = None) -> None:
        p -= update  # type: ignore[operator]
        if then is not None:
            p -= then  # type: ignore[operator]

    config = load_preset(preset)
    trainer = Trainer(config, stop_at_target=False)
    every = max(1, -(-config.train.epochs // 20))
    # every block holds as many evaluations and as many Snapshots: whole periods of both
    unit = trainer.clock.steps_per_epoch * math.lcm(trainer.eval_every, every)
    block = max(1, round(STEPS[preset] / 20 / unit)) * unit

    def run_block() -> float:
        epoch, start = trainer.epoch, time.thread_time()
        for _ in range(block):
            trainer.step()
            if trainer.epoch != epoch:
                epoch = trainer.epoch
                if epoch % every == 0:
                    trainer.snapshot(detail=False)
        return (time.thread_time() - start) / block

    # the health parts, each with what stands in for it when off; the on side patches each with itself, so
    # both sides run through the same patching (patched code measured up to ~1% faster than unpatched)
    parts = (
        (evaluation, "ActivityTally", NoTally),
        (Optimizer, "_subtract", bare_subtract),
        (Optimizer, "_subtract_from_state", bare_subtract),
        (views, "update_ratios", lambda net, opt: {}),
    )

    def run_with(health: bool) -> float:
        with ExitStack() as patched:
            for owner, name, off in parts:
                patched.enter_context(mock.patch.object(owner, name, getattr(owner, name) if health else off))
            return run_block()

    ratios, off_times, on_times = [], [], []
    with threadpool_limits(limits=1), quiet_float_errors():
        trainer.clock.budget = 10**9
        run_block()  # warm up (and end on an evaluation, so every block holds the same evaluations)
        for r in range(rounds):
            if r % 2:
                off_times.append(run_with(health=False))
                on_times.append(run_with(health=True))
            else:
                on_times.append(run_with(health=True))
                off_times.append(run_with(health=False))
            ratios.append(on_times[-1] / off_times[-1])
    print(
        f"{preset:12s} in one process, {rounds} blocks of {block} steps each way: off {1e6 * statistics.median(off_times):9.1f}"
        f" µs/step  on {1e6 * statistics.median(on_times):9.1f} µs/step  median on/off {statistics.median(ratios):.3f}"
        f"  (quartiles {statistics.quantiles(ratios, n=4)[0]:.3f} … {statistics.quantiles(ratios, n=4)[2]:.3f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, nargs="?", help="a directory holding the tuinn package before the change")
    parser.add_argument("--in-process", action="store_true", help="switch the health parts off and on in one process")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--presets", nargs="+", default=list(STEPS))
    args = parser.parse_args()
    if args.in_process:
        for preset in args.presets:
            in_process(preset, args.rounds)
        return
    if args.old is None:
        parser.error("give OLD_SOURCE_DIR, or --in-process")
    for preset in args.presets:
        times: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            for side in order:
                times[side].append(run(args.old if side == "old" else HERE, preset, STEPS[preset]))
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        print(
            f"{preset:12s} old {old:9.1f} µs/step  new {new:9.1f} µs/step  new/old {new / old:.3f}   "
            f"old runs {[round(t, 1) for t in times['old']]}  new runs {[round(t, 1) for t in times['new']]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
