"""tuinn attach in a real terminal (tmux), and over SSH at 80×24, on the digits example while it trains."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Pane, sshd, terminal  # noqa: F401  (the tmux and loopback-sshd fixtures)

pytest.importorskip("torch", reason="the example needs the torch extra: pip install 'tuinn[torch]'")

EXAMPLE = Path(__file__).parents[2] / "examples" / "torch_digits.py"


@pytest.fixture
def digits_stream(tmp_path: Path) -> Iterator[Path]:
    """The digits example training (a budget longer than any test waits) into a stream; killed afterwards."""
    stream = tmp_path / "digits.tuinn"
    loop = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--out", str(stream), "--epochs", "1000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield stream
    finally:
        loop.kill()
        loop.wait(10)


def current_step(screen: str) -> int:
    """The step the attach bar shows."""
    found = re.search(r"step ([\d,]+)", screen)
    assert found, screen
    return int(found.group(1).replace(",", ""))


def assert_steps_arrive(pane: Pane, first: int) -> None:
    """Within 30 s the bar shows a later step than `first`: the app follows the file as it grows."""
    deadline = time.monotonic() + 30
    while current_step(pane.capture()) <= first and time.monotonic() < deadline:
        time.sleep(0.2)
    assert current_step(pane.capture()) > first, pane.capture()


@pytest.mark.e2e
def test_attach_follows_the_digits_example_in_a_terminal(terminal, digits_stream) -> None:  # noqa: F811
    pane = terminal(f"tuinn attach {digits_stream}")
    screen = pane.wait_for("attach digits.tuinn", "Feature maps", "live", timeout=60)
    pane.open_tab("Conv2D(8, 3×3)", "8×8×8")  # the architecture table, on the tab the layout gave it
    assert_steps_arrive(pane, current_step(screen))
    pane.send_keys("+")
    deadline = time.monotonic() + 10
    control = Path(f"{digits_stream}.control")
    while json.loads(control.read_text())["lr_scale"] != 2.0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads(control.read_text())["lr_scale"] == 2.0
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()


@pytest.mark.e2e
def test_attach_over_ssh_at_80_by_24_follows_the_run(terminal, sshd, digits_stream) -> None:  # noqa: F811
    """A default SSH terminal: 80×24, 256 colours (OpenSSH does not pass COLORTERM), the run followed live."""
    pane = terminal(sshd(f"tuinn attach {digits_stream}"), width=80, height=24)
    screen = pane.wait_for("attach digits.tuinn", "live", timeout=60)
    assert_steps_arrive(pane, current_step(screen))
    assert len(pane.capture().splitlines()) <= 24
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()
