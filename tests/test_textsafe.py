"""The escaping of untrusted text (workbench.textsafe) and the command line's one output gate.

The hostile corpus (tests/hostile/) proves the gate end to end on a terminal; these tests pin
the character set, the escape forms and the rule that the command modules write only through
``workbench.cli.output``."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from workbench.contract.errors import Problem
from workbench.textsafe import UNSAFE, clean, escape_char, terminal_safe

ROOT = Path(__file__).resolve().parent.parent
DANGEROUS_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs")
SAMPLES = [
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;pwned\x07",  # window title
    "\x9b31m",  # one-byte CSI
    "abc\u202edcba\u202c",  # right-to-left override
    "\u2066isolate\u2069",
    "zero\u200bwidth\u200d\ufeff",
    "tag\U000e0041\U000e0042",  # invisible tag characters
    "line\u2028separator\u2029",
    "back\x08\x08space\rreturn\x7f",
    "surrogate \udcff",
]


def test_every_control_format_and_separator_character_is_escaped() -> None:
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in DANGEROUS_CATEGORIES
        and chr(code) not in "\t\n"
        and not UNSAFE.match(chr(code))
    ]
    assert missed == []


def test_printable_text_is_left_alone() -> None:
    text = "Zahlungs-API é ü 日本語 😀 [bold]x[/] \\x1b tab\there"
    assert clean(text) == text
    assert terminal_safe(text + "\n") == text + "\n"


@pytest.mark.parametrize("text", SAMPLES)
def test_clean_escapes_visibly_and_is_idempotent(text: str) -> None:
    out = clean(text)
    assert UNSAFE.search(out) is None and "\n" not in out
    assert clean(out) == out
    assert terminal_safe(out) == out


def test_escape_forms() -> None:
    assert escape_char("\x1b") == "\\x1b"
    assert escape_char("\u202e") == "\\u202e"
    assert escape_char("\U000e0041") == "\\U000e0041"
    assert clean("a\r\nb") == "a\\nb"
    assert clean("a\nb", newlines=True) == "a\nb"


def test_the_terminal_gate_keeps_layout_and_only_the_painters_colours() -> None:
    painted = "\x1b[1;31mbreaking\x1b[0m\tx\n\x1b[2mdim\x1b[0m\n"
    assert terminal_safe(painted, colour=True) == painted
    assert "\x1b" not in terminal_safe(painted)
    hostile = "a\x1b[2Jb\x1b]52;c;x\x07c\x1b[8mhidden\x1b[0m\x1b[31;1m"
    out = terminal_safe(hostile, colour=True)
    assert out == "a\\x1b[2Jb\\x1b]52;c;x\\x07c\\x1b[8mhidden\x1b[0m\x1b[31;1m"


def test_problem_format_escapes_the_raw_key_file_and_message() -> None:
    key = "\x1b]52;c;aGk=\x07\u202e"
    problem = Problem(f"evil\x1b[2J{key}.yaml", 3, 1, f"unknown field\n{key}", key)
    line = problem.format()
    assert UNSAFE.search(line) is None and "\n" not in line
    assert line.endswith("(at \\x1b]52;c;aGk=\\x07\\u202e)")
    assert problem.to_dict()["path"] == key  # the data itself is kept


COMMAND_MODULES = sorted((ROOT / "workbench" / "cli").glob("*.py"))
WRITERS = re.compile(r"\bclick\.echo\(|\bprint\(|\bsys\.(?:stdout|stderr)\.write\(|\bjson\.dumps\(")


@pytest.mark.parametrize("module", COMMAND_MODULES, ids=lambda p: p.name)
def test_the_command_line_writes_only_through_the_gate(module: Path) -> None:
    """Every write of a command goes through ``cli/output.py`` (``--version`` prints a constant
    before click is even imported)."""
    if module.name == "output.py":
        return
    lines = [
        line.strip()
        for line in module.read_text(encoding="utf-8").splitlines()
        if WRITERS.search(line)
    ]
    if module.name == "__init__.py":
        lines = [line for line in lines if "version" not in line]
    assert lines == []


def test_json_writers_never_emit_raw_controls() -> None:
    writers = [
        *sorted((ROOT / "workbench" / "cli").glob("*.py")),
        ROOT / "workbench" / "report" / "json_report.py",
        ROOT / "workbench" / "report" / "sarif.py",
    ]
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in writers
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "ensure_ascii=False" in line
    ]
    assert offenders == []
    assert json.loads(json.dumps(SAMPLES)) == SAMPLES  # what ensure_ascii keeps
