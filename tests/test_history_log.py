"""The amendment log's warm path: a warm log reads each report's compact row (stored beside the
report on disk, under the same key) and shows exactly what a cold log shows, in every format."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import BROKEN, P2, Repo, Story, build_story, contract_text

from workbench.cli import main
from workbench.engine.model import DiffReport
from workbench.history.cache import DiskCache
from workbench.history.log import amendment_log
from workbench.history.logrow import RowIndex, is_row, row_of
from workbench.history.repo import ContractRepo
from workbench.report.log import log_line
from workbench.report.paint import Painter


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty on-disk cache for this test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    return tmp_path / "xdg"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("log-story") / "repo")


def _outputs(root: Path, invocations: list[list[str]]) -> list[tuple[int, str, str]]:
    runner = CliRunner()
    out = []
    for args in invocations:
        result = runner.invoke(main, ["log", *args, "--repo", str(root)])
        out.append((result.exit_code, result.stdout, result.stderr))
    return out


def _refusing_reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the disk cache refuse the reports it holds, and list their keys (and the entries
    whose head alone was found, as ``head:KEY``); a miss is a report never made (against an
    invalid parent, before the base behind it is tried)."""
    asked: list[str] = []
    real = DiskCache.get

    def get(self: DiskCache, key: str, expected: type | tuple[type, ...]) -> object | None:
        found = real(self, key, expected)
        if expected is DiffReport and found is not None:
            asked.append(key)
            return None
        return found

    def head(self: DiskCache, key: str, missing: object = None) -> object | None:
        found = real_head(self, key, missing)
        if found is not missing:
            asked.append(f"head:{key}")
        return found

    real_head = DiskCache.head
    monkeypatch.setattr(DiskCache, "get", get)
    monkeypatch.setattr(DiskCache, "head", head)
    return asked


LOGS = [
    [],
    ["--format", "json"],
    [P2],
    [P2, "--format", "json"],
    [P2, "-n", "3"],
    ["contracts", "--format", "json"],
]


def test_a_warm_log_prints_what_a_cold_one_printed_without_reading_a_report(
    story: Story, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _outputs(story.root, LOGS)
    assert all(code == 0 for code, _, _ in cold), cold
    assert any("invalid" in out for _, out, _ in cold)  # the story has a broken revision
    asked = _refusing_reports(monkeypatch)
    warm = _outputs(story.root, LOGS)
    assert warm == cold
    # rows only: commits' from each path's row index, drafts' (judged as of today, not
    # indexed: their contents change with each edit) from their entries' heads; no report
    today = dt.date.today().isoformat()
    assert all(key.startswith("head:") and f":{today}:" in key for key in asked), asked


def test_the_demo_log_is_the_same_warm_in_every_format(
    demo_repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = [
        [],
        ["--format", "json"],
        ["openapi/merchant-api.yaml", "--format", "json"],  # an artefact: named by its path
        ["keycloak/customers.json"],
        ["--format", "html"],  # the timeline reads whole reports: read lazily, the same
    ]
    cold = _outputs(demo_repo, logs)
    assert all(code == 0 for code, _, _ in cold), cold
    warm = _outputs(demo_repo, logs)
    assert warm == cold
    asked = _refusing_reports(monkeypatch)
    assert _outputs(demo_repo, logs[:4]) == cold[:4]
    today = dt.date.today().isoformat()  # (drafts' rows: from their entries' heads)
    assert all(key.startswith("head:") and f":{today}:" in key for key in asked), asked


def test_warm_rows_equal_the_rows_of_the_reports(story: Story, cache: Path) -> None:
    """Each warm entry's row is the row computed from its report; the TUI's ``gate`` and
    ``security`` read from the row are the cold entry's; its report is read when asked."""
    paint = Painter(True)
    with ContractRepo.open(story.root) as repo:
        cold = list(amendment_log(repo))
        cold_lines = [log_line(e, 24, paint) for e in cold]
        cold_dicts = [e.to_dict() for e in cold]
        cold_views = [(e.gate, e.security, e.counts, e.bump) for e in cold]
    with ContractRepo.open(story.root) as repo:
        warm = list(amendment_log(repo))
        assert [log_line(e, 24, paint) for e in warm] == cold_lines
        assert [e.to_dict() for e in warm] == cold_dicts
        assert [(e.gate, e.security, e.counts, e.bump) for e in warm] == cold_views
        judged = [e for e in warm if e.row is not None]
        assert judged and len(judged) < len(warm)  # errors have no row
        for entry in judged:
            report = entry.report
            assert report is not None
            assert row_of(report, repo.fail_on) == entry.row


def test_a_report_entry_holds_its_row_in_front(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    cache.put("k", ("report",), head={"row": 1})
    assert cache.head("k") == {"row": 1}
    assert cache.get("k", tuple) == ("report",)
    index = RowIndex(cache, "repo")
    index.add("a.yaml", "k", ("row",))
    index.flush()
    assert RowIndex(cache, "repo").get("a.yaml", "k") == ("row",)
    assert RowIndex(cache, "other").get("a.yaml", "k") is None
    cache.put("plain", ("x",))
    assert cache.head("plain") is None and cache.get("plain", tuple) == ("x",)
    (entry,) = [
        p for p in (tmp_path / "c").rglob("*.pkl") if pickle.loads(p.read_bytes())[0] == "k"
    ]
    entry.write_bytes(pickle.dumps(("k", {"row": 1}))[:-3])  # cut short
    assert cache.head("k") is None and not entry.exists()
    assert not is_row({"row": 1})


RUN = """
import json, sys
sys.argv = ["workbench", "log", *sys.argv[1:]]
from workbench.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_a_warm_log_imports_neither_the_engine_nor_the_security_layer(tmp_path: Path) -> None:
    """Without a settings file (the default policy, whose fingerprint is cached too)."""
    repo = Repo(tmp_path / "repo")
    repo.commit("Add", {"contracts/a.yaml": contract_text("1.0.0")})
    repo.commit("Shorten", {"contracts/a.yaml": contract_text("1.1.0", lifetime="5m")})
    repo.write("contracts/a.yaml", BROKEN)  # an invalid draft on top
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path)}

    def modules(*args: str) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", RUN, *args],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return set(json.loads(done.stderr.strip().splitlines()[-1]))

    assert "workbench.engine.model" in modules("contracts/a.yaml", "--format", "json")  # cold
    for args in (("contracts/a.yaml", "--format", "json"), ("contracts/a.yaml", "-n", "2"), ()):
        warm = modules(*args)
        for heavy in ("workbench.engine", "workbench.security", "workbench.report.common"):
            assert heavy not in warm, (args, heavy)


def test_a_report_stored_without_its_row_is_read_whole_once(
    story: Story, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report entry whose row is missing (or unreadable) still answers: the report is read
    whole, its row computed and indexed, and the next log reads the row alone."""
    cold = _outputs(story.root, LOGS[:2])
    for entry in cache.rglob("*.pkl"):
        with entry.open("rb") as fh:
            key, head = pickle.load(fh)
            value = pickle.load(fh)
        if key.startswith("rows:"):
            entry.unlink()
        elif is_row(head):
            entry.write_bytes(pickle.dumps((key, None)) + pickle.dumps(value))
    assert _outputs(story.root, LOGS[:2]) == cold
    asked = _refusing_reports(monkeypatch)
    assert _outputs(story.root, LOGS[:2]) == cold
    assert all(key.startswith("head:") for key in asked), asked
