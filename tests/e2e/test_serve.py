"""`tuinn serve` in a real browser: headless Chromium opens the page, the app's first frame arrives,
space pauses training (the screen stops changing) and resumes it, closing the tab ends the app."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import LOOPBACK, free_port, require, terminal_env

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP = ("-m", "tuinn", "--preset")  # how the served app's command line reads


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found.append((child, cmdline))
            todo.append(child)
    return found


def app_processes(server: subprocess.Popen) -> list[int]:
    return [pid for pid, cmd in descendants(server.pid) if " ".join(APP) in cmd and "serve" not in cmd]


def wait(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def screen(page) -> str:
    """A fingerprint of what the page shows now."""
    return hashlib.sha256(page.screenshot()).hexdigest()


def changing(page, seconds: float = 1.5) -> bool:
    """Whether the page shows something else `seconds` later."""
    before = screen(page)
    time.sleep(seconds)
    return screen(page) != before


def open_tab(playwright, chromium: str, tmp_path, port: int):
    """A headless Chromium with the served page open and its terminal connected; (context, page)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=chromium,
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1280, "height": 800},
    )
    page = context.new_page()
    page.goto(f"http://{LOOPBACK}:{port}/")
    page.wait_for_selector(".textual-terminal.-connected canvas", timeout=30_000)
    return context, page


def first_frames(page) -> None:
    """Wait until the page shows the app and keeps changing (it trains)."""
    blank = screen(page)
    wait(lambda: screen(page) != blank and changing(page), 30, "the app's first frames (training)")


@pytest.fixture
def served(tmp_path):
    """`tuinn serve` on a free loopback port; yields (server process, port, its output file)."""
    yield from serving(tmp_path)


def serving(tmp_path, *flags: str):
    """`tuinn serve --preset xor` with `flags` until the generator is closed; yields (server process, port, its output file)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "tuinn", "serve", "--preset", "xor", "--port", str(port), *flags],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=terminal_env(),
        )
    try:
        import socket

        def listening() -> bool:
            assert server.poll() is None, log.read_text()
            with socket.socket() as probe:
                return probe.connect_ex((LOOPBACK, port)) == 0

        wait(listening, 30, "the server to listen")
        yield server, port, log
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.e2e
def test_the_app_runs_in_a_real_browser_and_ends_with_its_tab(served, tmp_path):
    chromium = require("chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    server, port, log = served
    assert f"Serving xor on http://127.0.0.1:{port} (this machine only" in log.read_text()
    with sync_api.sync_playwright() as p:
        context, page = open_tab(p, chromium, tmp_path, port)
        assert wait(lambda: app_processes(server), 30, "the app process of the tab")
        first_frames(page)

        page.focus("textarea.xterm-helper-textarea")
        page.keyboard.press("Space")  # pause: while training runs, the screen never rests for 2 s
        wait(lambda: not changing(page, 2.0), 20, "the screen to stop changing after space paused training")
        page.keyboard.press("Space")  # resume
        wait(lambda: changing(page), 10, "training to resume after the second space")

        page.close()
        context.close()
    wait(lambda: not app_processes(server), 15, "the app's process to end with its tab")
    assert server.poll() is None, "the server should outlive a closed tab"


@pytest.mark.e2e
def test_serve_projector_opens_each_tab_in_projector_mode(tmp_path):
    chromium = require("chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    run = serving(tmp_path, "--projector")
    server, port, _ = next(run)
    try:
        with sync_api.sync_playwright() as p:
            context, page = open_tab(p, chromium, tmp_path, port)
            apps = wait(
                lambda: [cmd for pid, cmd in descendants(server.pid) if pid in app_processes(server)],
                30,
                "the tab's app",
            )
            assert all(cmd.split()[-1] == "--projector" for cmd in apps), apps
            first_frames(page)
            context.close()
    finally:
        run.close()


def test_a_public_host_warns_there_is_no_authentication_and_a_busy_port_is_refused(tmp_path):
    import socket

    from tuinn.cli.errors import BadInput
    from tuinn.cli.serve import check_port_free, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        with pytest.raises(BadInput, match=f"--port {taken.getsockname()[1]}"):
            check_port_free(LOOPBACK, taken.getsockname()[1])


def test_a_public_address_is_warned_about(tmp_path):
    """192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes, then the refusal to bind."""
    r = subprocess.run(
        [sys.executable, "-m", "tuinn", "serve", "--host", "192.0.2.1", "--port", "8000"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert "WARNING" in r.stderr and "no authentication" in r.stderr
    assert r.returncode == 2 and "--host 192.0.2.1 --port 8000: cannot listen there" in r.stderr


def test_serve_with_a_bad_preset_exits_2_before_serving(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "tuinn", "serve", "--preset", "nope", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "nope" in r.stderr and "Traceback" not in r.stderr
