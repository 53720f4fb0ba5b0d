"""The `tuinn` command: run a preset in the Textual app or headless; subcommands live beside it.

`tuinn [OPTIONS]` trains (tuinn.cli.run). A subcommand is a module of this package that
adds itself to `main` with `@main.command()` and is imported below; each imports its heavy
dependencies (the TUI, textual-serve, onnx) only when it runs.
"""

from tuinn.cli import attach, export, export_tensorboard, replay, serve, tour  # noqa: F401  (each registers its subcommand)
from tuinn.cli.run import main

__all__ = ["main"]
