"""``workbench serve`` without a browser: what it binds to, what it warns about, what it runs.

tests/test_browser.py drives the served page in Chromium.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.tui.web import (
    allowed_hosts,
    exposure_warning,
    is_loopback,
    served_command,
    url_host,
)

CLI = [sys.executable, "-c", "from workbench.cli import main; main()"]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_warning(host: str):
    assert is_loopback(host)
    assert exposure_warning(host, 8000) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1"])
def test_other_hosts_are_warned_about(host: str):
    assert not is_loopback(host)
    warning = exposure_warning(host, 8123)
    assert warning is not None and "\n" not in warning
    assert "anyone who can reach this port" in warning and "git identity" in warning
    assert "8123" in warning


def test_served_command_runs_the_same_tui_on_the_same_repository(tmp_path: Path):
    repo = tmp_path / 'it\'s a "repo" $(touch x)'
    repo.mkdir()
    argv = shlex.split(served_command(repo, python="/opt/py thon/bin/python"))
    assert argv[0] == "/opt/py thon/bin/python"
    assert argv[1] == "-c" and "from workbench.cli import main" in argv[2]
    assert argv[3:] == ["open", str(repo.resolve())]


def test_allowed_hosts():
    assert allowed_hosts("127.0.0.1", 8000) == {
        "127.0.0.1:8000",
        "localhost:8000",
        "[::1]:8000",
    }
    assert "[::1]:9000" in allowed_hosts("::1", 9000)
    assert allowed_hosts("0.0.0.0", 8000) is None  # reached by names only the user knows
    assert url_host("::1") == "[::1]" and url_host("127.0.0.1") == "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int) -> int | None:
    with contextlib.suppress(OSError):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status
        finally:
            conn.close()
    return None


def test_serving_everywhere_warns_then_serves_and_stops(demo_repo: Path, tmp_path: Path):
    port = _free_port()
    err = (tmp_path / "err").open("w+")
    proc = subprocess.Popen(
        [*CLI, "serve", str(demo_repo), "--host", "0.0.0.0", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _status(port) != 200:
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert code == 0
    err.seek(0)
    lines = err.read().splitlines()
    assert lines[0].startswith("workbench serve: warning: listening on every network interface")
    assert lines[1] == (
        f"Serving the workbench on {demo_repo.resolve()} at http://0.0.0.0:{port}/ (Ctrl+C to stop)"
    )


def test_a_taken_port_is_one_line_and_exit_2(demo_repo: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run(
            [*CLI, "serve", str(demo_repo), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"workbench serve: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_the_tui_still_needs_a_terminal_unless_a_driver_is_named(demo_repo: Path):
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    proc = subprocess.run(
        [*CLI, str(demo_repo)], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 2 and "needs a terminal" in proc.stderr
