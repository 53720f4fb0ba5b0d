"""The configuration family: the RunConfig (the one record of a run), presets, `--set`, schedules, the tour file.

`from tuinn.config import RunConfig, load_preset, ...` reads the record's dataclasses and parser;
the submodules hold the rest: `settings` (`--set` keys and a RunConfig written back as a preset),
`schedule_table` (the `[train.schedule]` table), `safe_toml` (the bounded TOML reader) and
`tour_file` (the tour's stops).
"""

from tuinn.config.run_config import (
    MAX_LR,
    OPTIMIZER_OPTIONS,
    PRESET_PACKAGE,
    TOUR_FILE,
    ConfigError,
    PretrainConfig,
    RunConfig,
    Target,
    TrainConfig,
    load_config_file,
    load_preset,
    parse_config,
    preset_names,
    with_overrides,
)

__all__ = [
    "MAX_LR",
    "OPTIMIZER_OPTIONS",
    "PRESET_PACKAGE",
    "TOUR_FILE",
    "ConfigError",
    "PretrainConfig",
    "RunConfig",
    "Target",
    "TrainConfig",
    "load_config_file",
    "load_preset",
    "parse_config",
    "preset_names",
    "with_overrides",
]
