"""Fixtures of the TUI tests."""

from __future__ import annotations

import pytest
from tui_support import step_app

from tuinn.tui.app import TuinnApp


@pytest.fixture
def xor_app() -> TuinnApp:
    return step_app("xor")
