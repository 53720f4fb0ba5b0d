"""Data sets: TF Playground generators, truth tables, the bundled digits, and file loaders.

`load_data` turns a preset's ``[data]`` table into a `Dataset`; its ``kind``
picks the source, and each kind takes these keys (defaults in brackets):

- ``playground``: ``name`` (circle, xor, gauss, spiral, plane, multi_gauss),
  ``samples`` [500], ``noise`` percent 0..50 [0], ``val_ratio`` [0.5],
  ``classes`` 2..8 for gauss and spiral [2].
- ``truth_table``: ``name`` (and, or, nand, nor, xor); train = val = the 4 rows.
- ``digits``: the bundled 8×8 UCI digits (CC BY 4.0, see NOTICE); ``shape``
  ["image"], ``val_ratio`` [0.2], ``limit``.
- ``idx``: MNIST-style IDX files in the folder ``path``; ``shape`` ["image"],
  ``limit``, ``val_ratio`` [0.1, used only without t10k files], ``class_names``
  ["digits"; or "fashion", or a list].
- ``csv``: ``path``; ``label`` [last column], ``task`` ["classification"],
  ``class_names``, ``val_ratio`` [0.2], ``limit``, ``shape`` [as read].
- ``images``: a folder ``path`` of class subfolders of images (needs Pillow);
  ``image_size`` [the most common size], ``channels`` [the images'], ``val_ratio``
  [0.2], ``limit``, ``shape`` ["image"]; see tuinn.data.image_folder.
- ``bars``: ``size``×``size`` images of one horizontal or vertical line;
  ``size`` [4], ``samples`` [400], ``noise`` percent [10], ``val_ratio`` [0.25].
- ``npz``: ``path`` with arrays x and y; ``task``, ``class_names``,
  ``val_ratio`` [0.2], ``limit``, ``shape`` [x's own].

Any kind also takes ``seed`` (draw the data with this seed rather than the run's)
and, for 2-D data, ``features`` (a list from tuinn.data.features.FEATURES:
the inputs the network sees, computed from the points).

``shape`` is "flat", "image" (H×W×C) or a list of sizes; ``limit`` caps the
samples taken (a random subset); every random draw comes from
``np.random.default_rng(seed)``. Any bad spec or file raises `DataError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.data import bars, csv_file, digits, idx, image_folder, npz_file, playground, truth_tables
from tuinn.data.dataset import DataError, Dataset
from tuinn.data.features import check_features, with_features
from tuinn.data.playground import PLAYGROUND_SETS
from tuinn.data.spec import SpecReader
from tuinn.data.truth_tables import TRUTH_TABLES

__all__ = [
    "COMMON_KEYS",
    "DATA_KINDS",
    "PLAYGROUND_SETS",
    "TRUTH_TABLES",
    "DataError",
    "Dataset",
    "data_spec_for_path",
    "load_data",
]

Loader = Callable[[SpecReader, np.random.Generator, np.dtype], Dataset]

#: kind -> (the keys its spec may hold, its loader)
KINDS: dict[str, tuple[tuple[str, ...], Loader]] = {
    "playground": (playground.KEYS, playground.load),
    "truth_table": (truth_tables.KEYS, truth_tables.load),
    "digits": (digits.KEYS, digits.load),
    "idx": (idx.KEYS, idx.load),
    "csv": (csv_file.KEYS, csv_file.load),
    "npz": (npz_file.KEYS, npz_file.load),
    "bars": (bars.KEYS, bars.load),
    "images": (image_folder.KEYS, image_folder.load),
}
DATA_KINDS = tuple(KINDS)
COMMON_KEYS = ("seed", "features")  # keys every kind takes (handled here, not by the loaders)


def _float_dtype(dtype: Any) -> np.dtype:
    """`dtype` as a NumPy floating dtype, or DataError."""
    result: np.dtype[Any] | None
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind != "f":
        raise DataError(f"dtype must be a floating type such as float32 or float64, got {dtype!r}")
    return result


def load_data(spec: Mapping[str, Any], seed: int, base_dir: Path | None = None, dtype: Any = "float64") -> Dataset:
    """The Dataset a ``[data]`` table describes; relative paths are taken from `base_dir`.

    x arrays come as `dtype`, as do regression targets; class labels are int64.
    Raises DataError naming the key for a bad spec, the file (and line or item) for a bad file.
    """
    if not isinstance(spec, Mapping):
        raise DataError(f"data must be a table of keys, got {spec!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    float_dtype = _float_dtype(dtype)
    common = SpecReader(spec, spec.keys())
    kind = common.choice("kind", DATA_KINDS)
    seed = common.integer("seed", seed, 0, 2**63 - 1)
    features = check_features(spec["features"]) if "features" in spec else None
    keys, load = KINDS[kind]
    own = {key: value for key, value in spec.items() if key not in COMMON_KEYS}
    data = load(SpecReader(own, (*keys, *COMMON_KEYS), base_dir), np.random.default_rng(seed), float_dtype)
    return data if features is None else with_features(data, features)


def _kind_of(path: Path) -> tuple[str, Path]:
    """(kind, path to load) for a path given on the command line."""
    name = path.name.lower()
    if path.is_dir():
        return _folder_kind(path), path
    if name.endswith((".csv", ".csv.gz")):
        return "csv", path
    if name.endswith(".npz"):
        return "npz", path
    if "-ubyte" in name:  # one IDX file: load the folder it is in
        return "idx", path.parent
    raise DataError(
        f"{path}: unknown kind of data; expected a folder of IDX files or of class subfolders "
        f"of images, a .csv (or .csv.gz) file or an .npz file"
    )


def _folder_kind(folder: Path) -> str:
    """ "idx" for a folder holding MNIST-style IDX files, "images" for one with subfolders (the classes)."""
    if idx.find(folder, "train", idx.IMAGES) or idx.find(folder, "train", idx.LABELS):
        return "idx"
    try:
        has_folders = any(child.is_dir() and not child.name.startswith(".") for child in folder.iterdir())
    except OSError as error:
        raise DataError(f"{folder}: cannot list the folder: {error.strerror or error}") from None
    if has_folders:
        return "images"
    raise DataError(
        f"{folder}: neither MNIST-style IDX files (train-images-idx3-ubyte, ...) nor class "
        f"subfolders of images ({folder.name}/cat/*.png, {folder.name}/dog/*.png, ...)"
    )


def data_spec_for_path(path: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A data spec that loads `path` (for ``--data PATH``), keeping the options of `spec` that still apply.

    A folder of IDX files (or a file in it named like ``train-images-idx3-ubyte``) is kind
    "idx", a folder of class subfolders "images", ``*.csv`` / ``*.csv.gz`` "csv", ``*.npz``
    "npz". Options the new kind takes are kept (``val_ratio``, ``limit``, ``shape``, ...,
    and those set for it with ``--set``, such as ``data.image_size``). The path is made
    absolute, so it no longer depends on a preset's folder.
    """
    target = Path(path).expanduser()
    if not target.exists():
        raise DataError(f"{path}: no such file or folder")
    kind, target = _kind_of(target)
    kept = {key: value for key, value in spec.items() if key in KINDS[kind][0] and key not in ("kind", "path")}
    return {"kind": kind, "path": str(target.resolve()), **kept}
