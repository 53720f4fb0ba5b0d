"""Fixtures for the data tests: writers of small IDX files (raw or gzip'd, valid or broken)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest


def _write_idx(
    folder: Path,
    name: str,
    array: np.ndarray,
    magic: int | None = None,
    dims: tuple[int, ...] | None = None,
    data: bytes | None = None,
) -> Path:
    """Write an IDX file for a uint8 array; `magic`, `dims` and `data` override parts to break it."""
    dims = array.shape if dims is None else dims
    magic = (0x0800 | len(dims)) if magic is None else magic
    content = struct.pack(f">I{len(dims)}I", magic, *dims) + (
        array.astype(np.uint8).tobytes() if data is None else data
    )
    path = folder / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    return path


@pytest.fixture
def idx_file():
    """write(folder, name, array, magic=None, dims=None, data=None) -> Path of the IDX file written."""
    return _write_idx


@pytest.fixture
def mnist_like():
    """make(folder, n=30, prefix="train", gz=False, dotted=False) -> (images, labels) written as IDX files.

    Images are n random 4×3 uint8 pictures; labels cycle 0..9.
    """

    def make(
        folder: Path, n: int = 30, prefix: str = "train", gz: bool = False, dotted: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(1)
        images = rng.integers(0, 256, size=(n, 4, 3), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        sep, ending = ("." if dotted else "-"), (".gz" if gz else "")
        _write_idx(folder, f"{prefix}-images{sep}idx3-ubyte{ending}", images)
        _write_idx(folder, f"{prefix}-labels{sep}idx1-ubyte{ending}", labels)
        return images, labels

    return make
