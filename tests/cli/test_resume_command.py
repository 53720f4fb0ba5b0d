"""`--save` then `--resume` from the command line: the same run as one long one, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cli.test_bad_input import assert_bad_input


def params(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files if not k.startswith("__") and "/" not in k}


def test_ten_epochs_saved_and_resumed_for_ten_more_equal_twenty(tuinn, tmp_path):
    whole = tuinn("--preset", "spiral", "--headless", "--epochs", "20", "--save", "whole.npz")
    half = tuinn("--preset", "spiral", "--headless", "--epochs", "10", "--save", "half.npz")
    assert "Saved a checkpoint to half.npz (continue it with --resume half.npz)" in half.out
    rest = tuinn("--resume", "half.npz", "--headless", "--epochs", "20", "--save", "rest.npz")
    assert rest.code == whole.code == 1, rest.err  # spiral needs more epochs than 20 for its target
    assert "Epoch 11/20" in rest.out and "Epoch 10/" not in rest.out
    a, b = params(tmp_path / "whole.npz"), params(tmp_path / "rest.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    verdict = [next(line for line in r.out.splitlines() if line.startswith("Target missed")) for r in (whole, rest)]
    assert verdict[0] == verdict[1] and "after 20 epochs" in verdict[0]


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--resume", "missing.npz", "--headless"], ["missing.npz", "no such file"]),
        (["--resume", "junk.npz", "--headless"], ["junk.npz", "not a tuinn checkpoint"]),
        (["--resume", "net.npz", "--preset", "xor", "--headless"], ["--resume", "--preset"]),
    ],
)
def test_bad_resumes_exit_2_naming_the_file(tuinn, tmp_path, args, fragments):
    (tmp_path / "junk.npz").write_bytes(b"junk")
    (tmp_path / "net.npz").write_bytes(b"junk")
    assert_bad_input(tuinn(*args), *fragments)
