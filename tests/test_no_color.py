"""``NO_COLOR`` (https://no-color.org): every command that colours its output on a terminal
writes none when it is set. The commands run for real on a pseudo-terminal, where colour is on
by default."""

from __future__ import annotations

import os
import subprocess
import sys
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
}
COLOURED = {"log", "diff", "review"}  # the others write plain text on a terminal too


def on_a_terminal(args: list[str], cwd: Path, **env: str) -> bytes:
    """Standard output and error of ``workbench ARGS`` run on a pseudo-terminal."""
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
    assert proc.returncode in (0, 1), out.decode(errors="replace")
    return out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_color_turns_every_escape_sequence_off(demo_repo: Path, name: str) -> None:
    plain = on_a_terminal(COMMANDS[name], demo_repo, NO_COLOR="1")
    assert plain.strip(), name
    assert b"\x1b[" not in plain, plain[:400]
    if name in COLOURED:  # the control: on the same terminal without NO_COLOR there is colour
        assert b"\x1b[" in on_a_terminal(COMMANDS[name], demo_repo)
        # an empty NO_COLOR is no request (no-color.org): colour stays on
        assert b"\x1b[" in on_a_terminal(COMMANDS[name], demo_repo, NO_COLOR="")
