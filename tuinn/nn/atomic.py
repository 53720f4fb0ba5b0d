"""Write a file through a temporary name in the same folder and a rename, so no half-written file is left.

The temporary name is ``.NAME.PID.XXXXXXXX.tmp``. A process killed while writing
(SIGKILL, or SIGTERM outside a run) leaves one behind; the next write to NAME
removes those whose process is gone (and any older-style ones without a PID).
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def write_atomically(path: str | os.PathLike[str], write: Callable[[IO[Any]], None], mode: str = "wb") -> Path:
    """Call `write` on a temporary file beside `path`, then rename it to `path` (mode as a plain new file's)."""
    path = Path(path)
    sweep_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a plainly created file would be, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def sweep_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to `path` whose writer is no longer running."""
    removed = []
    prefix = f".{path.name}."
    for tmp in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = tmp.name[len(prefix) :].split(".")[0]
        if pid.isdigit() and _running(int(pid)):
            continue  # another process is writing the same file right now
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass  # gone already, or not ours to remove
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
