"""The network file format: an .npz archive of named weights beside a JSON description, never pickled.

The description (``__meta__``) holds the format version, the spec with each layer's
activation as it is now, the input shape, the dtype and the seed. Reading checks it as
strictly as a preset (every spec message applies) and refuses anything else as "not a
tuinn network file". Writing goes through a temporary file and a rename, so a file is
either the old one or the whole new one.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tuinn.nn.atomic import write_atomically
from tuinn.nn.spec import DTYPES, SpecError, configure_layers, is_count, loss_named, parse_spec

FORMAT_VERSION = 1
#: the archive entry that holds the description
META_KEY = "__meta__"

NpzFile = np.lib.npyio.NpzFile


def write_network_file(
    path: str | os.PathLike[str],
    description: dict[str, Any],
    params: Mapping[str, NDArray[Any]],
    extra: Mapping[str, NDArray[Any]] | None = None,
) -> Path:
    """Write `params` by name, the `description` (spec, input_shape, dtype, seed) and `extra` arrays to `path`."""
    path = Path(path)
    arrays = dict(params)
    arrays[META_KEY] = np.array(json.dumps({"format": FORMAT_VERSION, **description}))
    arrays.update(extra or {})
    write_atomically(path, lambda f: np.savez(f, allow_pickle=False, **arrays))
    return path


@contextmanager
def open_network_file(path: str | os.PathLike[str]) -> Iterator[NpzFile]:
    """Open an .npz without unpickling anything; ValueError for any other kind of file."""
    try:
        f = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile):
        # (NumPy's own message would suggest allow_pickle=True: never for files from elsewhere)
        raise ValueError(f"{path}: not a tuinn network file (not an .npz archive)") from None
    if not isinstance(f, NpzFile):
        raise ValueError(f"{path}: not a tuinn network file (a single array, not an .npz archive)")
    with f:
        yield f


def read_description(f: NpzFile, path: str | os.PathLike[str]) -> dict[str, Any]:
    """The spec, input shape, seed and dtype stored beside the weights; ValueError if missing or bad."""
    try:
        meta = json.loads(str(f[META_KEY]))
        if not isinstance(meta, dict):
            raise ValueError("its description is not a table")
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {meta.get('format')!r}, this tuinn reads {FORMAT_VERSION}")
        missing = {"spec", "input_shape", "seed", "dtype"} - meta.keys()
        if missing:
            raise ValueError(f"incomplete description: missing {sorted(missing)}")
        _check_description(meta)
    except SpecError as e:
        raise ValueError(f"{path}: not a tuinn network file (its spec: {e})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: not a tuinn network file ({e})") from None
    return meta


def copy_weights(arrays: NpzFile, params: Mapping[str, NDArray[Any]], source: str) -> None:
    """Copy every parameter from an open archive into `params` in place; names and shapes must match."""
    for name, p in params.items():
        if name not in arrays.files:
            raise ValueError(f"{source}: no weights for parameter {name!r}")
        w = arrays[name]
        if w.shape != p.shape:
            raise ValueError(f"{source}: parameter {name!r} has shape {w.shape}, the network needs {p.shape}")
        if w.dtype.kind not in "fiu":
            raise ValueError(f"{source}: parameter {name!r} holds {w.dtype} values, not real numbers")
        with np.errstate(over="ignore", invalid="ignore"):
            p[...] = w
        if not np.isfinite(p).all():
            raise ValueError(
                f"{source}: parameter {name!r} holds NaN or infinite values (or values too large for {p.dtype})"
            )


def _check_description(meta: dict[str, Any]) -> None:
    """The saved description, checked as strictly as a preset: ValueError or SpecError naming the field."""
    spec, shape, dtype, seed = meta["spec"], meta["input_shape"], meta["dtype"], meta["seed"]
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        raise ValueError(f"spec.layers must be a list of layers, got {type(spec).__name__} {spec!r:.60}")
    if not (isinstance(shape, list) and shape and all(is_count(d) and d > 0 for d in shape)):
        raise ValueError(f"input_shape must be a list of positive integers, got {shape!r:.60}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r:.60}")
    if not (is_count(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r:.60}")
    spec, layers, _ = parse_spec(spec)
    configure_layers(layers, tuple(shape), loss_named(spec["loss"]))
