"""Plain tuinn never imports torch or tensorboardX: the package, the CLI, a headless run and the app's modules."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import tuinn, tuinn.cli
from tuinn.cli.run import main
import tuinn.tui.app, tuinn.tui.replay_source, tuinn.tui.attach_source
try:
    main(["--preset", "xor", "--headless", "--epochs", "2"], standalone_mode=False)
except SystemExit:
    pass
print(sorted(m for m in ("torch", "tensorboardX", "tensorboard") if m in sys.modules))
"""


def test_plain_tuinn_loads_neither_torch_nor_tensorboard() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "Epoch" in done.stdout or "epoch" in done.stdout
