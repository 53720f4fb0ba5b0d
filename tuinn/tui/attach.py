"""Attach: the replay app on a recording that is still being written, following it as it grows.

With a steering file beside the stream (tuinn.watch given `optimizer=`), `+` / `-` scale the loop's
learning rate and `space` pauses it at its next step; without one the run is shown read-only.
"""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from tuinn.train.recorder import RecordingError
from tuinn.train.steering import LR_FACTOR, Control, ControlReader, control_path, write_control
from tuinn.train.stream import Stream, describe_idle
from tuinn.tui.app import terminal_colours
from tuinn.tui.glyphs import utf8_locale
from tuinn.tui.replay import ReplayApp

POLL_INTERVAL = 0.5  # seconds between reads of the stream
QUIET_AFTER = 10.0  # seconds without growth before the bar says the writer is gone
READ_ONLY = "read-only: the run was watched without optimizer=, so nothing steers it"


class AttachApp(ReplayApp, inherit_bindings=False):
    """Every panel of the latest frame, following the stream; the replay keys scrub back, `end` follows again."""

    TITLE = "tuinn attach"
    BINDINGS = [
        *(b for b in ReplayApp.BINDINGS if isinstance(b, Binding) and b.key not in ("space", "s")),
        Binding("space", "pause_run", "pause run", tooltip="Pause or resume the watched loop at its next step"),
        Binding("plus", f"lr({LR_FACTOR})", "lr×2", key_display="+", tooltip="Double the watched loop's learning rate"),
        Binding(
            "minus", f"lr({1 / LR_FACTOR})", "lr÷2", key_display="-", tooltip="Halve the watched loop's learning rate"
        ),
    ]

    def __init__(self, stream: Stream, *, colour_system: str = "truecolor", ascii: bool = False) -> None:
        self.stream = stream  # (set first: the replay app's constructor draws the bar)
        self.steering: Path | None = control_path(stream.path) if control_path(stream.path).exists() else None
        self.wish = ControlReader(self.steering).poll() if self.steering is not None else Control()
        self.broken: str | None = None
        super().__init__(stream, autoplay=False, colour_system=colour_system, ascii=ascii)  # type: ignore[arg-type]
        self.player.seek(len(stream) - 1)
        self.snapshot = self.player.snapshot

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(POLL_INTERVAL, self.follow)
        self._show_position()

    def follow(self) -> None:
        """Read new frames; when the view was at the last frame, move to the new last one."""
        if self.broken is not None:
            return
        at_end = self.player.position == len(self.stream) - 1
        try:
            new = self.stream.poll()
        except RecordingError as e:
            self.broken = str(e)
            self.notify(f"stopped following: {e}", severity="error", timeout=10)
            new = 0
        if new and at_end:
            self.player.seek(len(self.stream) - 1)
            self._show_position()
        else:
            self._bar.update(self._position_text())

    def _position_text(self) -> str:
        """'attach run.tuinn  frame 12/40  step 480  live', or how long ago the writer stopped."""
        p = self.player
        last = self.stream[len(self.stream) - 1]
        idle = self.stream.idle_for()
        if self.broken is not None:
            state = "not following (the file is not readable)"
        elif last.finished:
            state = "the run finished"
        elif idle > QUIET_AFTER:
            state = f"the run stopped writing {describe_idle(idle)} ago"
        else:
            state = "live" + (" · paused by you" if self.wish.paused else "")
        steering = "" if self.steering is not None else "  (read-only)"
        return (
            f" attach {self.stream.path.name}  frame {p.position + 1}/{len(self.stream)}"
            f"  step {p.snapshot.step:,}  {state}{steering}"
        )

    def _steer(self, wish: Control, note: str) -> None:
        if self.steering is None:
            self.notify(READ_ONLY, timeout=4)
            return
        self.wish = wish
        write_control(self.steering, wish)
        self.notify(note, timeout=2)
        self._bar.update(self._position_text())

    def action_lr(self, factor: float) -> None:
        scale = self.wish.lr_scale * factor
        self._steer(Control(scale, self.wish.paused), f"learning rate ×{factor:g} at the loop's next step")

    def action_pause_run(self) -> None:
        paused = not self.wish.paused
        self._steer(Control(self.wish.lr_scale, paused), "pausing the loop" if paused else "resuming the loop")

    def release(self) -> None:
        """Never leave a loop paused behind: on quitting, a pause asked from here is lifted."""
        if self.steering is not None and self.wish.paused:
            write_control(self.steering, Control(self.wish.lr_scale, False))


def run_attach(stream: Stream) -> int:
    """Open the app on `stream` until the user quits."""
    app = AttachApp(stream, colour_system=terminal_colours(), ascii=not utf8_locale())
    try:
        code = app.run()
    finally:
        app.release()
    if app._exception is not None:
        raise app._exception
    return 0 if code is None else code
