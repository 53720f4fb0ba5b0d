"""`tuinn tour`: the history of neural networks, preset by preset, in the app or headless for CI."""

from __future__ import annotations

import sys

import click

from tuinn.cli.errors import BadInput, message_of
from tuinn.cli.outcome import stop_signals
from tuinn.cli.run import given_flags, main
from tuinn.cli.terminal import require_terminal
from tuinn.config import ConfigError


@main.command()
@click.option(
    "--headless",
    is_flag=True,
    help="Run every stop without the UI, one line each (preset, expected, actual); "
    "exit 0 only if every stop behaves as its lesson says.",
)
@click.option(
    "--stop",
    "first",
    type=click.IntRange(min=1),
    default=1,
    metavar="N",
    help="In the app: begin at stop N (default 1).",
)
@click.option("--projector", is_flag=True, help="In the app: projector mode (key P), for a room.")
def tour(headless: bool, first: int, projector: bool) -> None:
    """Walk the history of neural networks: perceptron, backpropagation, the vanishing gradient,
    pretraining, ReLU and maxout, convolution. In the app > and < go to the next and previous
    stop and t shows the stop's full text."""
    from tuinn.config.tour_file import load_tour

    for flag in given_flags(click.get_current_context()).values():
        if headless and flag != "--headless":
            raise BadInput(f"{flag} is for the app: drop it with --headless")

    try:
        stops = load_tour()
    except ConfigError as e:
        raise BadInput(message_of(e)) from None
    if first > len(stops):
        raise BadInput(f"--stop {first}: the tour has {len(stops)} stops")
    if headless:
        from tuinn.report.headless_tour import run_tour_headless

        sys.exit(run_tour_headless(stops))  # (a stop signal ends it at once: exit 130/143)
    require_terminal("use tuinn tour --headless to run the stops without the app")
    from tuinn.config import load_preset
    from tuinn.train.runner import TrainingThread
    from tuinn.train.trainer import Trainer
    from tuinn.tui.app import run_app
    from tuinn.tui.live_source import LiveSource
    from tuinn.tui.tour_guide import TourPosition

    position = TourPosition(stops, first - 1)
    trainer = Trainer(load_preset(position.stop.preset), stop_at_target=False)  # (runs on past its target)
    signals = stop_signals()
    with signals.running():  # SIGINT/SIGTERM close the app as q does: exit 130/143
        code = run_app(
            LiveSource(TrainingThread(trainer)),
            tour=position,
            projector=projector,
            on_stop=signals.on_stop,
            stop_code=lambda: signals.exit_code,
        )
    sys.exit(signals.exit_code or code)
