"""The ASCII fallback is decided from the locale the shell gave, not the one Python's C-locale coercion made up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tuinn.tui.glyphs import utf8_locale


@pytest.mark.parametrize(
    ("environ", "utf8_mode", "expected"),
    [
        ({"LANG": "en_US.UTF-8"}, 0, True),
        ({"LANG": "C"}, 0, False),
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, 0, False),  # LC_ALL wins
        ({"LC_CTYPE": "de_DE.utf8", "LANG": "C"}, 0, True),  # then LC_CTYPE
        ({"LC_CTYPE": "C.UTF-8"}, 1, False),  # LANG unset: Python coerced LC_CTYPE itself
        ({"LC_CTYPE": "C.UTF-8", "LANG": "en_GB.UTF-8"}, 1, True),  # coerced, but LANG says UTF-8
        ({"LC_CTYPE": "C.UTF-8"}, 0, True),  # the shell set C.UTF-8 (no coercion, no UTF-8 mode)
        ({}, 1, False),
    ],
)
def test_the_locale_is_read_as_the_shell_gave_it(environ, utf8_mode, expected) -> None:
    assert utf8_locale(environ, utf8_mode) is expected


def test_a_shell_without_a_locale_gets_ascii_although_python_coerces_it() -> None:
    """A real interpreter started with no locale at all (as over SSH into a bare account)."""
    env = {"PATH": os.environ.get("PATH", "")}
    probe = "import os, sys; from tuinn.tui.glyphs import utf8_locale; print(os.environ.get('LC_CTYPE'), utf8_locale())"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, cwd=".")
    assert done.returncode == 0, done.stderr
    coerced, decided = done.stdout.split()
    assert coerced == "C.UTF-8" and decided == "False"
