"""Replay: the app on a recorded run, read-only, with keys to play, pause, step and scrub."""

from __future__ import annotations

from functools import partial
from typing import Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tuinn.train.recorder import Recording
from tuinn.train.snapshot import Snapshot
from tuinn.tui.app import PROJECTOR_BINDING, TuinnApp, terminal_colours
from tuinn.tui.glyphs import utf8_locale
from tuinn.tui.widgets.help import key_name

PLAY_INTERVAL = 0.1  # seconds per frame at 1×
JUMP = 10  # frames moved by [ and ]
SPEEDS = (1, 2, 4, 8)


class Player:
    """A position in a Recording, playing or paused, at 1-8 frames per tick."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.position = 0
        self.playing = True
        self.speed = 1

    @property
    def snapshot(self) -> Snapshot:
        return self.recording[self.position]

    def seek(self, position: int) -> None:
        """Move to `position`, kept within the recording."""
        self.position = max(0, min(position, len(self.recording) - 1))

    def tick(self) -> bool:
        """Advance while playing; returns whether the position moved. Play stops at the end."""
        if not self.playing:
            return False
        before = self.position
        self.seek(self.position + self.speed)
        if self.position == len(self.recording) - 1:
            self.playing = False
        return self.position != before


class ReplayApp(TuinnApp, inherit_bindings=False):
    """Every panel as it was at each recorded frame; nothing trains."""

    TITLE = "tuinn replay"
    DEFAULT_CSS = """
    #replay-bar { dock: top; height: 1; background: $boost; color: $text; }
    """
    BINDINGS = [
        *App.BINDINGS,
        Binding("space", "play", "play/pause", tooltip="Play or pause the replay"),
        Binding("full_stop", "frames(1)", "frame→", key_display=".", tooltip="One frame forward (pauses)"),
        Binding("comma", "frames(-1)", "frame←", key_display=",", tooltip="One frame back (pauses)"),
        Binding(
            "right_square_bracket", "frames(10)", "+10", key_display="]", tooltip=f"{JUMP} frames forward (pauses)"
        ),
        Binding("left_square_bracket", "frames(-10)", "-10", key_display="[", tooltip=f"{JUMP} frames back (pauses)"),
        Binding("home", "seek(0)", "start", tooltip="The first frame"),
        Binding("end", "seek(-1)", "end", tooltip="The last frame"),
        Binding("s", "speed", "speed", tooltip="Replay speed: 1, 2, 4 or 8 frames a tick"),
        Binding("p", "chart", "chart", tooltip="Full loss chart with the switches marked"),
        PROJECTOR_BINDING,
        Binding("question_mark", "help", "help", key_display="?", tooltip="This help"),
        Binding("q", "quit", "quit", tooltip="Quit"),
    ]

    def __init__(
        self, recording: Recording, *, autoplay: bool = True, colour_system: str = "truecolor", ascii: bool = False
    ) -> None:
        App.__init__(self)
        self.set_display(colour_system=colour_system, ascii=ascii)
        self.player = Player(recording)
        self.player.playing = autoplay
        self.trainer = None
        self.thread = None
        self.show_rate = True  # the recorded throughput is part of what was seen
        self.snapshot = self.player.snapshot
        self._bar = Static(self._position_text(), id="replay-bar")

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self._bar

    def on_mount(self) -> None:
        self.set_interval(PLAY_INTERVAL, self._tick)

    def _position_text(self) -> str:
        """'replay run.rec  frame 12/40  step 480  playing 1×', for the bar at the top."""
        p = self.player
        state = f"playing {p.speed}×" if p.playing else "paused"
        return (
            f" replay {p.recording.path.name}  frame {p.position + 1}/{len(p.recording)}"
            f"  step {p.snapshot.step:,}  {state}"
        )

    def _tick(self) -> None:
        if self.player.tick():
            self._show_position()

    def _show_position(self) -> None:
        self._bar.update(self._position_text())
        self.show(self.player.snapshot)

    def action_play(self) -> None:
        p = self.player
        if not p.playing and p.position == len(p.recording) - 1:
            p.seek(0)  # play again from the start
        p.playing = not p.playing
        self._show_position()

    def action_frames(self, delta: int) -> None:
        self.player.playing = False
        self.player.seek(self.player.position + delta)
        self._show_position()

    def action_seek(self, position: int) -> None:
        self.player.playing = False
        self.player.seek(position if position >= 0 else len(self.player.recording) - 1)
        self._show_position()

    def action_speed(self) -> None:
        self.player.speed = SPEEDS[(SPEEDS.index(self.player.speed) + 1) % len(SPEEDS)]
        self.notify(f"replay speed {self.player.speed}×", timeout=2)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists the replay's keys (not the live app's training and lab commands)."""
        yield from App.get_system_commands(self, screen)
        for binding in self.BINDINGS[len(App.BINDINGS) :]:
            yield SystemCommand(binding.tooltip, f"key {key_name(binding)}", partial(self.run_action, binding.action))


def run_replay(recording: Recording) -> int:
    """Open the replay app on `recording` until the user quits."""
    app = ReplayApp(recording, colour_system=terminal_colours(), ascii=not utf8_locale())
    code = app.run()
    if app._exception is not None:
        raise app._exception  # a bug: the CLI reports it (exit 3), never a silent exit 0
    return 0 if code is None else code
