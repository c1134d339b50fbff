"""Judging amendments: a warm answer is exactly the cold one, found from blob ids alone, and a
cold log parses each content once."""

from __future__ import annotations

import collections
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import P2, Repo, Story

import workbench.history.judge as judge
import workbench.review as review
from workbench.cli import main
from workbench.history.gitio import BatchReader
from workbench.history.repo import ContractRepo
from workbench.history.walk import Walker

LOGS = {
    "one contract (renamed, merged, broken, repaired)": (P2,),
    "every contract (drafts, a deletion)": (),
    "a directory": ("contracts",),
}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty on-disk cache of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    return tmp_path / "xdg"


def log(story: Story | Path, *args: str) -> str:
    root = story if isinstance(story, Path) else story.root
    result = CliRunner().invoke(main, ["log", *args, "--repo", str(root)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def refuse_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing a contract, judging an amendment or walking back behind a parent now fails."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("read, parsed or judged again")

    monkeypatch.setattr(judge, "load_document_bytes", refuse)
    monkeypatch.setattr(review, "build_report", refuse)
    monkeypatch.setattr(Walker, "parent_of", refuse)


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("args", LOGS.values(), ids=LOGS.keys())
def test_warm_log_is_the_cold_log_without_parsing(
    story: Story, cache: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], fmt: str
) -> None:
    with monkeypatch.context() as no_cache:
        no_cache.setenv("WORKBENCH_NO_CACHE", "1")
        uncached = log(story, *args, "--format", fmt)
    cold = log(story, *args, "--format", fmt)  # fills the on-disk cache
    assert cold == uncached
    assert "invalid" in cold
    refuse_work(monkeypatch)
    warm = log(story, *args, "--format", fmt)
    assert warm == cold


def test_warm_log_of_the_demo_is_the_cold_log(
    demo_repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every contract of the demo, with real amendments of every kind, and its draft."""
    cold = log(demo_repo, "--format", "json")
    refuse_work(monkeypatch)
    assert log(demo_repo, "--format", "json") == cold


def test_warm_log_of_a_shallow_clone(
    story: Story, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oldest commit of a shallow clone has no verdict, warm as cold."""
    target = tmp_path / "shallow"
    Repo(tmp_path, init=False).git(
        "clone", "-q", "--depth", "5", f"file://{story.root}", str(target)
    )
    cold = log(target, P2, "--format", "json")
    assert "oldest commit of this shallow clone" in cold
    refuse_work(monkeypatch)
    assert log(target, P2, "--format", "json") == cold


def test_warm_bases_and_reports_of_the_tui_come_from_the_cache(
    story: Story, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the history badges and the diff view ask (``base``, ``report``), warm."""
    with ContractRepo.open(story.root) as repo:
        revisions = repo.history(P2)
        judged = [repo.judgement(r) for r in revisions]  # the badges, then the diffs
        cold = [(repo.base(r), j) for r, j in zip(revisions, judged, strict=True)]
    assert any(j.invalid for _, j in cold)
    assert any(j.base is not None for _, j in cold)  # the repair, judged behind the broken one
    refuse_work(monkeypatch)
    with ContractRepo.open(story.root) as repo:
        for revision, (base, judged) in zip(repo.history(P2), cold, strict=True):
            assert repo.base(revision) == base
            if judged.report is not None:
                warm = repo.report(revision)
                assert warm.verdict == judged.report.verdict
                assert warm.findings == judged.report.findings
                assert warm.new.source == judged.report.new.source
                assert warm.old is None or warm.old.source == judged.report.old.source


def test_no_valid_base_is_remembered(
    story: Story, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revision with no valid predecessor in reach shows the same error warm, without
    walking the history back again."""
    monkeypatch.setattr(judge, "MAX_INVALID_SKIP", 1)
    cold = log(story, P2, "--format", "json")
    assert "no valid revision of contracts/pay/payments.yaml among the 1 before" in cold
    refuse_work(monkeypatch)
    assert log(story, P2, "--format", "json") == cold


HEAVY = {**{name: (args, 0) for name, args in LOGS.items()}, "one heavy contract": ((P2,), 1)}


@pytest.mark.parametrize(("args", "budget"), HEAVY.values(), ids=HEAVY.keys())
def test_cold_log_parses_each_content_once(
    story: Story, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], budget: int
) -> None:
    """Also when every content outweighs the parsed-revision budget (a 2 MB description):
    the revision and its base are held for the length of their judgement, and the base is the
    next revision the log meets."""
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    if budget:
        monkeypatch.setattr(judge, "CONTRACT_TEXT_BUDGET", budget)
    parsed: collections.Counter[tuple[str, str]] = collections.Counter()
    load = judge.load_document_bytes

    def counting(raw: bytes, source: str, kind: str = "auto", parse=None):
        parsed[hashlib.sha1(raw).hexdigest(), source] += 1
        return load(raw, source, kind, parse)

    monkeypatch.setattr(judge, "load_document_bytes", counting)
    log(story, *args, "--format", "json")
    assert parsed
    assert max(parsed.values()) == 1, [k for k, n in parsed.items() if n > 1]


def test_cold_log_reads_each_content_from_git_once(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contents the listing read to find versions are the ones the judge loads."""
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    asked: collections.Counter[str] = collections.Counter()
    read = BatchReader.read

    def counting(self: BatchReader, names: list[str]):
        asked.update(n for n in names if ":" not in n)  # blobs (not REV:PATH lookups)
        return read(self, names)

    monkeypatch.setattr(BatchReader, "read", counting)
    log(story, P2, "--format", "json")
    assert asked
    assert max(asked.values()) == 1, [k for k, n in asked.items() if n > 1]


def test_cold_judgements_leave_the_collector_on(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is paused while a revision is judged and on again after each one, so the
    cyclic garbage of a long cold log is collected as it goes."""
    import gc

    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    with ContractRepo.open(story.root, cache=False) as repo:
        for revision in repo.history(P2):
            repo.judgement(revision)
            assert gc.isenabled()
