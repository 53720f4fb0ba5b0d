"""The app in a real terminal ending abnormally: a stop signal exits 143/130, a bug exits 3; the terminal is restored."""

import os
import shlex
import signal
import sys
from pathlib import Path

import pytest

XOR = "tuinn --preset xor --epochs 100000000"
# the real command with one bug planted in the status panel
BUGGY = (
    "import tuinn.tui.widgets.status as status\n"
    "def build(*args): raise RuntimeError('a planted bug')\n"
    "status.StatusPanel.build = build\n"
    "from tuinn.cli import main\n"
    "main()\n"
)


def program_pid(pane) -> int:
    """The pid of the command the pane's shell runs."""
    shell = pane.query("#{pane_pid}")
    children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.e2e
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_closes_the_app_like_q(terminal, signum, code):
    pane = terminal(XOR)
    pane.wait_for("Architecture", "running", timeout=20)
    os.kill(program_pid(pane), signum)
    pane.assert_exit(code, timeout=20)
    pane.assert_restored()
    screen = pane.capture(history=100)
    assert "Traceback" not in screen and "Exception ignored" not in screen, screen


@pytest.mark.e2e
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_closes_the_tour_like_the_run_command(terminal, signum, code):
    pane = terminal("tuinn tour")
    pane.wait_for("Tour 1/14", timeout=20)
    os.kill(program_pid(pane), signum)
    pane.assert_exit(code, timeout=20)
    pane.assert_restored()
    screen = pane.capture(history=100)
    assert "Traceback" not in screen and "Exception ignored" not in screen, screen


@pytest.mark.e2e
def test_a_bug_in_the_app_restores_the_terminal_and_exits_3_with_one_line(terminal, tmp_path):
    logs = tmp_path / "logs"  # (the log goes here, not into the machine's temporary folder)
    logs.mkdir()
    pane = terminal(
        f"env TMPDIR={shlex.quote(str(logs))} {shlex.quote(sys.executable)} -c {shlex.quote(BUGGY)} --preset xor"
    )
    pane.assert_exit(3, timeout=30)
    pane.assert_restored()
    screen = pane.capture(history=100)
    assert "tuinn: internal error: RuntimeError: a planted bug (the traceback is in " in screen, screen
    assert "Traceback" not in screen and "─" not in screen, screen  # neither Python's nor Textual's
    (log,) = logs.glob("tuinn-internal-error-*.log")
    assert "RuntimeError: a planted bug" in log.read_text()
