"""Fixtures for end-to-end runs in a real terminal: tmux on a private socket, and a real sshd on loopback."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# `tuinn` is installed beside this interpreter, which CI runs without activating its venv.
PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
PASSED_THROUGH = ("HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
EXIT = re.compile(r"EXIT:(\d+)")
LOOPBACK = "127.0.0.1"


def require(tool: str, path: str | None = None) -> str:
    """Return the tool's path; skip without it, but fail under CI, which installs it."""
    found = shutil.which(tool, path=path)
    if found is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"{tool} is not installed")
    return found


def terminal_env() -> dict[str, str]:
    """The clean environment a user's terminal gives: PATH, HOME, TERM, COLORTERM."""
    kept = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    return {**kept, "PATH": PATH, "TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}


def env_prefix() -> list[str]:
    """`env -i NAME=value ...`: runs a command in exactly terminal_env()."""
    return ["env", "-i", *(f"{name}={value}" for name, value in terminal_env().items())]


def shows(screen: str, want: str | re.Pattern) -> bool:
    """Whether the screen holds the text, or a match of the pattern."""
    return bool(want.search(screen)) if isinstance(want, re.Pattern) else want in screen


class Pane:
    """A shell command running in a detached tmux session on its own socket.

    The command is followed by `EXIT:<status>` on the screen, and a shell that
    stays, so the screen after the program ends can still be read.
    """

    def __init__(self, socket_path: Path, command: str, width: int, height: int) -> None:
        self.socket = str(socket_path)
        script = f'{command}; printf "\\nEXIT:%s\\n" "$?"; exec sleep 600'
        self.tmux(
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            str(width),
            "-y",
            str(height),
            shlex.join([*env_prefix(), "sh", "-c", script]),
        )

    def tmux(self, *args: str) -> str:
        """Run one tmux command on this pane's server; return its output."""
        argv = ["tmux", "-S", self.socket, "-f", os.devnull, *args]
        return subprocess.run(argv, env=terminal_env(), capture_output=True, text=True, timeout=10, check=True).stdout

    def send_keys(self, *keys: str) -> None:
        """Type tmux key names (`a`, `Space`, `q`, `C-c`) into the pane."""
        self.tmux("send-keys", "-t", "e2e", *keys)

    def capture(self, escapes: bool = False, history: int = 0) -> str:
        """The visible screen as text (plus `history` lines above it), with colour escapes if asked."""
        return self.tmux("capture-pane", "-p", "-t", "e2e", "-S", str(-history), *(["-e"] if escapes else []))

    def query(self, fmt: str) -> str:
        """A tmux format evaluated for the pane, e.g. `#{alternate_on}`."""
        return self.tmux("display-message", "-p", "-t", "e2e", fmt).strip()

    def wait_for(self, *wants: str | re.Pattern, timeout: float = 10.0) -> str:
        """Poll the screen every 0.1 s until it shows every text or pattern in `wants`; return it."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            missing = [want for want in wants if not shows(screen, want)]
            if not missing:
                return screen
            if EXIT.search(screen) or time.monotonic() > deadline:
                raise AssertionError(f"not on screen: {missing}\n{self.capture(history=200)}")
            time.sleep(0.1)

    def open_tab(self, *wants: str | re.Pattern, tabs: int = 6) -> str:
        """Press → (the next tab) until the screen shows every text or pattern in `wants`, where the layout put them; return it."""
        for _ in range(tabs):
            try:
                return self.wait_for(*wants, timeout=1.5)
            except AssertionError:
                if EXIT.search(self.capture()):
                    raise
                self.send_keys("Right")
        return self.wait_for(*wants)

    def assert_exit(self, status: int = 0, timeout: float = 10.0) -> None:
        """Wait for the command to end and check its exit status; show the screen if it differs."""
        found = int(EXIT.search(self.wait_for(EXIT, timeout=timeout)).group(1))
        assert found == status, f"exit status {found}, not {status}:\n{self.capture(history=200)}"

    def assert_restored(self) -> None:
        """Check the program left the terminal as it found it: main screen, no mouse reporting, cursor shown."""
        modes = self.query(
            "alternate screen #{alternate_on}, mouse reporting #{mouse_any_flag}, cursor shown #{cursor_flag}"
        )
        assert modes == "alternate screen 0, mouse reporting 0, cursor shown 1"

    def kill(self) -> None:
        """Stop the tmux server and everything running in it."""
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, timeout=10, check=False)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Pane]]:
    """Start shell commands in tmux panes (120x40 unless told); their servers die at teardown."""
    require("tmux")
    panes: list[Pane] = []

    def start(command: str, width: int = 120, height: int = 40) -> Pane:
        panes.append(Pane(tmp_path / f"tmux-{len(panes)}", command, width, height))
        return panes[-1]

    yield start
    for pane in panes:
        pane.kill()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_banner(port: int, server: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
    """Wait until the server on `port` greets with an SSH banner."""
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1) as conn:
                if conn.recv(8).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"sshd did not come up on port {port}:\n{log.read_text()}")


SSHD_CONFIG = """\
ListenAddress {address}
Port {port}
HostKey {dir}/host
AuthorizedKeysFile {dir}/authorized_keys
PidFile {dir}/sshd.pid
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
"""


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Run a real sshd on loopback as this user; yield a function that wraps a command in `ssh -t` to it."""
    binary = require("sshd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    home = tmp_path_factory.mktemp("sshd")
    for key in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / key)], check=True, timeout=30)
    shutil.copy(home / "client.pub", home / "authorized_keys")
    port = free_port()
    (home / "sshd_config").write_text(SSHD_CONFIG.format(address=LOOPBACK, port=port, dir=home))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege-separation directory
    log = home / "sshd.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [binary, "-D", "-e", "-f", str(home / "sshd_config")], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_for_banner(port, server, log)
        client = [
            "ssh",
            "-t",
            "-F",
            os.devnull,
            "-p",
            str(port),
            "-i",
            str(home / "client"),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            f"UserKnownHostsFile={os.devnull}",
            "-o",
            "LogLevel=ERROR",
            LOOPBACK,
        ]
        yield lambda command: shlex.join(
            [*client, f"cd {shlex.quote(str(REPO))} && exec {shlex.join(env_prefix())} {command}"]
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(params=["tmux", "ssh"])
def launch(request: pytest.FixtureRequest, terminal: Callable[..., Pane]) -> Callable[..., Pane]:
    """Start a command in a tmux pane, directly or through `ssh -t` to a loopback sshd."""
    wrap = request.getfixturevalue("sshd") if request.param == "ssh" else str
    return lambda command, **size: terminal(wrap(command), **size)
