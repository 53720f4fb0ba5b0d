"""Drivers of a Trainer: the training thread the app watches, and the headless loop that reports through callbacks."""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from threadpoolctl import threadpool_limits

from tuinn.train import commands as cmd
from tuinn.train.pace import WatchPace
from tuinn.train.recorder import FrameSink
from tuinn.train.setup import quiet_float_errors
from tuinn.train.snapshot import Event, Snapshot
from tuinn.train.trainer import Trainer

PUBLISH_INTERVAL = 0.1  # seconds: about 10 Hz
IDLE_WAIT = 0.05  # seconds between looks at the clock while nothing is due (a command wakes the thread at once)
UNSEEN_WAIT = 1.0  # seconds at most between Snapshots while the screen has not shown the last one
#: the most of training's time its Snapshots may take while it steps flat out (building one costs 0.3-3 ms): the
#: interval between them stretches when one costs more than this share of it
PUBLISH_SHARE = 0.05
#: seconds between a flat-out thread's looks for a message that another thread of its process waits to take
#: (`message_waiting`), and the most it then waits while that thread takes it
HANDOVER_EVERY, HANDOVER_WAIT = 0.001, 0.002
#: speed limits in training steps per second (None: as fast as the machine goes)
SPEEDS: tuple[float | None, ...] = (None, 1000.0, 100.0, 10.0)
WATCH_SECONDS = 30.0  # a run shown live should last at least about this long


def watchable_speed(trainer: Trainer) -> float | None:
    """The slowest speed limit that still gets through the planned epochs within WATCH_SECONDS.

    Tiny nets finish their budget in well under a second, too fast to see anything
    learn; the watching pace is lifted to this limit. None when even the fastest limit
    would take longer.
    """
    needed = trainer.clock.budget * trainer.clock.steps_per_epoch / WATCH_SECONDS
    limits = [s for s in SPEEDS if s is not None and s >= needed]
    return min(limits) if limits else None


class TrainingThread:
    """Steps a Trainer in its own thread, publishing a Snapshot ~10 times a second while it steps.

    A paused or finished run publishes a Snapshot only when a command changes it (the
    screen would redraw the same picture again and again).

    It steps as fast as it can, or at most `speed` steps a second, so a class can
    watch a tiny net learn; CycleSpeed sent through `submit` changes that limit. `watch()`
    starts the run at the watching pace (tuinn.train.pace): slow at first, lifted a few
    seconds after the run's first landmark; the app does so for every run it opens.

    Readers take `latest` (no backlog of messages builds up). BLAS runs one thread:
    the step's own workers (`trainer.threads`) are the threads training uses.

    With `await_screen` set, a screen (the app, in another process: tuinn.train.run_process)
    tells `shown` what it has drawn: no Snapshot is built while the last one waits to be
    drawn (the screen would skip it), UNSEEN_WAIT at most. A command's answer is published
    at once. While it steps flat out, Snapshots take at most PUBLISH_SHARE of its time.
    """

    def __init__(
        self,
        trainer: Trainer,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        interval: float = PUBLISH_INTERVAL,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.trainer = trainer
        self.on_snapshot = on_snapshot
        self.interval = interval
        #: at most this many steps a second (None: no limit)
        self.speed: float | None = None
        #: the watching pace while the run is watched at it (None: paced by `speed` alone)
        self.pace: WatchPace | None = None
        self._clock = clock
        self._opened = trainer.opened  # a preset opened in place of the run starts at the watching pace again
        self._restarts = trainer.restarts
        self._watch_next = False  # the next restart is watched (Reset(watch=True))
        self._speed_changes: queue.SimpleQueue[int] = queue.SimpleQueue()  # CycleSpeed's directions, in order
        self._due = self._ticked = clock()  # when the next step at `speed` is due; the last tick
        self._fresh = False  # a command applied: publish at once
        self._stepped = False  # a step taken since the last Snapshot (a paused or finished run publishes no copies)
        #: a screen calls `shown` with each Snapshot it draws
        self.await_screen = False
        #: the thread's CPU seconds the last Snapshot took to build and hand over (the interval stretches to keep
        #: them within PUBLISH_SHARE)
        self.publish_cost = 0.0
        self._wake = threading.Event()  # a command, a drawn frame or a stop: the thread looks again at once
        #: whether a message waits for another thread of this process to take it (tuinn.train.run_process): that
        #: thread needs the interpreter lock, which it does not win from a thread stepping flat out (each release
        #: of the lock around a NumPy call wakes it, and the stepping thread takes the lock back first: it woke
        #: 3,000 times a second and training lost 10-30%), so stepping waits while it takes the message
        self.message_waiting: Callable[[], bool] | None = None
        self._handed = threading.Event()  # the waiting message was taken
        self._unseen: float | None = None  # when the latest Snapshot was published, while the screen has not drawn it
        self.latest: Snapshot = trainer.snapshot()
        #: the exception that stopped training, if a bug did (the app reports it when it closes)
        self.error: Exception | None = None
        self._stop = threading.Event()
        #: made by `start` (a thread object made before a fork and started after it says it is not alive)
        self._thread: threading.Thread | None = None

    def watchable_speed(self) -> float | None:
        """The speed limit at which the run's planned epochs take about WATCH_SECONDS."""
        return watchable_speed(self.trainer)

    def watch(self) -> None:
        """Watch the run from now at the watching pace, lifted to its watchable speed after its first landmark."""
        self.pace = WatchPace(cruise=self.watchable_speed())
        self.speed = self.pace.limit()

    def submit(self, command: cmd.Command) -> None:
        """Send a command: the speed limit is the driver's, everything else goes to the Trainer (thread-safe).

        `s` while watching lifts the watching pace (full speed); Reset(watch=True) watches the new run.
        """
        if isinstance(command, cmd.CycleSpeed):  # (changed by the thread that steps: the watching pace sets it too)
            self._speed_changes.put(command.direction)
        if isinstance(command, cmd.Reset) and command.watch:
            self._watch_next = True  # (before the command is queued: the thread sees it by the restart)
        self.trainer.submit(command)
        self._wake.set()

    def handed(self) -> None:
        """The message that was waiting has been taken (by the thread that takes them): stepping goes on."""
        self._handed.set()

    def shown(self, snapshot: Snapshot) -> None:
        """The screen has drawn `snapshot`: if it is the latest, the next may be built."""
        if snapshot is self.latest:
            self._unseen = None
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tuinn-trainer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 2.0) -> None:
        """Ask the thread to finish its current step and wait for it (`timeout` None: as long as it takes)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as e:  # a bug must not freeze the screen: show it and stop training
            self.error = e
            self.trainer.stop_with(f"training stopped by an internal error: {type(e).__name__}: {e}", "internal error")
            self.publish()

    def _loop(self) -> None:
        with threadpool_limits(limits=1), quiet_float_errors():
            last = 0.0
            self._due = self._ticked = self._clock()  # the pace counts from the start, not from the thread's making
            while not self._stop.is_set():
                wait = self.tick()
                now = self._clock()
                due = self._stepped and now - last >= self._spacing() and not self._screen_behind(now)
                if self._fresh or due:
                    self._fresh, last = False, now  # (a command's effect is shown at once)
                    self.publish()
                if wait > 0:
                    self._sleep(min(wait, IDLE_WAIT))
                elif self.speed is None and self.pace is None:  # flat out: step on to the next Snapshot
                    self._step_on(last)

    def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, or until a command, a drawn frame or a stop comes."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _spacing(self) -> float:
        """Seconds between Snapshots: the interval, longer while stepping flat out if Snapshots would take more
        than PUBLISH_SHARE of the time (held to a speed limit, training has the time to spare)."""
        if self.speed is not None:
            return self.interval
        return max(self.interval, self.publish_cost / PUBLISH_SHARE)

    def _screen_behind(self, now: float) -> bool:
        """Whether the screen has not drawn the last Snapshot yet (UNSEEN_WAIT at most): a new one would be skipped."""
        return self._unseen is not None and now - self._unseen < UNSEEN_WAIT

    def tick(self) -> float:
        """Apply the queued commands, then take a step if one is due; the seconds to wait before the next (0: none)."""
        trainer = self.trainer
        self._fresh |= self.apply_commands() > 0
        now = self._clock()
        since, self._ticked = now - self._ticked, now
        if not trainer.wants_step:
            return IDLE_WAIT
        pace = self.pace
        if pace is not None and trainer.paused:  # a single step asked for while paused: not the pace's
            self._step()
            pace.stepped(trainer, paced=False)
            return 0.0
        if pace is not None:
            pace.elapsed += since
            return self._watched_step(pace, now)
        if self.speed is None:
            self._step()
            return 0.0
        return self._paced_step(self.speed, now)

    def apply_commands(self) -> int:
        """Apply the Trainer's queued commands (in the thread that steps it); how many were applied.

        After a restart, a new preset, a watched reset (`w`) and a reset while watching start at the watching pace.
        """
        trainer = self.trainer
        while not self._speed_changes.empty():  # (one consumer: empty() is exact)
            self._cycle_speed(self._speed_changes.get_nowait())
        applied = trainer.apply_commands()
        if trainer.restarts != self._restarts:
            self._restarted()
        return applied

    def _cycle_speed(self, direction: int) -> None:
        """`s`: the watching pace is lifted (full speed); else the next speed limit."""
        if self.pace is not None:
            self.pace, self.speed = None, None
        else:
            self.speed = SPEEDS[(SPEEDS.index(self.speed) + direction) % len(SPEEDS)]

    def _restarted(self) -> None:
        """The run was rebuilt from its record: watch it if it is a new preset, a watched reset or was watched."""
        trainer = self.trainer
        self._restarts = trainer.restarts
        opened, self._opened = trainer.opened != self._opened, trainer.opened
        if opened or self._watch_next or self.pace is not None:
            self.watch()
        self._watch_next = False

    def _watched_step(self, pace: WatchPace, now: float) -> float:
        """A step at the watching pace when one is due; once the pace is over, the run's cruising limit."""
        if pace.over:
            self.pace, self.speed, self._due = None, pace.cruise, now
            return 0.0
        self.speed = pace.limit()
        if not pace.due:
            return 1.0 / self.speed
        self._step()
        pace.stepped(self.trainer)
        return 0.0

    def _paced_step(self, speed: float, now: float) -> float:
        """Step when the next step is due at `speed` steps a second; else the seconds until it is."""
        if now < self._due:
            return self._due - now
        self._step()
        self._due = max(self._due + 1.0 / speed, now - IDLE_WAIT)
        return 0.0

    def _step_on(self, published: float) -> None:
        """Step flat out until the next Snapshot is due (the last was `published`), a command, a drawn frame or a
        stop comes, or the run stops stepping.

        The tick's bookkeeping (commands, restarts, the pace, the clock) costs 2-3 µs, 5-8% of a tiny net's step
        (xor's 35-40 µs): here it is done once for a stretch of steps, and each step costs only a look at the
        command queue, the wake flag and the clock (a command is still taken before the next step); every
        HANDOVER_EVERY, a look for a message waiting to be taken (`message_waiting`).
        """
        self._wake.clear()  # (what woke the thread before this is seen below: the stop, the screen, the queue)
        if self._stop.is_set():
            return
        trainer, clock = self.trainer, self._clock
        now = clock()
        due = IDLE_WAIT if self._screen_behind(now) else min(IDLE_WAIT, published + self._spacing() - now)
        until = now + due
        step, no_command, woken = trainer.step, trainer.commands.empty, self._wake.is_set
        waiting, look = self.message_waiting, now + HANDOVER_EVERY
        stepped = False
        while no_command() and not woken() and (now := clock()) < until:
            if waiting is not None and now >= look:
                look = now + HANDOVER_EVERY
                if self._hand_over(waiting):
                    continue  # (the message may be a command, a drawn frame or the stop)
            if step() is None:
                break
            stepped = True
        self._stepped |= stepped
        self._ticked = clock()  # (the watching pace counts from the tick: a stretch at full speed is not its time)

    def _hand_over(self, waiting: Callable[[], bool]) -> bool:
        """If a message waits, let the thread that takes it have the interpreter lock (HANDOVER_WAIT at most);
        whether one did."""
        self._handed.clear()
        if not waiting():
            return False
        self._handed.wait(HANDOVER_WAIT)
        return True

    def _step(self) -> None:
        """One step of the Trainer, noted: the next interval publishes it."""
        self.trainer.step()
        self._stepped = True

    def snapshot(self) -> Snapshot:
        """The trainer's Snapshot now, with this driver's speed limit (and whether it is the watching pace)."""
        return dataclasses.replace(self.trainer.snapshot(), speed=self.speed, watching=self.pace is not None)

    def publish(self) -> None:
        """Take a Snapshot now and hand it to readers."""
        began = time.thread_time()
        snapshot = self.snapshot()
        self._stepped = False
        if self.await_screen:  # (before the screen can see it: it may draw it, and say so, at once)
            self._unseen = self._clock()
        self.latest = snapshot
        if self.on_snapshot is not None:
            self.on_snapshot(self.latest)
        self.publish_cost = time.thread_time() - began


class Listener(Protocol):
    """What the headless loop reports to: the start, the epochs it wants (with new events), the end."""

    def started(self, snap: Snapshot) -> None: ...

    def wants_epoch(self, epoch: int, epochs: int) -> bool: ...

    def epoch(self, snap: Snapshot, events: Sequence[Event]) -> None: ...


def run_to_end(
    trainer: Trainer, listener: Listener, stop_signal: Callable[[], int] = lambda: 0, recorder: FrameSink | None = None
) -> Snapshot:
    """Train to the end (or the target, or a stop signal), telling `listener`; returns the final Snapshot.

    The listener gets a Snapshot at the start, at every epoch it wants and every epoch with
    new events, after the figures the Trainer measured there. A `recorder` gets a full
    Snapshot at the start, at every evaluated epoch and at the end (a keyframe).
    """
    listener.started(trainer.snapshot(detail=False))
    if recorder is not None:
        recorder.write(trainer.snapshot())
    with quiet_float_errors():
        _train(trainer, listener, stop_signal, recorder)
        if not trainer.diverged:
            trainer.evaluate()  # the final figures: measured already unless a signal stopped the run mid-way
    if recorder is not None:
        recorder.write(trainer.snapshot(), keyframe=True)
    return trainer.snapshot(detail=False)


def _train(trainer: Trainer, listener: Listener, stop_signal: Callable[[], int], recorder: FrameSink | None) -> None:
    """Step until finished (or stopped by a signal), telling the listener of the epochs it wants and every event."""
    seen_events = len(trainer.events)
    epochs = trainer.config.train.epochs
    last_epoch = trainer.epoch
    while not trainer.finished and not stop_signal():
        pretraining = trainer.phase == "pretrain"  # (before the step that may end it)
        trainer.step()
        new_events = len(trainer.events) != seen_events
        if trainer.epoch == last_epoch and not trainer.finished and not (pretraining and new_events):
            continue  # (pretraining has no epochs of the run: its events are told as they come)
        last_epoch = trainer.epoch
        if recorder is not None and trainer.epoch % trainer.eval_every == 0 and not trainer.finished:
            recorder.write(trainer.snapshot())
        if new_events or trainer.finished or listener.wants_epoch(trainer.epoch, epochs):
            listener.epoch(trainer.snapshot(detail=False), list(trainer.events)[seen_events:])
            seen_events = len(trainer.events)
