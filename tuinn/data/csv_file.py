"""A CSV file: one label column, every other column a numeric feature; a header row if it has one.

The first line is a header of column names, data (a row of numbers: no header), or
scikit-learn's counts and class names (see tuinn.data.csv_layout).

Read with the csv module (UTF-8, optionally gzip'd as ``.csv.gz``); rows are
turned into numbers a block at a time, so a large file never exists as a
Python list of strings all at once. Line numbers in messages count as an
editor does: the first line is line 1.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from tuinn.data.csv_layout import HEADER_KEY, Layout, Rows, label_index, read_layout
from tuinn.data.dataset import DataError, Dataset
from tuinn.data.numeric import Locator, as_numbers, check_fits
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader
from tuinn.data.split import PoolOptions, dataset_from_pool
from tuinn.data.standardize import STANDARDIZE_KEY, read_standardize, standardized
from tuinn.data.targets import CLASS_NAMES_KEY, TASK_KEY, read_task, targets

LABEL_KEY = "label"
KEYS = ("kind", "path", LABEL_KEY, HEADER_KEY, STANDARDIZE_KEY, TASK_KEY, CLASS_NAMES_KEY, VAL_RATIO, LIMIT, SHAPE)
ROWS_PER_BLOCK = 4096


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


def row_blocks(path: Path, rows: Rows, width: int, has_header: bool) -> Iterator[tuple[list[list[str]], np.ndarray]]:
    """The data rows in blocks: (rows, line number of each row); ragged rows refused."""
    block: list[list[str]] = []
    lines: list[int] = []
    for line, row in rows:
        if len(row) != width:
            than = "the header has" if has_header else "the first row has"
            raise DataError(f"{path}: line {line} has {len(row)} fields, {than} {width}")
        block.append(row)
        lines.append(line)
        if len(block) == ROWS_PER_BLOCK:
            yield block, np.array(lines)
            block, lines = [], []
    if block:
        yield block, np.array(lines)


def block_features(block: list[list[str]], label_at: int, where: str, locate: Locator) -> np.ndarray:
    """The feature cells of a block of rows (all but the label column) as checked numbers."""
    rows = [row[:label_at] + row[label_at + 1 :] for row in block]
    try:
        values = np.array(rows, dtype=np.float64)
    except ValueError:
        values = np.array(rows, dtype=str)  # as_numbers then finds and names the bad cell
    return as_numbers(values, where, locate)


def cell_locator(lines: np.ndarray, columns: tuple[str, ...]) -> Locator:
    """Names the cell at (row, column) of a block: "line 7, column 'b'"."""
    return lambda at: f"line {lines[at[0]]}, column {columns[at[1]]!r}"


def read_table(path: Path, label: str | int | None, header: bool | None = None) -> tuple[Table, Layout]:
    """Parse the CSV at `path`; DataError naming the file, line and column of anything malformed."""
    features: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    try:
        with open_text(path) as text:
            reader = csv.reader(text)
            layout, rows = read_layout(path, reader, header)
            columns = list(layout.names)
            label_at = label_index(path, layout, label)
            feature_names = tuple(columns[:label_at] + columns[label_at + 1 :])
            for block, at_lines in row_blocks(path, rows, len(columns), layout.has_header):
                features.append(block_features(block, label_at, str(path), cell_locator(at_lines, feature_names)))
                labels.append(np.array([row[label_at] for row in block]))
                lines.append(at_lines)
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num}: {error}") from error
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from error
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot read: {error}") from error
    if not features:
        raise DataError(f"{path}: no data rows" + (" after the header" if layout.has_header else ""))
    return Table(
        np.concatenate(features), np.concatenate(labels), np.concatenate(lines), feature_names, columns[label_at]
    ), layout


def read_label(read: SpecReader) -> str | int | None:
    """``label``: a column name, or its index (-1 the last); None when absent (the last column)."""
    value = read.spec.get(LABEL_KEY)
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise read.fail(LABEL_KEY, f"must be a column name or index (such as -1 for the last), got {value!r}")


def read_header_setting(read: SpecReader) -> bool | None:
    """``header``: true, false, or absent (detect it from the first row)."""
    value = read.spec.get(HEADER_KEY)
    if value is None or isinstance(value, bool):
        return value
    raise read.fail(HEADER_KEY, f"must be true or false (or left out to detect it), got {value!r}")


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """A CSV file as a [data] table of kind "csv" asks (``label`` defaults to the last column)."""
    label = read_label(read)
    header = read_header_setting(read)
    classification, names = read_task(read)
    options = PoolOptions.read(read, shape=None, val_ratio=0.2)
    scale = read_standardize(read, default=True)
    path = read.path()
    if not path.is_file():
        raise read.fail("path", f"must be a CSV file; {str(path)!r} is a folder")
    table, layout = read_table(path, label, header)
    if names is None and classification and layout.class_names:
        names = layout.class_names
    check_fits(table.features, dtype, str(path), cell_locator(table.lines, table.feature_names))
    y, classes, names = targets(
        table.labels,
        classification,
        names,
        f"{path}: column {table.label_name!r}",
        lambda at: f"line {table.lines[at[0]]}",
    )
    if not classes:
        check_fits(y, dtype, str(path), lambda at: f"line {table.lines[at[0]]}, column {table.label_name!r}")
    description = f"{path.name}: {len(y)} rows, {len(table.feature_names)} features, label {table.label_name!r}"
    if layout.note:
        description += f" ({layout.note})"
    dataset = dataset_from_pool(
        path.stem.removesuffix(".csv"),
        table.features,
        y,
        options,
        rng=rng,
        classes=classes,
        class_names=names,
        description=description,
        dtype=dtype,
    )
    return standardized(dataset) if scale else dataset
