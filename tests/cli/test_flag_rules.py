"""A flag is honoured or refused with a reason, never dropped; a bad value is refused before anything adapts it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tuinn.cli import main
from tuinn.config import load_preset
from tuinn.config.settings import config_table, dumps


def refused(args: list[str], *fragments: str) -> None:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, (r.exit_code, r.output)
    (line,) = r.stderr.splitlines()
    assert line.startswith("tuinn: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--resume", "ck.npz", "--seed", "3"], ["--resume", "random streams", "--seed"]),
        (["--resume", "ck.npz", "--seed", "0"], ["--seed"]),  # (0 is a value given, not a default)
        (["--resume", "ck.npz", "--activation", "relu"], ["--resume", "activations", "--activation"]),
        (["--resume", "ck.npz", "--data", "d.csv"], ["--resume", "--data"]),
        (["--resume", "ck.npz", "--load", "net.npz"], ["--resume", "--load"]),
        (["--resume", "ck.npz", "--config", "mine.toml"], ["--resume", "--config"]),
        (["--resume", "ck.npz", "--set", "seed=4"], ["--resume", "--set seed"]),
        (["--resume", "ck.npz", "--set", "model.layers[0].units=8"], ["--resume", "--set model.layers[0].units"]),
        (["--resume", "ck.npz", "--set", " model.loss = mse"], ["--set model.loss"]),
    ],
)
def test_resume_refuses_the_flags_its_saved_run_would_replace(args, fragments):
    refused([*args, "--headless"], *fragments)


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--preset", "xor", "--headless", "--fps", "5"], ["--fps is for the app", "--headless"]),
        (["--preset", "xor", "--headless", "--projector"], ["--projector is for the app"]),
        (["--preset", "xor", "--json"], ["--json goes with --headless"]),
        (["--preset", "xor", "--summary", "--save", "net.npz"], ["--summary", "drop --save"]),
        (["--preset", "xor", "--summary", "--headless"], ["--summary", "drop --headless"]),
        (["--preset", "xor", "--summary", "--export", "net.onnx"], ["--summary", "drop --export"]),
        (["--preset", "xor", "--summary", "--threads", "2"], ["--summary", "drop --threads"]),
        (["--list-presets", "--preset", "xor"], ["--list-presets", "drop --preset"]),
        (["--list-presets", "--headless"], ["--list-presets", "drop --headless"]),
        (["tour", "--headless", "--stop", "2"], ["--stop is for the app", "--headless"]),
        (["tour", "--headless", "--projector"], ["--projector is for the app"]),
    ],
)
def test_flags_that_cannot_apply_together_are_refused(args, fragments):
    refused(args, *fragments)


def test_flags_that_apply_are_still_taken():
    r = CliRunner().invoke(main, ["--list-presets"])
    assert r.exit_code == 0 and "xor" in r.output
    r = CliRunner().invoke(main, ["--preset", "xor", "--summary", "--set", "train.epochs=3", "--data", "nowhere.csv"])
    assert r.exit_code == 2 and "nowhere.csv" in r.stderr  # --summary reads --data (not refused, but missing)


def test_a_bad_output_layer_is_refused_before_data_adapts_it(tmp_path):
    (tmp_path / "d.csv").write_text("x1,x2,label\n0,0,a\n1,1,b\n0,1,c\n1,0,a\n0.5,0.5,b\n0.2,0.1,c\n")
    data = str(tmp_path / "d.csv")
    ok = CliRunner().invoke(main, ["--preset", "xor", "--headless", "--epochs", "1", "--data", data])
    assert ok.exit_code in (0, 1), ok.output  # the output layer is fitted to the three classes
    for units in ("-1", "0", "true", "2.5"):
        refused(
            ["--preset", "xor", "--headless", "--data", data, "--set", f"model.layers[1].units={units}"],
            "[model] layer 2",
            "units must be",
        )
    table = config_table(load_preset("xor"))
    table["model"]["layers"][-1]["units"] = -1  # a preset file of yours holding units = -1
    (tmp_path / "bad.toml").write_text(dumps(table))
    refused(["--config", str(tmp_path / "bad.toml"), "--headless", "--data", data], "bad.toml", "units must be")


def test_resume_with_epochs_stops_there_or_refuses_a_budget_already_passed(tmp_path):
    run = [sys.executable, "-m", "tuinn"]
    proc = subprocess.Popen(
        [*run, "--preset", "spiral", "--headless", "--epochs", "1000", "--save", "ck.npz"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    epoch_lines = (line for line in proc.stdout if line.startswith("Epoch"))
    next(epoch_lines), next(epoch_lines)  # (every 15th epoch is printed: it is past epoch 15)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 143
    saved_at = int(re.search(r"Stopped by SIGTERM after (\d+) epochs", out).group(1))
    assert 15 <= saved_at < 990

    def resume(epochs: int) -> subprocess.CompletedProcess[str]:
        args = [*run, "--resume", "ck.npz", "--headless", "--epochs", str(epochs)]
        return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    shorter = resume(saved_at + 5)  # under the saved budget of 1,000: honoured
    assert shorter.returncode in (0, 1), shorter.stderr
    assert f"Epoch {saved_at + 5}/{saved_at + 5}" in shorter.stdout
    assert f"after {saved_at + 5} epochs" in shorter.stdout.splitlines()[-1]  # (spiral needs ~110 for its target)
    passed = resume(saved_at)
    assert passed.returncode == 2
    assert passed.stderr.splitlines() == [
        f"tuinn: error: --epochs {saved_at}: the run in ck.npz is already at epoch {saved_at}; "
        f"give more than {saved_at}, or no --epochs to finish its own budget"
    ]
