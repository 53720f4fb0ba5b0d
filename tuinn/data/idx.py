"""MNIST-style IDX files (MNIST, Fashion-MNIST, ...) from a local folder, raw or gzip'd.

The folder holds ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``,
optionally ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (the test
set, used for validation), each raw or with ``.gz``; dotted names such as
``train-images.idx3-ubyte`` work too. Every header is checked (magic number,
unsigned-byte data, sane sizes that agree with the file) before the data is read,
so a wrong or damaged file gives a DataError naming it, never a huge allocation.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tuinn.data.dataset import DataError, Dataset
from tuinn.data.shapes import reshape_samples
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader
from tuinn.data.split import PoolOptions, make_dataset, split_dataset, subset
from tuinn.data.targets import CLASS_NAME_SETS, CLASS_NAMES_KEY, indexed_labels, read_class_names

KEYS = ("kind", "path", SHAPE, LIMIT, VAL_RATIO, CLASS_NAMES_KEY)
UNSIGNED_BYTE = 0x08
IMAGES, LABELS = "images", "labels"
MAGIC = {IMAGES: 0x00000803, LABELS: 0x00000801}  # 2051 and 2049: unsigned bytes, 3 and 1 dimensions
MAX_ITEMS = 10_000_000
MAX_SIDE = 1024
CHUNK_BYTES = 1 << 24


def candidates(prefix: str, what: str) -> list[str]:
    """The file names tried for one part, in order: ``train-images-idx3-ubyte``, its dotted form, each ± .gz."""
    dims = 3 if what == IMAGES else 1
    stems = [f"{prefix}-{what}-idx{dims}-ubyte", f"{prefix}-{what}.idx{dims}-ubyte"]
    return [stem + ending for stem in stems for ending in ("", ".gz")]


def find(folder: Path, prefix: str, what: str) -> Path | None:
    """The first existing file of `candidates` in `folder`, or None."""
    return next((folder / name for name in candidates(prefix, what) if (folder / name).is_file()), None)


def _magic_problem(found: int, what: str) -> str:
    """Why magic number `found` is wrong for a file of `what`."""
    expected = MAGIC[what]
    other = LABELS if what == IMAGES else IMAGES
    if found == MAGIC[other]:
        return (
            f"bad magic number 0x{found:08X} ({found}, a {other} file), "
            f"expected 0x{expected:08X} ({expected}) for {what}"
        )
    if found >> 16 == 0 and found & 0xFF == expected & 0xFF and (found >> 8) & 0xFF != UNSIGNED_BYTE:
        return (
            f"unsupported data type 0x{(found >> 8) & 0xFF:02X}; "
            f"only unsigned bytes (0x{UNSIGNED_BYTE:02X}) are supported"
        )
    return f"bad magic number 0x{found:08X}, expected 0x{expected:08X} ({expected}) for {what}"


class ByteStream(Protocol):
    """A binary file, plain or gzip: what `_read_exactly` reads from."""

    def read(self, size: int, /) -> bytes: ...


def _read_exactly(stream: ByteStream, size: int) -> bytes:
    """Up to `size` bytes, read in chunks so a lying header cannot make us allocate what is not there."""
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK_BYTES))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _check_sizes(path: Path, what: str, dims: tuple[int, ...]) -> None:
    """DataError unless the item count and image sides are within sane bounds."""
    if not 1 <= dims[0] <= MAX_ITEMS:
        raise DataError(f"{path}: header claims {dims[0]:,} {what}; expected 1 to {MAX_ITEMS:,}")
    if any(not 1 <= side <= MAX_SIDE for side in dims[1:]):
        raise DataError(
            f"{path}: header claims images of {dims[1]}×{dims[2]} pixels; each side must be 1 to {MAX_SIDE}"
        )


def read_idx(path: Path, what: str) -> np.ndarray:
    """The uint8 array of an IDX file of `what` (IMAGES: (count, rows, cols); LABELS: (count,)), validated."""
    n_dims = 3 if what == IMAGES else 1
    header_size = 4 + 4 * n_dims
    compressed = path.name.endswith(".gz")
    try:
        with (gzip.open if compressed else open)(path, "rb") as stream:
            header = _read_exactly(stream, header_size)
            if len(header) < header_size:
                raise DataError(
                    f"{path}: truncated: an IDX {what} header needs {header_size} bytes, file has {len(header)}"
                )
            magic, *dims = (int(v) for v in np.frombuffer(header, dtype=">u4"))
            if magic != MAGIC[what]:
                raise DataError(f"{path}: {_magic_problem(magic, what)}")
            _check_sizes(path, what, tuple(dims))
            expected = math.prod(dims)
            claim = f"header says {'×'.join(map(str, dims))} = {expected} bytes"
            if not compressed:
                available = path.stat().st_size - header_size
                if available != expected:
                    problem = "truncated" if available < expected else "extra data at the end"
                    raise DataError(f"{path}: {problem}: {claim}, file has {available}")
            payload = _read_exactly(stream, expected)
            if len(payload) < expected:
                raise DataError(f"{path}: truncated: {claim}, file has {len(payload)} (uncompressed)")
            if compressed and stream.read(1):
                raise DataError(f"{path}: extra data at the end: {claim}, file has more (uncompressed)")
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot read: {error}") from error
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def read_part(folder: Path, prefix: str, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Images and class labels of the `prefix` part ("train", "t10k"); None when neither file is there."""
    images_path, labels_path = find(folder, prefix, IMAGES), find(folder, prefix, LABELS)
    if images_path is None and labels_path is None:
        return None
    for path, what in ((images_path, IMAGES), (labels_path, LABELS)):
        if path is None:
            raise DataError(
                f"{folder}: no {candidates(prefix, what)[0]} (or .gz, or dotted name) "
                f"next to the {prefix} {IMAGES if what == LABELS else LABELS}"
            )
    assert images_path is not None and labels_path is not None  # (refused just above)
    images, raw_labels = read_idx(images_path, IMAGES), read_idx(labels_path, LABELS)
    if len(raw_labels) != len(images):
        raise DataError(
            f"{labels_path}: has {len(raw_labels):,} labels, but {images_path.name} has {len(images):,} images"
        )
    labels = indexed_labels(raw_labels, names, str(labels_path), lambda i: f"item {i[0]}")
    return images, labels


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """IDX data as a [data] table of kind "idx" asks; the t10k files, when present, are the validation set."""
    options = PoolOptions.read(read, shape="image", val_ratio=0.1)
    names = read_class_names(read) or CLASS_NAME_SETS["digits"]
    folder = read.path()
    if not folder.is_dir():
        raise read.fail("path", f"must be a folder holding IDX files; {str(folder)!r} is a file")
    train = read_part(folder, "train", names)
    if train is None:
        raise DataError(
            f"{folder}: no {candidates('train', IMAGES)[0]} and {candidates('train', LABELS)[0]} "
            f"(raw or .gz) found; expected MNIST-style IDX files"
        )
    test = read_part(folder, "t10k", names)

    def prepare(part: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        images, labels = subset(*part, options.limit, rng)
        x = images.astype(dtype)
        x /= 255
        return reshape_samples(x, options.shape), labels

    meta: dict[str, Any] = {"classes": len(names), "class_names": names, "dtype": dtype}
    if test is None:
        x, y = prepare(train)
        return split_dataset(
            folder.name,
            x,
            y,
            val_ratio=options.val_ratio,
            rng=rng,
            description=f"IDX files in {folder.name}, {options.val_ratio:.0%} held out",
            **meta,
        )
    return make_dataset(
        folder.name,
        prepare(train),
        prepare(test),
        description=f"IDX files in {folder.name}, test set for validation",
        **meta,
    )
