"""What the hostile corpus runs on: real repositories built from hostile data, and the real
``workbench`` console script on a pseudo-terminal with a memory limit and a timeout.

(No tests here; the corpus is ``test_hostile_corpus.py``.)
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nsrun import changed as changed  # the tree snapshots nsrun.py compares too
from nsrun import snapshot as snapshot

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent.parent
SAMPLE = (ROOT / "sample_contracts" / "payments-api.yaml").read_text(encoding="utf-8")

# Each command must finish within TIMEOUT seconds of CPU time (RLIMIT_CPU, so the bound does
# not depend on how loaded the machine is: unbounded work such as an alias bomb is killed, a
# failure and not a slow pass), within WALL_FACTOR times that in wall-clock time (a guard
# against a command that hangs without working), and within MEMORY bytes of address space
# (RLIMIT_AS). Both limits are inherited by git.
TIMEOUT = float(os.environ.get("HOSTILE_TIMEOUT", "5"))
WALL_FACTOR = 6
MEMORY = 768 * 1024 * 1024

# --- hostile strings ------------------------------------------------------------------------

OSC52 = "\x1b]52;c;aGVsbG8=\x07"  # write the clipboard
CLEAR = "\x1b[2J\x1b[H"  # clear the screen
TITLE = "\x1b]0;pwned\x07"  # set the window title
CSI8 = "\x9b8m"  # one-byte CSI: conceal
RLO = "\u202e"  # right-to-left override
ISOLATE = "\u2066"  # left-to-right isolate
ZW = "\u200b"
EVIL = f"{OSC52}{CLEAR}{TITLE}{RLO}x{ISOLATE}{ZW}\x08\r"
EVIL_SHORT = f"\x1b]0;t\x07{RLO}"  # fits where names are short

# What must never reach the terminal: ESC (other than the painter's colours), the C1 controls,
# the other C0 controls but TAB and LF, DEL, bidi embeddings/overrides/isolates, zero-width and
# other invisible format characters, line/paragraph separators, lone surrogates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ud800-\udfff\U000e0000-\U000e007f]"
)
COLOUR = re.compile(r"\x1b\[(?:\d{1,2}(?:;\d{1,2})*)?m")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \".*\", line \d+", re.M)


SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b.")


def screen_text(output: str) -> str:
    """What a terminal UI's output says, its control sequences removed (for words on it)."""
    return SEQUENCE.sub("", output)


def unsafe_in(text: str) -> list[str]:
    """The forbidden characters of terminal output (after the painter's colours are removed),
    each with a little context."""
    text = COLOUR.sub("", text)
    return [repr(text[max(0, m.start() - 20) : m.end() + 20]) for m in FORBIDDEN.finditer(text)]


# --- running the command --------------------------------------------------------------------


@dataclass
class Result:
    argv: list[str]
    code: int | None  # None: killed at the timeout (wall clock or CPU time)
    output: str  # what the terminal received (stdout and stderr), CRLF as LF
    stdout: str | None  # standard output, when it went to a pipe instead of the terminal
    elapsed: float
    lingering: bool = False  # something it started was still running after it exited
    peak_kib: int = 0  # its peak resident memory

    @property
    def timed_out(self) -> bool:
        return self.code is None

    def __str__(self) -> str:
        return (
            f"$ workbench {' '.join(map(repr, self.argv))}\n-> {self.code}\n{self.output[-3000:]}"
        )


def workbench_argv() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from workbench.cli import main; main()"]


def _limits(memory: int, cpu: float) -> Callable[[], None]:
    seconds = max(1, math.ceil(cpu))

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_workbench(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    prefix: Sequence[str] = (),
    stdout_pipe: bool = False,
    timeout: float = TIMEOUT,
    memory: int = MEMORY,
    keys: Sequence[tuple[float | str, bytes]] = (),
) -> Result:
    """Run ``workbench ARGS`` with the terminal as its standard input, output and error (or
    standard output on a pipe with ``stdout_pipe``), killed after ``timeout`` seconds of CPU
    time or ``WALL_FACTOR`` times that on the clock.

    ``prefix`` runs it under another command (a mount namespace); ``keys`` are typed into the
    terminal (for the terminal UI), each after a delay in seconds or once the screen shows a
    text."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    argv = [*prefix, *workbench_argv(), *args]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE if stdout_pipe else slave,
        stderr=slave,
        preexec_fn=_limits(memory, timeout),
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    out_chunks: list[bytes] = []
    deadline = started + timeout * WALL_FACTOR
    pending = list(keys)
    usage: list[resource.struct_rusage] = []
    typed_at = started  # when the last key was typed (or the start)
    seen = 0  # how much output there was then
    streams = [master] + ([proc.stdout.fileno()] if proc.stdout is not None else [])
    killed = False
    while streams:
        now = time.monotonic()
        if now >= deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        if pending and _due(pending[0][0], now - typed_at, b"".join(chunks)[seen:]):
            with contextlib.suppress(OSError):
                os.write(master, pending.pop(0)[1])
            typed_at, seen = time.monotonic(), sum(map(len, chunks))
        ready, _, _ = select.select(streams, [], [], min(deadline - now, 0.1))
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: every holder of the terminal has closed it
                data = b""
            if not data:
                streams.remove(fd)
                continue
            (chunks if fd == master else out_chunks).append(data)
        # the child is gone but something it started still holds the terminal: stop reading
        # once the terminal has been quiet for a moment
        if not ready and _reap(proc, usage) and not pending and _quiet(master):
            break
    if killed:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    end = time.monotonic() + 5
    while not _reap(proc, usage) and time.monotonic() < end:
        time.sleep(0.02)
    # past its CPU limit the kernel sends SIGXCPU (soft) or SIGKILL (hard)
    over_cpu = proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    code = None if killed or over_cpu else proc.returncode
    lingering = not killed and _lingers(proc.pid)
    os.close(master)
    elapsed = time.monotonic() - started
    output = b"".join(chunks).decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    stdout = b"".join(out_chunks).decode("utf-8", "surrogateescape") if stdout_pipe else None
    if proc.stdout is not None:
        proc.stdout.close()
    peak = usage[0].ru_maxrss if usage else 0  # KiB on Linux
    return Result(list(args), code, output, stdout, elapsed, lingering, peak)


def _reap(proc: subprocess.Popen, usage: list[resource.struct_rusage]) -> bool:
    """Whether the command has exited (reaped here, to keep its resource usage)."""
    if proc.returncode is not None:
        return True
    pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
    if pid == 0:
        return False
    proc.returncode = os.waitstatus_to_exitcode(status)
    usage.append(rusage)
    return True


def _due(trigger: float | str, waited: float, since: bytes) -> bool:
    """Whether the next key is due: after ``trigger`` seconds, or once the screen (drawn since
    the last key) shows the text ``trigger``, and has had a moment to settle."""
    if isinstance(trigger, float | int):
        return waited >= trigger
    return waited >= 0.3 and trigger in screen_text(since.decode("utf-8", "replace"))


def _lingers(group: int, grace: float = 1.0) -> bool:
    """Whether a process the command started outlives it (past a grace period for pipes to
    close); such processes are killed."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover - a reused id
            return False
        if time.monotonic() >= deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            return True
        time.sleep(0.05)


def _quiet(fd: int) -> bool:
    ready, _, _ = select.select([fd], [], [], 0.3)
    return not ready


# --- repositories ---------------------------------------------------------------------------

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Author",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


@dataclass
class World:
    """A case's directory: ``repo`` (the work tree), ``outside`` (a sentinel tree that nothing
    may touch: symlinks point into it) and ``home`` (HOME, with the cache under it)."""

    base: Path
    env_extra: dict[str, str] = field(default_factory=dict)

    @property
    def repo(self) -> Path:
        return self.base / "repo"

    @property
    def outside(self) -> Path:
        return self.base / "outside"

    @property
    def home(self) -> Path:
        return self.base / "home"

    def create(self) -> World:
        for d in (self.repo, self.outside / "hooks", self.home / ".cache"):
            d.mkdir(parents=True, exist_ok=True)
        (self.outside / "secret.txt").write_text("TOP SECRET: do not copy\n")
        (self.outside / "hooks" / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
        self.git("init", "-q", "-b", "main")
        return self

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "COLUMNS": "160",
            **GIT_ENV,
            # the code under test, when it is not the installed one
            **{k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ},
            **self.env_extra,
            **extra,
        }
        return env

    def git(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.repo,
            env={**os.environ, **GIT_ENV, **(env or {})},
            input=input,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode("utf-8", "surrogateescape")

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    def commit(
        self, message: str = "change", *, author: str | None = None, date: str = "2025-06-01"
    ) -> None:
        env = {
            "GIT_AUTHOR_DATE": f"{date}T10:00:00+00:00",
            "GIT_COMMITTER_DATE": f"{date}T10:00:00+00:00",
        }
        if author is not None:
            env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = author
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)

    def copy(self, base: Path) -> World:
        shutil.copytree(self.base, base, symlinks=True)
        return World(base, dict(self.env_extra))


# --- contracts ------------------------------------------------------------------------------


def contract(
    cid: str = "payments-api",
    version: str = "1.0.0",
    *,
    title: str = "Payments API",
    audience: str = "https://api.example.com",
    consumer: str = "checkout-web",
    lifetime: str = "15m",
    extra: str = "",
) -> str:
    """A small valid contract; the strings are written as YAML double-quoted scalars (the
    hostile ones with YAML escapes, as an attacker's file would hold them)."""
    return f"""contract: {q(cid)}
title: {q(title)}
version: {q(version)}
status: active
owners:
  - team: platform
    contact: platform@example.com
consumers:
  - name: {q(consumer)}
    contact: checkout@example.com
    uses: [access_token]
identity_providers:
  - id: corp-idp
    issuer: https://login.example.com
    jwks_uri: https://login.example.com/jwks.json
    protocols: [oidc]
grants: [authorization_code, client_credentials]
tokens:
  access_token:
    format: jwt
    issued_by: [corp-idp]
    signing_algorithms: [RS256]
    audience: [{q(audience)}]
    lifetime: {lifetime}
    clock_skew: 60s
    required_claims: [iss, sub, aud, exp]
mfa:
  required: false
  methods: [webauthn]
scopes:
  payments:read: Read payments
{extra}"""


def q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (every non-printable character escaped, as
    YAML requires; bidi and other format characters are printable to YAML and stay raw)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
