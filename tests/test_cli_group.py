"""The command group: every command is listed from the lazy table, and `--version`/`--help`
import none of what the commands use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workbench import __version__
from workbench.cli import COMMANDS, HIDDEN, main
from workbench.cli.group import cli

HEAVY = ("workbench.engine", "workbench.history", "yaml", "jsonschema", "git", "textual")


def _imported_after(*args: str) -> set[str]:
    """The modules a fresh interpreter has imported once ``workbench ARGS`` returns."""
    code = (
        "import json, sys\n"
        "from workbench.cli import main\n"
        f"sys.argv = ['workbench', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stderr))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


def test_version_imports_neither_click_nor_any_command() -> None:
    modules = _imported_after("--version")
    assert "click" not in modules
    assert not [m for m in modules if m.startswith("workbench.") and m != "workbench.cli"]


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("amend", "--help")])
def test_help_imports_nothing_the_commands_use(args: tuple[str, ...]) -> None:
    modules = _imported_after(*args)
    assert _heavy(modules) == []
    assert "workbench.cli.diff" not in modules


def test_version_answers_as_click_did() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"workbench, version {__version__}\n"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from workbench.cli import main; sys.exit(main())",
            "--version",
        ],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (0, f"workbench, version {__version__}\n")


def test_help_lists_every_command_with_the_first_sentence_of_its_own_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1]
    ctx = click.Context(cli)
    for name, (_module, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.hidden == (name in HIDDEN)
        # the table holds the first paragraph of the command's own help, word for word
        first = " ".join((command.help or "").partition("\n\n")[0].split())
        assert summary == first, name
        short = command.get_short_help_str(80 - 6 - max(map(len, COMMANDS)))
        assert (f"  {name} " in listed and short in listed) != (name in HIDDEN), name


def test_a_path_opens_the_terminal_ui_and_an_unknown_option_is_a_usage_error(tmp_path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, [str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    unknown = runner.invoke(main, ["--nope"])
    assert unknown.exit_code == 2 and "No such option" in unknown.output


def test_a_file_to_file_diff_imports_only_what_it_uses(tmp_path) -> None:
    """Valid contracts are never shown to jsonschema, and deepdiff serves only extension
    fields: neither is imported (each takes longer to import than the whole diff runs)."""
    sample = Path(__file__).resolve().parents[1] / "sample_contracts" / "payments-api.yaml"
    text = sample.read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(text.replace("lifetime: 15m", "lifetime: 10m", 1))
    modules = _imported_after("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    assert "workbench.engine.diff" in modules  # the diff did run
    assert not [m for m in modules if m.split(".")[0] in ("jsonschema", "deepdiff", "textual")]
    assert "workbench.history.repo" not in modules and "workbench.cli.review" not in modules
