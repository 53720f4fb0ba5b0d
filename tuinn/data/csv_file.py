"""A CSV file with a header row: one label column, every other column a numeric feature.

Read with the csv module (UTF-8, optionally gzip'd as ``.csv.gz``); rows are
turned into numbers a block at a time, so a large file never exists as a
Python list of strings all at once. Line numbers in messages count as an
editor does: the header is line 1.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np

from tuinn.data.dataset import DataError, Dataset
from tuinn.data.numeric import Locator, as_numbers, check_fits
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader, key_name
from tuinn.data.split import PoolOptions, dataset_from_pool
from tuinn.data.targets import CLASS_NAMES_KEY, TASK_KEY, read_task, targets

LABEL_KEY = "label"
KEYS = ("kind", "path", LABEL_KEY, TASK_KEY, CLASS_NAMES_KEY, VAL_RATIO, LIMIT, SHAPE)
ROWS_PER_BLOCK = 4096


class RowReader(Protocol):
    """What the csv module's reader offers: rows, and the line number reached."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


@dataclass(frozen=True)
class Table:
    """The parsed file: float features (N, F), raw label strings (N,), and each row's line number."""

    features: np.ndarray
    labels: np.ndarray
    lines: np.ndarray
    feature_names: tuple[str, ...]
    label_name: str


def open_text(path: Path) -> TextIO:
    """`path` opened as UTF-8 text for the csv module (gunzipped when it ends in .gz; a BOM is skipped)."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def label_column(path: Path, header: list[str], label: str | None) -> int:
    """Index of the label column: the one named `label`, or the last one."""
    if label is None:
        return len(header) - 1
    if label not in header:
        raise DataError(f"{path}: {key_name(LABEL_KEY)} names column {label!r}, which is not in the header; "
                        f"columns: {', '.join(header)}")
    return header.index(label)


def read_header(path: Path, reader: RowReader) -> list[str]:
    """The header row's column names (the first line that is not blank), checked: at least two, none repeated."""
    header = next((row for row in reader if row), None)
    if header is None:
        raise DataError(f"{path}: empty file; expected a header row naming the columns")
    header = [name.strip() for name in header]
    if len(header) < 2:
        raise DataError(f"{path}: line {reader.line_num}: the header names only {len(header)} column; "
                        f"need at least one feature and a label")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(f"{path}: line {reader.line_num}: column {repeated[0]!r} appears more than once in the header")
    return header


def row_blocks(path: Path, reader: RowReader, width: int) -> Iterator[tuple[list[list[str]], np.ndarray]]:
    """The data rows in blocks: (rows, line number of each row); blank lines skipped, ragged rows refused."""
    block: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if not row:
            continue
        if len(row) != width:
            raise DataError(f"{path}: line {reader.line_num} has {len(row)} fields, the header has {width}")
        block.append(row)
        lines.append(reader.line_num)
        if len(block) == ROWS_PER_BLOCK:
            yield block, np.array(lines)
            block, lines = [], []
    if block:
        yield block, np.array(lines)


def block_features(block: list[list[str]], label_index: int, where: str, locate: Locator) -> np.ndarray:
    """The feature cells of a block of rows (all but the label column) as checked numbers."""
    rows = [row[:label_index] + row[label_index + 1:] for row in block]
    try:
        values = np.array(rows, dtype=np.float64)
    except ValueError:
        values = np.array(rows, dtype=str)  # as_numbers then finds and names the bad cell
    return as_numbers(values, where, locate)


def cell_locator(lines: np.ndarray, columns: tuple[str, ...]) -> Locator:
    """Names the cell at (row, column) of a block: "line 7, column 'b'"."""
    return lambda at: f"line {lines[at[0]]}, column {columns[at[1]]!r}"


def read_table(path: Path, label: str | None) -> Table:
    """Parse the CSV at `path`; DataError naming the file, line and column of anything malformed."""
    features: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    try:
        with open_text(path) as text:
            reader = csv.reader(text)
            header = read_header(path, reader)
            label_index = label_column(path, header, label)
            feature_names = tuple(header[:label_index] + header[label_index + 1:])
            for block, at_lines in row_blocks(path, reader, len(header)):
                features.append(block_features(block, label_index, str(path), cell_locator(at_lines, feature_names)))
                labels.append(np.array([row[label_index] for row in block]))
                lines.append(at_lines)
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num}: {error}") from error
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from error
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot read: {error}") from error
    if not features:
        raise DataError(f"{path}: no data rows after the header")
    return Table(np.concatenate(features), np.concatenate(labels), np.concatenate(lines),
                 feature_names, header[label_index])


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """A CSV file as a [data] table of kind "csv" asks (``label`` defaults to the last column)."""
    label = read.text(LABEL_KEY, None)
    classification, names = read_task(read)
    options = PoolOptions.read(read, shape=None, val_ratio=0.2)
    path = read.path()
    if not path.is_file():
        raise read.fail("path", f"must be a CSV file; {str(path)!r} is a folder")
    table = read_table(path, label)
    check_fits(table.features, dtype, str(path), cell_locator(table.lines, table.feature_names))
    y, classes, names = targets(table.labels, classification, names, f"{path}: column {table.label_name!r}",
                                lambda at: f"line {table.lines[at[0]]}")
    if not classes:
        check_fits(y, dtype, str(path), lambda at: f"line {table.lines[at[0]]}, column {table.label_name!r}")
    description = f"{path.name}: {len(y)} rows, {len(table.feature_names)} features, label {table.label_name!r}"
    return dataset_from_pool(path.stem.removesuffix(".csv"), table.features, y, options, rng=rng,
                             classes=classes, class_names=names, description=description, dtype=dtype)
