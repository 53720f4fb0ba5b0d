"""Flags that cannot apply together are refused with a reason, never dropped in silence."""

from __future__ import annotations

from typing import Any

from tuinn.cli.errors import BadInput

#: with --resume, the flags whose value the saved run replaces, and why
RESUME_REPLACES = {
    "preset": ("--preset", "the run's own settings"),
    "config_file": ("--config", "the run's own settings"),
    "load_path": ("--load", "the run's own weights"),
    "data_path": ("--data", "the run's own data"),
    "seed": ("--seed", "the run's own random streams (the seed only starts a run)"),
    "activation": ("--activation", "the saved network's own activations"),
}
#: with --resume, --set keys the saved run replaces (a key or the table it starts)
RESUME_SET_KEYS = {"seed": "the run's own random streams", "model": "the saved network itself"}
APP_ONLY = ("fps", "projector")
NOT_WITH_SUMMARY = (
    "headless",
    "save_path",
    "export_path",
    "record_path",
    "load_path",
    "baseline_path",
    "threads",
    *APP_ONLY,
)


def check_flags(params: dict[str, Any], given: dict[str, str]) -> None:
    """BadInput for the first flag that could not apply with the others.

    `params` are the command's values by name; `given` maps the names of those set explicitly to their flags.
    """
    others = [flag for name, flag in given.items() if name != "list_presets"]
    if params["list_presets"] and others:
        raise BadInput(f"--list-presets lists the presets and exits: drop {others[0]}")
    if params["as_json"] and not params["headless"]:
        raise BadInput("--json goes with --headless")
    for name in APP_ONLY:
        if params["headless"] and name in given:
            raise BadInput(f"{given[name]} is for the app: drop it with --headless")
    for name in NOT_WITH_SUMMARY:
        if params["summary"] and name in given:
            raise BadInput(f"--summary prints the architecture and exits: drop {given[name]}")
    if params["resume_path"] is not None:
        _check_resume(params)


def _check_resume(params: dict[str, Any]) -> None:
    for name, (flag, why) in RESUME_REPLACES.items():
        if params[name] is not None:
            raise BadInput(f"--resume brings {why}: drop {flag}")
    for setting in params["settings"]:
        key = setting.partition("=")[0].strip()
        first = key.split(".")[0].split("[")[0]
        if first in RESUME_SET_KEYS:
            raise BadInput(f"--resume brings {RESUME_SET_KEYS[first]}: drop --set {key}")


def resumed_budget(epochs: int | None, saved_epoch: int, path: str) -> int | None:
    """The epoch budget a resumed run trains to: --epochs when it lies ahead (None: the saved budget).

    BadInput when the saved run is already at or past --epochs: it cannot be trained back.
    """
    if epochs is None:
        return None
    if epochs <= saved_epoch:
        raise BadInput(
            f"--epochs {epochs}: the run in {path} is already at epoch {saved_epoch}; "
            f"give more than {saved_epoch}, or no --epochs to finish its own budget"
        )
    return epochs
