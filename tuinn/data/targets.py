"""What a model learns to output: class labels (named sets, raw labels -> 0..k-1) or regression targets."""

from __future__ import annotations

import numpy as np

from tuinn.data.dataset import TASKS, DataError
from tuinn.data.numeric import Locator, as_numbers
from tuinn.data.spec import SpecReader, one_of

TASK_KEY = "task"
CLASS_NAMES_KEY = "class_names"
MAX_CLASSES = 1000

#: Shorthands for ``class_names``: the ten classes of MNIST and of Fashion-MNIST.
CLASS_NAME_SETS: dict[str, tuple[str, ...]] = {
    "digits": tuple("0123456789"),
    "fashion": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}


def read_class_names(read: SpecReader) -> tuple[str, ...] | None:
    """``class_names``: a shorthand from CLASS_NAME_SETS, a list of 2+ names, or absent (None)."""
    value = read.spec.get(CLASS_NAMES_KEY)
    if isinstance(value, str):
        if value not in CLASS_NAME_SETS:
            raise read.fail(
                CLASS_NAMES_KEY, f"must be a list of names or {one_of(value, list(CLASS_NAME_SETS))}; got {value!r}"
            )
        return CLASS_NAME_SETS[value]
    names = read.string_list(CLASS_NAMES_KEY)
    if names is not None and not 2 <= len(names) <= MAX_CLASSES:
        raise read.fail(CLASS_NAMES_KEY, f"must name between 2 and {MAX_CLASSES} classes, got {len(names)}")
    return names


def _as_integers(values: np.ndarray) -> np.ndarray | None:
    """`values` as int64 when every one is a whole number (or a string of one), else None."""
    if values.dtype.kind in "biu":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        whole = (np.abs(values) < 2.0**53).all() and (values == np.round(values)).all()
        return values.astype(np.int64) if whole else None
    if values.dtype.kind != "U":
        return None
    try:
        return np.char.strip(values).astype(np.int64)
    except (ValueError, OverflowError):
        return None


def indexed_labels(values: np.ndarray, names: tuple[str, ...], where: str, locate: Locator) -> np.ndarray:
    """Labels that already are class indices 0..len(names)-1, checked; DataError names the first bad one."""
    codes = _as_integers(values)
    if codes is None:
        raise DataError(f"{where}: labels must be whole numbers 0..{len(names) - 1} when class names are given")
    bad = np.flatnonzero((codes < 0) | (codes >= len(names)))
    if bad.size:
        raise DataError(
            f"{where}: label {values[bad[0]]} at {locate((int(bad[0]),))} is out of range "
            f"0..{len(names) - 1} ({len(names)} classes)"
        )
    if len(codes) and (codes == codes[0]).all():
        raise DataError(
            f"{where}: every label is {codes[0]} ({names[codes[0]]}); classification needs at least two classes"
        )
    return codes


def encode_labels(values: np.ndarray, where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Raw labels -> (codes 0..k-1 in sorted label order, the k label names).

    Whole numbers sort numerically (so "10" comes after "9"); anything else sorts as text.
    """
    numbers = _as_integers(values)
    if numbers is None and values.dtype.kind != "U":
        raise DataError(
            f'{where}: class labels must be whole numbers or strings; use task = "regression" for real-valued targets'
        )
    keys = numbers if numbers is not None else np.char.strip(values)
    unique, codes = np.unique(keys, return_inverse=True)
    if not 2 <= len(unique) <= MAX_CLASSES:
        raise DataError(
            f"{where}: found {len(unique)} distinct labels; classification needs 2 to {MAX_CLASSES} "
            f'(use task = "regression" for real-valued targets)'
        )
    return codes.astype(np.int64), tuple(str(u) for u in unique)


def class_labels(
    values: np.ndarray, names: tuple[str, ...] | None, where: str, locate: Locator
) -> tuple[np.ndarray, tuple[str, ...]]:
    """(codes, names): indices checked against the given `names`, or encoded from the labels seen."""
    if values.dtype.kind == "U":
        empty = np.flatnonzero(np.char.strip(values) == "")
        if empty.size:
            raise DataError(f"{where}: {locate((int(empty[0]),))}: an empty label; give every sample its class")
    if names is not None:
        return indexed_labels(values, names, where, locate), names
    return encode_labels(values, where)


def read_task(read: SpecReader) -> tuple[bool, tuple[str, ...] | None]:
    """(classification?, class names) from ``task`` (default "classification") and ``class_names``."""
    classification = read.choice(TASK_KEY, TASKS, default="classification") == "classification"
    names = read_class_names(read)
    if names is not None and not classification:
        raise read.fail(CLASS_NAMES_KEY, 'applies only to task = "classification"')
    return classification, names


def targets(
    values: np.ndarray, classification: bool, names: tuple[str, ...] | None, where: str, locate: Locator
) -> tuple[np.ndarray, int, tuple[str, ...]]:
    """(y, classes, class names): class indices for classification, float (N, outputs) for regression."""
    if not classification:
        y = as_numbers(values, where, locate)
        return y.reshape(len(y), -1), 0, ()
    codes, names = class_labels(values, names, where, locate)
    return codes, len(names), names
