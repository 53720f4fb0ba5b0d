"""`tuinn export`: write a preset's, a config's or a saved network as ONNX or a PyTorch script."""

from __future__ import annotations

from pathlib import Path

import click

from tuinn.cli.errors import BadInput, message_of
from tuinn.cli.run import load_run_config, main
from tuinn.config import ConfigError, RunConfig
from tuinn.nn import Network

MAX_EXPORT_BYTES = 2 << 30  # a network whose weights and gradients need more is not built to export


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


SUFFIXES = {".onnx": "ONNX", ".py": "a PyTorch script"}


def check_export_path(path: str) -> None:
    """Refuse, before any work, a path export could not write: BadInput naming it."""
    suffix = Path(path).suffix
    if suffix not in SUFFIXES:
        raise BadInput(
            f"{path}: export writes .onnx (ONNX) or .py (a PyTorch script), not {suffix or 'a file without a suffix'}"
        )
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise BadInput(f"{path}: the folder {folder} does not exist")


def export_network(net: Network, path: str, title: str) -> list[Path]:
    """Write `net` to `path` by its suffix (.onnx, or .py for PyTorch); returns the files written."""
    check_export_path(path)
    suffix = Path(path).suffix
    try:
        if suffix == ".onnx":
            from tuinn.export.onnx import MissingOnnx, write_onnx

            try:
                return [write_onnx(net, path, title)]
            except MissingOnnx as e:
                raise BadInput(str(e)) from None
        from tuinn.export.torch_script import write_torch

        return list(write_torch(net, path, title))
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror or e}") from None


@main.command("export")
@click.option("--preset", "-p", metavar="NAME", help="Built-in preset whose network to export.")
@click.option("--config", "config_file", metavar="FILE", help="Your own preset file.")
@click.option(
    "--load",
    "load_path",
    metavar="PATH",
    help="Export the weights saved with --save (default: the seed's initial weights).",
)
@click.option(
    "--onnx", "onnx_path", metavar="FILE", help="Write an ONNX model (.onnx; needs pip install 'tuinn[export]')."
)
@click.option(
    "--torch", "torch_path", metavar="FILE", help="Write a PyTorch script (.py) and its weights (.weights.npz)."
)
def export_command(preset, config_file, load_path, onnx_path, torch_path) -> None:
    """Export a network to ONNX or PyTorch.

    \b
    tuinn --preset digits-cnn --headless --save digits.npz
    tuinn export --load digits.npz --onnx digits.onnx --torch digits.py
    """
    if not (onnx_path or torch_path):
        raise BadInput("export needs --onnx FILE or --torch FILE (or both)")
    try:
        if load_path:
            if not Path(load_path).is_file():
                raise BadInput(f"--load {load_path}: no such file")
            if preset or config_file:
                raise BadInput("--load brings its own network: give no --preset or --config with it")
            net, title = Network.load(load_path), Path(load_path).stem
        else:
            config = load_run_config(preset, config_file)
            net, title = preset_network(config), config.name
    except BadInput:
        raise
    except (ConfigError, ValueError, KeyError, OSError) as e:
        raise BadInput(message_of(e)) from None
    if not load_path:
        click.echo(
            f"{title}: the seed's initial weights (export a trained net with --load, or train with --export)", err=True
        )
    for path, flag, suffix in ((onnx_path, "--onnx", ".onnx"), (torch_path, "--torch", ".py")):
        if path and Path(path).suffix != suffix:
            raise BadInput(f"{flag} {path}: the file name must end in {suffix}")
        if path:
            check_export_path(path)
    for path in filter(None, (onnx_path, torch_path)):
        for written in export_network(net, path, title):
            click.echo(f"Wrote {written}")
