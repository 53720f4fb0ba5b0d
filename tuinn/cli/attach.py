"""`tuinn attach FILE`: the app on a run that is still being written (tuinn.watch, or --record), following it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from tuinn.cli.errors import BadInput
from tuinn.cli.run import main
from tuinn.cli.terminal import require_terminal

WAIT_STEP = 0.5  # seconds between looks at a stream that has no frame yet


@main.command("attach")
@click.argument("stream", metavar="FILE")
@click.option("--wait", default=60.0, show_default=True, help="Seconds to wait for the file and its first frame.")
def attach_command(stream: str, wait: float) -> None:
    """Follow a run as it writes FILE: a PyTorch loop with tuinn.watch, or a tuinn run with --record.

    \b
    python examples/torch_digits.py &
    tuinn attach runs/digits.tuinn     + - learning rate · space pause the loop · , . [ ] home end scrub
    """
    from tuinn.train.recorder import RecordingError
    from tuinn.train.stream import Stream

    deadline = time.monotonic() + wait
    while not Path(stream).exists() and time.monotonic() < deadline:  # the loop may not have started yet
        time.sleep(WAIT_STEP)
    try:
        frames = Stream(stream)
        while not frames.poll() and not len(frames):
            if time.monotonic() > deadline:
                raise RecordingError(f"{stream}: no frame written within {wait:g} s")
            time.sleep(WAIT_STEP)
    except RecordingError as e:
        raise BadInput(str(e)) from None
    require_terminal("attach shows a run in the app only (tuinn replay FILE plays it afterwards, also in the app)")
    from tuinn.tui.app import run_app
    from tuinn.tui.attach_source import AttachSource

    sys.exit(run_app(AttachSource(frames)))
