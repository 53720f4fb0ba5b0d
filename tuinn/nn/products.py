"""Large matrix products cut into blocks, one block per thread, on a crew of worker threads.

A step that is not split by samples can still use every core inside its big matrix
products: the product's output is cut into `parts` blocks of rows (when it has more rows
than columns) or of columns, the caller computes the first block and the crew's threads
the others, each with BLAS at one thread (NumPy releases the GIL inside a product).
Unlike OpenBLAS's own threads, which spin and wait for each other at every product (and
ran 30× slower than one thread when another process took a core), these sleep on a lock
between products: on a loaded machine (load 5.7–9.2 on 2 vCPUs, `bench/plan_costs.py`) the
MLP's step ran at 0.53–2.1× one thread's speed with its products cut, 0.02–0.14× with 2
BLAS threads. Each handoff wakes a thread, which costs tens of µs of CPU on the benchmark's
VM under load: only products of at least `MIN_SPLIT_MULT_ADDS` are cut.

Results. Every element of the output is the same dot product as in the whole product,
but BLAS may block a smaller product's sums otherwise: a cut product equalled the whole
bit for bit in most shapes tried, and differed by rounding in one (a float64 1000×50×333).
One part count repeats bit for bit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tuinn.nn.crew import Crew

Array = NDArray[Any]
#: a product to compute: a, b and the array a @ b is written into
Product = tuple[Array, Array, Array]

#: the fewest multiply-adds a product needs to be cut (below it, handing a block to a
#: thread costs more than the block saves). The MLP's 4.2M-multiply-add second layer cut too
#: took its calling thread's CPU a step from 1.32-1.37× to 1.39-1.40× below one thread's
#: (loaded machine; that thread's CPU bounds the step's wall time on an idle one)
MIN_SPLIT_MULT_ADDS = 4_000_000
#: blocks start at multiples of this many rows or columns (the width of the BLAS kernels)
ALIGN = 16


class ProductSplit:
    """Computes `a @ b` into `out` in `parts` blocks, the blocks after the first on `crew`'s threads."""

    def __init__(self, crew: Crew, parts: int) -> None:
        self.crew = crew
        self.parts = min(parts, crew.size + 1)

    def matmul(self, a: Array, b: Array, out: Array) -> Array:
        """out = a @ b (2-D arrays), cut into blocks when the product is large enough."""
        rows, inner = a.shape
        columns = b.shape[1]
        if rows * inner * columns < MIN_SPLIT_MULT_ADDS:
            return np.matmul(a, b, out=out)
        cuts = _cuts(max(rows, columns), self.parts)
        if rows >= columns:
            blocks = [(a[s:e], b, out[s:e]) for s, e in zip(cuts, cuts[1:])]
        else:
            blocks = [(a, b[:, s:e], out[:, s:e]) for s, e in zip(cuts, cuts[1:])]
        self.crew.run([partial(_product, *block) for block in blocks])
        return out

    def both(self, first: Product, second: Product) -> None:
        """Two independent products (a, b, out): at once on two threads (one handoff) when they are
        large enough together and alike in size, else each as `matmul` computes it."""
        small, large = sorted(a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in (first, second))
        if small + large < MIN_SPLIT_MULT_ADDS or 2 * small < large:
            self.matmul(*first)
            self.matmul(*second)
            return
        self.crew.run([partial(_product, *first), partial(_product, *second)])


def _product(a: Array, b: Array, out: Array) -> None:
    """out = a @ b."""
    np.matmul(a, b, out=out)


def _cuts(size: int, parts: int) -> list[int]:
    """Where `size` rows (or columns) are cut into `parts` blocks as even as `ALIGN` allows."""
    inner = [min(size, round(size * k / parts / ALIGN) * ALIGN) for k in range(1, parts)]
    return [0, *inner, size]


def matmul(a: Array, b: Array, out: Array, split: ProductSplit | None) -> Array:
    """out = a @ b, by `split` when there is one."""
    if split is None:
        return np.matmul(a, b, out=out)
    return split.matmul(a, b, out)


def both(first: Product, second: Product, split: ProductSplit | None) -> None:
    """Two independent products (a, b, out), by `split` when there is one."""
    if split is None:
        _product(*first)
        _product(*second)
    else:
        split.both(first, second)
