"""Helpers of the fuzz suite: run the real CLI in-process (click's runner) or as a process, judge the outcome."""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tuinn.cli import main

#: what a run may end with: the target met or missed (or diverged), or bad input
ALLOWED = {0, 1, 2}


@dataclass
class Tally:
    """Counts over the whole session, for the closing line."""

    invocations: int = 0
    tracebacks: int = 0
    wrong_codes: int = 0
    left_behind: int = 0
    codes: Counter = field(default_factory=Counter)


TALLY = Tally()


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_cli(args: list[str], cwd: Path) -> Outcome:
    """`tuinn ARGS` in-process, in folder `cwd`, through click's runner (the real entry point's code)."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(before)
    err = r.stderr
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        err += f"\nTraceback (escaped the command): {type(r.exception).__name__}: {r.exception}"
    return Outcome(r.exit_code, r.stdout, err)


def run_process(args: list[str], cwd: Path) -> Outcome:
    """`python -m tuinn ARGS` as a real process."""
    r = subprocess.run(
        [sys.executable, "-m", "tuinn", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(r.returncode, r.stdout, r.stderr)


def judge(outcome: Outcome, folder: Path, kept: set[str], must_refuse: bool = False) -> None:
    """Record and check one run: an allowed exit code (2 when `must_refuse`), one error line for
    bad input, no traceback, and no file in `folder` beyond the names in `kept`."""
    TALLY.invocations += 1
    TALLY.codes[outcome.code] += 1
    text = outcome.out + outcome.err
    traceback = "Traceback" in text or "internal error" in text
    wrong = outcome.code not in ALLOWED or (must_refuse and outcome.code != 2)
    extra = sorted(p.name for p in folder.iterdir() if p.name not in kept)
    TALLY.tracebacks += traceback
    TALLY.wrong_codes += wrong
    TALLY.left_behind += bool(extra)
    assert not traceback, text[-3000:]
    assert not wrong, (outcome.code, text[-3000:])
    assert not extra, extra
    if outcome.code == 2:  # ours, or click's for a flag it parses ("Error: Invalid value for '--epochs' ...")
        errors = [line for line in outcome.err.splitlines() if line.startswith(("tuinn: error: ", "Error: "))]
        assert len(errors) == 1 and len(errors[0]) > len("tuinn: error: ") + 5, outcome.err


def toml_value(value: Any) -> str:
    """`value` written as TOML (strings, numbers, booleans, dates, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string (JSON escapes are TOML escapes)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_document(preset: dict) -> str:
    """A preset dict written as a TOML file: top-level values, then tables and arrays of tables."""
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in preset.items() if not isinstance(v, dict)]
    for name, table in preset.items():
        if not isinstance(table, dict):
            continue
        lines.append(f"[{json.dumps(name)}]")
        for key, value in table.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                continue
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
        for key, value in table.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for item in value:
                    lines.append(f"[[{json.dumps(name)}.{json.dumps(key)}]]")
                    lines.extend(f"{json.dumps(k)} = {toml_value(v)}" for k, v in item.items())
    return "\n".join(lines) + "\n"
