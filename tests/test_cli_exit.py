"""How the ``workbench`` console script ends a plain ``workbench diff``: without the
interpreter's teardown when nothing needs it (``cli._leave``), and with the same output, files
and exit status as a caller that gets the ``SystemExit`` back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import _leave

SAMPLE = Path(__file__).resolve().parents[1] / "sample_contracts" / "payments-api.yaml"
SCRIPT = Path(sys.executable).with_name("workbench")
# the entry point called as a library: the SystemExit comes back to the caller
LIBRARY = "import sys; sys.argv[0] = 'workbench'; from workbench.cli import main; main()"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(text, encoding="utf-8")
    new = text.replace("signing_algorithms: [ES256, HS256]", "signing_algorithms: [ES256, PS256]")
    assert new != text
    (tmp_path / "new.yaml").write_text(new, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("a: [1\n", encoding="utf-8")
    return tmp_path


def _run(cmd: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cwd / "cache"), "NO_COLOR": "1"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, **kwargs)  # type: ignore[call-overload]


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed here")
@pytest.mark.parametrize(
    "args",
    [
        ("old.yaml", "new.yaml"),  # findings that fail the gate: 1
        ("old.yaml", "old.yaml"),  # nothing changed: 0
        ("old.yaml", "new.yaml", "--fail-on", "never"),
        ("old.yaml", "new.yaml", "-f", "json"),
        ("old.yaml", "new.yaml", "-f", "sarif"),
        ("old.yaml", "missing.yaml"),  # a load error: 2
        ("old.yaml", "bad.yaml"),
    ],
)
def test_the_script_answers_as_the_entry_point_called_as_a_library(
    files: Path, args: tuple[str, ...]
) -> None:
    script = _run([str(SCRIPT), "diff", *args], files)
    library = _run([sys.executable, "-c", LIBRARY, "diff", *args], files)
    assert (script.returncode, script.stdout, script.stderr) == (
        library.returncode,
        library.stdout,
        library.stderr,
    )
    assert script.stdout or script.stderr


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed here")
def test_the_script_writes_its_output_file_whole(files: Path) -> None:
    script = _run(
        [str(SCRIPT), "diff", "old.yaml", "new.yaml", "-f", "html", "-o", "a.html"], files
    )
    library = _run(
        [
            sys.executable,
            "-c",
            LIBRARY,
            "diff",
            "old.yaml",
            "new.yaml",
            "-f",
            "html",
            "-o",
            "b.html",
        ],
        files,
    )
    assert script.returncode == library.returncode == 1
    assert (files / "a.html").read_bytes() == (files / "b.html").read_bytes()
    assert (files / "a.html").read_bytes().rstrip().endswith(b"</html>")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed here")
def test_a_reader_that_stops_early_gets_the_same_status(files: Path) -> None:
    for cmd in ([str(SCRIPT)], [sys.executable, "-c", LIBRARY]):
        reader = subprocess.Popen(
            ["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        done = subprocess.run(
            [*cmd, "diff", "old.yaml", "new.yaml", "-f", "html"],
            cwd=files,
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            env={**os.environ, "XDG_CACHE_HOME": str(files / "cache")},
        )
        reader.stdin.close()  # type: ignore[union-attr]
        reader.wait()
        assert done.returncode == 1 and done.stderr == b"", cmd


def test_exit_handlers_still_run(files: Path) -> None:
    """A process with exit handlers (coverage, a plugin) ends through the interpreter."""
    script = files / "workbench"  # a console script of that name that registers a handler
    script.write_text(
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "from workbench.cli import main\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    done = _run([sys.executable, str(script), "diff", "old.yaml", "new.yaml"], files, text=True)
    assert done.returncode == 1 and "handler ran" in done.stderr and "BREAKING" in done.stdout


def test_any_other_caller_gets_the_system_exit_back() -> None:
    for code in (0, 1, 2, None, "message", True, 300):
        with pytest.raises(SystemExit) as raised:
            _leave(SystemExit(code))
        assert raised.value.code == code
