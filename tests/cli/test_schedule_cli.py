"""Schedules and early stopping through the real command (a subprocess), as the README shows them."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.config.safe_toml import parse_toml
from tuinn.config.schedule_table import ScheduleConfig
from tuinn.config.settings import config_table, dumps
from tuinn.train.schedule import Schedule

PLATEAU = ("--preset", "gauss", "--headless", "--set", "target.value=1.0")  # gauss levels off below 1.0


def test_patience_stops_a_run_that_stopped_improving_and_exits_1(tuinn):
    r = tuinn(*PLATEAU, "--set", "target.patience=5")
    assert r.code == 1, r.out + r.err
    assert "early stopping after 5 evaluations without improvement" in r.out
    verdict = r.out.strip().splitlines()[-1]
    match = re.fullmatch(
        r"Target missed: .* after (\d+) epochs \(\d+ steps\), stopped early: val accuracy has not "
        r"improved for 5 evaluations \(5 epochs\); best (0\.\d+) at epoch (\d+)\.",
        verdict,
    )
    assert match, verdict
    stopped, best, best_epoch = int(match[1]), float(match[2]), int(match[3])
    assert stopped == best_epoch + 5 < load_preset("gauss").train.epochs and best < 1.0
    assert r.out.count("  · stopped early: ") == 1  # and the event line, once


def test_a_run_that_meets_its_target_exits_0_whatever_the_patience(tuinn):
    r = tuinn("--preset", "gauss", "--headless", "--set", "target.patience=5")
    assert r.code == 0, r.out + r.err
    assert "stopped early" not in r.out and r.out.strip().splitlines()[-1].startswith("Target met")


def test_without_patience_the_same_run_trains_its_whole_budget(tuinn):
    r = tuinn(*PLATEAU, "--epochs", "30")
    assert r.code == 1 and "stopped early" not in r.out
    assert "after 30 epochs" in r.out.strip().splitlines()[-1]


def test_json_lines_carry_the_schedules_lr_and_the_early_stop(tuinn):
    r = tuinn(
        *PLATEAU,
        "--json",
        "--epochs",
        "40",
        "--set",
        "target.patience=4",
        "--set",
        "target.min_delta=0.001",
        "--set",
        "train.schedule.kind=step",
        "--set",
        "train.schedule.step_epochs=3",
        "--set",
        "train.schedule.gamma=0.5",
        "--set",
        "train.schedule.warmup_epochs=2",
    )
    assert r.code == 1, r.out + r.err
    records = [json.loads(line) for line in r.out.splitlines()]
    assert (
        records[0]["schedule"] == "step ×0.5 every 3 epochs, warmup 2 epochs from ×0.1" and records[0]["patience"] == 4
    )
    train = load_preset("gauss").train
    schedule = Schedule(ScheduleConfig(kind="step", step_epochs=3, gamma=0.5, warmup_epochs=2), train.lr, 0.0, 40)
    epochs = [rec for rec in records if rec["type"] == "epoch"]
    assert len(epochs) >= 3
    for rec in epochs:  # the lr of the epoch's last step, as the schedule gives it
        assert rec["lr"] == pytest.approx(schedule.lr_at(rec["epoch"] - 1, 0, 1), rel=1e-12)
    end = records[-1]
    assert (
        end["type"] == "end"
        and end["exit_code"] == 1
        and end["stopped_early"].startswith("stopped early: val accuracy")
    )


def test_console_epoch_lines_print_the_lr(tuinn):
    r = tuinn(
        "--preset",
        "xor",
        "--headless",
        "--epochs",
        "40",
        "--set",
        "train.stop_at_target=false",
        "--set",
        "train.schedule.kind=exponential",
        "--set",
        "train.schedule.gamma=0.9",
    )
    lrs = [float(m) for m in re.findall(r" - lr: ([0-9.e-]+) - ", r.out)]
    lr = load_preset("xor").train.lr
    assert len(lrs) >= 10 and lrs[0] == pytest.approx(lr, rel=1e-3) and lrs[-1] == pytest.approx(lr * 0.9**39, rel=1e-3)
    assert all(a > b for a, b in zip(lrs, lrs[1:]))


def test_a_preset_file_with_a_schedule_table_runs(tuinn, tmp_path, xor_toml):
    (tmp_path / "mine.toml").write_text(
        xor_toml + '\n[train.schedule]\nkind = "cosine"\nmin_lr = 0.05\nwarmup_epochs = 10\n'
    )
    r = tuinn("--config", "mine.toml", "--headless")
    assert r.code == 0, r.out + r.err
    assert "lr schedule cosine to 0.05, warmup 10 epochs from ×0.1" in r.out


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ("--set", "train.schedule.kind=linear"),
            "key 'train.schedule.kind': must be one of constant, step, exponential, cosine",
        ),
        (
            ("--set", "train.schedule.kind=exponential"),
            "key 'train.schedule.gamma': the exponential schedule needs gamma",
        ),
        (
            ("--set", "train.schedule.kind=cosine", "--set", "train.schedule.min_lr=0.01", "--lr", "0.001"),
            "--lr: must be at least the schedule's min_lr (0.01)",
        ),
        (("--set", "target.patience=-3"), "key 'target.patience': must be 0 (no early stopping)"),
        (("--set", "train.schedule=3"), "key 'train.schedule': must be a table"),
    ],
)
def test_bad_schedule_settings_get_one_line_and_exit_2(tuinn, args, words):
    r = tuinn("--preset", "xor", "--headless", *args)
    assert r.code == 2, r.out + r.err
    assert words in r.err and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def readme_section() -> str:
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    return text[text.index("### Learning-rate schedules and early stopping") :].split("\n## ")[0]


def test_the_readmes_command_runs_as_pasted(tuinn):
    command = re.search(r"```sh\n(tuinn .*)\n```", readme_section())[1]
    r = tuinn(*shlex.split(command)[1:])
    assert r.code in (0, 1), r.out + r.err
    assert "lr schedule cosine to 0.0001, warmup 5 epochs from ×0.1; early stopping after 10 evaluations" in r.out


def test_the_readmes_tables_make_a_preset_that_runs(tuinn, tmp_path):
    tables = parse_toml(re.search(r"```toml\n(.*?)```", readme_section(), re.S)[1])
    preset = config_table(load_preset("circle"))
    preset["train"] |= tables["train"]
    preset["target"] |= tables["target"]
    (tmp_path / "mine.toml").write_text(dumps(preset))
    r = tuinn("--config", "mine.toml", "--headless", "--json")
    assert r.code in (0, 1), r.out + r.err
    start = json.loads(r.out.splitlines()[0])
    assert start["schedule"] == "cosine to 0.0001 over 80 epochs, warmup 5 epochs from ×0.1" and start["patience"] == 10


def test_a_scheduled_run_saved_and_resumed_equals_the_whole_run(tuinn, tmp_path):
    """A step decay with a warmup in steps (neither depends on the planned epochs): 10 + --resume + 10 = 20."""
    schedule = [
        "--set",
        "train.schedule.kind=step",
        "--set",
        "train.schedule.step_epochs=4",
        "--set",
        "train.schedule.gamma=0.5",
        "--set",
        "train.schedule.warmup_steps=40",
    ]
    whole = tuinn("--preset", "spiral", "--headless", "--json", "--epochs", "20", *schedule, "--save", "whole.npz")
    tuinn("--preset", "spiral", "--headless", "--epochs", "10", *schedule, "--save", "half.npz")
    rest = tuinn("--resume", "half.npz", "--headless", "--json", "--epochs", "20", "--save", "rest.npz")
    assert rest.code == whole.code, rest.err
    lines = [[json.loads(line) for line in r.out.splitlines()] for r in (whole, rest)]
    lrs = [{rec["epoch"]: rec["lr"] for rec in recs if rec["type"] == "epoch"} for recs in lines]
    assert lrs[1] and all(lrs[0][e] == lr for e, lr in lrs[1].items() if e in lrs[0])
    assert lrs[1][20] == lrs[0][20] == pytest.approx(load_preset("spiral").train.lr * 0.5**4)
    with (
        np.load(tmp_path / "whole.npz", allow_pickle=False) as a,
        np.load(tmp_path / "rest.npz", allow_pickle=False) as b,
    ):
        assert a.files == b.files
        for k in a.files:
            if not k.startswith("__"):
                np.testing.assert_array_equal(a[k], b[k], err_msg=k)
