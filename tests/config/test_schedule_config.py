"""[train.schedule] and [target] patience: every bad key is named with its file; good tables round-trip."""

from __future__ import annotations

import pytest

from tests.conftest import XOR_TOML
from tuinn.config import ConfigError, parse_config, with_overrides
from tuinn.config.schedule_table import ScheduleConfig
from tuinn.config.settings import config_table, dumps, with_settings


def with_tables(schedule: str = "", target: str = "") -> str:
    """The test XOR preset with a [train.schedule] table and extra [target] keys."""
    text = XOR_TOML.replace("value = 1.0", "value = 1.0\n" + target)
    return text + ("\n[train.schedule]\n" + schedule if schedule else "")


def test_a_full_schedule_parses():
    config = parse_config(
        with_tables(
            'kind = "cosine"\nmin_lr = 0.01\nperiod_epochs = 40\nwarmup_epochs = 5\nwarmup_start = 0.2',
            "patience = 4\nmin_delta = 0.001",
        ),
        source="mine.toml",
        base_dir=None,
    )
    assert config.train.schedule == ScheduleConfig(
        kind="cosine", min_lr=0.01, period_epochs=40, warmup_epochs=5, warmup_start=0.2
    )
    assert (config.target.patience, config.target.min_delta) == (4, 0.001)
    assert config.train.schedule.describe() == "cosine to 0.01 over 40 epochs, warmup 5 epochs from ×0.2"


def test_no_table_is_the_constant_schedule_and_no_early_stopping():
    config = parse_config(XOR_TOML, source="mine.toml", base_dir=None)
    assert config.train.schedule == ScheduleConfig() and config.target.patience == 0
    assert "schedule" not in config_table(config)["train"]  # a plain preset is written back as it was


@pytest.mark.parametrize(
    "schedule, target, key, words",
    [
        ('kind = "linear"', "", "train.schedule.kind", "must be one of constant, step, exponential, cosine"),
        ("kind = 3", "", "train.schedule.kind", "must be a string"),
        ('kind = "step"\nstep_size = 3', "", "train.schedule.step_size", "unknown key"),
        ('kind = "step"\nstep_epochs = 0', "", "train.schedule.step_epochs", "at least 1"),
        ('kind = "step"\nstep_epochs = 2.5', "", "train.schedule.step_epochs", "must be an integer"),
        ('kind = "step"\ngamma = 1.5', "", "train.schedule.gamma", "at most 1"),
        ('kind = "step"\ngamma = 0', "", "train.schedule.gamma", "above 0"),
        ('kind = "exponential"\ngamma = nan', "", "train.schedule.gamma", "above 0"),
        ('kind = "exponential"', "", "train.schedule.gamma", "needs gamma"),
        ('kind = "cosine"\nmin_lr = 0.6', "", "train.schedule.min_lr", "up to train.lr (0.5)"),
        ('kind = "cosine"\nmin_lr = -1e-3', "", "train.schedule.min_lr", "from 0"),
        ('kind = "cosine"\nperiod_epochs = 0', "", "train.schedule.period_epochs", "at least 1"),
        ('kind = "cosine"\ngamma = 0.5', "", "train.schedule.gamma", "does not apply to the cosine schedule"),
        ('kind = "step"\nperiod_epochs = 5', "", "train.schedule.period_epochs", "does not apply to the step schedule"),
        ("min_lr = 0.1", "", "train.schedule.min_lr", "does not apply to the constant schedule"),
        ("warmup_epochs = -2", "", "train.schedule.warmup_epochs", "0 (no warmup) or positive"),
        ("warmup_epochs = 2\nwarmup_steps = 10", "", "train.schedule.warmup_steps", "not both"),
        ("warmup_epochs = 2\nwarmup_start = 0", "", "train.schedule.warmup_start", "above 0"),
        ("warmup_epochs = 2\nwarmup_start = 2", "", "train.schedule.warmup_start", "at most 1"),
        ("warmup_steps = true", "", "train.schedule.warmup_steps", "must be an integer"),
        ("", "patience = -1", "target.patience", "0 (no early stopping)"),
        ("", "patience = 2.5", "target.patience", "must be an integer"),
        ("", "min_delta = -0.1", "target.min_delta", "from 0 up"),
        ("", "min_delta = inf", "target.min_delta", "from 0 up"),
        ("", "patiance = 3", "target.patiance", "unknown key"),
    ],
)
def test_bad_values_name_the_file_and_key(schedule, target, key, words):
    with pytest.raises(ConfigError) as err:
        parse_config(with_tables(schedule, target), source="mine.toml", base_dir=None)
    message = str(err.value)
    assert message.startswith(f"mine.toml: key '{key}': ") and words in message and "\n" not in message


def test_a_schedule_that_is_not_a_table_is_refused():
    with pytest.raises(ConfigError, match="mine.toml: key 'train.schedule': must be a table"):
        parse_config(
            XOR_TOML.replace("epochs = 500", 'epochs = 500\nschedule = "cosine"'), source="mine.toml", base_dir=None
        )


def test_schedule_and_patience_round_trip_through_the_preset_table():
    config = parse_config(
        with_tables(
            'kind = "step"\nstep_epochs = 7\ngamma = 0.5\nmin_lr = 0.001\nwarmup_steps = 30',
            "patience = 6\nmin_delta = 0.01",
        ),
        source="mine.toml",
        base_dir=None,
    )
    again = parse_config(dumps(config_table(config)), source="again.toml", base_dir=None)
    assert again.train == config.train and again.target == config.target


def test_set_reaches_the_schedule_keys_and_checks_them():
    config = parse_config(XOR_TOML, source="mine.toml", base_dir=None)
    cosine = with_settings(config, ["train.schedule.kind=cosine", "train.schedule.min_lr=0.05", "target.patience=3"])
    assert (
        cosine.train.schedule.kind == "cosine" and cosine.train.schedule.min_lr == 0.05 and cosine.target.patience == 3
    )
    with pytest.raises(ConfigError, match="key 'train.schedule.min_lr'"):
        with_settings(cosine, ["train.lr=0.01"])  # the peak below the floor
    with pytest.raises(ConfigError, match=r"--lr: must be at least the schedule's min_lr \(0.05\)"):
        with_overrides(cosine, lr=0.01)
    assert with_overrides(cosine, lr=0.2).train.lr == 0.2
