"""data_spec_for_path: the spec for `--data PATH`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuinn.data import DataError, data_spec_for_path, load_data

DIGITS_CNN = {"kind": "digits", "shape": "image", "val_ratio": 0.25, "limit": 50}


def test_a_folder_is_idx_and_keeps_the_options_that_apply(tmp_path, mnist_like):
    mnist_like(tmp_path, n=20)
    spec = data_spec_for_path(str(tmp_path), DIGITS_CNN)
    assert spec == {"kind": "idx", "path": str(tmp_path.resolve()), "shape": "image", "val_ratio": 0.25, "limit": 50}
    assert load_data(spec, seed=0).input_shape == (4, 3, 1)


def test_an_idx_file_means_its_folder(tmp_path, mnist_like):
    mnist_like(tmp_path, gz=True)
    spec = data_spec_for_path(str(tmp_path / "train-images-idx3-ubyte.gz"), {"kind": "idx", "class_names": "fashion"})
    assert spec == {"kind": "idx", "path": str(tmp_path.resolve()), "class_names": "fashion"}


def test_csv_drops_what_does_not_apply(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(10)))
    spec = data_spec_for_path(str(path), {"kind": "playground", "name": "xor", "samples": 200, "val_ratio": 0.5})
    assert spec == {"kind": "csv", "path": str(path.resolve()), "val_ratio": 0.5}
    assert len(load_data(spec, seed=0).x_val) == 5


def test_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((6, 2)), y=np.arange(6) % 2)
    spec = data_spec_for_path(str(path), {"kind": "csv", "label": "y", "task": "classification"})
    assert spec == {"kind": "npz", "path": str(path.resolve()), "task": "classification"}


def test_relative_paths_become_absolute(tmp_path, monkeypatch):
    (tmp_path / "t.csv.gz").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    spec = data_spec_for_path("t.csv.gz", {"kind": "digits"})
    assert spec["kind"] == "csv" and Path(spec["path"]).is_absolute()


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: no such file or folder"):
        data_spec_for_path(str(tmp_path / "nowhere"), {"kind": "digits"})


def test_unknown_kind_of_file(tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(DataError, match=r"notes\.txt: unknown kind of data; expected a folder of IDX files"):
        data_spec_for_path(str(tmp_path / "notes.txt"), {"kind": "digits"})
