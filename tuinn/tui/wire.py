"""WireMeter: counts the bytes the app writes to the terminal, for the bytes-per-second figure over slow links."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

from textual.driver import Driver

WINDOW = 2.0  # seconds the rate is measured over


class WireMeter:
    """Wraps a driver's `write` to count the UTF-8 bytes it sends; `rate()` is bytes per second over the last WINDOW s."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.total = 0
        self._marks: deque[tuple[float, int]] = deque()

    def attach(self, driver: Driver) -> None:
        """Count everything `driver.write` sends from now on."""
        write = driver.write

        def counted(data: str) -> None:
            self.total += len(data.encode("utf-8", "replace"))
            write(data)

        driver.write = counted  # type: ignore[method-assign]  # (in place of the method, on this driver only)

    def rate(self) -> float:
        """Bytes per second over the last WINDOW seconds (0 until two readings exist)."""
        now = self.clock()
        self._marks.append((now, self.total))
        while len(self._marks) > 2 and now - self._marks[1][0] >= WINDOW:
            self._marks.popleft()
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
