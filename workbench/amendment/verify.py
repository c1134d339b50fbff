"""Sign-offs the gate can verify from git, not from what a record says.

A record is a file its author can write anything into: a reviewer's name, a copied fingerprint.
So the merge gate (``workbench check --base``) believes a sign-off only when git shows it:

1. the commit that added the sign-off to the record (between the merge base and HEAD) is
   authored by the person the sign-off names (names and emails compared with
   :mod:`workbench.amendment.identity`);
2. that person authored no commit of the contract change itself (nor of the policy change);
3. with ``reviewers:`` in the policy, that person is one of them;
4. with ``require_signed_signoff: true``, the commit carries a good signature
   (``git verify-commit``; SSH signatures need ``gpg.ssh.allowedSignersFile``) whose signer is
   that person.

Without signatures, commit authorship is only as strong as the hosting server's rules (anyone
can write ``--author``); ``require_signed_signoff`` is what makes a sign-off unforgeable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from workbench.amendment.identity import Who, matches_entry, mixed_script, same_person
from workbench.history.errors import HistoryError
from workbench.history.repo import ContractRepo


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Who
    committer: Who

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass(slots=True)
class Verification:
    """The gate's judgement of one sign-off: ``ok``, or ``reason`` why not."""

    ok: bool
    reason: str = ""
    commit: str | None = None
    reviewer: Who | None = None
    notes: list[str] = field(default_factory=list)


_FMT = "%H%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00"


def _parse_commits(out: bytes) -> list[Commit]:
    fields = out.decode("utf-8", "replace").split("\x00")
    commits = []
    for i in range(0, len(fields) - 6, 6):
        sha, parents, an, ae, cn, ce = (f.strip("\n") for f in fields[i : i + 6])
        if not sha:
            continue
        commits.append(
            Commit(sha, tuple(parents.split()), Who(an, ae or None), Who(cn, ce or None))
        )
    return commits


def commits_touching(
    repo: ContractRepo, base: str | None, head: str, paths: list[str]
) -> list[Commit]:
    """The commits in ``base..head`` (all of ``head``'s history without ``base``) that change
    one of ``paths``, newest first."""
    paths = [p for p in dict.fromkeys(paths) if p]
    if not paths:
        return []
    spec = [f"{base}..{head}"] if base else [head]
    out = repo.git.run("log", "-z", f"--format={_FMT}", "--end-of-options", *spec, "--", *paths)
    return _parse_commits(out.replace(b"\x00\x00", b"\x00"))


def change_authors(
    repo: ContractRepo, base: str | None, head: str, paths: list[str]
) -> list[Commit]:
    """The commits of a change (``base..head`` touching ``paths``): whose work it is."""
    return commits_touching(repo, base, head, paths)


def authored_by(commits: list[Commit], who: Who) -> Commit | None:
    """The first of ``commits`` whose author is ``who``."""
    return next((commit for commit in commits if same_person(commit.author, who)), None)


def among_reviewers(reviewers: Sequence[str], who: Who) -> bool:
    """Whether ``who`` may review: anyone when the settings name no reviewers."""
    return not reviewers or any(matches_entry(entry, who) for entry in reviewers)


def reviewer_refusal(
    repo: ContractRepo,
    base: str | None,
    head: str | None,
    paths: list[str],
    who: Who,
    reviewers: Sequence[str],
    change: str = "this change",
) -> str | None:
    """Why ``who`` may not sign off ``change`` (the commits ``base..head`` touching ``paths``;
    none without ``head``): they authored one of its commits, or they are not among the
    ``reviewers``. ``None`` when they may."""
    own = authored_by(change_authors(repo, base, head, paths), who) if head is not None else None
    if own is not None:
        return f"{who} authored commit {own.short} of {change}: another person must sign off"
    if not among_reviewers(reviewers, who):
        return f"{who} is not among the reviewers: {', '.join(reviewers)}"
    return None


def _blob_at(repo: ContractRepo, rev: str, rel: str) -> bytes | None:
    entry = repo.git.tree_entry(rev, rel)
    if entry is None or entry[0] != "blob":
        return None
    return repo.git.read_blob(entry[1])


def introducing_commits(
    repo: ContractRepo,
    base: str | None,
    head: str,
    rel: str,
    has: Callable[[bytes | None], bool],
) -> list[Commit]:
    """The commits of ``base..head`` where ``rel`` gets a content satisfying ``has`` that none
    of its parents had: who wrote it there."""
    found = []
    for commit in commits_touching(repo, base, head, [rel]):
        if not has(_blob_at(repo, commit.sha, rel)):
            continue
        if any(has(_blob_at(repo, p, rel)) for p in commit.parents):
            continue
        found.append(commit)
    return found


def signature(repo: ContractRepo, sha: str) -> tuple[bool, str, str]:
    """``(good, signer, reason)`` of ``sha``'s signature, as ``git verify-commit`` sees it."""
    out = repo.git.run("log", "-1", "--format=%G?%x00%GS", sha, check=False)
    status, signer = ([*out.decode("utf-8", "replace").split("\x00"), ""])[:2]
    status, signer = status.strip(), signer.strip()
    if status == "N":
        return False, "", "the commit is not signed"
    if status != "G" or not repo.git.succeeds("verify-commit", sha):
        why = {
            "B": "a bad signature",
            "U": "a good signature of unknown validity",
            "X": "an expired signature",
            "Y": "a signature by an expired key",
            "R": "a signature by a revoked key",
            "E": "a signature that cannot be checked (is gpg.ssh.allowedSignersFile set?)",
        }.get(status, "a signature git does not accept")
        return False, signer, f"the commit carries {why}"
    return True, signer, ""


def verify_sign_off(
    repo: ContractRepo,
    *,
    base: str | None,
    head: str,
    record_rel: str,
    has_sign_off: Callable[[bytes | None], bool],
    named: Who,
    change_paths: list[str],
    reviewers: tuple[str, ...] = (),
    require_signed: bool = False,
) -> Verification:
    """Whether git proves the sign-off naming ``named`` (see the module docstring).

    ``has_sign_off`` tells whether a version of the record (its bytes, ``None`` when absent)
    carries this very sign-off; ``change_paths`` are the files whose commits make the change.
    """
    try:
        if not has_sign_off(_blob_at(repo, head, record_rel)):
            return Verification(False, "the sign-off is not committed yet: the reviewer commits it")
        if base is not None and has_sign_off(_blob_at(repo, base, record_rel)):
            return Verification(
                False, f"the sign-off was already in {record_rel} at the base {base[:12]}"
            )
        introduced = introducing_commits(repo, base, head, record_rel, has_sign_off)
        if not introduced:
            return Verification(
                False, f"no commit since the base adds the sign-off to {record_rel}"
            )
        authors = change_authors(repo, base, head, change_paths)
    except HistoryError as exc:
        return Verification(False, f"cannot read the history: {exc}")
    for commit in introduced:
        who = commit.author
        scripts = mixed_script(who.name)
        if scripts:
            return Verification(
                False,
                f"commit {commit.short} is authored by a name mixing scripts "
                f"({', '.join(scripts)}): refused",
                commit.sha,
                who,
            )
        if not same_person(who, named):
            return Verification(
                False,
                f"the sign-off names {named} but commit {commit.short} that added it is "
                f"authored by {who}: the reviewer commits their own sign-off",
                commit.sha,
                who,
            )
        own = authored_by(authors, who)
        if own is not None:
            return Verification(
                False,
                f"{who} signed off but also authored commit {own.short} of the change: "
                "another person must review it",
                commit.sha,
                who,
            )
        if not among_reviewers(reviewers, who):
            return Verification(
                False,
                f"{who} (author of {commit.short}) is not among the reviewers: "
                f"{', '.join(reviewers)}",
                commit.sha,
                who,
            )
        if require_signed:
            good, signer, why = signature(repo, commit.sha)
            if not good:
                return Verification(
                    False,
                    f"commit {commit.short} adding the sign-off must be signed "
                    f"(require_signed_signoff): {why}",
                    commit.sha,
                    who,
                )
            if not same_person(Who(signer, signer if "@" in signer else None), who):
                return Verification(
                    False,
                    f"commit {commit.short} is signed by {signer or 'an unknown key'}, not by "
                    f"its author {who}",
                    commit.sha,
                    who,
                )
    last = introduced[0]
    signed = " (signed)" if require_signed else ""
    return Verification(
        True, f"committed by {last.author} in {last.short}{signed}", last.sha, last.author
    )
