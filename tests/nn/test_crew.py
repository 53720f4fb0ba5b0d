"""The crew of worker threads: tasks run on the workers and the caller, results in order, errors handed back."""

from __future__ import annotations

import gc
import threading

import pytest

from tuinn.nn.crew import Crew


def test_each_task_runs_once_and_the_results_come_in_order() -> None:
    crew = Crew(2, name="helper")
    names = crew.run([lambda: threading.current_thread().name, *(lambda: threading.current_thread().name,) * 2])
    assert names[0] == threading.current_thread().name
    assert sorted(names[1:]) == ["helper-1", "helper-2"]
    assert crew.run([lambda: 1, lambda: 2]) == [1, 2]  # fewer tasks than workers: the first workers
    assert crew.run([lambda: 3]) == [3]


def test_a_worker_error_reaches_the_caller_after_every_task_is_done() -> None:
    crew = Crew(1)
    finished = threading.Event()

    def fails() -> None:
        raise ArithmeticError("in a worker")

    def slow() -> str:
        finished.wait(0.05)
        finished.set()
        return "done"

    with pytest.raises(ArithmeticError, match="in a worker"):
        crew.run([slow, fails])
    assert finished.is_set()
    assert crew.run([lambda: "again", lambda: "fine"]) == ["again", "fine"]  # the crew still works


def test_the_callers_error_waits_for_the_workers() -> None:
    crew = Crew(1)
    done = threading.Event()

    def fails() -> None:
        raise KeyError("caller")

    with pytest.raises(KeyError):
        crew.run([fails, lambda: done.wait(0.05) or done.set()])
    assert done.is_set()


def test_more_tasks_than_threads_are_refused() -> None:
    with pytest.raises(ValueError, match="3 tasks for a crew of 1"):
        Crew(1).run([lambda: 0] * 3)


def test_a_collected_crew_ends_its_threads() -> None:
    crew = Crew(2, name="short-lived")
    crew.run([lambda: 0] * 3)
    del crew
    gc.collect()
    for thread in [t for t in threading.enumerate() if t.name.startswith("short-lived")]:
        thread.join(timeout=2)
    assert not any(t.name.startswith("short-lived") for t in threading.enumerate())
