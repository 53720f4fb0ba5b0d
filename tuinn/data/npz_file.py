"""A NumPy ``.npz`` archive with arrays ``x`` (N, ...) and ``y`` (N,) or (N, outputs).

Loaded with ``allow_pickle=False``: an object (pickled) array is refused with
a DataError, never unpickled.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from tuinn.data.dataset import DataError, Dataset
from tuinn.data.numeric import Locator, as_numbers, check_fits
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader
from tuinn.data.split import PoolOptions, dataset_from_pool
from tuinn.data.standardize import STANDARDIZE_KEY, read_standardize, standardized
from tuinn.data.targets import CLASS_NAMES_KEY, TASK_KEY, read_task, targets

KEYS = ("kind", "path", TASK_KEY, CLASS_NAMES_KEY, VAL_RATIO, LIMIT, SHAPE, STANDARDIZE_KEY)
ARRAYS = ("x", "y")


def element(array: str) -> Locator:
    """Names an element of an array of the archive: "x[6, 0]"."""
    return lambda at: f"{array}[{', '.join(map(str, at))}]"


def read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays x and y of the archive at `path`, without unpickling anything."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: not a readable .npz archive ({error})") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{path}: a single array, not an .npz archive; save one with numpy.savez(path, x=..., y=...)")
    with archive:
        missing = [name for name in ARRAYS if name not in archive.files]
        if missing:
            raise DataError(
                f"{path}: no array {missing[0]!r}; the archive holds "
                f"{', '.join(archive.files) or 'no arrays'}; expected x and y"
            )
        return read_member(archive, "x", path), read_member(archive, "y", path)


def read_member(archive: np.lib.npyio.NpzFile, name: str, path: Path) -> np.ndarray:
    """One array of the archive; an object array is refused, not unpickled."""
    try:
        return archive[name]
    except ValueError as error:  # numpy refuses object arrays when allow_pickle is False
        raise DataError(
            f"{path}: array {name!r} is an object array, which would need unpickling; tuinn never "
            f"unpickles data: save plain numeric arrays (or strings for labels)"
        ) from error
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{path}: array {name!r} cannot be read: {error}") from error


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """An .npz archive as a [data] table of kind "npz" asks; x's shape gives the input shape."""
    classification, names = read_task(read)
    options = PoolOptions.read(read, shape=None, val_ratio=0.2)
    scale = read_standardize(read, default=True)
    path = read.path()
    if not path.is_file():
        raise read.fail("path", f"must be an .npz file; {str(path)!r} is a folder")
    x, y = read_arrays(path)
    if x.ndim == 0 or y.ndim == 0:
        raise DataError(f"{path}: x and y must be arrays with one row per sample, got shapes {x.shape} and {y.shape}")
    if len(x) != len(y):
        raise DataError(f"{path}: x has {len(x)} rows but y has {len(y)}")
    if classification and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim > (1 if classification else 2):
        raise DataError(
            f"{path}: y has shape {y.shape}; expected (N,) labels for classification "
            f"or (N, outputs) targets for regression"
        )
    if x.ndim > 1 and 0 in x.shape[1:]:
        raise DataError(f"{path}: x has shape {x.shape}: samples of {x.shape[1:]} hold no features")
    x = as_numbers(x, f"{path}: array 'x'", element("x"))
    check_fits(x, dtype, f"{path}: array 'x'", element("x"))
    y, classes, names = targets(y, classification, names, f"{path}: array 'y'", element("y"))
    if not classes:
        check_fits(y, dtype, f"{path}: array 'y'", element("y"))
    if x.ndim == 1:
        x = x[:, None]
    description = f"{path.name}: {len(x)} samples of shape {x.shape[1:]}"
    dataset = dataset_from_pool(
        path.stem, x, y, options, rng=rng, classes=classes, class_names=names, description=description, dtype=dtype
    )
    return standardized(dataset) if scale else dataset
