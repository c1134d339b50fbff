"""``workbench diff`` parsed without click (``cli/quick.py``): the same options as the click
command, the same answers for every command line (output, errors, exit codes), and click
still answers whatever it might have something to say about."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.cli.diff import command
from workbench.cli.quick import DIFF, diff_arguments

SAMPLE = Path(__file__).resolve().parents[1] / "sample_contracts" / "payments-api.yaml"


class ClickOnly:
    """The entry point as it was: every command line through the click group."""

    name = "workbench"

    def main(self, args: list[str] | None = None, prog_name: str | None = None, **extra: Any):
        from workbench.cli.group import cli
        from workbench.cli.output import run

        extra.pop("standalone_mode", None)
        run(cli, args, prog_name, **extra)


def test_the_quick_table_declares_the_click_commands_options_exactly() -> None:
    params = [p for p in command.params if isinstance(p, click.Option)]
    assert [o.dest for o in DIFF] == [p.name for p in params]
    for option, param in zip(DIFF, params, strict=True):
        assert set(option.names) == set(param.opts) and not param.secondary_opts, option
        assert (option.kind == "flag") == param.is_flag, option
        assert not param.multiple and param.nargs == 1 and not param.required, option
        assert param.envvar is None and not param.is_eager and param.callback is None, option
        if isinstance(param.type, click.Choice):
            assert option.kind == "choice" and option.choices == tuple(param.type.choices)
            assert param.type.case_sensitive, option
        elif isinstance(param.type, click.Path):
            assert option.kind == "path" and option.dir_okay == param.type.dir_okay, option
            assert param.type.file_okay and param.type.readable and not param.type.exists
            assert not param.type.writable and not param.type.resolve_path
        else:
            assert option.kind in ("flag", "text")
            assert isinstance(param.type, click.types.StringParamType | click.types.BoolParamType)
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    assert [(a.name, a.nargs) for a in arguments] == [("specs", -1)]
    assert command.context_settings == {} and command.callback is not None


@pytest.mark.parametrize(
    "args",
    [
        ["a", "b"],
        ["--base", "main", "b", "-fjson", "--no-ignore", "--today=2030-01-02", "-o", "x.txt"],
        ["a", "--repo", "r", "b", "--from", "dex-config", "--ignore-file=i.yaml", "--color=never"],
        ["-", "b", "--fail-on", "risky", "-f", "sarif", "--format", "html"],
    ],
)
def test_the_quick_values_are_the_values_click_gives(args: list[str], tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with command.make_context("diff", list(args)) as ctx:
        assert diff_arguments(args) == ctx.params


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(text, encoding="utf-8")
    amended = text.replace("lifetime: 15m", "lifetime: 10m", 1).replace(
        "version: 3.2.0", "version: 4.0.0", 1
    )
    (tmp_path / "new.yaml").write_text(amended, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    (tmp_path / "outdir").mkdir()
    (tmp_path / "ignores.yaml").write_text("ignore: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    return tmp_path


QUICK = [
    ["old.yaml", "new.yaml"],
    ["new.yaml", "old.yaml"],
    ["old.yaml", "new.yaml", "-f", "json"],
    ["old.yaml", "new.yaml", "-fmarkdown"],
    ["--format=sarif", "old.yaml", "new.yaml"],
    ["old.yaml", "--format", "junit", "new.yaml", "--format", "github"],
    ["old.yaml", "new.yaml", "--fail-on", "never"],
    ["old.yaml", "new.yaml", "--fail-on=risky", "--color", "never"],
    ["old.yaml", "new.yaml", "--color=always"],
    ["old.yaml", "new.yaml", "--no-ignore", "--today", "2031-02-03"],
    ["old.yaml", "new.yaml", "--ignore-file", "ignores.yaml"],
    ["old.yaml", "new.yaml", "--ignore-file", "missing.yaml"],
    ["old.yaml", "new.yaml", "--from", "contract", "--repo", "."],
    ["old.yaml", "new.yaml", "--from", "openapi"],
    ["old.yaml", "broken.yaml"],
    ["old.yaml", "missing.yaml"],
    ["old.yaml", "new.yaml", "-o", "out.txt"],
    ["old.yaml", "new.yaml", "-o", "nodir/out.txt"],
    ["--base", "main", "new.yaml"],
    ["old.yaml", "new.yaml", "--repo", "missing-dir"],
    ["-", "new.yaml"],
]
CLICKS = [
    ["old.yaml", "new.yaml", "--help"],
    ["-h"],
    ["old.yaml"],
    ["old.yaml", "new.yaml", "--base", "main"],
    ["old.yaml", "new.yaml", "third.yaml"],
    ["old.yaml", "new.yaml", "--today", "tomorrow"],
    ["old.yaml", "new.yaml", "--today=2031-13-01"],
    ["old.yaml", "new.yaml", "-f", "yaml"],
    ["old.yaml", "new.yaml", "--format"],
    ["old.yaml", "new.yaml", "--colour", "never"],
    ["old.yaml", "new.yaml", "--no-ignore=yes"],
    ["old.yaml", "new.yaml", "-o", "outdir"],
    ["old.yaml", "new.yaml", "--ignore-file", "outdir"],
    ["--", "old.yaml", "new.yaml"],
    ["old.yaml", "new.yaml", "--base", "-x"],
    ["old.yaml", "new.yaml", "-f="],
    ["old.yaml", "new.yaml", "--fail-on", "Breaking"],
]


def _answer(entry: Any, args: list[str], where: Path) -> tuple:
    out = where / "out.txt"
    out.unlink(missing_ok=True)
    result = CliRunner().invoke(entry, ["diff", *args], catch_exceptions=False)
    written = out.read_text(encoding="utf-8") if out.exists() else None
    return result.exit_code, result.stdout, result.stderr, written


@pytest.mark.parametrize("args", QUICK + CLICKS, ids=" ".join)
def test_every_command_line_gets_the_answer_click_gives(files: Path, args: list[str]) -> None:
    assert (diff_arguments(args) is not None) == (args in QUICK)
    quick = _answer(main, args, files)
    assert quick == _answer(ClickOnly(), args, files)
    assert "Traceback" not in quick[1] + quick[2]


def test_the_quick_path_runs_under_the_guard(files: Path, monkeypatch) -> None:
    """An unexpected failure is one line and exit 2, as under click."""

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr("workbench.cli.loading.build_report", boom)
    for entry in (main, ClickOnly()):
        result = CliRunner().invoke(entry, ["diff", "old.yaml", "new.yaml"])
        assert result.exit_code == 2
        assert result.stderr.startswith("workbench diff: internal error: RuntimeError: the engine")


def test_shell_completion_and_unreadable_paths_go_to_click(files: Path, monkeypatch) -> None:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = files / "locked.yaml"
        locked.write_text("x: 1\n", encoding="utf-8")
        locked.chmod(0)
        assert diff_arguments(["old.yaml", "new.yaml", "--ignore-file", str(locked)]) is None
    monkeypatch.setenv("_WORKBENCH_COMPLETE", "bash_complete")
    assert diff_arguments(["old.yaml", "new.yaml"]) is None


def test_a_file_to_file_diff_does_not_import_click(files: Path) -> None:
    import subprocess

    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        "sys.argv = ['workbench', 'diff', 'old.yaml', 'new.yaml', '-f', 'json']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and '"verdict"' in done.stdout
    modules = set(done.stderr.split())
    assert "workbench.engine.diff" in modules
    assert not [m for m in modules if m.split(".")[0] == "click"]
