"""The benchmark scripts still start against the package as it is (they are not run by the suite otherwise)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if p.name not in {"workloads.py", "torch_nets.py", "worker.py"})


def test_every_script_is_listed() -> None:
    assert {p.name for p in SCRIPTS} >= {"run.py", "frame_cost.py", "tui_wire.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_imports_and_answers_help(script: Path) -> None:
    """`--help` imports the script's modules (a renamed function fails here) and prints its usage."""
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120, cwd=BENCH.parent
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
