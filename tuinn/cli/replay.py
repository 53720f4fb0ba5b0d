"""`tuinn replay FILE`: open the app on a recorded run, read-only, every panel as it was."""

from __future__ import annotations

import sys

import click

from tuinn.cli.errors import BadInput
from tuinn.cli.run import main
from tuinn.cli.terminal import require_terminal


@main.command("replay")
@click.argument("recording", metavar="FILE")
def replay_command(recording: str) -> None:
    """Play back a run recorded with --record FILE.

    \b
    tuinn --preset digits-cnn --headless --record digits.rec
    tuinn replay digits.rec      space play/pause · , . one frame · [ ] ten · home/end
    """
    from tuinn.train.recorder import Recording, RecordingError

    try:
        frames = Recording(recording)
    except RecordingError as e:
        raise BadInput(str(e)) from None
    require_terminal("replay shows a recording in the app only")
    if frames.torn:
        click.echo(f"{recording}: the run stopped mid-frame; replaying the {len(frames)} whole frames", err=True)
    from tuinn.tui.app import run_app
    from tuinn.tui.replay_source import ReplaySource

    sys.exit(run_app(ReplaySource(frames)))
