"""A change to the gate's own policy is an amendment too.

``.workbench.yaml`` (which files are contracts, how strict the checklist is, the security
policy) and ``.workbench-ignore.yaml`` (accepted findings) decide what the gate lets through, so
changing them needs the security sign-off of a reviewer who did not write the change. The gate
judges every amendment with the policy of its base (:mod:`workbench.amendment.policysource`),
so a new policy takes effect only once it was reviewed and merged.

The sign-off lives in ``<amendments directory>/_policy/<fingerprint>.yaml`` (``_`` cannot start
a contract id, so it never meets a contract's folder); the fingerprint names the exact change
(both files before and after). The reviewer writes it with ``workbench amend sign-off-policy
--base BRANCH`` in their own checkout and commits it; the merge gate verifies that commit from
git as it does for contract sign-offs (:mod:`workbench.amendment.verify`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import yaml

from workbench.amendment.atomic import atomic_write
from workbench.amendment.confine import PathRefused, confined, read_confined
from workbench.amendment.identity import Who, mixed_script
from workbench.amendment.lock import LockTimeout, records_lock
from workbench.amendment.policysource import (
    POLICY_FILES,
    PolicySource,
    policy_at,
    policy_fingerprint,
    read_policy_files,
)
from workbench.amendment.record import now_iso
from workbench.amendment.verify import Verification, reviewer_refusal, verify_sign_off
from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import decode_source, load_yaml
from workbench.engine.classify import content_changes
from workbench.history.errors import HistoryError
from workbench.history.repo import ContractRepo

POLICY_DIR = "_policy"
_KEYS = {"format", "kind", "fingerprint", "files", "sign_off"}
_SIGN_KEYS = {"reviewer", "email", "at", "fingerprint", "comment"}


class PolicyReviewError(ValueError):
    """A policy sign-off cannot be written; one line."""


def policy_record_relpath(directory: str, fingerprint: str) -> str:
    return f"{directory}/{POLICY_DIR}/{fingerprint}.yaml"


@dataclass(slots=True)
class PolicyChange:
    """The policy files at the base and in the amendment, and what differs."""

    base: PolicySource
    new: dict[str, bytes | None]
    fingerprint: str
    changed: list[str]  # the files that differ
    what: list[str] = field(default_factory=list)  # settings paths that differ (first few)

    def summary(self) -> str:
        return "; ".join(self.what) if self.what else f"{', '.join(self.changed)} changed"


def _data(raw: bytes | None, name: str) -> Any:
    if raw is None:
        return None
    try:
        return load_yaml(decode_source(raw, name), name).data
    except ContractError:
        return {"(unreadable)": hashlib.sha256(raw).hexdigest()}


def _describe(name: str, old: bytes | None, new: bytes | None, limit: int = 4) -> list[str]:
    if old is None:
        return [f"{name} added"]
    if new is None:
        return [f"{name} deleted"]
    lines = content_changes(_data(old, name), _data(new, name))
    out = []
    for line in lines[:limit]:
        path, _, values = line.partition("=")
        try:
            keys = yaml.safe_load(path)
        except yaml.YAMLError:
            keys = [path]
        out.append(".".join(str(k) for k in keys) + " " + values.replace("->", " -> "))
    if len(lines) > limit:
        out.append(f"and {len(lines) - limit} more")
    return out or [f"{name} reformatted"]


def policy_change(base: PolicySource, new: dict[str, bytes | None]) -> PolicyChange | None:
    """The change from ``base``'s policy files to ``new`` (``None`` when there is none)."""
    changed = [name for name in POLICY_FILES if base.blobs.get(name) != new.get(name)]
    if not changed:
        return None
    what: list[str] = []
    for name in changed:
        what += _describe(name, base.blobs.get(name), new.get(name))
    return PolicyChange(base, new, policy_fingerprint(base.blobs, new), changed, what)


def worktree_policy_files(repo: ContractRepo) -> dict[str, bytes | None]:
    """The policy files in the working tree (refused when they lead outside it)."""
    assert repo.root is not None
    return {name: read_confined(repo.root, name, git_dir=repo.git.git_dir) for name in POLICY_FILES}


# --- the record --------------------------------------------------------------------------------


def _sign_key(sign: Any) -> tuple | None:
    if not isinstance(sign, dict):
        return None
    return tuple(sorted((str(k), str(v)) for k, v in sign.items()))


def parse_policy_record(raw: bytes, source: str) -> dict[str, Any]:
    """A policy sign-off record's data; :class:`ContractError` when malformed."""
    doc = load_yaml(decode_source(raw, source), source)
    data = doc.data
    problems = []
    if not isinstance(data, dict):
        raise ContractError([doc.problem(source, (), "a policy record must be a mapping")])
    for key in data:
        if key not in _KEYS and not str(key).startswith("x-"):
            problems.append(doc.problem(source, (key,), f"unknown field {key!r}"))
    if data.get("format") != 1 or data.get("kind") != "policy":
        problems.append(doc.problem(source, (), "not a policy record (format: 1, kind: policy)"))
    sign = data.get("sign_off")
    if sign is not None:
        if not isinstance(sign, dict) or not all(
            isinstance(sign.get(k), str) for k in ("reviewer", "at", "fingerprint")
        ):
            problems.append(
                doc.problem(source, ("sign_off",), "sign_off needs reviewer, at and fingerprint")
            )
        else:
            for key in sign:
                if key not in _SIGN_KEYS:
                    problems.append(
                        doc.problem(source, ("sign_off", key), f"unknown field {key!r}")
                    )
    if problems:
        raise ContractError(problems)
    return data


def _dump(change: PolicyChange, sign: dict[str, Any]) -> bytes:
    files = {
        name: {
            "from": hashlib.sha256(change.base.blobs[name]).hexdigest()
            if change.base.blobs.get(name) is not None
            else None,
            "to": hashlib.sha256(change.new[name]).hexdigest()
            if change.new.get(name) is not None
            else None,
        }
        for name in change.changed
    }
    body = yaml.safe_dump(
        {
            "format": 1,
            "kind": "policy",
            "fingerprint": change.fingerprint,
            "files": files,
            "sign_off": sign,
        },
        sort_keys=False,
        allow_unicode=True,
    )
    head = (
        "# Security sign-off of a change to the workbench policy (see docs/amendments.md).\n"
        f"# {' '.join(change.summary().split())[:200]}\n"
    )
    return (head + body).encode("utf-8")


# --- judging -------------------------------------------------------------------------------------


def verify_policy_sign_off(
    repo: ContractRepo, change: PolicyChange, base: str, head: str
) -> tuple[Verification, str]:
    """What git says about the sign-off of ``change`` (committed between ``base`` and
    ``head``), and the record's path."""
    settings = change.base.settings
    rel = policy_record_relpath(settings.directory, change.fingerprint)
    entry = repo.git.tree_entry(head, rel)
    if entry is None or entry[0] != "blob":
        return Verification(False, f"no sign-off committed ({rel})"), rel
    try:
        data = parse_policy_record(repo.git.read_blob(entry[1]), rel)
    except (ContractError, HistoryError) as exc:
        why = exc.first.format() if isinstance(exc, ContractError) else str(exc)
        return Verification(False, f"the sign-off cannot be read: {why}"), rel
    sign = data.get("sign_off")
    key = _sign_key(sign)
    if (
        key is None
        or not isinstance(sign, dict)
        or data.get("fingerprint") != change.fingerprint
        or sign.get("fingerprint") != change.fingerprint
    ):
        return Verification(False, f"{rel} is not a sign-off of this change"), rel

    def has(raw: bytes | None) -> bool:
        if raw is None:
            return False
        try:
            return _sign_key(parse_policy_record(raw, rel).get("sign_off")) == key
        except ContractError:
            return False

    assert isinstance(sign, dict)
    check = verify_sign_off(
        repo,
        base=base,
        head=head,
        record_rel=rel,
        has_sign_off=has,
        named=Who(str(sign.get("reviewer")), sign.get("email")),
        change_paths=list(POLICY_FILES),
        reviewers=settings.reviewers,
        require_signed=settings.require_signed_signoff,
    )
    return check, rel


# --- signing off --------------------------------------------------------------------------------


def sign_off_policy(
    repo: ContractRepo, base: str, who: Who | None, comment: str = ""
) -> tuple[str, PolicyChange]:
    """The reviewer's sign-off of the policy change between merge-base(``base``, HEAD) and
    HEAD, written to the working tree (to be committed by the reviewer); returns its path."""
    if repo.root is None:
        raise PolicyReviewError("a bare repository has no working tree")
    if who is None or not who.email:
        raise PolicyReviewError("set git config user.name and user.email: you sign off as yourself")
    scripts = mixed_script(who.name)
    if scripts:
        raise PolicyReviewError(
            f"your git user.name mixes scripts ({', '.join(scripts)}): refused as a reviewer"
        )
    head = repo.head()
    if head is None:
        raise PolicyReviewError("nothing is committed yet: a sign-off is for a committed change")
    merge_base = repo.merge_base(base)
    source = policy_at(repo, merge_base, f"{merge_base[:12]} (merge base with {base})")
    committed = read_policy_files(repo, head)
    try:
        if worktree_policy_files(repo) != committed:
            raise PolicyReviewError(
                "the policy files have changes that are not committed: a sign-off is for a "
                "committed change"
            )
    except PathRefused as exc:
        raise PolicyReviewError(str(exc)) from None
    change = policy_change(source, committed)
    if change is None:
        raise PolicyReviewError(f"the policy is unchanged since {base}: nothing to sign off")
    refused = reviewer_refusal(
        repo,
        merge_base,
        head,
        list(POLICY_FILES),
        who,
        source.settings.reviewers,
        "this policy change",
    )
    if refused is not None:
        raise PolicyReviewError(refused)
    rel = policy_record_relpath(source.settings.directory, change.fingerprint)
    sign: dict[str, Any] = {
        "reviewer": who.name,
        "email": who.email,
        "at": now_iso(),
        "fingerprint": change.fingerprint,
    }
    if comment.strip():
        sign["comment"] = comment.strip()
    try:
        with records_lock(repo.git.git_dir):
            atomic_write(confined(repo.root, rel, git_dir=repo.git.git_dir), _dump(change, sign))
    except (PathRefused, LockTimeout) as exc:
        raise PolicyReviewError(f"{exc}; nothing written") from None
    return rel, change
