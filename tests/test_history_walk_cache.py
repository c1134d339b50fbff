"""The stored walks of ``history/walk.py``: a warm log runs no ``git log --follow``, and every
change to what git would answer (a new or amended commit, a rename, another branch, a deeper
shallow clone, a replacement ref, git's configuration) is a miss, never a stale history."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from history_support import Repo, contract_text

from workbench.history.cache import DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import GitRepo
from workbench.history.log import amendment_log
from workbench.history.repo import ContractRepo
from workbench.history.walk import WALK_FORMAT

A = "contracts/a.yaml"
B = "contracts/b/a.yaml"


@pytest.fixture
def follows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of every ``git log --follow`` the history layer starts (git still runs)."""
    started: list[str] = []
    real = GitRepo.log

    def log(self: GitRepo, rev: str, path: str | None = None, **kwargs: object):
        if kwargs.get("follow") and kwargs.get("limit") is None:
            started.append(path or "")
        return real(self, rev, path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(GitRepo, "log", log)
    return started


def history(root: Path, path: str, cache: DiskCache | None, limit: int | None = None) -> list:
    """The revisions ``ContractRepo.history`` lists (a new repository object: a new run)."""
    with ContractRepo(GitRepo.discover(root), disk_cache=cache) as repo:
        return repo.history(path, limit=limit)


def log_rows(root: Path, path: str, cache: DiskCache | None) -> list[dict]:
    with ContractRepo(GitRepo.discover(root), disk_cache=cache) as repo:
        return [entry.to_dict() for entry in amendment_log(repo, path)]


def same_as_git(root: Path, path: str, cache: DiskCache) -> list:
    """The history through the cache, checked against one computed with no cache at all."""
    cached = history(root, path, cache)
    assert cached == history(root, path, None)
    return cached


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    r.commit("Add a", {A: contract_text("1.0.0")})
    r.commit("Shorten", {A: contract_text("1.1.0", lifetime="5m")})
    r.commit("Add a scope", {A: contract_text("1.2.0", scopes=("x:read",))})
    return r


@pytest.fixture
def cache(tmp_path: Path) -> DiskCache:
    return DiskCache(tmp_path / "cache")


def test_a_warm_walk_runs_no_git_log_and_answers_the_same(
    repo: Repo, cache: DiskCache, follows: list[str]
) -> None:
    cold = log_rows(repo.root, A, cache)
    assert follows == [A]
    assert log_rows(repo.root, A, cache) == cold == log_rows(repo.root, A, None)
    assert follows == [A, A]  # the uncached run walked; the warm one did not
    # the committer dates of the listed commits come back with the walk (judging needs them)
    with ContractRepo(GitRepo.discover(repo.root), disk_cache=cache) as warm:
        revisions = warm.history(A)
        assert {warm.walker.commit_dates[(r.rev, r.path)] for r in revisions}
        assert warm.judge.committed(revisions[0]) == revisions[0].date


def test_new_and_amended_commits_are_seen(repo: Repo, cache: DiskCache, follows: list[str]) -> None:
    same_as_git(repo.root, A, cache)
    repo.commit("Longer", {A: contract_text("1.3.0", lifetime="1h")})
    first = same_as_git(repo.root, A, cache)
    assert [r.subject for r in first][:2] == ["Longer", "Add a scope"]
    repo.git("commit", "-q", "--amend", "-m", "Longer still")
    amended = same_as_git(repo.root, A, cache)
    assert amended[0].subject == "Longer still" and amended[0].rev != first[0].rev
    follows.clear()
    assert history(repo.root, A, cache) == amended and follows == []


def test_a_rename_and_a_staged_rename_follow_the_old_name(
    repo: Repo, cache: DiskCache, follows: list[str]
) -> None:
    same_as_git(repo.root, A, cache)
    repo.move(A, B)  # staged, not committed: the draft continues the old name's history
    staged = same_as_git(repo.root, B, cache)
    assert staged[0].rev == "INDEX" and [r.path for r in staged[1:]] == [A, A, A]
    follows.clear()
    assert history(repo.root, B, cache) == staged
    assert A not in follows  # A's walk was stored (git starts on B before the draft is seen)
    repo.commit("Move a")
    moved = same_as_git(repo.root, B, cache)
    assert moved[0].change == "renamed" and moved[0].path == B and len(moved) == 4


def test_branch_switches_and_drafts(repo: Repo, cache: DiskCache, follows: list[str]) -> None:
    main = same_as_git(repo.root, A, cache)
    repo.git("checkout", "-q", "-b", "side", "HEAD~1")
    repo.commit("Side change", {A: contract_text("1.1.1", lifetime="7m")})
    side = same_as_git(repo.root, A, cache)
    assert side[0].subject == "Side change" and len(side) == 3
    repo.git("checkout", "-q", "main")
    assert same_as_git(repo.root, A, cache) == main
    # a draft appears on top of the stored commits, and goes away again
    repo.write(A, contract_text("1.3.0", lifetime="2h"))
    follows.clear()
    drafted = history(repo.root, A, cache)
    assert follows == []
    assert drafted == history(repo.root, A, None)
    assert drafted[0].rev == "WORKTREE" and drafted[1:] == main
    repo.git("checkout", "--", A)
    follows.clear()
    assert history(repo.root, A, cache) == main and follows == []


def test_a_short_log_stores_its_pages_and_a_longer_one_walks_again(
    tmp_path: Path, cache: DiskCache, follows: list[str]
) -> None:
    r = Repo(tmp_path / "long")
    for i in range(12):
        r.commit(f"Step {i}", {A: contract_text(f"1.{i}.0", lifetime=f"{i + 1}m")})
    first = history(r.root, A, cache, limit=3)
    assert follows == [A]
    assert history(r.root, A, cache, limit=3) == first and follows == [A]  # stored pages
    whole = history(r.root, A, cache)
    assert follows == [A, A] and whole[:3] == first and whole == history(r.root, A, None)
    follows.clear()
    assert history(r.root, A, cache) == whole and follows == []


def test_damaged_and_foreign_entries_are_ignored(
    repo: Repo, cache: DiskCache, follows: list[str]
) -> None:
    expected = same_as_git(repo.root, A, cache)
    with ContractRepo(GitRepo.discover(repo.root), disk_cache=cache) as opened:
        store = opened.walker.store
        assert store is not None
        key = store._key(A)
        signature = store.signature(repo.sha("HEAD"))
    _, entry = cache._file(key)
    entry_path = Path(entry)
    assert entry_path.is_file() and cache.directory in entry_path.parents
    entry_path.write_bytes(b"\x80\x05not a pickle")
    assert same_as_git(repo.root, A, cache) == expected
    # the right head over records of another shape, or records that do not build
    for value in ((["not a record"], True), ([("x",) * 15], True), "nonsense"):
        with open(entry_path, "wb") as fh:
            pickle.dump((key, (WALK_FORMAT, signature)), fh)
            pickle.dump(value, fh)
        assert same_as_git(repo.root, A, cache) == expected
    # an entry written for another key is a miss too
    with open(entry_path, "wb") as fh:
        pickle.dump(("walk:elsewhere", (WALK_FORMAT, signature)), fh)
        pickle.dump(([], True), fh)
    assert same_as_git(repo.root, A, cache) == expected


def test_replacement_refs_and_git_configuration_are_part_of_the_key(
    repo: Repo, cache: DiskCache
) -> None:
    whole = same_as_git(repo.root, A, cache)
    repo.git("replace", "--graft", repo.sha("HEAD~1"))  # history ends there, HEAD unchanged
    grafted = same_as_git(repo.root, A, cache)
    assert len(grafted) == len(whole) - 1
    repo.git("replace", "-d", repo.sha("HEAD~1"))
    assert same_as_git(repo.root, A, cache) == whole
    repo.git("replace", "--graft", repo.sha("HEAD~1"))
    repo.git("pack-refs", "--all")  # the replacement ref now lives in packed-refs
    assert not any((repo.root / ".git" / "refs" / "replace").iterdir())
    assert same_as_git(repo.root, A, cache) == grafted
    repo.git("replace", "-d", repo.sha("HEAD~1"))
    assert same_as_git(repo.root, A, cache) == whole
    with ContractRepo(GitRepo.discover(repo.root), disk_cache=cache) as opened:
        assert opened.walker.store is not None
        before = opened.walker.store.signature(repo.sha("HEAD"))
        repo.git("config", "diff.renameLimit", "1")
        assert opened.walker.store.signature(repo.sha("HEAD")) != before


def test_another_git_program_is_a_miss(
    repo: Repo, tmp_path: Path, cache: DiskCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    with ContractRepo(GitRepo.discover(repo.root), disk_cache=cache) as opened:
        assert opened.walker.store is not None
        before = opened.walker.store.signature(repo.sha("HEAD"))
        assert opened.walker.store.signature(repo.sha("HEAD")) == before  # stable
        # a git upgraded in place: the same path, another program
        real = shutil.which("git")
        assert real is not None
        local = tmp_path / "bin"
        local.mkdir()
        (local / "git").write_text(f'#!/bin/sh\nexec {real} "$@"\n')
        (local / "git").chmod(0o755)
        monkeypatch.setenv("PATH", f"{local}{os.pathsep}{os.environ['PATH']}")
        moved = opened.walker.store.signature(repo.sha("HEAD"))
        assert moved != before
        (local / "git").write_text(f'#!/bin/sh\n# upgraded\nexec {real} "$@"\n')
        assert opened.walker.store.signature(repo.sha("HEAD")) != moved


def test_a_deeper_shallow_clone_is_seen(repo: Repo, tmp_path: Path, cache: DiskCache) -> None:
    clone = tmp_path / "shallow"
    Repo(tmp_path, init=False).git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    (top,) = same_as_git(clone, A, cache)
    assert top.boundary
    Repo(clone, init=False).git("fetch", "-q", "--deepen", "1")
    deeper = same_as_git(clone, A, cache)
    assert len(deeper) == 2 and not deeper[0].boundary and deeper[1].boundary


def test_no_cache_means_no_store(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    with ContractRepo.open(repo.root) as opened:
        assert opened.walker.store is None
        assert len(opened.history(A)) == 3
    assert not (tmp_path / "xdg").exists()


def test_changed_settings_change_the_verdicts_of_a_stored_walk(
    repo: Repo, cache: DiskCache, follows: list[str]
) -> None:
    before = log_rows(repo.root, A, cache)
    repo.write(
        ".workbench.yaml", "security:\n  max_lifetime: {access_token: 10m}\n  fail_on: low\n"
    )
    follows.clear()
    strict = log_rows(repo.root, A, cache)
    assert follows == []  # the settings do not shape the walk; they do shape the verdicts
    assert strict == log_rows(repo.root, A, None)
    assert [r["gate"] for r in strict] != [r["gate"] for r in before]
    repo.write(".workbench.yaml", "security: {fail_on: hgh}\n")
    with (
        ContractRepo(GitRepo.discover(repo.root), disk_cache=cache) as broken,
        pytest.raises(HistoryError, match=r"\.workbench\.yaml"),
    ):
        next(amendment_log(broken, A))
