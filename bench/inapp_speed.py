"""In-app training speed against headless at one thread, for every preset the app opens: the ratio of samples/s.

Each round runs the preset headless (a Trainer stepping in its own process) and in the app
(`tuinn --preset NAME --threads 1` on a real pty, 120x40 unless told, `s` pressed to lift the
watching pace, its status panel's samples/s read), for the same seconds after a second of
warm-up, in alternating order; the ratio is in-app / headless per round, and their median.
Alternation keeps a busy machine's swings out of the ratio as far as it can. Each round also
says what share of a core the app's event loop (its main thread: frames, keys) used while
training: the app's run trains in a process of its own, so on a machine with a core to spare
that share is the screen's, not training's. Not a test:

    python bench/inapp_speed.py [--presets xor spiral] [--seconds 5] [--rounds 3] [--size 120x40] [--tree DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: the pty driver of tui_wire.py
from tui_wire import SIZE, app_env, headless_rate, start_training  # noqa: E402

from tuinn.config import load_preset  # noqa: E402
from tuinn.config.run_config import preset_names  # noqa: E402

THREADS = 1  # the training threads of both, as the app has on a 2-core machine


def main_thread_cpu(pid: int) -> float:
    """CPU seconds the main thread of process `pid` has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def in_app_rate(
    tuinn: str, preset: str, seconds: float, env: dict[str, str], size: tuple[int, int]
) -> tuple[float, float, float]:
    """The median samples/s the app's status panel shows over `seconds` of training flat out (NaN: none shown),
    the share of a core its event loop used meanwhile, and its frames a second."""
    app = start_training(tuinn, preset, env, size, ["--threads", str(THREADS)])
    try:
        mark, cpu, wall = len(app.chunks), main_thread_cpu(app.pid), time.monotonic()
        frames = app.rate(seconds)[2]
        share = (main_thread_cpu(app.pid) - cpu) / (time.monotonic() - wall)
        return statistics.median(app.shown_samples_per_sec(mark) or [float("nan")]), share, frames
    finally:
        app.quit()


def compare(tuinn: str, preset: str, seconds: float, rounds: int, env: dict[str, str], size: tuple[int, int]) -> float:
    """Print the preset's name, then each round's in-app and headless samples/s and their ratio, then their median;
    returns the median ratio."""
    print(f"{preset}: {rounds} rounds of {seconds:g} s at {size[0]}x{size[1]}", flush=True)
    ratios = []
    for round_ in range(rounds):
        if round_ % 2 == 0:
            app, screen, fps = in_app_rate(tuinn, preset, seconds, env, size)
            alone = headless_rate(preset, seconds, env, THREADS)
        else:
            alone = headless_rate(preset, seconds, env, THREADS)
            app, screen, fps = in_app_rate(tuinn, preset, seconds, env, size)
        ratios.append(app / alone)
        print(
            f"  round {round_ + 1}: in the app {app:,.0f} samples/s, headless {alone:,.0f} (ratio {ratios[-1]:.2f}); "
            f"the app's event loop used {screen:.0%} of a core at {fps:.1f} frames/s "
            f"({1e3 * screen / max(fps, 1e-9):.0f} ms of CPU a frame)",
            flush=True,
        )
    median = statistics.median(ratios)
    print(f"  {preset}: in-app / headless at {THREADS} thread, median of {rounds}: {median:.2f}", flush=True)
    return median


def main() -> None:
    """Compare each preset in turn; a summary line at the end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", help="presets to compare (default: every one that needs no data files)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of training measured in each run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per preset")
    parser.add_argument("--size", default=f"{SIZE[0]}x{SIZE[1]}", help="the app's terminal size, COLSxROWS")
    parser.add_argument("--tree", help="run the tuinn package of this source tree (e.g. an earlier commit's)")
    args = parser.parse_args()
    columns, rows = (int(v) for v in args.size.split("x"))
    tuinn, env = app_env(args.tree)
    presets = args.presets or [name for name in preset_names() if not load_preset(name).needs_data]
    ratios = {name: compare(tuinn, name, args.seconds, args.rounds, env, (columns, rows)) for name in presets}
    print("summary: " + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items()))


if __name__ == "__main__":
    main()
