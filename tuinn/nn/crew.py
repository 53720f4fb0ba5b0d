"""Worker threads a step hands work to: each waits on a lock of its own, not on a shared queue.

A handoff costs the waking of one thread. With `concurrent.futures` a handoff also makes a
future and a work item and passes them through a queue and a condition: on the benchmark's
2-vCPU machine one matrix product cut in two used ~20 µs more CPU that way than with a
pair of locks per worker (437 against 416 µs for a 128×784×256 float32 product; one
thread alone 388 µs), and a step hands work over up to three times.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any


class _Worker:
    """One daemon thread running the tasks it is handed, one at a time."""

    def __init__(self, name: str) -> None:
        self._go = threading.Lock()
        self._done = threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._task: Callable[[], Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        while True:
            self._go.acquire()
            task = self._task
            if task is None:  # told to stop
                return
            try:
                self.result, self.error = task(), None
            except BaseException as error:  # handed back to the caller of `Crew.run`
                self.result, self.error = None, error
            self._done.release()

    def start(self, task: Callable[[], Any] | None) -> None:
        """Run `task` on this thread (None: end the thread)."""
        self._task = task
        self._go.release()

    def wait(self) -> Any:
        """The result of the task started last, once it is done (its exception raised here)."""
        self._done.acquire()
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.result


class Crew:
    """`size` worker threads; `run` gives each a task and does the first itself."""

    def __init__(self, size: int, name: str = "tuinn-worker") -> None:
        self.size = size
        #: the process the threads run in: a process forked from it has none of them
        self.pid = os.getpid()
        self._workers = [_Worker(f"{name}-{i + 1}") for i in range(size)]
        weakref.finalize(self, _stop, self._workers)

    def run(self, tasks: Sequence[Callable[[], Any]]) -> list[Any]:
        """Each task's result, in order: the first on the calling thread, the others on the workers (at most `size`)."""
        if len(tasks) - 1 > self.size:
            raise ValueError(f"{len(tasks)} tasks for a crew of {self.size} and the caller")
        helpers = self._workers[: len(tasks) - 1]
        for worker, task in zip(helpers, tasks[1:]):
            worker.start(task)
        try:
            first = tasks[0]()
        finally:  # the workers finish before their arrays may be reused, even if the caller's task failed
            results, error = gather([worker.wait for worker in helpers])
        if error is not None:
            raise error
        return [first, *results]


def gather(waits: Sequence[Callable[[], Any]]) -> tuple[list[Any], BaseException | None]:
    """What each of `waits` returns, once every one has returned or raised, and the first error among them."""
    results: list[Any] = []
    error: BaseException | None = None
    for wait in waits:
        try:
            results.append(wait())
        except BaseException as failure:
            error = error or failure
    return results, error


def _stop(workers: list[_Worker]) -> None:
    """End the workers' threads (when their crew is collected)."""
    for worker in workers:
        worker.start(None)
