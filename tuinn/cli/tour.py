"""`tuinn tour`: the history of neural networks, preset by preset, in the app or headless for CI."""

from __future__ import annotations

import sys

import click

from tuinn.cli.errors import BadInput, message_of
from tuinn.cli.run import main
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

    try:
        stops = load_tour()
    except ConfigError as e:
        raise BadInput(message_of(e)) from None
    if first > len(stops):
        raise BadInput(f"--stop {first}: the tour has {len(stops)} stops")
    if headless:
        from tuinn.report.headless_tour import run_tour_headless

        sys.exit(run_tour_headless(stops))
    from tuinn.config import load_preset
    from tuinn.train.runner import TrainingThread
    from tuinn.train.trainer import Trainer
    from tuinn.tui.app import run_app
    from tuinn.tui.live_source import LiveSource
    from tuinn.tui.tour_guide import TourPosition

    position = TourPosition(stops, first - 1)
    trainer = Trainer(load_preset(position.stop.preset), stop_at_target=False)  # (runs on past its target)
    sys.exit(run_app(LiveSource(trainer, TrainingThread(trainer)), tour=position, projector=projector))
