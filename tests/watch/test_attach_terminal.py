"""tuinn attach in a real terminal (tmux) on the digits example while it trains: the panels, live steps, steering."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import terminal  # noqa: F401  (the tmux fixture)

pytest.importorskip("torch", reason="the example needs the torch extra: pip install 'tuinn[torch]'")

EXAMPLE = Path(__file__).parents[2] / "examples" / "torch_digits.py"


@pytest.mark.e2e
def test_attach_follows_the_digits_example_in_a_terminal(terminal, tmp_path) -> None:  # noqa: F811
    stream = tmp_path / "digits.tuinn"
    loop = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--out", str(stream), "--epochs", "1000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        pane = terminal(f"tuinn attach {stream}")
        screen = pane.wait_for("attach digits.tuinn", "Conv2D(8, 3×3)", "8×8×8", "Feature maps", "live", timeout=60)
        first = int(re.search(r"step ([\d,]+)", screen).group(1).replace(",", ""))
        pane.wait_for(re.compile(r"step ([\d,]+)"), timeout=5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = int(re.search(r"step ([\d,]+)", pane.capture()).group(1).replace(",", ""))
            if now > first:
                break
            time.sleep(0.2)
        assert now > first, pane.capture()
        pane.send_keys("+")
        deadline = time.monotonic() + 10
        control = Path(f"{stream}.control")
        while json.loads(control.read_text())["lr_scale"] != 2.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert json.loads(control.read_text())["lr_scale"] == 2.0
        pane.send_keys("q")
        pane.assert_exit(0)
        pane.assert_restored()
    finally:
        loop.kill()
        loop.wait(10)
