"""What the TUI costs: bytes per second on the wire, frames a second, key-to-screen latency, training speed in the app.

Runs `tuinn --preset NAME` on a real pty (120x40 unless told), as a terminal or an SSH session
would, with an epoch budget it will not finish, so it trains throughout; timestamps
every byte the app writes, and prints figures. The pty answers the app's question
whether it has synchronized output (mode 2026) as modern terminals do, so each screen
update comes bracketed and is counted as a frame (the brackets are not counted as bytes).
The app's training speed (the samples/s its status panel shows) is compared with a
headless Trainer stepping the same preset for as long, in its own process. Not a test:

    python bench/tui_wire.py [--seconds 10] [--presets xor digits-cnn] [--sizes 120x40 80x24] [--no-headless]
                             [--data IDX_FOLDER]   (for the presets that read IDX files: mnist-cnn, fashion-cnn)
                             [--tree DIR]          (the tuinn of another source tree, e.g. an earlier commit's)

The in-app training speed of every preset against headless, in alternating rounds: bench/inapp_speed.py.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, ROOT)  # this checkout's tuinn
from tuinn.cli.run import default_threads  # noqa: E402
from tuinn.config import load_preset  # noqa: E402

SIZE = (120, 40)  # columns, rows
# CSI, OSC, DCS and two-byte escapes: what is left is the text the terminal shows.
ESCAPE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|.)")
BURST_GAP = 0.004  # seconds of silence that end one burst of output (one frame, roughly)
SYNC_QUERY = b"\x1b[?2026$p"  # the app asks whether the terminal has synchronized output
SYNC_ANSWER = b"\x1b[?2026;2$y"  # "it has (now off)", as a modern terminal answers
SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"  # one screen update, bracketed
READY = "Gradients"  # a panel title: the first frame is on screen
PAUSE_KEY = " "  # toggles pause; the status panel's State line says which
STATES = ("paused", "running")
EPOCHS = "100000000"  # more than any preset gets through while measured
SAMPLES_PER_SEC = re.compile(r"Samples/s\s+([\d,]+)")
THROUGHPUT = re.compile(r"Watching|Steps/s|Samples/s")  # the status panel's throughput label: paced, limited, flat out
HEADLESS = """
import sys, time
from threadpoolctl import threadpool_limits
from tuinn.cli.run import default_threads
from tuinn.config import load_preset, with_overrides
from tuinn.train.setup import quiet_float_errors
from tuinn.train.trainer import Trainer
config = with_overrides(load_preset(sys.argv[1]), epochs=int(sys.argv[3]))
trainer = Trainer(config, stop_at_target=False, threads=int(sys.argv[4]) or default_threads(headless=True))
with quiet_float_errors(), threadpool_limits(limits=1):
    end = time.perf_counter() + 1.0  # warm-up, as the app gets
    while time.perf_counter() < end:
        trainer.step()
    start, seen = time.perf_counter(), trainer.clock.samples_seen
    while time.perf_counter() < start + float(sys.argv[2]):
        trainer.step()
print((trainer.clock.samples_seen - seen) / (time.perf_counter() - start))
"""


def visible(data: bytes) -> str:
    """The printable text in a stretch of terminal output, escapes dropped (loosely)."""
    return ESCAPE.sub(b"", data).decode("utf-8", "replace")


class Pty:
    """A program on a pty of `size` (columns, rows), with every chunk it writes timestamped."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = SIZE) -> None:
        self.started = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size its terminal before the program looks at it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.chunks: list[tuple[float, bytes]] = []
        self.ready = 0.0  # seconds from the start to the first frame (start_training sets it)

    def pump(self, seconds: float) -> None:
        """Read whatever arrives for `seconds`."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                try:
                    data = os.read(self.fd, 1 << 16)
                except OSError:  # EIO: the program has closed the terminal
                    data = b""
                if not data:
                    return
                if SYNC_QUERY in data:
                    os.write(self.fd, SYNC_ANSWER)
                self.chunks.append((time.monotonic(), data))

    def wait_for_text(self, text: str, since: int, timeout: float = 10.0) -> float:
        """The arrival time of the first chunk after chunk `since` that completes `text` on screen."""
        deadline = time.monotonic() + timeout
        tail = b""
        while time.monotonic() < deadline:
            while since < len(self.chunks):
                arrived, data = self.chunks[since]
                since += 1
                tail = tail[-4096:] + data
                if text in visible(tail):
                    return arrived
            self.pump(0.02)
        raise TimeoutError(f"{text!r} did not show within {timeout} s; last shown: {visible(tail)[-300:]!r}")

    def press(self, key: str, text: str) -> tuple[float, float]:
        """Type `key`; return seconds to the next output and to output that shows `text`."""
        mark = len(self.chunks)
        sent = time.monotonic()
        os.write(self.fd, key.encode())
        shown = self.wait_for_text(text, mark)
        return self.chunks[mark][0] - sent, shown - sent

    def shown_samples_per_sec(self, since: int) -> list[float]:
        """Every samples/s figure the status panel showed after chunk `since`."""
        text = visible(b"".join(data for _, data in self.chunks[since:]))
        return [float(m.replace(",", "")) for m in SAMPLES_PER_SEC.findall(text)]

    def rate(self, seconds: float) -> tuple[float, float, float]:
        """Bytes, bursts and frames (synchronized updates) a second written over the next `seconds`."""
        mark = len(self.chunks)
        self.pump(seconds)
        times = [arrived for arrived, _ in self.chunks[mark:]]
        bursts = 1 + sum(b - a > BURST_GAP for a, b in zip(times, times[1:])) if times else 0
        written = b"".join(data for _, data in self.chunks[mark:])
        frames = written.count(SYNC_START)
        shown = len(written) - frames * len(SYNC_START) - written.count(SYNC_END) * len(SYNC_END)
        return shown / seconds, bursts / seconds, frames / seconds

    def quit(self, timeout: float = 10.0) -> int | None:
        """Press q and return the exit status; None (and SIGKILL) if it does not exit in time."""
        os.write(self.fd, b"q")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return None


def app_env(tree: str | None = None) -> tuple[str, dict[str, str]]:
    """The installed `tuinn` command and the environment of a terminal to run it in (`tree`: that source tree's
    tuinn package in place of this checkout's)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    tuinn = shutil.which("tuinn", path=path)
    if tuinn is None:
        sys.exit("tuinn is not installed: pip install -e . first")
    kept = {name: os.environ[name] for name in ("HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ}
    env = {**kept, "PATH": path, "TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
    if tree is not None:
        env["PYTHONPATH"] = str(Path(tree).resolve())
    return tuinn, env


def start_training(tuinn: str, preset: str, env: dict[str, str], size: tuple[int, int], args: list[str]) -> Pty:
    """The app on `preset` (and `args`) training flat out, its first frame shown; `ready` is when that came."""
    app = Pty([tuinn, "--preset", preset, "--epochs", EPOCHS, *args], env, size)
    app.ready = app.wait_for_text(READY, 0, timeout=30) - app.started
    full_speed(app)
    app.pump(1.0)  # let the first full paint and the training warm-up pass
    return app


def full_speed(app: Pty, tries: int = 5) -> None:
    """Press s until the status panel says Samples/s (no limit): the app starts at the watching pace and s lifts it,
    but a run whose pace was over already (its landmark came during start-up) takes s as a speed limit (s cycles)."""
    for _ in range(tries):
        mark = len(app.chunks)
        app.press("s", "/s")
        app.pump(0.5)
        labels = THROUGHPUT.findall(visible(b"".join(data for _, data in app.chunks[mark:])))
        if labels and labels[-1] == "Samples/s":
            return
    raise RuntimeError(f"the app does not train at full speed after {tries} presses of s")


def measure(
    tuinn: str,
    preset: str,
    seconds: float,
    presses: int,
    env: dict[str, str],
    size: tuple[int, int],
    headless: bool,
    data: list[str],
) -> None:
    """Print startup time, output rate while training, and pause/resume key latency for one preset at one size."""
    app = start_training(tuinn, preset, env, size, data)
    try:
        ready = app.ready
        mark = len(app.chunks)
        byte_rate, burst_rate, frame_rate = app.rate(seconds)
        in_app = statistics.median(app.shown_samples_per_sec(mark) or [float("nan")])
        to_output, to_text = [], []
        for _ in range(presses):
            for state in STATES:
                first, shown = app.press(PAUSE_KEY, state)
                to_output.append(first)
                to_text.append(shown)
                app.pump(0.3)
    finally:
        status = app.quit()
    print(
        f"{preset} at {size[0]}x{size[1]}: first frame after {ready:.2f} s; "
        f"{byte_rate / 1024:.1f} KiB/s in {frame_rate:.1f} frames/s ({byte_rate / max(frame_rate, 1e-9) / 1024:.1f} "
        f"KiB each; {burst_rate:.1f} bursts/s) while training ({seconds:g} s)"
    )
    print(
        f"  key -> next output: median {1e3 * statistics.median(to_output):.0f} ms, "
        f"max {1e3 * max(to_output):.0f} ms; key -> new text: median "
        f"{1e3 * statistics.median(to_text):.0f} ms, max {1e3 * max(to_text):.0f} ms "
        f"({len(to_text)} presses); exit status {status}"
    )
    if not headless:
        return
    same = default_threads(headless=False)
    default, alike = (headless_rate(preset, seconds, env, threads) for threads in (0, same))
    print(
        f"  training in the app: {in_app:,.0f} samples/s; headless: {default:,.0f} samples/s "
        f"(ratio {in_app / default:.2f}), headless --threads {same} as the app: {alike:,.0f} samples/s "
        f"(ratio {in_app / alike:.2f})"
    )


def headless_rate(preset: str, seconds: float, env: dict[str, str], threads: int) -> float:
    """Samples/s of a headless Trainer on `preset` for `seconds` in its own process (threads 0: the default)."""
    out = subprocess.run(
        [sys.executable, "-c", HEADLESS, preset, str(seconds), EPOCHS, str(threads)],
        env=env,
        cwd=env.get("PYTHONPATH", ROOT),  # (python -c imports from its working directory first)
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def main() -> None:
    """Measure each preset in turn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to count output bytes")
    parser.add_argument("--presses", type=int, default=10, help="pause/resume pairs to time")
    parser.add_argument("--presets", nargs="+", default=["xor", "spiral", "digits-cnn"])
    parser.add_argument("--sizes", nargs="+", default=["120x40"], help="terminal sizes, COLSxROWS")
    parser.add_argument("--no-headless", action="store_true", help="skip the headless training-speed comparison")
    parser.add_argument("--data", help="an IDX folder for the presets that need data files (not compared headless)")
    parser.add_argument("--tree", help="run the tuinn package of this source tree (e.g. an earlier commit's)")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes]
    tuinn, env = app_env(args.tree)
    for preset in args.presets:
        needs_data = load_preset(preset).needs_data
        if needs_data and not args.data:
            print(f"{preset}: skipped (it reads data files: give --data IDX_FOLDER)")
            continue
        data = ["--data", args.data] if needs_data else []
        for size in sizes:
            measure(tuinn, preset, args.seconds, args.presses, env, size, not args.no_headless and not needs_data, data)


if __name__ == "__main__":
    main()
