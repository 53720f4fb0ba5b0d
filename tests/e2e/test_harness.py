"""The harness itself, proved on a tiny full-screen program: keys in, screen out, exit status, alternate screen."""

import shlex
import sys

import pytest

# Enters the alternate screen, shows its size, reads one key raw, restores the terminal, exits 3.
PROGRAM = """
import os, sys, termios, tty
saved = termios.tcgetattr(0)
tty.setraw(0)
size = os.get_terminal_size(0)
print(f"\\x1b[?1049hREADY {size.columns}x{size.lines}", end="", flush=True)
key = sys.stdin.read(1)
termios.tcsetattr(0, termios.TCSADRAIN, saved)
print(f"\\x1b[?1049lgot {key}")
sys.exit(3)
"""


@pytest.mark.e2e
def test_harness_reads_screen_keys_and_exit_status(launch):
    """A key reaches the program, its screen is read, and its exit status and restored terminal are seen."""
    pane = launch(shlex.join([sys.executable, "-c", PROGRAM]), width=80, height=24)
    pane.wait_for("READY 80x24")
    assert pane.query("#{alternate_on}") == "1"
    pane.send_keys("k")
    pane.assert_exit(3)
    assert "got k" in pane.capture()
    pane.assert_restored()
