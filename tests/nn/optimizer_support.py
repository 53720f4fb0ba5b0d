"""Every kind of optimizer step, for tests that go through them all."""

from __future__ import annotations

from typing import Any

#: (name, options): the steps whose update the state holds (momentum, Adam) and those that use the gradient
STEP_KINDS: list[tuple[str, dict[str, Any]]] = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("adagrad", {}),
    ("rmsprop", {}),
    ("adam", {}),
]
