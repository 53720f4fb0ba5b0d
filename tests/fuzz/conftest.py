"""The fuzz suite's budget and its tally.

`TUINN_FUZZ=long` (or `--hypothesis-profile=long`) runs the long profile by hand;
CI runs the fixed, small "ci" budget. At the end pytest prints how many
invocations ran, how many showed a traceback, and how many exited with a wrong code.
"""

from __future__ import annotations

import os

from fuzz_support import TALLY
from hypothesis import HealthCheck, settings

COMMON = dict(
    deadline=None, derandomize=False, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "ci", max_examples=25, derandomize=True, **{k: v for k, v in COMMON.items() if k != "derandomize"}
)
settings.register_profile("long", max_examples=800, **COMMON)
settings.load_profile(os.environ.get("TUINN_FUZZ", "ci"))


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY.invocations:
        terminalreporter.write_line(
            f"fuzz: {TALLY.invocations} invocations, {TALLY.tracebacks} tracebacks, "
            f"{TALLY.wrong_codes} wrong exit codes, {TALLY.left_behind} files left behind "
            f"(exit codes seen: {dict(sorted(TALLY.codes.items()))})"
        )
