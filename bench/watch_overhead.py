"""What tuinn.watch costs a PyTorch loop: the digits CNN with and without watch, one thread, alternating processes.

    python bench/watch_overhead.py --rounds 5 --seconds 10

Each round runs the loop of examples/torch_digits.py in two fresh processes, one plain and one watched at the
default interval (tuinn.watch.DEFAULT_EVERY), one after the other (which goes first alternates); each trains
for about `--seconds` after a warm-up and reports its steps per second. Prints the ratio of the medians
(watched time per step / plain) and the stream's size per hour of training at that pace. A figure, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WARMUP_STEPS = 50


def child(watched: bool, seconds: float, out: Path) -> None:
    """Train the digits CNN for `seconds` (after a warm-up); print steps/s and the stream's bytes as JSON."""
    import torch

    sys.path.insert(0, str(EXAMPLES))
    from torch_digits import digits, model, train_step

    import tuinn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = digits()
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    class Unwatched:
        def step(self, **_: object) -> None:
            pass

    w = tuinn.watch(net, out, sample=x[1437:1445], targets=y[1437:1445], optimizer=opt) if watched else Unwatched()
    steps, started, epoch = 0, None, 0
    while True:
        for batch in torch.randperm(1437).split(32):
            train_step(net, opt, w, x[batch], y[batch], epoch)
            steps += 1
            if steps == WARMUP_STEPS:
                started, counted = time.perf_counter(), steps
            if started is not None and time.perf_counter() - started >= seconds:
                rate = (steps - counted) / (time.perf_counter() - started)
                frames = w.recorder.frames if watched else 0
                size = out.stat().st_size if watched else 0
                print(json.dumps({"steps_per_s": rate, "bytes": size, "steps": steps, "frames": frames}))
                return
        epoch += 1


def run(watched: bool, seconds: float, folder: Path) -> dict[str, float]:
    """One child process; its steps per second, steps and stream bytes."""
    kind = "watched" if watched else "plain"
    command = [sys.executable, __file__, "--child", kind, "--seconds", str(seconds), "--out", str(folder / kind)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--child", choices=("plain", "watched"))
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        child(args.child == "watched", args.seconds, Path(args.out))
        return
    plain, watched, sizes = [], [], []  # sizes: bytes per frame
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            for is_watched in order:
                result = run(is_watched, args.seconds, Path(folder))
                (watched if is_watched else plain).append(result["steps_per_s"])
                if is_watched:
                    sizes.append(result["bytes"] / max(1, result["frames"]))
            print(f"round {r + 1}: plain {plain[-1]:.0f} steps/s, watched {watched[-1]:.0f} steps/s", flush=True)
    p, w = statistics.median(plain), statistics.median(watched)
    per_frame = statistics.median(sizes)
    frames = frames_per_hour(tuinn_every(), w)
    print(f"watched / plain time per step: {p / w:.3f} ({(p / w - 1) * 100:+.1f}%), median of {args.rounds} rounds")
    print(
        f"stream: {per_frame:,.0f} bytes per frame; at {w:.0f} steps/s an hour holds {frames:,} frames, "
        f"about {per_frame * frames / 1e6:,.1f} MB"
    )


def tuinn_every() -> int:
    from tuinn.watch import DEFAULT_EVERY

    return DEFAULT_EVERY


def frames_per_hour(every: int, steps_per_s: float) -> int:
    """Frames a watched loop writes in an hour: every `every` steps, no faster than the recorder's pace."""
    from tuinn.train.recorder import FIRST_INTERVAL, FRAMES_PER_LEVEL

    t, frames = 0.0, 0
    while t < 3600:
        t += max(FIRST_INTERVAL * 2 ** (frames // FRAMES_PER_LEVEL), every / steps_per_s)
        frames += 1
    return frames


if __name__ == "__main__":
    main()
