"""BLAS threads for one phase of a training step: set around it, restored after.

A data-parallel step keeps BLAS at one thread inside each worker; a step that is not split
may run its matrix products on every core of its thread budget instead. threadpoolctl finds
NumPy's BLAS once per process; switching its thread count then costs a few microseconds.
With OpenBLAS's own thread pool, only the Python thread that first set a limit may change
it (threadpoolctl's rule): from another thread the count stays as that one left it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_libraries: list[Any] | None = None


def _blas_libraries() -> list[Any]:
    """threadpoolctl's controllers of the BLAS libraries loaded in this process (found once)."""
    global _libraries
    if _libraries is None:
        from threadpoolctl import ThreadpoolController

        _libraries = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _libraries


@contextmanager
def blas_threads(threads: int) -> Iterator[None]:
    """Run the body with every BLAS library at `threads` threads, then restore each one's count."""
    libraries = _blas_libraries()
    before = [lib.num_threads for lib in libraries]
    for lib in libraries:
        lib.set_num_threads(threads)
    try:
        yield
    finally:
        for lib, count in zip(libraries, before):
            lib.set_num_threads(count)


def current_blas_threads() -> int:
    """The largest thread count of the loaded BLAS libraries (1 when there is none)."""
    return max((int(lib.num_threads) for lib in _blas_libraries()), default=1)
