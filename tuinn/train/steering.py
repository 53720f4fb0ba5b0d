"""The steering file beside a watched stream: the app writes it (atomically), the training loop reads it cheaply.

It holds the app's wishes as state, not as commands, so a wish is never lost between two reads:
``{"lr_scale": 2.0, "paused": false}``. The loop applies the change of `lr_scale` since its last read
to the optimizer (so a schedule of the user's own keeps working) and waits while `paused`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

SUFFIX = ".control"
LR_FACTOR = 2.0  # one + or - in the app multiplies or divides the learning rate by this


@dataclass(frozen=True)
class Control:
    """What the app asks of a watched loop: a learning-rate multiple (of the loop's own) and a pause."""

    lr_scale: float = 1.0
    paused: bool = False


def control_path(stream: str | os.PathLike[str]) -> Path:
    """The control file of the stream `stream`: the same name with SUFFIX added."""
    return Path(os.fspath(stream) + SUFFIX)


def write_control(path: Path, control: Control) -> None:
    """Write `control` to `path` through a temporary file and a rename, so a reader never sees half of it."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(control)), encoding="utf-8")
    os.replace(temporary, path)


def read_control(path: Path) -> Control:
    """The control in `path`; ValueError or OSError when it is missing or not ours."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    scale, paused = raw.get("lr_scale", 1.0), raw.get("paused", False)
    if not isinstance(scale, (int, float)) or not scale > 0 or not isinstance(paused, bool):
        raise ValueError(f"{path}: not a tuinn control file")
    return Control(float(scale), paused)


class ControlReader:
    """Reads a control file again only when its modification time changed (one stat per call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: int | None = None
        self.control = Control()

    def poll(self) -> Control:
        """The latest control (the last one read when the file did not change or cannot be read)."""
        try:
            stamp = self.path.stat().st_mtime_ns
            if stamp != self._stamp:
                self.control, self._stamp = read_control(self.path), stamp
        except (OSError, ValueError):
            pass
        return self.control
