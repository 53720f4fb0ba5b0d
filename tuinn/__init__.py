"""tuinn: train neural networks in the terminal and watch them learn."""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`tuinn.watch` on first use: the PyTorch extra is imported only by those who call it."""
    if name == "watch":
        import importlib

        return importlib.import_module("tuinn.watch")
    raise AttributeError(f"module 'tuinn' has no attribute {name!r}")
