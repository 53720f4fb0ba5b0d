"""How runs end: stop signals (130/143), internal errors (3, one line, a log), divergence (1), a huge budget (0 soon)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tuinn.cli import main
from tuinn.nn.atomic import sweep_stale_temporaries


def start(tmp_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tuinn", *args],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def wait_for_epoch_line(proc: subprocess.Popen) -> None:
    """Read stdout until the first epoch line: training is under way."""
    for line in proc.stdout:
        if line.startswith("Epoch"):
            return
    raise AssertionError(f"no epoch line; stderr: {proc.stderr.read()}")


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_ends_headless_training_like_q(tmp_path, signum, code):
    proc = start(tmp_path, "--preset", "spiral", "--headless", "--epochs", "100000000", "--save", "net.npz")
    wait_for_epoch_line(proc)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert f"Stopped by {signal.Signals(signum).name} after" in out
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert (tmp_path / "net.npz").is_file()  # saved as on q
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # no temporary file left


def test_stale_temporary_files_of_a_killed_save_are_swept_by_the_next(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [tmp_path / f".net.npz.{dead.stdout.strip()}.k3j2h1g0.tmp", tmp_path / ".net.npz.a8f3k2l1.tmp"]
    live = tmp_path / f".net.npz.{os.getppid()}.x1y2z3w4.tmp"  # a process that is running: not ours to remove
    other = tmp_path / ".other.npz.123.aaaaaaaa.tmp"
    for path in (*stale, live, other):
        path.write_bytes(b"half a file")
    r = subprocess.run(
        [sys.executable, "-m", "tuinn", "--preset", "xor", "--headless", "--save", "net.npz"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "net.npz"])
    assert sweep_stale_temporaries(tmp_path / "net.npz") == []


def run_in_process(*args: str):
    return CliRunner().invoke(main, list(args))


def test_an_internal_error_headless_is_one_line_exit_3_and_a_log(monkeypatch):
    def bug(*args, **kwargs):
        raise RuntimeError("a bug slipped through")

    monkeypatch.setattr("tuinn.train.runner._train", bug)
    r = run_in_process("--preset", "xor", "--headless")
    assert r.exit_code == 3, r.output
    (line,) = r.stderr.strip().splitlines()
    found = re.fullmatch(
        r"tuinn: internal error: RuntimeError: a bug slipped through "
        r"\(the traceback is in (.+\.log); --debug prints it\)",
        line,
    )
    assert found, line
    log = found.group(1)
    try:
        text = open(log, encoding="utf-8").read()
        assert "Traceback (most recent call last)" in text and "a bug slipped through" in text
    finally:
        os.unlink(log)
    r = run_in_process("--debug", "--preset", "xor", "--headless")
    assert r.exit_code == 3 and "Traceback (most recent call last)" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("tuinn: internal error: RuntimeError")


def test_help_lists_the_exit_codes():
    r = run_in_process("--help")
    for code in ("0 ", "1 ", "2 ", "3 ", "130", "143"):
        assert f"\n    {code}" in r.output, code


def test_xor_at_lr_1000_exits_1_saying_it_diverged(tuinn):
    r = tuinn("--preset", "xor", "--headless", "--lr", "1e3")
    assert r.code == 1, r.out + r.err
    assert "Diverged: training stopped at step" in r.out and "the learning rate 1000 is too high" in r.out


def test_a_huge_epoch_budget_stops_soon_after_the_target(tuinn):
    began = time.monotonic()
    r = tuinn("--preset", "gauss", "--headless", "--epochs", "1000000000", timeout=60)
    assert r.code == 0 and "Target met" in r.out, r.out + r.err
    assert time.monotonic() - began < 30  # (it took ~2 s here; seconds, not the minutes of before)


def test_an_error_naming_a_path_with_a_line_break_stays_on_one_line():
    r = run_in_process("--config", "a\nb\x85c.toml", "--headless")
    assert r.exit_code == 2
    assert r.stderr.splitlines() == ["tuinn: error: a\\nb\\x85c.toml: cannot read: No such file or directory"]
