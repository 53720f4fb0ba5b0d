"""A clock for tests of what runs on time: it moves only when the test says."""

from __future__ import annotations


class FakeClock:
    """The seconds a test says have passed: a driver's clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
