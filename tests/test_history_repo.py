"""The contract repository model on real git repositories: discovery, history, drafts, reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_support import (
    P2,
    L,
    P,
    Repo,
    Story,
    W,
    contract_text,
)

from workbench.contract import ContractError
from workbench.history import HistoryError
from workbench.history.log import log_entry
from workbench.history.model import INDEX, WORKTREE
from workbench.history.repo import ContractRepo


@pytest.fixture(scope="module")
def repo(story: Story):
    with ContractRepo.open(story.root, cache=False) as opened:
        yield opened


# --- discovery -------------------------------------------------------------------------------


def test_contracts_found_by_content_and_globs(repo: ContractRepo) -> None:
    entries = {e.path: e for e in repo.contracts()}
    assert list(entries) == ["contracts/new.yaml", P2, W]
    assert entries[P2].id == "payments-api"
    assert entries[P2].version == "2.0.0"
    assert entries[P2].draft == "clean"
    assert entries[W].draft == "modified"
    assert entries[W].staged is True
    assert entries[W].version == "1.2.0"  # the working-tree content
    assert entries["contracts/new.yaml"].draft == "new"
    assert entries["contracts/new.yaml"].title == "new-api authentication"


def test_contracts_include_deleted(repo: ContractRepo) -> None:
    entries = {e.path: e for e in repo.contracts(include_deleted=True)}
    assert entries[L].draft == "deleted"
    assert entries[L].id == "legacy-api"
    assert P not in entries  # renamed, not deleted


def test_open_from_a_subdirectory_or_file(story: Story) -> None:
    with ContractRepo.open(story.root / "contracts" / "pay" / "payments.yaml") as repo:
        assert repo.root == story.root
        assert repo.name == "repo"


# --- history ---------------------------------------------------------------------------------


def test_history_follows_renames_newest_first(repo: ContractRepo, story: Story) -> None:
    revisions = repo.history(P2)
    assert [r.rev for r in revisions] == [
        story.sha[k] for k in ("c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1")
    ]
    assert all(r.kind == "commit" for r in revisions)
    moved = revisions[5]
    assert moved.change == "renamed"
    assert (moved.path, moved.parent.path) == (P2, P)
    first = revisions[-1]
    assert (first.change, first.path, first.parent, first.version) == ("added", P, None, "1.0.0")
    assert revisions[0].version == "2.0.0"
    assert revisions[0].author_name == "Ann Author"
    assert revisions[0].subject == "Repair payments; ES256 only"
    assert revisions[0].date is not None and revisions[0].date.utcoffset() is not None


def test_merge_is_compared_with_its_first_parent(repo: ContractRepo, story: Story) -> None:
    merge = repo.history(P2)[2]
    assert merge.is_merge
    assert merge.parents == (story.sha["c5"], story.sha["c4"])
    assert merge.parent.rev == story.sha["c5"]
    report = repo.report(merge)
    assert (report.old.version, report.new.version) == ("1.1.0", "1.2.0")
    paths = {f.path for f in report.findings}
    assert "tokens.access_token.lifetime" in paths
    assert not any(p.startswith("mfa") for p in paths)  # MFA came from the first parent


def test_invalid_revision_is_reported_and_history_continues(
    repo: ContractRepo, story: Story
) -> None:
    revisions = repo.history(P2)
    broken, repaired = revisions[1], revisions[0]
    with pytest.raises(ContractError) as info:
        repo.load(broken)
    assert info.value.first.file == P2
    assert info.value.first.line == 4
    entry = log_entry(repo, broken)
    assert entry.invalid and entry.report is None
    assert entry.error.startswith(f"{P2}:4:")
    assert broken.version == "1.3.0"  # still read cheaply from the broken blob
    # the repair is judged against the newest valid predecessor (the merge)
    assert repo.base(repaired).rev == story.sha["c6"]
    fixed = log_entry(repo, repaired)
    assert fixed.base is not None and fixed.base.rev == story.sha["c6"]
    assert fixed.report.verdict.severity == "breaking"  # RS256 removed
    assert fixed.report.old.version == "1.2.0"
    # and the older revisions are still judged
    assert log_entry(repo, revisions[3]).report is not None


def test_deleted_contract_keeps_its_history(repo: ContractRepo, story: Story) -> None:
    # git --follow sees legacy as a copy of wallet (similar content): a different contract id,
    # so the history starts at the copy instead of continuing with wallet's
    deleted, added = repo.history(L)
    assert (deleted.rev, deleted.change, deleted.blob, deleted.contract_id) == (
        story.sha["c10"],
        "deleted",
        None,
        "legacy-api",
    )
    assert (added.rev, added.change, added.parent) == (story.sha["c9"], "copied", None)
    assert repo.report(added).old is None
    report = repo.report(deleted)
    assert report.new is None and report.old.version == "1.0.0"
    with pytest.raises(HistoryError, match="does not exist"):
        repo.load(deleted)


def test_staged_and_unstaged_drafts_on_top(repo: ContractRepo, story: Story) -> None:
    work, index, commit = repo.history(W)
    assert (work.kind, work.rev, work.version) == ("worktree", WORKTREE, "1.2.0")
    assert (index.kind, index.rev, index.version) == ("index", INDEX, "1.1.0")
    assert work.parent.rev == INDEX
    assert index.parent.rev == story.sha["c10"]  # HEAD
    assert commit.rev == story.sha["c1"]
    assert work.author_name == "Dana Draft"  # who is drafting, from git config
    assert repo.report(work).old.version == "1.1.0"
    assert repo.report(index).old.version == "1.0.0"
    assert repo.load(work).version == "1.2.0"
    assert repo.raw(index).startswith(b"# wallet-app")


def test_untracked_contract_is_a_new_draft(repo: ContractRepo) -> None:
    (draft,) = repo.history("contracts/new.yaml")
    assert (draft.kind, draft.change, draft.parent) == ("worktree", "added", None)
    report = repo.report(draft)
    assert report.old is None and report.new.version == "0.1.0"


def test_paging(repo: ContractRepo) -> None:
    full = repo.history(P2)
    assert repo.history(P2, limit=2) == full[:2]
    assert repo.history(P2, limit=3, offset=2) == full[2:5]
    assert repo.history(P2, offset=6) == full[6:]
    assert repo.history(P2, limit=0) == []
    assert list(repo.iter_history(P2, page=3)) == full
    with pytest.raises(HistoryError):
        repo.history(P2, offset=-1)


def test_all_history_interleaves_every_contract(repo: ContractRepo, story: Story) -> None:
    revisions = list(repo.iter_all_history())
    heads = [(r.short, r.path) for r in revisions[:3]]
    assert heads == [(WORKTREE, "contracts/new.yaml"), (WORKTREE, W), (INDEX, W)]
    commits = [(r.rev, r.path) for r in revisions if r.kind == "commit"]
    assert commits[:2] == [(story.sha["c10"], L), (story.sha["c9"], L)]
    assert (story.sha["c1"], W) in commits and (story.sha["c1"], P) in commits
    assert not any(path.startswith(("ci/", "contracts/ignored/")) for _, path in commits)
    assert not any(r.path == "contracts/notes.yaml" for r in revisions)


def test_all_history_stores_identities_and_a_second_run_reads_no_committed_blob(
    repo: ContractRepo, story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.history.cache import DiskCache
    from workbench.history.gitio import GitRepo

    def rows(revisions: list) -> list[tuple]:
        return [(r.kind, r.rev, r.path, r.blob, r.version) for r in revisions]

    revisions = list(repo.iter_all_history())  # no disk cache
    expected = rows(revisions)
    drafts = {r.blob for r in revisions if r.kind != "commit"} | {
        r.parent.blob for r in revisions if r.kind != "commit" and r.parent is not None
    }
    cache = DiskCache(tmp_path / "cache")
    with ContractRepo(GitRepo.discover(story.root), disk_cache=cache) as first:
        assert rows(list(first.iter_all_history())) == expected
    read: set[str] = set()
    read_blobs, read_blob = GitRepo.read_blobs, GitRepo.read_blob

    def counting_many(self: GitRepo, shas: list[str]) -> dict:
        read.update(shas)
        return read_blobs(self, shas)

    def counting_one(self: GitRepo, sha: str) -> bytes:
        read.add(sha)
        return read_blob(self, sha)

    monkeypatch.setattr(GitRepo, "read_blobs", counting_many)
    monkeypatch.setattr(GitRepo, "read_blob", counting_one)
    with ContractRepo(GitRepo.discover(story.root), disk_cache=cache) as second:
        assert rows(list(second.iter_all_history())) == expected
    # the drafts are examined on every run; every committed identity came from the disk
    assert read <= drafts, read - drafts


# --- any two revisions --------------------------------------------------------------------


def test_compare_any_two_revisions(repo: ContractRepo) -> None:
    report = repo.compare(P2, "v1", "HEAD")  # found under its old name at v1
    assert (report.old.version, report.new.version) == ("1.0.0", "2.0.0")
    assert report.old.source == f"v1:{P}"
    assert repo.compare(W, "HEAD", WORKTREE).new.version == "1.2.0"
    assert repo.compare(W, INDEX, WORKTREE).old.version == "1.1.0"
    assert repo.compare(L, "HEAD~1", "HEAD").new is None  # deleted, not wallet.yaml
    assert repo.revision(L, "HEAD").blob is None
    with pytest.raises(HistoryError, match="unknown revision 'nope'"):
        repo.compare(P2, "nope", "HEAD")
    with pytest.raises(ContractError):
        repo.compare(P2, "HEAD~3", "HEAD")  # the broken commit


def test_revision_lookup_under_former_names(repo: ContractRepo, story: Story) -> None:
    side = repo.revision(P2, story.sha["c2"])
    assert (side.rev, side.path) == (story.sha["c2"], P)
    assert repo.revision("contracts/none.yaml", "HEAD").blob is None


def test_merge_base_and_default_branch(repo: ContractRepo, story: Story) -> None:
    assert repo.merge_base("feature") == story.sha["c4"]
    assert repo.default_branch() == "main"
    assert repo.resolve("v1") == story.sha["c1"]


# --- special repositories ----------------------------------------------------------------


def test_detached_head(story: Story, tmp_path: Path) -> None:
    clone = Repo(tmp_path / "detached", init=False)
    Repo(tmp_path, init=False).git("clone", "-q", f"file://{story.root}", str(clone.root))
    clone.git("checkout", "-q", "--detach", story.sha["c8"])
    with ContractRepo.open(clone.root) as repo:
        assert repo.head() == story.sha["c8"]
        assert repo.history(P2)[0].rev == story.sha["c8"]
        assert {e.path for e in repo.contracts()} == {P2, W}
        assert repo.default_branch() == "origin/main"


def test_shallow_clone_marks_its_boundary(story: Story, tmp_path: Path) -> None:
    target = tmp_path / "shallow"
    Repo(tmp_path, init=False).git(
        "clone", "-q", "--depth", "5", f"file://{story.root}", str(target)
    )
    with ContractRepo.open(target) as repo:
        revisions = repo.history(P2)
        assert [r.rev for r in revisions] == [story.sha[k] for k in ("c8", "c7", "c6")]
        oldest = revisions[-1]
        assert oldest.boundary and oldest.parent is None
        with pytest.raises(HistoryError, match="shallow clone"):
            repo.report(oldest)
        assert "shallow clone" in log_entry(repo, oldest).error
        assert repo.report(revisions[0]).verdict.severity == "breaking"


def test_bare_repository_is_read_only(story: Story, tmp_path: Path) -> None:
    target = tmp_path / "bare.git"
    Repo(tmp_path, init=False).git("clone", "-q", "--bare", f"file://{story.root}", str(target))
    with ContractRepo.open(target) as repo:
        assert repo.bare and repo.root is None
        entries = {e.path: e for e in repo.contracts()}
        assert set(entries) == {P2, W}
        assert entries[W].version == "1.0.0" and entries[W].draft == "clean"
        assert [r.kind for r in repo.history(W)] == ["commit"]
        with pytest.raises(HistoryError, match="bare repository"):
            repo.compare(W, WORKTREE, "HEAD")


def test_empty_repository_lists_drafts_without_history(tmp_path: Path) -> None:
    r = Repo(tmp_path / "empty")
    r.write("a.yaml", contract_text("0.1.0", cid="a-api"))
    r.write("b.yaml", contract_text("0.1.0", cid="b-api"))
    r.git("add", "b.yaml")
    with ContractRepo.open(r.root) as repo:
        assert repo.head() is None
        entries = {e.path: e.draft for e in repo.contracts()}
        assert entries == {"a.yaml": "new", "b.yaml": "new"}
        assert [x.kind for x in repo.history("a.yaml")] == ["worktree"]
        (staged,) = repo.history("b.yaml")
        assert (staged.kind, staged.parent) == ("index", None)
        assert repo.report(staged).new.version == "0.1.0"
        with pytest.raises(HistoryError, match="no commits yet"):
            repo.resolve("HEAD")
        assert repo.default_branch() is None


def test_staged_rename_draft_continues_the_old_history(tmp_path: Path) -> None:
    r = Repo(tmp_path / "mv")
    first = r.commit("Add", {"a.yaml": contract_text("1.0.0")})
    r.move("a.yaml", "b.yaml")
    with ContractRepo.open(r.root) as repo:
        entries = {e.path: e for e in repo.contracts()}
        assert set(entries) == {"b.yaml"}
        assert entries["b.yaml"].renamed_from == "a.yaml"
        staged, commit = repo.history("b.yaml")
        assert (staged.kind, staged.change, staged.parent.path) == ("index", "renamed", "a.yaml")
        assert commit.rev == first
        assert repo.report(staged).findings == []


def test_deleted_draft(tmp_path: Path) -> None:
    r = Repo(tmp_path / "rm")
    r.commit("Add", {"a.yaml": contract_text("1.0.0")})
    (r.root / "a.yaml").unlink()
    with ContractRepo.open(r.root) as repo:
        (entry,) = repo.contracts()
        assert (entry.draft, entry.version) == ("deleted", "1.0.0")
        work = repo.history("a.yaml")[0]
        assert (work.kind, work.change, work.blob) == ("worktree", "deleted", None)
        assert repo.report(work).new is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "not inside a git repository"),
        (lambda p: p / "missing", "no such file or directory"),
    ],
)
def test_not_a_repository(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(HistoryError, match=message) as info:
        ContractRepo.open(make(tmp_path))
    assert "\n" not in str(info.value)


def test_bad_settings_file_is_one_line(tmp_path: Path) -> None:
    r = Repo(tmp_path / "cfg")
    r.commit("Add", {"a.yaml": contract_text(), ".workbench.yaml": "contracts:\n  inclde: []\n"})
    with ContractRepo.open(r.root) as repo, pytest.raises(HistoryError) as info:
        repo.contracts()
    message = str(info.value)
    assert ".workbench.yaml:2:3: error: unknown key 'inclde'" in message
    assert "\n" not in message


def test_unusual_file_names(tmp_path: Path) -> None:
    r = Repo(tmp_path / "names")
    name = "contracts/ünï côde [v2].yaml"
    r.commit("Add", {name: contract_text("1.0.0")})
    r.commit("Amend", {name: contract_text("1.1.0", lifetime="10m")})
    with ContractRepo.open(r.root) as repo:
        assert [e.path for e in repo.contracts()] == [name]
        newest, oldest = repo.history(name)
        assert (newest.version, oldest.version) == ("1.1.0", "1.0.0")
        assert repo.report(newest).verdict.required_bump in ("minor", "major")
