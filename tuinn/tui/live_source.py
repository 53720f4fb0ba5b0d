"""LiveSource: a run training in this process, stepped by a TrainingThread; the CLI builds it for the app."""

from __future__ import annotations

from tuinn.train.runner import TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer
from tuinn.tui.source import Capabilities, OnSnapshot, Scrub, Seek, SourceCommand


class LiveSource:
    """The Trainer and the thread that steps it: commands go to the Trainer, Snapshots come from the thread."""

    capabilities = Capabilities(steer=True, timed=True, paced=True)

    def __init__(self, trainer: Trainer, thread: TrainingThread) -> None:
        self.trainer = trainer
        self.thread = thread
        self._ended = False  # the last Snapshot taken after the thread stopped
        self.thread.watch()  # the run starts at the watching pace (its first landmark seconds in); `s` lifts it

    @property
    def latest(self) -> Snapshot:
        return self.thread.latest

    @property
    def error(self) -> Exception | None:
        return self.thread.error

    def start(self, on_snapshot: OnSnapshot) -> None:
        self.thread.on_snapshot = on_snapshot
        # the app tells `shown`: each frame (a key's answer too) is drawn before training steps on
        self.thread.await_screen = True
        self.thread.start()

    def send(self, command: SourceCommand) -> None:
        """Queue a run's command for the thread (the speed limit) or the Trainer (applied between steps);
        playback commands mean nothing here."""
        if not isinstance(command, (Scrub, Seek)):
            self.thread.submit(command)

    def state_line(self) -> None:
        return None

    def flat_out(self) -> bool:
        return self.trainer.wants_step and self.thread.speed is None

    def publish_every(self, seconds: float) -> None:
        self.thread.interval = seconds

    def shown(self, snapshot: Snapshot) -> None:
        self.thread.shown(snapshot)

    def stop(self, timeout: float | None) -> None:
        """Stop the thread; once it has ended, `latest` is the run as it ended (the app is not called again)."""
        self.thread.stop(timeout)
        if not self.thread.alive and not self._ended:
            self._ended = True
            self.thread.on_snapshot = None
            self.thread.publish()
