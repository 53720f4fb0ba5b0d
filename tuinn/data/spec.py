"""Typed, checked reading of a preset's ``[data]`` table; every error names the key."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

from tuinn.data.dataset import DataError

#: Keys shared by the loaders of files and of the bundled digits.
VAL_RATIO = "val_ratio"
LIMIT = "limit"
SHAPE = "shape"
SHAPE_WORDS = ("flat", "image")


def key_name(key: str) -> str:
    """The key as a user finds it in a preset: ``data.<key>``."""
    return f"data.{key}"


def one_of(value: str, options: Sequence[str]) -> str:
    """``'one of a, b, c'``, plus a "did you mean" hint when `value` is close to an option."""
    text = "one of " + ", ".join(options)
    close = difflib.get_close_matches(value, options, n=1)
    return text + (f" (did you mean {close[0]!r}?)" if close else "")


class SpecReader:
    """Reads values from a data spec by key, checking type and range; rejects unknown keys.

    `allowed` lists every key the spec may hold (including ``kind``); `base_dir`
    is where relative paths are resolved (the folder of the preset file).
    """

    def __init__(self, spec: Mapping[str, Any], allowed: Collection[str], base_dir: Path | None = None) -> None:
        unknown = sorted(set(spec) - set(allowed))
        if unknown:
            kind = spec.get("kind")
            raise DataError(
                f"{key_name(unknown[0])} is not a key of kind {kind!r}; allowed: {', '.join(sorted(allowed))}"
            )
        self.spec = spec
        self.base_dir = base_dir

    def has(self, key: str) -> bool:
        """Whether the spec gives `key` at all."""
        return key in self.spec

    def fail(self, key: str, problem: str) -> DataError:
        """A DataError about `key`, for the caller to raise."""
        return DataError(f"{key_name(key)} {problem}")

    def _typed(self, key: str, default: Any, types: tuple[type, ...], noun: str) -> Any:
        if key not in self.spec and default is None:
            return None
        value = self.spec.get(key, default)
        if not isinstance(value, types) or isinstance(value, bool) and bool not in types:
            raise self.fail(key, f"must be {noun}, got {value!r}")
        return value

    @overload
    def integer(self, key: str, default: int, low: int, high: int) -> int: ...
    @overload
    def integer(self, key: str, default: None, low: int, high: int) -> int | None: ...
    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        """An integer in [low, high]; `default` (may be None) when the key is absent."""
        value: int | None = self._typed(key, default, (int,), "an integer")
        if value is not None and not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        """A number (int or float) in the closed range [low, high]."""
        value = float(self._typed(key, default, (int, float), "a number"))
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, got {value:g}")
        return value

    def ratio(self, key: str = VAL_RATIO, default: float = 0.2) -> float:
        """A fraction strictly between 0 and 1 (the validation share of the samples)."""
        value = float(self._typed(key, default, (int, float), "a number"))
        if not 0.0 < value < 1.0:
            raise self.fail(key, f"must be between 0 and 1 (both excluded), got {value:g}")
        return value

    def text(self, key: str, default: str | None) -> str | None:
        """A string; `default` (may be None) when the key is absent."""
        value: str | None = self._typed(key, default, (str,), "a string")
        return value

    def choice(self, key: str, options: Sequence[str], default: str | None = None) -> str:
        """A string from `options`; required when `default` is None."""
        value = self.text(key, default)
        if value is None:
            raise self.fail(key, f"is required: {one_of('', options)}")
        if value not in options:
            raise self.fail(key, f"must be {one_of(value, options)}; got {value!r}")
        return value

    def limit(self) -> int | None:
        """The optional cap on samples taken from a file (``limit``)."""
        return self.integer(LIMIT, None, 1, 10_000_000)

    def shape(self, default: str | None) -> str | tuple[int, ...] | None:
        """``shape``: "flat", "image", or a list of positive integers (one sample's shape)."""
        value = self.spec.get(SHAPE, default)
        if value is None or value in SHAPE_WORDS:
            word: str | None = value
            return word
        if isinstance(value, str):
            raise self.fail(SHAPE, f"must be {one_of(value, SHAPE_WORDS)} or a list of sizes; got {value!r}")
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        ):
            raise self.fail(SHAPE, f'must be "flat", "image" or a list of positive integers, got {value!r}')
        return tuple(value)

    def string_list(self, key: str) -> tuple[str, ...] | None:
        """An optional list of strings."""
        value = self.spec.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"must be a list of strings, got {value!r}")
        return tuple(value)

    def path(self, key: str = "path") -> Path:
        """A required path to an existing file or folder, relative paths taken from `base_dir`."""
        value = self.text(key, None)
        if not value:
            raise self.fail(key, "is required: the file or folder to load")
        path = Path(value).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        if not path.exists():
            raise self.fail(key, f"names {str(path)!r}, which does not exist")
        return path
