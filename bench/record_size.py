"""Bytes per frame of a recording (--record), per preset, at the app's pace; and what an hour would take.

For each preset: time the Trainer for a second to learn its steps per second here (or
take the speed limit the app starts it at, when lower), then record FRAMES frames with
the steps the app would train between two of its first frames (FIRST_INTERVAL seconds), and print the first frame's size, the mean of the others, the
largest fields, and an hour: the app records at most 2 frames a second, halving every
128 frames, which is about 740 frames in an hour (counted by `hour_frames`). These are
figures, not a test: nothing here fails.

    python bench/record_size.py xor spiral digits-cnn deep-sigmoid
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from tuinn.config import RunConfig, load_preset
from tuinn.train.recorder import FIRST_INTERVAL, FRAMES_PER_LEVEL, Recorder
from tuinn.train.runner import watchable_speed
from tuinn.train.trainer import Trainer

HOUR = 3600.0


def hour_frames() -> int:
    """Frames the app records in an hour of a changing run: levels of FRAMES_PER_LEVEL at FIRST_INTERVAL, 2×, 4×, ..."""
    frames, elapsed, interval = 0, 0.0, FIRST_INTERVAL
    while elapsed + interval <= HOUR:
        elapsed += interval
        frames += 1
        if frames % FRAMES_PER_LEVEL == 0:
            interval *= 2
    return frames


def endless(preset: str) -> RunConfig:
    """`preset`'s settings with a budget of epochs no run here reaches."""
    config = load_preset(preset)
    return dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=10**8))


def steps_per_second(preset: str) -> float:
    """The Trainer's speed on `preset` here, over about a second (after a short warm-up)."""
    trainer = Trainer(endless(preset), stop_at_target=False)
    for _ in range(5):
        trainer.step()
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < 1.0:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def measure(preset: str, frames: int, folder: Path) -> None:
    """Record `frames` frames of `preset` at the app's pace and print their sizes."""
    # the app cruises at this speed limit once it lifts the watching pace
    limit = watchable_speed(Trainer(load_preset(preset)))
    per_frame = max(1, round(min(steps_per_second(preset), limit or float("inf")) * FIRST_INTERVAL))
    trainer = Trainer(endless(preset), stop_at_target=False)
    path = folder / f"{preset}.rec"
    recorder = Recorder(path)
    for _ in range(frames):
        recorder.write(trainer.snapshot())
        for _ in range(per_frame):
            trainer.step()
        trainer.evaluate()
    recorder.close()
    lines = path.read_text().splitlines()[1:]
    sizes = [len(line) + 1 for line in lines]
    later = sizes[1:]
    mean = sum(later) / len(later)
    fields: collections.Counter[str] = collections.Counter()
    for line in lines[1:]:
        for key, value in json.loads(line).items():
            fields[key] += len(json.dumps(value, separators=(",", ":")))
    hour = sizes[0] + mean * (hour_frames() - 1)
    top = ", ".join(f"{k} {v / len(later):,.0f}" for k, v in fields.most_common(4))
    print(
        f"{preset:14} {per_frame:6} steps/frame  first {sizes[0]:8,} B  then {mean:8,.0f} B/frame  "
        f"hour ~{hour / 1e6:5.1f} MB   ({top})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="*", default=["xor", "spiral", "digits-cnn", "deep-sigmoid"])
    parser.add_argument("--frames", type=int, default=40, help="frames recorded per preset")
    args = parser.parse_args()
    print(f"an hour of the app: {hour_frames()} frames")
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory() as folder:
        for preset in args.presets:
            measure(preset, args.frames, Path(folder))


if __name__ == "__main__":
    main()
