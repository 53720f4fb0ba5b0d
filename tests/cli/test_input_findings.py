"""The broken inputs of issue 7, through the real command: exit 2 and one line naming the problem, never a traceback."""

from __future__ import annotations

import numpy as np

from tests.cli.test_bad_input import assert_bad_input
from tests.conftest import XOR_TOML

FLOAT32_XOR = XOR_TOML.replace("[train]", '[train]\ndtype = "float32"')


def test_data_too_large_for_float32_exits_2_naming_file_row_and_column(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text(FLOAT32_XOR)
    rows = "".join(f"{i % 2},{i % 3},{(i // 2) % 2}\n" for i in range(40))
    (tmp_path / "big.csv").write_text("a,b,label\n" + rows + "1e39,0,1\n")
    assert_bad_input(tuinn("--config", "mine.toml", "--data", "big.csv", "--headless"),
                     "big.csv", "line 42, column 'a'", "too large for float32")


def test_npz_too_large_for_float32_exits_2(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text(FLOAT32_XOR)
    x = np.tile([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], (10, 1))
    x[3, 1] = -1e39
    np.savez(tmp_path / "big.npz", x=x, y=np.tile([0, 1, 1, 0], 10))
    assert_bad_input(tuinn("--config", "mine.toml", "--data", "big.npz", "--headless"),
                     "big.npz", "x[3, 1]", "too large for float32")
