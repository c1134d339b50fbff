"""The user's own editor (``$VISUAL``, else ``$EDITOR``, else ``vi``), opened at a line.

One function for every place that hands a file to an external editor (``E`` on the main screen
and in the built-in editor, ``E`` in the checklist). The command is parsed like a shell would
(``shlex``), the program is looked up before the terminal is handed over, and whatever goes
wrong (an unbalanced quote, a program that does not exist, a non-zero exit, an interrupt) comes
back as one line the screen shows: the app always gets its terminal back. (``App.suspend``
resumes only when its block ends normally, so nothing inside the block may raise.)

Where the terminal cannot be handed over (the web face, headless tests), the editor runs without
one: a graphical editor (``code --wait``) still works there, and a terminal editor fails with a
message instead of hanging on input it cannot get.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# how each editor family is told the line (the first word of the command, without a path)
PLUS_LINE = {"vi", "vim", "nvim", "gvim", "view", "emacs", "emacsclient", "nano", "micro", "kak"}
PLUS_LINE |= {"joe", "mg", "jed", "ne", "pico", "ed"}
COLON_LINE = {"hx", "helix", "subl", "sublime_text", "zed", "gedit", "mate", "kate"}
GOTO_LINE = {"code", "code-insiders", "codium", "vscodium", "cursor"}


class EditorCommandError(ValueError):
    """``$VISUAL``/``$EDITOR`` cannot be run as given (the message says why, in one line)."""


@dataclass(frozen=True, slots=True)
class EditorRun:
    """What happened: ``error`` is empty when the editor ran and exited with 0."""

    command: tuple[str, ...]
    error: str = ""


def editor_variable(env: dict[str, str] | None = None) -> tuple[str, str]:
    """``(name, value)`` of the variable that names the editor (``vi`` when neither is set)."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "")
        if value.strip():
            return name, value
    return "default", "vi"


def editor_command(
    path: str | Path, line: int | None = None, *, env: dict[str, str] | None = None
) -> list[str]:
    """The command that opens ``path`` (at ``line`` when the editor has a syntax for it).

    Raises :class:`EditorCommandError` when the variable cannot be parsed (an unbalanced quote)
    or names a program that does not exist (also what an unquoted path with a space gives)."""
    name, value = editor_variable(env)
    where = f"${name}" if name != "default" else "the default editor"
    try:
        parts = shlex.split(value)
    except ValueError as exc:
        raise EditorCommandError(f"cannot parse {where} ({value!r}): {exc}") from None
    parts = [p for p in parts if p]
    if not parts:
        raise EditorCommandError(f"{where} is empty")
    program = parts[0]
    search = env.get("PATH") if env is not None else None
    if shutil.which(program, path=search) is None:
        hint = ""
        if " " in value.strip() and ("/" in program or "\\" in program):
            hint = " (a path with a space must be quoted)"
        raise EditorCommandError(f"editor not found: {program!r} from {where}{hint}")
    target = str(path)
    base = Path(program).name.lower().removesuffix(".exe")
    if line is None or line < 1:
        return [*parts, target]
    if base in PLUS_LINE:
        return [*parts, f"+{line}", target]
    if base in COLON_LINE:
        return [*parts, f"{target}:{line}"]
    if base in GOTO_LINE:
        wait = [] if any(p in ("--wait", "-w") for p in parts[1:]) else ["--wait"]
        return [*parts, *wait, "--goto", f"{target}:{line}"]
    return [*parts, target]


def _run(command: list[str], *, terminal: bool) -> str:
    """Run the editor; the error in one line, or ``""``. Never raises."""
    try:
        if terminal:
            result = subprocess.run(command, check=False)
            output = ""
        else:
            result = subprocess.run(
                command,
                check=False,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
            )
            output = (result.stderr or result.stdout or "").strip()
    except KeyboardInterrupt:
        return f"the editor was interrupted: {command[0]}"
    except OSError as exc:
        return f"cannot run the editor {command[0]!r}: {exc.strerror or exc}"
    except Exception as exc:  # anything else: still give the terminal back
        return f"cannot run the editor {command[0]!r}: {exc}"
    if result.returncode != 0:
        first = output.splitlines()[0] if output else ""
        how = (
            f"was stopped by signal {-result.returncode}"
            if result.returncode < 0
            else f"exited with status {result.returncode}"
        )
        return f"the editor {command[0]!r} {how}" + (f": {first}" if first else "")
    return ""


def open_in_editor(app: Any, path: str | Path, line: int | None = None) -> EditorRun:
    """Open ``path`` in the user's editor with the app suspended; the app is usable again
    when this returns, whatever happened (see :class:`EditorRun`)."""
    try:
        command = editor_command(path, line)
    except EditorCommandError as exc:
        return EditorRun((), str(exc))
    error = ""
    try:
        with app.suspend():
            error = _run(command, terminal=True)
    except Exception as exc:  # SuspendNotSupported (web, headless), no driver
        if type(exc).__name__ != "SuspendNotSupported" and not isinstance(exc, RuntimeError):
            return EditorRun(tuple(command), f"cannot hand the terminal over: {exc}")
        error = _run(command, terminal=False)
    return EditorRun(tuple(command), error)
