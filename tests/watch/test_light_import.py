"""Plain tuinn never imports torch or tensorboardX: the package, the CLI, a headless run and the app's modules."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "tensorboardX", "tensorboard")

PROBE = f"""
import sys
import tuinn, tuinn.cli
import tuinn.tui.app, tuinn.tui.replay_source, tuinn.tui.attach_source
print(sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_the_package_and_the_apps_modules_load_neither_torch_nor_tensorboard() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_headless_run_loads_neither_torch_nor_tensorboard() -> None:
    """The real command (it ends with os._exit, so the modules are read from -X importtime's lines on stderr)."""
    argv = [sys.executable, "-X", "importtime", "-m", "tuinn", "--preset", "xor", "--headless", "--epochs", "2"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "tuinn.cli.run" in imported and "numpy" in imported  # the lines were read
    assert "Epoch" in done.stdout or "epoch" in done.stdout
    assert not [m for m in imported if m.split(".")[0] in HEAVY]
