"""``NO_COLOR`` (https://no-color.org): every command that prints writes no colour when it is
set, and the terminal UI draws without hue. The commands run for real on a pseudo-terminal,
where colour is on by default."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

PAYMENTS = "contracts/payments/payments-api.yaml"
COMMANDS = {
    "log": ["log"],
    "diff": ["diff", f"HEAD:{PAYMENTS}", PAYMENTS],
    "review": ["review", f"HEAD:{PAYMENTS}", PAYMENTS],
    "check": ["check"],
    "notice": ["notice", f"HEAD:{PAYMENTS}", PAYMENTS],
    "amend status": ["amend", "status"],
    "validate": ["validate", PAYMENTS, "idp/login-discovery.json"],
    "validate a directory": ["validate", "contracts"],
    "import": ["import", "auto", "keycloak/customers.json"],
    "log of an artefact": ["log", "idp/login-discovery.json"],
    "help": ["--help"],
    "version": ["--version"],
    "usage error": ["diff", "--no-such-option"],
}
CODES = {"usage error": (2,)}  # the others answer 0 or 1
COLOURED = {"log", "diff", "review"}  # the others write plain text on a terminal too


def on_a_terminal(args: list[str], cwd: Path, *, codes=(0, 1), **env: str) -> bytes:
    """Standard output and error of ``workbench ARGS`` run on a pseudo-terminal (its exit
    code one of ``codes``)."""
    master, slave = os.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env, TERM="xterm-256color", COLUMNS="200")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from workbench.cli import main; main()", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=environ,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(master)
    out = b"".join(chunks)
    assert proc.returncode in codes, out.decode(errors="replace")
    return out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_color_turns_every_escape_sequence_off(demo_repo: Path, name: str) -> None:
    plain = on_a_terminal(COMMANDS[name], demo_repo, codes=CODES.get(name, (0, 1)), NO_COLOR="1")
    assert plain.strip(), name
    assert b"\x1b[" not in plain, plain[:400]
    if name in COLOURED:  # the control: on the same terminal without NO_COLOR there is colour
        assert b"\x1b[" in on_a_terminal(COMMANDS[name], demo_repo)
        # an empty NO_COLOR is no request (no-color.org): colour stays on
        assert b"\x1b[" in on_a_terminal(COMMANDS[name], demo_repo, NO_COLOR="")


def test_an_invalid_contract_is_reported_without_colour(demo_repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("contract:\n  id: [unclosed\n")
    plain = on_a_terminal(["validate", str(bad)], demo_repo, codes=(1, 2), NO_COLOR="1")
    assert b"bad.yaml:" in plain and b"\x1b[" not in plain


def test_every_amend_subcommand_writes_no_colour(tmp_path: Path) -> None:
    """The checklist answered from the command line, one subcommand after another (the writes
    included, on a demo repository of its own), and the refusals."""
    from workbench.demo import build_demo_repo

    repo = build_demo_repo(tmp_path / "repo")

    def run(*args: str, codes=(0, 1)) -> bytes:
        out = on_a_terminal(["amend", *args], repo, codes=codes, NO_COLOR="1")
        assert b"\x1b[" not in out, (args, out[:400])
        return out

    status = run("status").decode()
    fingerprints = re.findall(r"\[([0-9a-f]{12})\]", status)
    assert fingerprints, status
    run("start", "--summary", "Idempotency keys and acr")
    run("summary", "Idempotency keys, acr required")
    run("bump")
    run("accept", fingerprints[0], "--reason", "Clients were told in March")
    run("withdraw", fingerprints[0])
    run("accept", fingerprints[0], "--reason", "Clients were told in March")
    run("notice")
    run("changelog")
    run("notify", "--all")
    run("refresh")
    run("status", "--all")
    run("status", "--format", "json")
    # refusals: nothing committed to sign off, no policy change, an unknown finding
    run("sign-off", codes=(1, 2))
    run("sign-off-policy", codes=(1, 2))
    run("accept", "0000000000", "--reason", "x", codes=(1, 2))


def test_demo_writes_no_colour(tmp_path: Path) -> None:
    out = on_a_terminal(["demo", "--no-open", str(tmp_path / "demo")], tmp_path, NO_COLOR="1")
    assert str(tmp_path / "demo").encode() in out and b"\x1b[" not in out


def test_serve_banner_and_warning_have_no_colour(demo_repo: Path, tmp_path: Path) -> None:
    port = free_port()
    out = until_printed(
        ["serve", str(demo_repo), "--host", "0.0.0.0", "--port", str(port)],
        demo_repo,
        b"Ctrl+C to stop",
        config=tmp_path,
        NO_COLOR="1",
    )
    assert b"warning: listening on every network interface" in out
    assert b"\x1b[" not in out


# --- the terminal UI -------------------------------------------------------------------------

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
# the 16-colour codes with a hue (red to cyan, foreground and background, normal and bright)
HUED_CODES = {*range(31, 37), *range(41, 47), *range(91, 97), *range(101, 107)}


def hues(output: bytes) -> set[tuple[int, int, int]]:
    """The colours with a hue that ``output``'s SGR sequences set (24-bit, 256-colour and the
    16 named colours; greys, black, white and the defaults have none)."""
    found: set[tuple[int, int, int]] = set()
    for params in SGR.findall(output):
        codes = [int(c) if c else 0 for c in params.replace(b":", b";").split(b";")]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in (38, 48) and i + 1 < len(codes) and codes[i + 1] == 2:
                r, g, b = codes[i + 2 : i + 5]
                if max(r, g, b) - min(r, g, b) > 2:
                    found.add((r, g, b))
                i += 5
            elif code in (38, 48) and i + 1 < len(codes) and codes[i + 1] == 5:
                n = codes[i + 2]
                if 16 <= n <= 231 and len({(n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6}) > 1:
                    found.add((n, n, -1))
                elif n < 16 and n % 8 not in (0, 7):
                    found.add((n, -1, -1))
                i += 3
            else:
                if code in HUED_CODES:
                    found.add((code, -1, -1))
                i += 1
    return found


def test_the_hue_finder_finds_hues() -> None:
    assert hues(b"\x1b[38;2;200;10;10mx\x1b[0m") == {(200, 10, 10)}
    assert hues(b"\x1b[1;31mx\x1b[48;5;196my\x1b[38;5;244mz") == {(31, -1, -1), (196, 196, -1)}
    assert hues(b"\x1b[38;2;40;40;40;48;2;0;0;0;1;7mx\x1b[39;49m\x1b[38;5;250m") == set()


def test_the_terminal_ui_draws_without_hue_under_no_color(demo_repo: Path, tmp_path: Path) -> None:
    """The real app on a pseudo-terminal: with NO_COLOR it starts in workbench-mono (and
    Textual greys whatever else it draws); the control without NO_COLOR has colours."""
    # typed once the contracts are listed (the pane titles are drawn before they are read)
    plain = until_printed(
        [str(demo_repo)], demo_repo, b"payments-api", config=tmp_path, keys=b"q", NO_COLOR="1"
    )
    assert b"Findings" in plain
    assert hues(plain) == set(), sorted(hues(plain))[:10]
    assert list(tmp_path.iterdir()) == []  # starting in workbench-mono saved no setting
    coloured = until_printed([str(demo_repo)], demo_repo, b"Findings", config=tmp_path, keys=b"q")
    assert hues(coloured)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def until_printed(
    args: list[str], cwd: Path, expected: bytes, *, config: Path, keys: bytes = b"", **env: str
) -> bytes:
    """Run ``workbench ARGS`` on a pseudo-terminal until it has printed ``expected``; then type
    ``keys`` (again every second until it exits: keys such as ``q``) or, without keys, stop it (SIGTERM to the session it
    leads). What it printed, all of it. ``config`` is its ``XDG_CONFIG_HOME``."""
    master, slave = os.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(
        env,
        TERM="xterm-256color",
        COLORTERM="truecolor",
        COLUMNS="120",
        LINES="40",
        XDG_CONFIG_HOME=str(config),  # no settings file: the defaults
    )
    environ.pop("TEXTUAL_DRIVER", None)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-c", "from workbench.cli import main; main()", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=environ,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    sent = False
    typed = 0.0
    try:
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, b"".join(chunks)[-2000:].decode(errors="replace")
            ready, _, _ = select.select([master], [], [], min(remaining, 0.5))
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the terminal's other end closed
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            if not sent and expected in b"".join(chunks):
                sent = True
                if keys:
                    os.write(master, keys)
                    typed = time.monotonic()
                else:
                    os.killpg(proc.pid, signal.SIGTERM)
            elif sent and keys and proc.poll() is None and time.monotonic() - typed > 1.0:
                # keys typed while the app was still starting can be lost: type them again
                # until it exits (instead of guessing how long the start takes)
                with contextlib.suppress(OSError):  # it has just closed the terminal
                    os.write(master, keys)
                typed = time.monotonic()
            if sent and proc.poll() is not None and not ready:
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return b"".join(chunks)
