"""Run the real `tuinn` command in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def tuinn(tmp_path):
    """Call `python -m tuinn ARGS` in tmp_path; returns exit code, stdout and stderr."""

    def run(*args: str, timeout: float = 240) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "tuinn", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
