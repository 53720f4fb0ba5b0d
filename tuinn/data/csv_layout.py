"""How a CSV file is laid out: a header row of column names, no header at all, or scikit-learn's
first line of counts and class names (``569,30,malignant,benign``); and which column is the label.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Protocol

from tuinn.data.dataset import DataError
from tuinn.data.numeric import parses_as_number
from tuinn.data.spec import key_name

HEADER_KEY = "header"


@dataclass(frozen=True)
class Layout:
    """The columns of a CSV file: their names, and the class names its first line gives (if any)."""

    names: tuple[str, ...]
    has_header: bool
    class_names: tuple[str, ...] | None = None
    note: str = ""  # how the first line was read, for the start line ("no header row: ...")


def _is_count(cell: str) -> bool:
    return cell.strip().isdigit()


Rows = Iterator[tuple[int, list[str]]]  # (line number, cells) of each data row


class CsvReader(Protocol):
    """What `read_layout` needs of a `csv.reader`: its rows and the line it has read up to."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


def read_layout(path: Path, reader: CsvReader, header: bool | None) -> tuple[Layout, Rows]:
    """The file's layout and its data rows with their line numbers, from the first data row on.

    `header` True or False says whether the first row names the columns; None detects it:
    a first row of numbers only is data, and scikit-learn's ``n_samples,n_features,names...``
    (followed by rows of n_features + 1 cells) is read as counts and class names.
    """
    rows = ((reader.line_num, row) for row in reader if row)
    first_line, first = next(rows, (0, None))
    if first is None:
        raise DataError(f"{path}: empty file; expected a header row naming the columns, or rows of numbers")
    first = [cell.strip() for cell in first]
    second_line, second = next(rows, (0, None))
    rest = rows if second is None else chain([(second_line, second)], rows)
    if header is None:
        sklearn = (
            len(first) >= 2
            and _is_count(first[0])
            and _is_count(first[1])
            and second is not None
            and len(second) == int(first[1]) + 1
            and not any(parses_as_number(c) for c in first[2:])
        )
        if sklearn:
            names = tuple(str(i) for i in range(int(first[1]) + 1))  # (the second row's length)
            classes = tuple(first[2:]) if len(first) > 3 else None  # (one name is no class list)
            note = f"line 1 read as scikit-learn's counts ({first[0]} rows, {first[1]} features)" + (
                f" and class names ({', '.join(first[2:])})" if classes else ""
            )
            return Layout(names, False, classes, note), rest
        header = not all(parses_as_number(cell) for cell in first)
    if not header:
        names = tuple(str(i) for i in range(len(first)))
        return Layout(names, False, None, "no header row: columns numbered from 0"), chain([(first_line, first)], rest)
    _check_names(path, first, first_line)
    return Layout(tuple(first), True), rest


def _check_names(path: Path, names: list[str], line: int) -> None:
    if len(names) < 2:
        raise DataError(
            f"{path}: line {line}: the header names only {len(names)} column; need at least one feature and a label"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(f"{path}: line {line}: column {repeated[0]!r} appears more than once in the header")


def label_index(path: Path, layout: Layout, label: str | int | None) -> int:
    """The label column: by name, by index (negative counts from the end), or the last one."""
    count = len(layout.names)
    if label is None:
        return count - 1
    if isinstance(label, int):
        if not -count <= label < count:
            raise DataError(
                f"{path}: {key_name('label')} = {label} is not a column: the file has {count} "
                f"(0..{count - 1}, or -1 for the last)"
            )
        return label % count
    if label in layout.names:
        return layout.names.index(label)
    if label.lstrip("-").isdigit():
        return label_index(path, layout, int(label))
    where = "the header" if layout.has_header else "the file (it has no header row: give the column's index)"
    raise DataError(
        f"{path}: {key_name('label')} names column {label!r}, which is not in {where}; "
        f"columns: {', '.join(layout.names)}"
    )
