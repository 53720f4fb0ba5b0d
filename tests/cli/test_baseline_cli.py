"""`--baseline FILE` in a real process: both runs' final figures side by side; a file with no run exits 2, one line."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.test_bad_input import assert_bad_input
from tuinn.train.recorder import Recording


def final_figures(out: str) -> dict[str, tuple[str, str]]:
    """The comparison table's rows: figure -> (baseline, this run)."""
    table = out.split("Against the baseline", 1)[1].splitlines()[2:]
    rows = [line.split() for line in table if re.match(r"^  \S+\s+\S+\s+\S+$", line)]
    return {name: (was, now) for name, was, now in rows}


def test_a_recording_as_baseline_prints_both_final_figures(tuinn, tmp_path):
    recorded = tuinn("--preset", "digits-small-shallow", "--headless", "--record", "shallow.rec")
    assert recorded.code == 0, recorded.err
    shallow = Recording(tmp_path / "shallow.rec")
    last = shallow[len(shallow) - 1]
    r = tuinn("--preset", "digits-small-deep", "--headless", "--baseline", "shallow.rec")
    assert r.code in (0, 1), r.err
    assert "Against the baseline digits-small-shallow · layers 2→9 (shallow.rec):" in r.out
    figures = final_figures(r.out)
    assert figures["val_accuracy"][0] == f"{last.val_metric:.4f}"
    assert figures["epochs"][0] == str(last.epoch)
    deep_verdict = re.search(r"val accuracy = (\d\.\d{4})", r.out.split("Against the baseline")[1])
    assert deep_verdict and figures["val_accuracy"][1] == deep_verdict.group(1)


def test_a_saved_run_as_baseline_and_the_json_end_line(tuinn, tmp_path):
    saved = tuinn("--preset", "xor", "--headless", "--epochs", "300", "--save", "xor.npz")
    assert saved.code in (0, 1), saved.err
    r = tuinn("--preset", "xor", "--headless", "--json", "--activation", "relu", "--baseline", "xor.npz")
    assert r.code in (0, 1), r.err
    end = json.loads(r.out.splitlines()[-1])
    assert end["type"] == "end"
    base = end["baseline"]
    assert base["file"] == "xor.npz" and base["preset"] == "xor" and base["epoch"] == 300
    assert base["label"] == "xor · activation tanh→relu, epochs 300→2000"
    assert 0.0 <= base["train_metric"] <= 1.0 and base["train_loss"] > 0
    plain = tuinn("--preset", "xor", "--headless", "--json")
    assert "baseline" not in json.loads(plain.out.splitlines()[-1])  # the line is unchanged without the flag


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("missing.rec", None, "--baseline missing.rec: No such file"),
        ("junk.rec", b"hello\n", "--baseline junk.rec: not a tuinn recording"),
        ("empty.rec", b"", "--baseline empty.rec:"),
        ("zip.npz", b"PK\x03\x04 not really a zip", "--baseline zip.npz: not a tuinn checkpoint"),
    ],
)
def test_a_file_with_no_run_exits_2_with_one_line(tuinn, tmp_path, name, content, fragment):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    r = tuinn("--preset", "xor", "--headless", "--baseline", name)
    assert_bad_input(r, fragment)
    assert len(r.err.strip().splitlines()) == 1 and r.out == ""


def test_a_network_without_its_run_is_refused(tuinn, tmp_path):
    from tuinn.config import load_preset
    from tuinn.train.trainer import Trainer

    Trainer(load_preset("xor")).network.save(tmp_path / "net.npz")
    assert_bad_input(tuinn("--preset", "xor", "--headless", "--baseline", "net.npz"), "net.npz", "no training state")


def test_baseline_with_summary_is_refused(tuinn):
    assert_bad_input(tuinn("--preset", "xor", "--summary", "--baseline", "x.rec"), "drop --baseline")
