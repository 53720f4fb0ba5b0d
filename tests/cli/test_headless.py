"""Headless runs: exit codes, progress lines, JSON lines, and no Textual import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

from tuinn.config import load_preset, preset_names


def test_xor_meets_its_target(tuinn):
    r = tuinn("--preset", "xor", "--headless")
    assert r.code == 0, r.out + r.err
    last = r.out.strip().splitlines()[-1]
    assert last.startswith("Target met: train accuracy = 1.0000")
    assert "Epoch" in r.out and "loss:" in r.out
    assert r.err == ""


def test_perceptron_xor_misses_and_says_why(tuinn):
    r = tuinn("--preset", "perceptron-xor", "--headless")
    assert r.code == 1, r.out + r.err
    assert "Target missed" in r.out
    assert "not linearly separable" in r.out


def test_long_runs_print_a_bounded_number_of_lines(tuinn):
    r = tuinn("--preset", "perceptron-xor", "--headless", "--epochs", "20000")
    assert r.code == 1
    epoch_lines = [l for l in r.out.splitlines() if l.startswith("Epoch")]
    assert 2 <= len(epoch_lines) <= 22


def test_list_presets_gives_each_a_line(tuinn):
    r = tuinn("--list-presets")
    assert r.code == 0
    lines = r.out.strip().splitlines()
    assert len(lines) == len(preset_names())
    for name, line in zip(preset_names(), lines):
        assert line.split()[0] == name
        assert load_preset(name).description.split()[0] in line


def test_deep_sigmoid_json_shows_gradients_vanishing_toward_the_input(tuinn):
    r = tuinn("--preset", "deep-sigmoid", "--headless", "--json", "--epochs", "5")
    records = [json.loads(line) for line in r.out.splitlines()]
    assert records[0]["type"] == "start" and records[-1]["type"] == "end"
    epochs = [rec for rec in records if rec["type"] == "epoch"]
    norms = list(epochs[-1]["grad_norms"].values())  # input layer first
    assert len(norms) >= 8
    hidden = norms[:-1]
    assert all(a < b for a, b in zip(hidden, hidden[1:])), norms
    assert hidden[0] < 1e-3 * hidden[-1], norms


def test_headless_does_not_import_textual(tmp_path):
    code = (
        "import sys\n"
        "from tuinn.cli import main\n"
        "try:\n"
        "    main(['--preset', 'and', '--headless'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tuinn') and (m.startswith('textual') or m.startswith('tuinn.tui')))\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_save_then_load_continues_from_the_weights(tuinn, tmp_path):
    r = tuinn("--preset", "xor", "--headless", "--save", "xor.npz")
    assert r.code == 0 and (tmp_path / "xor.npz").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    r = tuinn("--preset", "xor", "--headless", "--load", "xor.npz", "--epochs", "1")
    assert r.code == 0, r.out + r.err  # already trained: the one epoch meets the target


def test_seed_conv_summary_shows_the_worked_example(tuinn, tmp_path):
    r = tuinn("--preset", "seed-conv", "--summary")
    assert r.code == 0, r.err
    row = next(line for line in r.out.splitlines() if line.startswith("conv2d_1"))
    assert row.split()[-6:-3] == ["2×2×3", "12", "15"]  # output shape, neurons, shared parameters
    text = resources.files("tuinn.presets").joinpath("seed-conv.toml").read_text(encoding="utf-8")
    (tmp_path / "stride1.toml").write_text(text.replace("stride = 2", "stride = 1"))
    r = tuinn("--config", "stride1.toml", "--summary")
    row = next(line for line in r.out.splitlines() if line.startswith("conv2d_1"))
    assert row.split()[-6:-3] == ["3×3×3", "27", "15"]


def test_threads_flag_is_accepted_and_checked(tuinn):
    assert tuinn("--preset", "and", "--headless", "--threads", "1").code == 0
    r = tuinn("--preset", "and", "--headless", "--threads", "0")
    assert r.code == 2 and "--threads" in r.err


def test_the_final_summary_and_the_json_end_record_hold_the_confusion_matrix(tuinn):
    r = tuinn("--preset", "gauss", "--headless")
    assert "Confusion matrix (validation, 250 samples)" in r.out
    r = tuinn("--preset", "gauss", "--headless", "--json")
    end = json.loads(r.out.strip().splitlines()[-1])
    m = end["confusion"]
    assert end["type"] == "end" and end["confusion_source"] == "validation"
    assert sum(map(sum, m)) == 250
    assert (m[0][0] + m[1][1]) / 250 == end["val_metric"]
    assert end["class_accuracy"] == [m[0][0] / sum(m[0]), m[1][1] / sum(m[1])]
