"""LiveSource: a run training in a process of its own (tuinn.train.run_process); the CLI builds it for the app."""

from __future__ import annotations

from tuinn.nn.parallel import available_cores
from tuinn.train.run_process import OnEnd, RunEnd, RunProcess
from tuinn.train.runner import TrainingThread
from tuinn.train.snapshot import Snapshot
from tuinn.tui.source import Capabilities, OnSnapshot, Scrub, Seek, SourceCommand


class LiveSource:
    """The run's process, forked when this is made (before the app runs): commands go to it, Snapshots come back."""

    capabilities = Capabilities(steer=True, timed=True, paced=True)

    def __init__(self, thread: TrainingThread, on_end: OnEnd | None = None) -> None:
        thread.watch()  # the run starts at the watching pace (its first landmark seconds in); `s` lifts it
        #: the run's threads take every core: a frame then takes a core's time from it
        self.takes_every_core = thread.trainer.threads >= available_cores()
        self.process = RunProcess(thread, on_end)

    @property
    def latest(self) -> Snapshot:
        return self.process.latest

    @property
    def error(self) -> Exception | None:
        return self.process.error

    @property
    def end(self) -> RunEnd | None:
        """What the run's process said as it ended (None until it has)."""
        return self.process.end

    def start(self, on_snapshot: OnSnapshot) -> None:
        self.process.start(on_snapshot)

    def send(self, command: SourceCommand) -> None:
        """Send a run's command to its process (applied between steps); playback commands mean nothing here."""
        if not isinstance(command, (Scrub, Seek)):
            self.process.submit(command)

    def state_line(self) -> None:
        return None

    def flat_out(self) -> bool:
        """Whether frames take the run's time: it steps as fast as it can on every core (with a core to itself, a
        frame drawn here takes none of its time)."""
        latest = self.latest
        return self.takes_every_core and latest.speed is None and not (latest.paused or latest.finished)

    def publish_every(self, seconds: float) -> None:
        self.process.publish_every(seconds)

    def shown(self, snapshot: Snapshot) -> None:
        self.process.shown(snapshot)

    def stop(self, timeout: float | None) -> None:
        """Stop the run; once its process has ended, `latest` is the run as it ended (the app is not called again)."""
        self.process.on_snapshot = None
        self.process.stop(timeout)
