"""The broken inputs of issue 7, through the real command: exit 2 and one line naming the problem, never a traceback."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.cli.test_bad_input import assert_bad_input
from tests.conftest import XOR_TOML

FLOAT32_XOR = XOR_TOML.replace("[train]", '[train]\ndtype = "float32"')


def test_data_too_large_for_float32_exits_2_naming_file_row_and_column(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text(FLOAT32_XOR)
    rows = "".join(f"{i % 2},{i % 3},{(i // 2) % 2}\n" for i in range(40))
    (tmp_path / "big.csv").write_text("a,b,label\n" + rows + "1e39,0,1\n")
    assert_bad_input(
        tuinn("--config", "mine.toml", "--data", "big.csv", "--headless"),
        "big.csv",
        "line 42, column 'a'",
        "too large for float32",
    )


def test_npz_too_large_for_float32_exits_2(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text(FLOAT32_XOR)
    x = np.tile([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], (10, 1))
    x[3, 1] = -1e39
    np.savez(tmp_path / "big.npz", x=x, y=np.tile([0, 1, 1, 0], 10))
    assert_bad_input(
        tuinn("--config", "mine.toml", "--data", "big.npz", "--headless"), "big.npz", "x[3, 1]", "too large for float32"
    )


def mine(tmp_path, text: str, name: str = "mine.toml") -> str:
    (tmp_path / name).write_text(text)
    return name


def replaced(old: str, new: str) -> str:
    assert old in XOR_TOML
    return XOR_TOML.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, fragments",
    [
        (replaced("units = 4", "units = 1979-05-27T07:32:00Z"), ["key 'model.layers[0].units'", "a date or time"]),
        (replaced('loss = "binary_cross_entropy"', 'loss = ["binary_cross_entropy"]'), ["[model]", "unknown loss"]),
        (replaced('type = "dense"', "type = {a = 1}"), ["layer 1", "unknown type"]),
        (replaced('activation = "tanh"', "activation = {a = 1}"), ["model.layers[0].activation", "unknown activation"]),
        (
            replaced('activation = "tanh"', 'activation = ["tanh"]'),
            ["model.layers[0].activation", "unknown activation"],
        ),
        (replaced("units = 4", 'units = 4\ninit = ""'), ["layer 1 (dense)", "unknown initializer ''"]),
        (replaced("units = 4", "units = 1000000000000"), ["key 'model.layers[0]'", "TiB", "memory budget of 4.0 GiB"]),
        ("x = " + "[" * 1000 + "]" * 1000 + "\n" + XOR_TOML, ["nested more than 8 levels deep"]),
        ("x = " + "{a = " * 500 + "1" + "}" * 500 + "\n" + XOR_TOML, ["nested more than 8 levels deep"]),
        ("[" + ".".join(["a"] * 100_000) + "]\n" + XOR_TOML, ["dotted key or table header of more than 16 parts"]),
        (XOR_TOML + 'zzz = "' + "a" * 50_000_000 + '"\n', ["50,000,", "bytes is too large for a preset"]),
    ],
    ids=[
        "datetime",
        "loss-array",
        "type-table",
        "activation-table",
        "activation-array",
        "init-empty",
        "huge-units",
        "deep-arrays",
        "deep-tables",
        "deep-dotted-header",
        "50MB-value",
    ],
)
def test_broken_preset_files_exit_2_quickly_naming_the_problem(tuinn, tmp_path, text, fragments):
    began = time.monotonic()
    r = tuinn("--config", mine(tmp_path, text), "--headless")
    assert_bad_input(r, "mine.toml", *fragments)
    assert time.monotonic() - began < 15  # (~1 s here, mostly Python's start; it took up to 53 s)


def test_a_byte_order_mark_is_accepted(tuinn, tmp_path):
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + XOR_TOML.encode())
    r = tuinn("--config", "bom.toml", "--headless")
    assert r.code == 0, r.err


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--config", ""], ["--config ''"]),
        (["--preset", ""], ["unknown preset ''"]),
        (["--preset", "xor", "--load", ""], ["--load ''", "give the path"]),
        (["--preset", "xor", "--load", "."], ["--load '.'", "a folder, not a network file"]),
    ],
)
def test_empty_and_folder_values_are_refused(tuinn, args, fragments):
    assert_bad_input(tuinn(*args, "--headless"), *fragments)


def test_save_into_a_file_says_it_is_a_file(tuinn, tmp_path):
    (tmp_path / "afile").write_text("")
    assert_bad_input(tuinn("--preset", "xor", "--headless", "--save", "afile/out.npz"), "afile is a file, not a folder")


@pytest.mark.parametrize(
    "setting",
    ["model.layers[0].filters=100000000", "model.layers[0].kernel_size=100000", "model.layers[0].padding=100000"],
)
def test_impossible_sizes_are_refused_before_allocating(tuinn, setting):
    assert_bad_input(
        tuinn("--preset", "digits-cnn", "--headless", "--set", setting),
        "key 'model.layers[0]'",
        "over the memory budget",
    )
