"""ReplaySource: a recorded run played back, read-only: play, pause, speed, frame by frame and scrubbing."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Protocol

from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.tui.source import Capabilities, OnSnapshot, Scrub, Seek, SourceCommand

PLAY_INTERVAL = 0.1  # seconds per frame at 1×
JUMP = 10  # frames moved by [ and ]
SPEEDS = (1, 2, 4, 8)


class Frames(Protocol):
    """Numbered Snapshots read from a file (a Recording); a file that grows may have more on the next look."""

    path: Path

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Snapshot: ...


class Player:
    """A position in the frames, playing or paused, at 1-8 frames per tick."""

    def __init__(self, frames: Frames, playing: bool = True) -> None:
        self.frames = frames
        self.position = 0
        self.playing = playing
        self.speed = 1

    @property
    def snapshot(self) -> Snapshot:
        """The frame at the position; a frame of a run at the watching pace shows it as the limit it was
        (the pace's key is the live app's: here `s` is the replay's speed)."""
        frame = self.frames[self.position]
        return dataclasses.replace(frame, watching=False) if frame.watching else frame

    @property
    def last(self) -> int:
        return len(self.frames) - 1

    def seek(self, position: int) -> None:
        """Move to `position`, kept within the frames."""
        self.position = max(0, min(position, self.last))

    def tick(self) -> bool:
        """Advance while playing; returns whether the position moved. Play stops at the end."""
        if not self.playing:
            return False
        before = self.position
        self.seek(self.position + self.speed)
        if self.position == self.last:
            self.playing = False
        return self.position != before

    def toggle(self) -> None:
        """Play or pause; play at the end starts again from the first frame."""
        if not self.playing and self.position == self.last:
            self.seek(0)
        self.playing = not self.playing

    def next_speed(self) -> None:
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)]


class ReplaySource:
    """Every panel as it was at each recorded frame; nothing trains. A timer thread plays the frames."""

    capabilities = Capabilities(scrub=True, timed=True)

    def __init__(self, frames: Frames, *, autoplay: bool = True, interval: float = PLAY_INTERVAL) -> None:
        self.player = Player(frames, playing=autoplay)
        self.interval = interval
        self.error: Exception | None = None
        self._lock = threading.Lock()  # the timer thread and the keys move the same player and read the same frames
        self._latest = self.player.snapshot
        self._on_snapshot: OnSnapshot | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="tuinn-replay", daemon=True)

    @property
    def latest(self) -> Snapshot:
        return self._latest

    def start(self, on_snapshot: OnSnapshot) -> None:
        self._on_snapshot = on_snapshot
        self._thread.start()

    def _play(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                moved = self.player.tick()
                if moved:
                    self._latest = self.player.snapshot
            if moved:
                self._publish()

    def _publish(self) -> None:
        """Tell the app there is a new frame to show."""
        if self._on_snapshot is not None:
            self._on_snapshot(self.latest)

    def send(self, command: SourceCommand) -> str | None:
        """Play or pause (the pause key), the next replay speed (the speed key), frame steps and seeks."""
        p = self.player
        note = None
        with self._lock:
            match command:
                case cmd.TogglePause():
                    p.toggle()
                case cmd.CycleSpeed():
                    p.next_speed()
                    note = f"replay speed {p.speed}×"
                case Scrub(frames):
                    p.playing = False
                    p.seek(p.position + frames)
                case Seek(frame):
                    p.playing = False
                    p.seek(frame if frame >= 0 else p.last)
                case _:
                    return None  # a recorded run cannot be steered
            self._latest = p.snapshot
        self._publish()
        return note

    def state_line(self) -> str:
        """'replay run.rec  frame 12/40  step 480  playing 1×', for the bar at the top."""
        p = self.player
        state = f"playing {p.speed}×" if p.playing else "paused"
        return (
            f" replay {p.frames.path.name}  frame {p.position + 1}/{len(p.frames)}  step {self._latest.step:,}  {state}"
        )

    def flat_out(self) -> bool:
        return False

    def publish_every(self, seconds: float) -> None:
        """Frames come at the replay's own pace."""

    def shown(self, snapshot: Snapshot) -> None:
        """Nothing waits for the screen."""

    def stop(self, timeout: float | None) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
