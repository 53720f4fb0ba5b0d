"""TrainingThread: runs a Trainer in a background thread and publishes the latest Snapshot."""

from __future__ import annotations

import threading
import time
from typing import Callable

from threadpoolctl import threadpool_limits

from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer, quiet_float_errors

PUBLISH_INTERVAL = 0.1  # seconds: about 10 Hz
IDLE_WAIT = 0.05


class TrainingThread:
    """Steps a Trainer in its own thread, publishing a Snapshot ~10 times a second.

    It steps as fast as it can, or at most `trainer.speed` steps a second, so a
    class can watch a tiny net learn.

    Readers take `latest` (no backlog of messages builds up). BLAS runs one thread:
    the step's own workers (`trainer.threads`) are the threads training uses.
    """

    def __init__(
        self,
        trainer: Trainer,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        interval: float = PUBLISH_INTERVAL,
    ) -> None:
        self.trainer = trainer
        self.on_snapshot = on_snapshot
        self.interval = interval
        self.latest: Snapshot = trainer.snapshot()
        #: the exception that stopped training, if a bug did (the app reports it when it closes)
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tuinn-trainer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = 2.0) -> None:
        """Ask the thread to finish its current step and wait for it (`timeout` None: as long as it takes)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as e:  # a bug must not freeze the screen: show it and stop training
            self.error = e
            self.trainer.stop_with(f"training stopped by an internal error: {type(e).__name__}: {e}", "internal error")
            self.publish()

    def _loop(self) -> None:
        with threadpool_limits(limits=1), quiet_float_errors():
            last = 0.0
            next_step = time.perf_counter()
            while not self._stop.is_set():
                trainer = self.trainer
                if trainer.apply_commands():
                    last = 0.0  # show the effect of a key at once, not at the next tick
                if not trainer.wants_step:
                    time.sleep(IDLE_WAIT)
                elif trainer.speed is None:
                    trainer.step()
                else:
                    next_step = self._paced_step(next_step)
                now = time.perf_counter()
                if now - last >= self.interval:
                    last = now
                    self.publish()

    def _paced_step(self, due: float) -> float:
        """Step when `due` comes (sleeping in short slices, so stop and commands stay prompt)."""
        now = time.perf_counter()
        if now < due:
            time.sleep(min(due - now, IDLE_WAIT))
            return due
        self.trainer.step()
        return max(due + 1.0 / self.trainer.speed, now - IDLE_WAIT)

    def publish(self) -> None:
        """Take a Snapshot now and hand it to readers."""
        self.latest = self.trainer.snapshot()
        if self.on_snapshot is not None:
            self.on_snapshot(self.latest)
