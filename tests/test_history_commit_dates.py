"""When each side of an amendment was committed (the start of a rotation overlap): the walk's
own committer dates where they answer exactly, git otherwise; always git's answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from history_support import GIT_ENV, START, Repo, contract_text

from workbench.history.repo import ContractRepo

P = "contracts/payments.yaml"


def _commit(repo: Repo, message: str, text: str, day: int) -> None:
    """A commit whose author date lies a week before its committer date."""
    repo.write(P, text)
    repo.git("add", "-A")
    authored, committed = START + dt.timedelta(days=day), START + dt.timedelta(days=day + 7)
    env = {"GIT_AUTHOR_DATE": authored.isoformat(), "GIT_COMMITTER_DATE": committed.isoformat()}
    repo.git("commit", "-q", "-m", message, env=env)


def _git_committed(repo: Repo, rev: str, path: str) -> dt.datetime:
    out = repo.git("log", "-1", "--format=%cI", rev, "--", path, env=GIT_ENV).strip()
    return dt.datetime.fromisoformat(out)


def test_commit_dates_are_gits_and_taken_from_the_walk(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    _commit(repo, "first", contract_text("1.0.0", algorithms=("RS256", "ES256")), 1)
    _commit(repo, "unrelated", contract_text("1.0.0", algorithms=("RS256", "ES256")) + "\n", 2)
    repo.git("checkout", "-q", "-b", "side")
    _commit(repo, "on a branch", contract_text("1.1.0", algorithms=("ES256",)), 3)
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "other work\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "other work")
    repo.merge("side")  # the merge takes the contract from the branch
    _commit(repo, "rotate", contract_text("1.2.0", algorithms=("ES256", "PS256")), 6)

    with ContractRepo.open(repo.root, cache=False) as contracts:
        revisions = contracts.history(P)
        judge = contracts.judge
        calls: list[tuple[str, ...]] = []
        run = judge.git.run

        def counted(*args: str, **kwargs: object) -> bytes:
            calls.append(args)
            return run(*args, **kwargs)

        judge.git.run = counted  # type: ignore[method-assign]
        sides = [*revisions, *(r.parent for r in revisions if r.parent is not None)]
        for side in sides:
            assert judge.committed(side) == _git_committed(repo, side.rev, side.path), side
        merges = [r for r in revisions if r.is_merge]
        assert merges and len(revisions) == 5
        # a side whose commit (with one parent) the walk listed changing its path is answered
        # from the walk; only the merge and parents the walk did not list ask git
        asked = {a[a.index("--end-of-options") + 1] for a in calls if a[:2] == ("log", "-1")}
        listed = {(r.rev, r.path) for r in revisions if not r.is_merge}
        unlisted = {s.rev for s in sides if (s.rev, s.path) not in listed}
        assert asked == unlisted
        assert {m.rev for m in merges} <= asked
        assert len(asked) < len({(s.rev, s.path) for s in sides})
