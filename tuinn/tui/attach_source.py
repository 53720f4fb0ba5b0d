"""AttachSource: a recording that another process is still writing (tuinn.watch, or --record), followed as it grows.

With a steering file beside the stream (tuinn.watch given `optimizer=`), the pause key pauses the
watched loop at its next step and `+` / `-` scale its learning rate; without one the run is read-only.
"""

from __future__ import annotations

from pathlib import Path

from tuinn.train import commands as cmd
from tuinn.train.recorder import RecordingError
from tuinn.train.steering import Control, ControlReader, control_path, write_control
from tuinn.train.stream import Stream, describe_idle
from tuinn.tui.replay_source import ReplaySource
from tuinn.tui.source import Capabilities, SourceCommand

POLL_INTERVAL = 0.5  # seconds between reads of the stream
QUIET_AFTER = 10.0  # seconds without growth before the bar says the writer is gone
READ_ONLY = "read-only: the run was watched without optimizer=, so nothing steers it"


class AttachSource(ReplaySource):
    """The latest frame of a growing stream; the frame keys scrub back, End follows again."""

    capabilities = Capabilities(scrub=True, follow=True)

    def __init__(self, stream: Stream) -> None:
        super().__init__(stream, autoplay=False, interval=POLL_INTERVAL)
        self.stream = stream
        steering = control_path(stream.path)
        self.steering: Path | None = steering if steering.exists() else None
        self.wish = ControlReader(steering).poll() if self.steering is not None else Control()
        self.broken: str | None = None
        self.player.seek(len(stream) - 1)
        self._latest = self.player.snapshot

    def _play(self) -> None:
        """Read new frames every POLL_INTERVAL; a view at the last frame moves to the new last one."""
        while not self._stop.wait(self.interval):
            with self._lock:
                self._poll()
            self._publish()  # (the state line's idle time moves on even without a frame)

    def _poll(self) -> None:
        if self.broken is not None:
            return
        at_end = self.player.position == self.player.last
        try:
            new = self.stream.poll()
        except RecordingError as e:
            self.broken = str(e)
            return
        if new and at_end:
            self.player.seek(self.player.last)
            self._latest = self.player.snapshot

    def send(self, command: SourceCommand) -> str | None:
        """The pause and learning-rate keys steer the watched loop; the frame keys scrub as in a replay."""
        match command:
            case cmd.TogglePause():
                paused = not self.wish.paused
                return self._steer(Control(self.wish.lr_scale, paused), "pausing the loop" if paused else "resuming")
            case cmd.ScaleLearningRate(factor):
                scale = Control(self.wish.lr_scale * factor, self.wish.paused)
                return self._steer(scale, f"learning rate ×{factor:g} at the loop's next step")
            case cmd.CycleSpeed():
                return None  # the loop runs at its own pace
        return super().send(command)

    def _steer(self, wish: Control, note: str) -> str:
        """Write the loop's control file (atomically); what to tell the user."""
        if self.steering is None:
            return READ_ONLY
        self.wish = wish
        write_control(self.steering, wish)
        self._publish()
        return note

    def state_line(self) -> str:
        """'attach run.tuinn  frame 12/40  step 480  live', or how long ago the writer stopped."""
        p = self.player
        idle = self.stream.idle_for()
        if self.broken is not None:
            state = f"not following: {self.broken}"
        elif self.stream[p.last].finished:
            state = "the run finished"
        elif idle > QUIET_AFTER:
            state = f"the run stopped writing {describe_idle(idle)} ago"
        else:
            state = "live" + (" · paused by you" if self.wish.paused else "")
        steering = "" if self.steering is not None else "  (read-only)"
        return (
            f" attach {self.stream.path.name}  frame {p.position + 1}/{len(p.frames)}"
            f"  step {self._latest.step:,}  {state}{steering}"
        )

    def stop(self, timeout: float | None) -> None:
        """Stop following; a pause asked from here is lifted, so no loop is left waiting behind."""
        super().stop(timeout)
        if self.steering is not None and self.wish.paused:
            self.wish = Control(self.wish.lr_scale, False)
            write_control(self.steering, self.wish)
