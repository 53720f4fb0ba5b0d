"""A/B: the Trainer's step cost with and without the layer-health numbers, old and new code in alternating processes.

    python bench/health_ab.py OLD_SOURCE_DIR [--rounds 7] [--presets xor spiral digits-cnn]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="a directory holding the tuinn package before the change")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--presets", nargs="+", default=list(STEPS))
    args = parser.parse_args()
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
