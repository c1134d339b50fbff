"""What the environment refuses (a full disk, a read-only tree, a directory in the way) and what
nobody expected (a bug): one line, a non-zero exit, and every file as it was.

The hostile corpus (tests/hostile/) runs the same refusals for real (a read-only bind mount, a
full tmpfs); these tests pin the pieces: the all-or-nothing writes of an action and the
command line's guard."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.amendment.atomic import all_or_nothing, atomic_write, remove
from workbench.cli import main
from workbench.cli.output import crash_line, os_error_line


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(root.rglob("*"))
    }


def test_a_failure_half_way_puts_every_file_back(tmp_path: Path) -> None:
    (tmp_path / "record.yaml").write_text("old record\n")
    (tmp_path / "old.yaml").write_text("moved away\n")
    before = _tree(tmp_path)
    with pytest.raises(OSError), all_or_nothing():
        atomic_write(tmp_path / "notes" / "deep" / "notice.md", b"new notice\n")
        atomic_write(tmp_path / "record.yaml", b"new record\n")
        atomic_write(tmp_path / "record.yaml", b"newer record\n")
        remove(tmp_path / "old.yaml")
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "record.yaml"))
    assert _tree(tmp_path) == before  # no notice, no new directories, no hidden copies


def test_a_block_that_succeeds_keeps_its_writes_and_leaves_no_copies(tmp_path: Path) -> None:
    (tmp_path / "record.yaml").write_text("old\n")
    (tmp_path / "gone.yaml").write_text("x\n")
    with all_or_nothing():
        atomic_write(tmp_path / "record.yaml", b"new\n")
        remove(tmp_path / "gone.yaml")
    assert _tree(tmp_path) == {"record.yaml": b"new\n"}


def test_a_directory_in_the_way_is_named_not_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "2.0.0.yaml"
    target.mkdir()
    with pytest.raises(OSError) as info:
        atomic_write(target, b"x")
    assert info.value.filename == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.0.0.yaml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_named(tmp_path: Path) -> None:  # pragma: no cover - not root
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            atomic_write(tmp_path / "r.yaml", b"x")
        assert info.value.filename == str(tmp_path / "r.yaml")
    finally:
        tmp_path.chmod(0o700)


def test_os_error_lines_name_the_file_and_the_reason() -> None:
    exc = OSError(errno.EROFS, "Read-only file system", "/nowhere/amendments/x/1.0.0.yaml")
    line = os_error_line("workbench amend start", exc)
    assert line == (
        "workbench amend start: error: cannot write /nowhere/amendments/x/1.0.0.yaml: "
        "Read-only file system"
    )
    long = OSError(errno.ENAMETOOLONG, "File name too long", "a" * 300)
    assert os_error_line("workbench check", long).endswith(": File name too long")


def test_an_unexpected_exception_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("\x1b]0;title\x07 a bug")

    monkeypatch.setattr("workbench.cli.validate.validate_document", boom)
    result = CliRunner().invoke(main, ["validate", "x.yaml"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("workbench validate: internal error: KeyError")
    assert "\x1b" not in lines[0] and "\\x1b]0;title\\x07" in lines[0]
    assert "report" in lines[0]


def test_the_guard_shows_the_traceback_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("workbench.cli.validate.validate_document", boom)
    monkeypatch.setenv("WORKBENCH_DEBUG", "1")
    result = CliRunner().invoke(main, ["validate", "x.yaml"])
    assert isinstance(result.exception, KeyError)


def test_crash_lines_are_short() -> None:
    line = crash_line("workbench log", ValueError("x" * 5000 + "\n" * 50))
    assert len(line) < 600 and "\n" not in line


def test_click_usage_errors_go_through_the_gate() -> None:
    result = CliRunner().invoke(main, ["diff", "a", "b", "--format", "\x1b]52;c;aGk=\x07"])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b]52;c;aGk=\\x07" in result.output
