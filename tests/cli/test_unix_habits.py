"""The command behaves as Unix tools do: a closed pipe ends it quietly, the app wants a terminal, signals end it cleanly."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from tuinn.cli.errors import BadInput
from tuinn.cli.terminal import WEB_DRIVER_VARIABLE, require_terminal

TUINN = [sys.executable, "-m", "tuinn"]


def internal_error_logs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "tuinn-internal-error-*.log")))


@pytest.mark.parametrize("mode", [[], ["--json"]])
def test_output_into_a_closed_pipe_ends_quietly(tmp_path, mode):
    logs = internal_error_logs()
    proc = subprocess.Popen(
        [*TUINN, "--preset", "spiral", "--headless", *mode],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # as `| head -1` does: one line, then the pipe closes
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 141)
    assert err == ""
    assert internal_error_logs() == logs


@pytest.mark.parametrize(
    "args, stdout_to_file, hint",
    [
        (["--preset", "xor"], True, "use --headless"),
        (["--preset", "xor"], False, "use --headless"),  # stdin not a terminal (stdout is a pipe too)
        (["tour"], True, "tuinn tour --headless"),
    ],
)
def test_the_app_refuses_a_stdout_or_stdin_that_is_not_a_terminal(tmp_path, args, stdout_to_file, hint):
    out = tmp_path / "out.txt"
    began = time.monotonic()
    with open(out, "w") as f:
        r = subprocess.run(
            [*TUINN, *args],
            cwd=tmp_path,
            stdout=f if stdout_to_file else subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    assert r.returncode == 2
    assert time.monotonic() - began < 10  # (0.3 s here: it refuses before building anything)
    (line,) = r.stderr.splitlines()
    assert line.startswith("tuinn: error: the app needs a terminal") and hint in line, line
    assert out.read_text() == ""  # no escape sequences written


def test_replay_refuses_a_stdout_that_is_not_a_terminal(tmp_path):
    subprocess.run(
        [*TUINN, "--preset", "xor", "--headless", "--epochs", "3", "--record", "run.rec"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )  # (exit 1: three epochs miss xor's target)
    assert (tmp_path / "run.rec").is_file()
    r = subprocess.run(
        [*TUINN, "replay", "run.rec"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("tuinn: error: the app needs a terminal") and len(r.stderr.splitlines()) == 1


def test_the_web_driver_of_tuinn_serve_needs_no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdout", open(os.devnull, "w"))
    monkeypatch.delenv(WEB_DRIVER_VARIABLE, raising=False)
    with pytest.raises(BadInput):
        require_terminal("use --headless")
    monkeypatch.setenv(WEB_DRIVER_VARIABLE, "textual.drivers.web_driver:WebDriver")
    require_terminal("use --headless")  # textual-serve's pipes carry the app to a browser


SHORT_SAVED_RUN = ["--preset", "spiral", "--headless", "--epochs", "300", "--save", "net.npz"]


def start_run(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*TUINN, *SHORT_SAVED_RUN],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


VERDICT = ("Target met", "Target missed")


def read_until(proc: subprocess.Popen[str], start: str | tuple[str, ...]) -> None:
    """Read stdout up to and including the first line that starts with `start`."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(start):
            return
    raise AssertionError(f"no line starting {start!r}")


def run_timeline(folder: Path) -> tuple[float, float]:
    """Seconds from the first line of output to the verdict (training), and from the verdict to the end (save, exit)."""
    proc = start_run(folder)
    read_until(proc, "tuinn")
    began = time.monotonic()
    read_until(proc, VERDICT)
    verdict = time.monotonic()
    proc.communicate(timeout=120)
    assert proc.returncode in (0, 1)
    return verdict - began, time.monotonic() - verdict


def alive(pid: int) -> bool:
    """Whether the process still runs (not a zombie waiting to be reaped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_sigint_at_any_moment_of_a_saved_run_exits_130_cleanly(tmp_path):
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    training, ending = run_timeline(calibration)
    # 10 moments spread over the training, 12 over its end: the verdict, the save, the exit, just after
    moments = [("tuinn", training * i / 10) for i in range(10)] + [(VERDICT, ending * i / 10) for i in range(12)]
    outcomes: list[tuple[str | tuple[str, ...], float, bool, int]] = []
    for n, (after, delay) in enumerate(moments):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        proc = start_run(folder)
        read_until(proc, after)  # (from the first line on, our handler is in place)
        time.sleep(delay)
        delivered = alive(proc.pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        outcomes.append((after, round(delay, 4), delivered, proc.returncode))
        assert "Traceback" not in err and "Exception ignored" not in err, (after, delay, err)
        finished = out.rstrip().endswith("--resume net.npz)")  # it had written its last line
        if delivered and not finished:
            assert proc.returncode == 130, (after, delay, proc.returncode, out[-300:], err)
        else:  # it had ended, or was ending (its last line out, its process tearing down), when the signal came
            assert proc.returncode in (0, 1, 130), (after, delay, proc.returncode)
        left = sorted(p.name for p in folder.iterdir())
        assert left in ([], ["net.npz"]), left  # no temporary file
        if left:
            with np.load(folder / "net.npz", allow_pickle=False) as saved:  # a whole file: every array reads
                assert all(saved[name].size >= 0 for name in saved.files)
    assert sum(delivered for *_, delivered, _ in outcomes) >= len(moments) // 2, outcomes
    assert sum(after == VERDICT and delivered for after, _, delivered, _ in outcomes) >= 3, outcomes


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_ends_the_headless_tour_like_the_run_command(tmp_path, signum, code):
    proc = subprocess.Popen(
        [*TUINN, "tour", "--headless"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first of 14 stops is done: the tour is under way
    assert first.lstrip().startswith("1/14"), first
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert err == "", err
