"""mnist-cnn and fashion-cnn on MNIST-format IDX files written by the test (from the bundled digits)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def tuinn(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuinn", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("preset", ["mnist-cnn", "fashion-cnn"])
def test_idx_folder_trains_the_cnn(mnist_folder, tmp_path, preset):
    r = tuinn("--preset", preset, "--headless", "--json", "--data", str(mnist_folder), "--epochs", "2", cwd=tmp_path)
    assert "Traceback" not in r.stderr
    end = json.loads(r.stdout.splitlines()[-1])
    assert end["type"] == "end" and end["epoch"] == 2
    assert end["val_metric"] > 0.75, end  # chance is 0.1


def test_summary_with_data_shows_28x28(mnist_folder, tmp_path):
    r = tuinn("--preset", "mnist-cnn", "--summary", "--data", str(mnist_folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "28×28×8" in r.stdout and "6,272" in r.stdout and "4,923,520" in r.stdout


def test_corrupt_idx_folder_exits_2(mnist_folder, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in mnist_folder.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    raw = (broken / "t10k-images-idx3-ubyte").read_bytes()
    (broken / "t10k-images-idx3-ubyte").write_bytes(raw[: len(raw) // 2])  # truncated
    r = tuinn("--preset", "mnist-cnn", "--headless", "--data", str(broken), cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "t10k-images-idx3-ubyte" in r.stderr and "truncated" in r.stderr
