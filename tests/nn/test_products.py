"""Matrix products cut over threads (tuinn.nn.products): the same result, computed on the crew's threads too."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tuinn.nn import products
from tuinn.nn.crew import Crew
from tuinn.nn.products import ProductSplit


@pytest.fixture
def pool() -> Crew:
    return Crew(2, name="cut")


def watched_matmul(monkeypatch) -> list[tuple[str, tuple[int, ...]]]:
    """Record (thread name, output shape) of every np.matmul that tuinn.nn.products makes."""
    seen: list[tuple[str, tuple[int, ...]]] = []
    real = np.matmul

    def matmul(a, b, out):
        seen.append((threading.current_thread().name, out.shape))
        return real(a, b, out=out)

    monkeypatch.setattr(products.np, "matmul", matmul)
    return seen


@pytest.mark.parametrize(("shape", "parts"), [((128, 784, 256), 2), ((784, 128, 256), 2), ((128, 256, 784), 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_cut_product_is_the_whole_product(pool, shape, parts, dtype) -> None:
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    out = np.full((m, n), np.nan, dtype=dtype)
    ProductSplit(pool, parts).matmul(a, b, out)
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    assert np.linalg.norm(out - a @ b) <= tolerance * np.linalg.norm(a @ b)


def test_the_blocks_run_on_the_pool_and_cut_the_longer_side(monkeypatch, pool) -> None:
    seen = watched_matmul(monkeypatch)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((128, 784), dtype=np.float32), rng.standard_normal((784, 256), dtype=np.float32)
    ProductSplit(pool, 2).matmul(x, w, np.empty((128, 256), np.float32))  # more columns: cut across them
    ProductSplit(pool, 2).matmul(x.T, x[:, :256], np.empty((784, 256), np.float32))  # more rows: cut along them
    assert sorted(shape for _, shape in seen) == [(128, 128), (128, 128), (384, 256), (400, 256)]
    assert {name.startswith("cut") for name, _ in seen} == {True, False}  # the caller and the pool


def test_a_small_product_is_not_cut(monkeypatch, pool) -> None:
    seen = watched_matmul(monkeypatch)
    a = np.ones((16, 16))
    ProductSplit(pool, 2).matmul(a, a, np.empty((16, 16)))
    assert seen == [(threading.current_thread().name, (16, 16))]


def test_two_products_at_once_give_each_product(monkeypatch, pool) -> None:
    monkeypatch.setattr(products, "MIN_SPLIT_MULT_ADDS", 2 * 64**3 - 1)  # two 64³ products together: at once
    seen = watched_matmul(monkeypatch)
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal((64, 64)) for _ in range(3))
    first, second = np.empty((64, 64)), np.empty((64, 64))
    ProductSplit(pool, 2).both((a, b, first), (b, c, second))
    assert np.allclose(first, a @ b, rtol=1e-13, atol=0) and np.allclose(second, b @ c, rtol=1e-13, atol=0)
    assert {name.startswith("cut") for name, _ in seen} == {True, False}


def test_two_products_unlike_in_size_are_each_computed_as_matmul_would(monkeypatch, pool) -> None:
    monkeypatch.setattr(products, "MIN_SPLIT_MULT_ADDS", 64**3)
    seen = watched_matmul(monkeypatch)
    a, b = np.ones((64, 64)), np.ones((64, 16))
    first, second = np.empty((64, 64)), np.empty((64, 16))
    ProductSplit(pool, 2).both((a, a, first), (a, b, second))  # the first is cut, the second is small
    me = threading.current_thread().name
    assert sorted(shape for name, shape in seen if name == me) == [(32, 64), (64, 16)]
    assert [shape for name, shape in seen if name != me] == [(32, 64)]
    assert (first == 64).all() and (second == 64).all()
