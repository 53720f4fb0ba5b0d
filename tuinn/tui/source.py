"""RunSource: where the app's Snapshots come from and where its commands go.

The app is a view of a source. A live run in a process of its own (tuinn.tui.live_source), a
recording played back (tuinn.tui.replay_source), a recording that grows as another process
writes it, and the tests' stepping source all look the same to it: the latest Snapshot, a
callback when a new one is there, commands sent, a stop. What a source can do (be steered,
be scrubbed, pace its frames) it says in its Capabilities; the keys follow them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot


@dataclass(frozen=True)
class Capabilities:
    """What a source can do, so the app offers only the keys that mean something."""

    #: commands reach a run: the training, lab and tour keys
    steer: bool = False
    #: its frames can be moved through: play, frame keys, Home and End
    scrub: bool = False
    #: Snapshots come at the run's own pace, so its throughput figure means something
    timed: bool = True
    #: a live run: the app paces its frames (they may take the run's time) and shows their wire cost
    paced: bool = False
    #: frames keep arriving from another process (a watched loop): pause and learning rate steer that loop
    follow: bool = False


@dataclass(frozen=True)
class Scrub:
    """Move `frames` frames on (back when negative), and pause there."""

    frames: int


@dataclass(frozen=True)
class Seek:
    """Go to frame `frame` (-1: the last one), and pause there."""

    frame: int


#: what the app sends a source: a run's commands, and the playback ones of a source with frames
SourceCommand = cmd.Command | Scrub | Seek
#: called with each new Snapshot; from any thread (a live source calls it from the thread reading its run's pipe)
OnSnapshot = Callable[[Snapshot], None]


class RunSource(Protocol):
    """A run as the app sees it: Snapshots in, commands out."""

    @property
    def capabilities(self) -> Capabilities:
        """What the source can do (see Capabilities)."""
        ...

    @property
    def latest(self) -> Snapshot:
        """The newest Snapshot (after `stop(None)`: the run as it ended)."""
        ...

    @property
    def error(self) -> Exception | None:
        """What stopped the run, if a bug did (the app raises it again once the terminal is restored)."""
        ...

    def start(self, on_snapshot: OnSnapshot) -> None:
        """Begin: call `on_snapshot` whenever a new Snapshot is there."""
        ...

    def send(self, command: SourceCommand) -> str | None:
        """Pass `command` on (a source ignores what it cannot do); a note to show at once, if the source has one."""
        ...

    def state_line(self) -> str | None:
        """A line the app shows above the panels (a replay: file, frame and play state), or None."""
        ...

    def flat_out(self) -> bool:
        """Whether drawing a frame takes the run's time (the frame pacer then stretches frames)."""
        ...

    def publish_every(self, seconds: float) -> None:
        """Hand the app a new Snapshot at most this often (the frame pacer's interval)."""
        ...

    def shown(self, snapshot: Snapshot) -> None:
        """The screen has drawn `snapshot` (a live run steps on once its answer to a key is on screen)."""
        ...

    def stop(self, timeout: float | None) -> None:
        """Stop the run, waiting up to `timeout` seconds for it (None: as long as it takes)."""
        ...
