"""Follow a recording that is still being written (a run with --record, or tuinn.watch): new frames as they land.

`poll()` reads what was appended since the last call and decodes the whole lines; a line without its
newline yet (the writer is in the middle of it, or was killed there) waits for the next poll.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tuinn.train.recorder import MAX_FRAME_BYTES, FrameReader, RecordingError, check_header


class Stream(FrameReader):
    """A growing recording: `poll()` for new frames, `len`, `stream[i]`, and when the writer last wrote."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(Path(path))
        self._offset = 0
        self._partial = b""
        self._lines = 0  # whole lines read, the header included
        self.last_growth = time.time()
        try:
            self.last_growth = self.path.stat().st_mtime
        except OSError as e:
            raise RecordingError(f"{self.path}: {e.strerror or e}") from None

    @property
    def torn(self) -> bool:
        """Whether a line is half-written at the end of the file (as far as read)."""
        return bool(self._partial)

    def poll(self) -> int:
        """Read what the writer appended; the number of new frames. RecordingError if the file is not ours."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
                self.last_growth = os.fstat(f.fileno()).st_mtime
        except OSError as e:
            raise RecordingError(f"{self.path}: {e.strerror or e}") from None
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        if len(self._partial) > MAX_FRAME_BYTES:
            raise RecordingError(f"{self.path}: line {self._lines + 1} is longer than any tuinn frame")
        before = len(self)
        for line in lines:
            self._lines += 1
            if self._lines == 1:
                check_header(line, self.path)
            else:
                self.add(line, self._lines)
        if self._lines == 0 and self._partial:
            check_header_start(self._partial, self.path)
        return len(self) - before

    def idle_for(self, now: float | None = None) -> float:
        """Seconds since the file last grew."""
        return max(0.0, (time.time() if now is None else now) - self.last_growth)


def check_header_start(partial: bytes, path: Path) -> None:
    """Refuse early a file whose first bytes cannot begin a tuinn header (a header is one short JSON object)."""
    if not partial.lstrip().startswith(b"{") or len(partial) > 4096:
        raise RecordingError(f"{path}: not a tuinn recording (record one with --record FILE)")


def describe_idle(seconds: float) -> str:
    """'12 s', '2 min', '3 h': how long the writer has been quiet, in a few characters."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"
