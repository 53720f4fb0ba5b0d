"""Checked conversion of loaded values (numbers or text) to finite numbers, naming the first bad one."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tuinn.data.dataset import DataError

#: Says where the value at an index sits in its file, for messages: "line 7, column 'b'", "x[6, 0]".
Locator = Callable[[tuple[int, ...]], str]


def _describe(text: str) -> str:
    return "an empty value" if not text.strip() else repr(text)


def as_numbers(values: np.ndarray, where: str, locate: Locator) -> np.ndarray:
    """`values` as a numeric array (text parsed to float64); DataError naming the first non-finite value."""
    if values.dtype.kind in "biu":
        return values
    if values.dtype.kind == "f":
        numbers = values
    elif values.dtype.kind == "U":
        try:
            numbers = values.astype(np.float64)
        except ValueError:
            index, text = next((i, v) for i, v in np.ndenumerate(values) if not parses_as_number(v))
            raise DataError(f"{where}: {locate(index)}: {_describe(str(text))} is not a number") from None
    else:
        raise DataError(f"{where}: holds values of type {values.dtype}, expected numbers")
    bad = np.argwhere(~np.isfinite(numbers))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        raise DataError(f"{where}: {locate(index)}: {values[index]} is not a finite number")
    return numbers


def check_fits(numbers: np.ndarray, dtype: np.dtype, where: str, locate: Locator) -> None:
    """DataError naming the first value too large for the run's `dtype` (it would become inf)."""
    dtype = np.dtype(dtype)
    if numbers.dtype.kind != "f" or dtype.kind != "f" or np.finfo(dtype).max >= np.finfo(numbers.dtype).max:
        return
    limit = float(np.finfo(dtype).max)
    bad = np.argwhere(np.abs(numbers) > limit)
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        raise DataError(
            f"{where}: {locate(index)}: {float(numbers[index]):g} is too large for {dtype} "
            f"(at most ±{limit:.4g}); scale the data, or train in float64 (dtype in [train])"
        )


def parses_as_number(text: str) -> bool:
    """Whether `text` reads as a number (numpy's conversion of text parses as `float` does)."""
    try:
        float(text)
    except ValueError:
        return False
    return True
