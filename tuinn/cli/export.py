"""`tuinn export`: write a preset's, a config's or a saved network as ONNX or a PyTorch script."""

from __future__ import annotations

from pathlib import Path

import click

from tuinn.cli.errors import BadInput, message_of
from tuinn.cli.run import load_run_config, main
from tuinn.config import ConfigError
from tuinn.export.service import ExportError, check_export_path, export_network, preset_network
from tuinn.nn import Network


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
def export_command(
    preset: str | None, config_file: str | None, load_path: str | None, onnx_path: str | None, torch_path: str | None
) -> None:
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
    try:
        for path, flag, suffix in ((onnx_path, "--onnx", ".onnx"), (torch_path, "--torch", ".py")):
            if path and Path(path).suffix != suffix:
                raise BadInput(f"{flag} {path}: the file name must end in {suffix}")
            if path:
                check_export_path(path)
        for path in filter(None, (onnx_path, torch_path)):
            for written in export_network(net, path, title):
                click.echo(f"Wrote {written}")
    except ExportError as e:
        raise BadInput(str(e)) from None
