"""Command lines of the hot path parsed without click (importing click costs more than the rest
of a small ``workbench diff``).

:func:`parse` reads a command's arguments as click does and gives the command's keyword
arguments, or ``None`` whenever click might have something to say: help, an unknown or
malformed option, ``--``, a value click would refuse (a choice, a path that is a directory or
unreadable, a date, a value starting with ``-``), the wrong number of contracts, shell
completion. ``None`` sends the command line to click, so every message, exit code and help text
stays click's own. A test checks that :data:`DIFF` declares the click command's options exactly.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.contract.record import Frozen
from workbench.report import FORMATS
from workbench.sources.kinds import CHOICES as KIND_CHOICES


class Option(Frozen):
    """One option as click declares it: ``kind`` is ``flag``, ``text``, ``choice`` or ``path``
    (``click.Path``: no existence check; ``dir_okay`` as declared). A record, not a
    ``NamedTuple`` (whose class is built by ``eval`` at import)."""

    __slots__ = ("choices", "default", "dest", "dir_okay", "kind", "names")
    dest: str
    names: tuple[str, ...]
    kind: str
    default: Any
    choices: tuple[str, ...]
    dir_okay: bool

    def __init__(
        self,
        dest: str,
        names: tuple[str, ...],
        kind: str,
        default: Any = None,
        choices: tuple[str, ...] = (),
        dir_okay: bool = True,
    ):
        put = object.__setattr__
        put(self, "dest", dest)
        put(self, "names", names)
        put(self, "kind", kind)
        put(self, "default", default)
        put(self, "choices", choices)
        put(self, "dir_okay", dir_okay)


COLORS = ("auto", "always", "never")
FAIL_ON = ("breaking", "risky", "never")

# `workbench diff` (cli/diff.py), in click's parameter order
DIFF = (
    Option("repo_dir", ("--repo",), "path", "."),
    Option("kind", ("--from",), "choice", "auto", tuple(KIND_CHOICES)),
    Option("base_ref", ("--base",), "text"),
    Option("fmt", ("--format", "-f"), "choice", "text", tuple(FORMATS)),
    Option("output", ("--output", "-o"), "path", dir_okay=False),
    Option("fail_on", ("--fail-on",), "choice", "breaking", FAIL_ON),
    Option("ignore_file", ("--ignore-file",), "path", dir_okay=False),
    Option("no_ignore", ("--no-ignore",), "flag", False),
    Option("today", ("--today",), "text"),
    Option("color", ("--color",), "choice", "auto", COLORS),
)


def parse(args: Sequence[str], options: Sequence[Option]) -> tuple[list[str], dict] | None:
    """``(positional arguments, {dest: value})`` of ``args``, or ``None`` for click to answer."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # shell completion: click's
    names = {name: option for option in options for name in option.names}
    raw: dict[str, Any] = {o.dest: o.default for o in options}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            positional.append(arg)
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            option = names.get(name)
            if option is None:
                return None  # --help, --, an unknown option
            if option.kind == "flag":
                if eq:
                    return None
                raw[option.dest] = True
                continue
        else:
            option = names.get(arg[:2])
            if option is None or option.kind == "flag":
                return None  # -h, grouped flags, an unknown option
            eq, value = "", arg[2:]
        if not eq and not value:
            if i >= len(args):
                return None  # a missing value
            value = args[i]
            i += 1
        if not value or value.startswith("-"):
            return None
        raw[option.dest] = value
    values: dict[str, Any] = {}
    for option in options:
        value = raw[option.dest]
        if option.kind == "choice" and value not in option.choices:
            return None
        if option.kind == "path" and value is not None:
            value = _path(value, option.dir_okay)
            if value is None:
                return None
        values[option.dest] = value
    return positional, values


def _path(value: str, dir_okay: bool) -> Path | None:
    """``click.Path(path_type=Path)``'s answer, or ``None`` when click would refuse it."""
    try:
        st = os.stat(value)
    except OSError:
        return Path(value)
    if (not dir_okay and stat.S_ISDIR(st.st_mode)) or not os.access(value, os.R_OK):
        return None
    return Path(value)


def diff_arguments(args: Sequence[str]) -> dict[str, Any] | None:
    """``workbench diff ARGS`` as the keyword arguments of ``cli.diff.run``, or ``None``."""
    parsed = parse(args, DIFF)
    if parsed is None:
        return None
    specs, values = parsed
    base = values["base_ref"]
    if len(specs) != (1 if base is not None else 2):
        return None  # click's usage error
    if values["today"] is not None:
        try:
            dt.date.fromisoformat(values["today"])
        except ValueError:
            return None  # click's BadParameter
    return {"specs": tuple(specs), **values}
