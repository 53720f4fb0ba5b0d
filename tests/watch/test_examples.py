"""The examples as a user runs them, in their own processes: the digits CNN, the same under torch.distributed, kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the examples need the torch extra: pip install 'tuinn[torch]'")

from tuinn.train.recorder import Recording  # noqa: E402

EXAMPLES = Path(__file__).parents[2] / "examples"
LAYERS = ("0", "3", "7", "9")


def run(script: str, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(EXAMPLES / script), "--out", str(tmp_path / "run.tuinn"), *flags]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done


def assert_norms_match(tmp_path: Path) -> Recording:
    """Every frame's gradient norms equal the loop's own p.grad.norm() at that step, to 1e-6."""
    loop = [json.loads(line) for line in (tmp_path / "norms.jsonl").read_text().splitlines()]
    recording = Recording(tmp_path / "run.tuinn")
    assert len(recording) >= 2
    for i in range(len(recording)):
        frame = recording[i]
        assert [s.name for s in frame.layer_stats] == list(LAYERS)
        for stats in frame.layer_stats:
            assert abs(stats.grad_norm - loop[frame.step - 1][stats.name]) <= 1e-6, (frame.step, stats.name)
    return recording


def test_the_digits_example_streams_the_loops_own_gradients(tmp_path) -> None:
    done = run("torch_digits.py", tmp_path, "--epochs", "2", "--every", "10", "--norms", str(tmp_path / "norms.jsonl"))
    assert "epoch 2: val accuracy" in done.stdout
    recording = assert_norms_match(tmp_path)
    last = recording[len(recording) - 1]
    assert last.finished and last.step == 90 and last.val_metric is not None
    assert [r.type for r in last.summary][:3] == ["Conv2D(8, 3×3)", "Activation(relu)", "MaxPool2D(2×2)"]


def test_two_processes_make_one_stream_from_rank_0(tmp_path) -> None:
    done = run(
        "torch_digits_ddp.py", tmp_path, "--epochs", "2", "--every", "10", "--norms", str(tmp_path / "norms.jsonl")
    )
    assert done.stdout.count("epoch 2: val accuracy") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["norms.jsonl", "run.tuinn"]  # read-only: no control file
    recording = assert_norms_match(tmp_path)
    steps = [recording[i].step for i in range(len(recording))]
    assert steps == sorted(set(steps)) and steps[-1] == 90  # one writer: 718 samples / 16 a step on rank 0, twice


def test_a_loop_killed_mid_write_leaves_a_stream_replay_reads(tmp_path) -> None:
    # (a budget far longer than the test waits: the loop is killed while it trains, whatever the machine's speed)
    command = [
        sys.executable,
        str(EXAMPLES / "torch_digits.py"),
        "--out",
        str(tmp_path / "run.tuinn"),
        "--every",
        "1",
        "--epochs",
        "1000",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            path = tmp_path / "run.tuinn"
            if path.exists() and path.read_bytes().count(b"\n") > 4:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    recording = Recording(tmp_path / "run.tuinn")
    assert len(recording) >= 4 and not recording[len(recording) - 1].finished
    from tuinn.train.stream import Stream

    stream = Stream(tmp_path / "run.tuinn")
    stream.poll()
    assert len(stream) == len(recording)
