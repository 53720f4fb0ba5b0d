"""`tuinn export-tensorboard FILE DIR`: a recording (--record, or tuinn.watch) as TensorBoard event files."""

from __future__ import annotations

import click

from tuinn.cli.errors import BadInput
from tuinn.cli.run import main


@main.command("export-tensorboard")
@click.argument("recording", metavar="FILE")
@click.argument("folder", metavar="DIR")
def export_tensorboard_command(recording: str, folder: str) -> None:
    """Write the scalars and pictures of a recorded run to TensorBoard event files in DIR.

    \b
    tuinn export-tensorboard runs/digits.tuinn tb/ && tensorboard --logdir tb/
    """
    from tuinn.train.recorder import Recording, RecordingError

    try:
        frames = Recording(recording)
    except RecordingError as e:
        raise BadInput(str(e)) from None
    try:
        from tuinn.report.tensorboard import export_recording
    except ImportError:
        raise BadInput("export-tensorboard needs tensorboardX: pip install 'tuinn[tensorboard]'") from None
    click.echo(f"Wrote {export_recording(frames, folder)} frames of {recording} to {folder}")
