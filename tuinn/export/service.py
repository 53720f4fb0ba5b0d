"""The export service: which files a network is exported to, refused early when they cannot be written.

The CLI (`tuinn export`, `tuinn --export`) calls these and translates an ExportError
into its one-line bad-input message; nothing here knows about the command line.
"""

from __future__ import annotations

from pathlib import Path

from tuinn.config import ConfigError, RunConfig
from tuinn.nn import Network

MAX_EXPORT_BYTES = 2 << 30  # a network whose weights and gradients need more is not built to export
SUFFIXES = {".onnx": "ONNX", ".py": "a PyTorch script"}


class ExportError(ValueError):
    """An export that cannot be done (a path, a missing package): the message names the file."""


def preset_network(config: RunConfig) -> Network:
    """The config's network on its seed's initial weights, on the input shape its data will have.

    A network too large to allocate is refused (ConfigError) from its plan, before building it.
    """
    from tuinn.train.setup import build_network, plan_model, preset_input_shape

    shape = preset_input_shape(config)
    needed = plan_model(config, shape).network_bytes
    if needed > MAX_EXPORT_BYTES:
        raise ConfigError(
            f"{config.name}: the network needs {needed / 2**30:,.0f} GiB of weights and gradients, "
            f"more than export builds ({MAX_EXPORT_BYTES >> 30} GiB); see its size with --summary"
        )
    return build_network(config, shape)


def check_export_path(path: str) -> None:
    """Refuse, before any work, a path export could not write: ExportError naming it."""
    suffix = Path(path).suffix
    if suffix not in SUFFIXES:
        raise ExportError(
            f"{path}: export writes .onnx (ONNX) or .py (a PyTorch script), not {suffix or 'a file without a suffix'}"
        )
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ExportError(f"{path}: the folder {folder} does not exist")


def export_network(net: Network, path: str, title: str) -> list[Path]:
    """Write `net` to `path` by its suffix (.onnx, or .py for PyTorch); returns the files written."""
    check_export_path(path)
    try:
        if Path(path).suffix == ".onnx":
            from tuinn.export.onnx import MissingOnnx, write_onnx

            try:
                return [write_onnx(net, path, title)]
            except MissingOnnx as e:
                raise ExportError(str(e)) from None
        from tuinn.export.torch_script import write_torch

        return list(write_torch(net, path, title))
    except OSError as e:
        raise ExportError(f"{path}: {e.strerror or e}") from None
