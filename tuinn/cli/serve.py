"""`tuinn serve`: the same app in a web browser, through textual-serve, one app process per tab."""

from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import sys

import click

from tuinn.cli.errors import BadInput
from tuinn.cli.run import DEFAULT_PRESET, main

LOCAL_HOSTS = {"localhost"}


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(preset: str | None, config_file: str | None, projector: bool = False) -> str:
    """The shell command textual-serve starts for each browser tab: this Python, this tuinn."""
    args = [sys.executable, "-m", "tuinn"]
    if config_file:
        args += ["--config", os.path.abspath(config_file)]
    else:
        args += ["--preset", preset or DEFAULT_PRESET]
    return shlex.join(args + ["--projector"] * projector)


def check_port_free(host: str, port: int) -> None:
    """BadInput naming host and port when something already listens there (before starting the server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise BadInput(
                f"--host {host} --port {port}: cannot listen there ({e.strerror or e}); pick another --port"
            ) from None


@main.command("serve")
@click.option(
    "--preset", "-p", metavar="NAME", help=f"Built-in preset each visitor's app opens (default: {DEFAULT_PRESET})."
)
@click.option("--config", "config_file", metavar="FILE", help="Your own preset file instead.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Only this machine by default; a public address lets anyone who reaches it in.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--projector",
    is_flag=True,
    help="Each tab opens in projector mode (key P): the picture large, the numbers in large digits.",
)
def serve_command(preset: str | None, config_file: str | None, host: str, port: int, projector: bool) -> None:
    """Serve the app in a web browser: each tab gets its own run.

    \b
    tuinn serve --preset spiral                 then open http://127.0.0.1:8000
    tuinn serve --host 0.0.0.0 --port 8080      for a class on the local network (no password!)
    """
    from tuinn.cli.run import load_run_config
    from tuinn.config import ConfigError

    if preset and config_file:
        raise BadInput("give either --preset or --config, not both")
    try:
        config = load_run_config(preset, config_file)  # refuse a bad preset here, not in every tab
    except ConfigError as e:
        raise BadInput(str(e)) from None
    try:
        from textual_serve.server import Server
    except ImportError:
        raise BadInput("tuinn serve needs textual-serve: pip install 'tuinn[serve]'") from None
    url_host = f"[{host}]" if ":" in host else host
    if is_loopback(host):
        click.echo(
            f"Serving {config.name} on http://{url_host}:{port} (this machine only; "
            "--host 0.0.0.0 opens it to the network)",
            err=True,
        )
    else:
        click.echo(
            f"WARNING: serving on {host}:{port} with no authentication: anyone who can reach this "
            "address can open the app and use this machine's CPU.",
            err=True,
        )
    check_port_free(host, port)
    server = Server(app_command(preset, config_file, projector), host=host, port=port, title=f"tuinn · {config.name}")
    server.serve()
