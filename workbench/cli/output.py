"""The one way the command line writes, and the guard around every command.

Everything a command prints (reports, checklists, notes, error lines, click's own usage errors)
goes through :func:`echo` (or :func:`write_output` for ``--output`` files), which passes the
text through :func:`~workbench.textsafe.terminal_safe`: whatever a contract, a path,
git metadata or an amendment record smuggled in (escape sequences, bidi overrides, invisible
characters) is shown escaped, and only the report painter's colours survive, when colour is on.
JSON is written with :func:`json_text` (``ensure_ascii``: the data is kept, as ``\\u`` escapes).
A test keeps every ``click.echo`` of the command modules in this module.

:func:`run` is the top-level guard: click's errors are shown through the same gate, and any
exception nothing else handled becomes one line on standard error and exit status 2, never a
traceback (``WORKBENCH_DEBUG=1`` shows it, for a bug report). :func:`guard` is the same guard
for a command the dispatch in ``cli/__init__.py`` runs without click.

Neither imports click: :func:`echo` writes as ``click.echo`` does (a newline, colour sequences
stripped unless ``color``, a flush) and hands the write to click only for a stream click would
re-wrap (no text stream, an ASCII encoding), so a command that needs no click never loads it.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import io
import json
import os
import re
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, NoReturn

from workbench.textsafe import clean, terminal_safe

REPORT_HINT = (
    "this is a bug in workbench: please report it with this line, the command and "
    "`workbench --version` (README: Reporting problems); WORKBENCH_DEBUG=1 shows the traceback"
)
# OS errors that are the environment's answer, not a bug: a one-line refusal, exit status 2
ENVIRONMENT_ERRORS = frozenset(
    {
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.ENAMETOOLONG,
        errno.EACCES,
        errno.EPERM,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ELOOP,
        errno.ENOENT,
        errno.EEXIST,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOMEM,
        errno.EIO,
        errno.EFBIG,
        errno.ETXTBSY,
        errno.EBUSY,
    }
)

if TYPE_CHECKING:
    import click

_ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")  # click's strip_ansi


def echo(text: str = "", *, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """Write ``text`` (and a newline) to standard output, or standard error with ``err``,
    through the terminal gate; ``color`` keeps the painter's colour sequences."""
    out = terminal_safe(text, colour=color)
    stream = sys.stderr if err else sys.stdout
    if not _plain_text(stream):  # click re-wraps it (or has nothing to write to)
        import click

        click.echo(out, err=err, nl=nl, color=color)
        return
    if nl:
        out += "\n"
    if out:
        stream.write(out if color else _ANSI.sub("", out))
    stream.flush()


def _plain_text(stream: Any) -> bool:
    """Whether ``click.echo`` would write to ``stream`` as it is: a text stream with an
    encoding that is not ASCII and an errors setting."""
    if not isinstance(stream, io.TextIOBase) or getattr(stream, "errors", None) is None:
        return False
    encoding = getattr(stream, "encoding", None)
    try:
        return isinstance(encoding, str) and codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return True


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON that holds no raw control, bidi or non-ASCII character (``\\u``
    escapes keep the data exactly)."""
    return _encoder(indent).encode(data)


@functools.cache
def _encoder(indent: int | None) -> json.JSONEncoder:
    """``json.dumps``'s encoder with these settings, made once (``dumps`` makes one per call
    when an argument is not a default: as much as encoding a log row)."""
    return json.JSONEncoder(indent=indent, ensure_ascii=True, default=str)


class GatedStream:
    """A text stream that passes everything written to it through the gate (for click's own
    messages, which quote the command line's values)."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_safe(text))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (ValueError, OSError):
            return False


def _command_name(args: list[str]) -> str:
    """``diff``, ``amend start``: what the user ran, for the guard's line."""
    from workbench.cli import COMMANDS

    words = [a for a in args if not a.startswith("-")][:2]
    if not words or words[0] not in COMMANDS:
        return "workbench"
    if words[0] == "amend" and len(words) > 1:
        return f"workbench amend {clean(words[1])[:40]}"
    return f"workbench {words[0]}"


def os_error_line(what: str, exc: OSError) -> str:
    """``workbench amend start: error: cannot write PATH: Read-only file system``."""
    where = exc.filename if exc.filename is not None else ""
    verb = (
        "cannot write" if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT) else "cannot use"
    )
    target = f" {_shown_path(os.fsdecode(where))}" if where != "" else ""
    reason = exc.strerror or type(exc).__name__
    return clean(f"{what}: error: {verb}{target}: {reason}")


def _shown_path(path: str) -> str:
    """``path`` relative to the current directory when it lies under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def crash_line(what: str, exc: BaseException) -> str:
    """The one line an unexpected exception becomes."""
    text = clean(" ".join(str(exc).split()))
    if len(text) > 200:
        text = text[:197] + "..."
    kind = type(exc).__name__
    return f"{what}: internal error: {kind}{': ' + text if text else ''} ({REPORT_HINT})"


def run(
    group: click.Command, args: list[str] | None, prog_name: str | None, **extra: Any
) -> NoReturn:
    """Run the click group in standalone fashion, with the gate on click's messages and the
    guard around everything."""
    import click

    argv = sys.argv[1:] if args is None else list(args)
    what = _command_name(argv)
    try:
        rv = group.main(args=argv, prog_name=prog_name, standalone_mode=False, **extra)
    except click.ClickException as exc:
        exc.show(file=GatedStream(sys.stderr))  # type: ignore[arg-type]
        sys.exit(exc.exit_code)
    except click.Abort:
        echo("Aborted!", err=True)
        sys.exit(1)
    except SystemExit:
        raise
    except BaseException as exc:
        _guarded(exc, what)
    sys.exit(rv if isinstance(rv, int) else 0)


def guard(command: Callable[[], object], what: str) -> NoReturn:
    """Run ``command`` (a command line parsed without click) as :func:`run` runs the click
    group, with the same answers: click's handling of an interrupt and a broken pipe inside
    a command (``Aborted!``, exit 1), then :func:`run`'s guard."""
    try:
        try:
            rv = command()
        except (EOFError, KeyboardInterrupt):
            sys.stderr.write("\n")  # as click closes the terminal's ^C echo
            sys.stderr.flush()
            echo("Aborted!", err=True)
            sys.exit(1)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            from click.utils import _PacifyFlushWrapper  # as click.Command.main does

            sys.stdout = _PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
            sys.stderr = _PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
            sys.exit(1)
    except SystemExit:
        raise
    except BaseException as exc:
        _guarded(exc, what)
    sys.exit(rv if isinstance(rv, int) else 0)


def _guarded(exc: BaseException, what: str) -> NoReturn:
    """The guard's answer to an exception nothing else handled (called in its handler)."""
    if isinstance(exc, KeyboardInterrupt | EOFError):
        echo("", err=True)
        sys.exit(130)
    if isinstance(exc, BrokenPipeError):  # `workbench log | head`: the reader has all it wanted
        _quiet_stdout()
        sys.exit(0)
    if not isinstance(exc, Exception) or os.environ.get("WORKBENCH_DEBUG"):
        raise exc
    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRORS:
        _say(os_error_line(what, exc))
    else:  # the guard: a traceback is never the answer
        _say(crash_line(what, exc))
    sys.exit(2)


def _say(line: str) -> None:
    with contextlib.suppress(Exception):  # standard error itself is gone: nothing to tell
        echo(line, err=True)


def _quiet_stdout() -> None:
    """After a broken pipe, make the interpreter's final flush of standard output silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
