"""Where the rules of an amendment come from: ``.workbench.yaml`` and the ignore file as they are
at the amendment's base, never as the amendment itself leaves them.

A branch that commits ``amendments: {min_bump: major}``, ``contracts: {exclude: [...]}`` or an
ignore entry accepting its own breaking finding must not switch off the gate that judges it.
So the checklist and the gate read both files from a commit: the merge base for ``check --base``
(and ``--base`` sessions), HEAD for ``check --staged``, the working-tree check and the
checklist; the index only in a repository without commits. Untracked or unstaged copies never
count. A change to either file is itself an amendment (see :mod:`workbench.amendment.policy`):
it takes effect once a reviewer signed it off and it was merged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from workbench.amendment.settings import DEFAULT_SETTINGS, AmendmentSettings, parse_settings
from workbench.config import CONFIG_NAME, Config, load_config, parse_config
from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import decode_source
from workbench.engine.ignore import IGNORE_NAME, Ignores, parse_ignores
from workbench.history.errors import HistoryError
from workbench.history.model import INDEX
from workbench.history.repo import ContractRepo
from workbench.review import known_rule_ids, load_ignores
from workbench.security.policy import DEFAULT_POLICY, Policy, parse_policy

POLICY_FILES: tuple[str, ...] = (CONFIG_NAME, IGNORE_NAME)


@dataclass(slots=True)
class PolicySource:
    """The settings in force for an amendment, read at one revision.

    ``rev`` is a commit sha, ``INDEX`` (a repository without commits) or ``None`` (defaults:
    nothing committed or staged); ``label`` says which in reports (``HEAD 1a2b3c4d5e6f``).
    ``blobs`` holds the bytes of each policy file at that revision (``None`` when absent).
    """

    rev: str | None
    label: str
    config: Config
    settings: AmendmentSettings
    policy: Policy
    blobs: dict[str, bytes | None] = field(default_factory=dict)

    def ignores(self, today: dt.date | None = None) -> Ignores:
        """The ignore file at the revision (empty when it has none); ContractError when bad."""
        raw = self.blobs.get(IGNORE_NAME)
        source = self._source(IGNORE_NAME)
        if raw is None:
            return Ignores(source, today=today or dt.date.today())
        return parse_ignores(
            decode_source(raw, source), source, today=today, known_rules=known_rule_ids()
        )

    def _source(self, name: str) -> str:
        if self.rev is None:
            return name
        if self.rev == INDEX:
            return f":{name}"
        return f"{self.rev[:12]}:{name}"

    def describe(self) -> str:
        """One line for reports: which files at which revision made the rules."""
        present = [name for name in POLICY_FILES if self.blobs.get(name) is not None]
        if not present:
            return f"policy: defaults (no {CONFIG_NAME} or {IGNORE_NAME} at {self.label})"
        return f"policy: {', '.join(present)} at {self.label}"

    def to_dict(self) -> dict[str, object]:
        return {
            "revision": self.rev,
            "label": self.label,
            "files": {
                name: (hashlib.sha256(raw).hexdigest() if raw is not None else None)
                for name, raw in self.blobs.items()
            },
        }


def read_policy_files(repo: ContractRepo, rev: str | None) -> dict[str, bytes | None]:
    """The bytes of ``.workbench.yaml`` and the ignore file at commit ``rev`` (or ``INDEX``);
    ``HistoryError`` when one exists but cannot be read (never silently defaults)."""
    out: dict[str, bytes | None] = {}
    for name in POLICY_FILES:
        if rev is None:
            out[name] = None
        elif rev == INDEX:
            blob = repo.git.index_entries(name).get(name)
            out[name] = repo.git.read_blob(blob) if blob else None
        else:
            entry = repo.git.tree_entry(rev, name)
            if entry is None:
                out[name] = None
            elif entry[0] != "blob":
                raise HistoryError(f"{rev[:12]}:{name} is a {entry[0]}, not a file")
            else:
                out[name] = repo.git.read_blob(entry[1])
    return out


def policy_at(repo: ContractRepo, rev: str | None, label: str | None = None) -> PolicySource:
    """The settings in force at commit ``rev`` (``INDEX``: the staged files; ``None``: defaults).

    Raises :class:`ContractError` (positioned at ``REV:.workbench.yaml``) when a file is invalid
    and :class:`HistoryError` when it cannot be read.
    """
    blobs = read_policy_files(repo, rev)
    if label is None:
        label = "the index" if rev == INDEX else f"{rev[:12]}" if rev else "no commit"
    source = PolicySource(rev, label, Config(), DEFAULT_SETTINGS, DEFAULT_POLICY, blobs)
    raw = blobs.get(CONFIG_NAME)
    if raw is not None:
        config = parse_config(raw, source._source(CONFIG_NAME))
        source.config = config
        if config.document is not None:
            source.settings = parse_settings(config)
            source.policy = parse_policy(config.security, config)
    return source


def check_worktree_policy(root: Path, today: dt.date | None = None) -> None:
    """Raise :class:`ContractError` (at the file's own path) when the working tree's policy
    files are invalid. They do not apply until committed, reviewed and merged, but a broken one
    is reported at once rather than ignored."""
    config = load_config(root)
    if config.document is not None:
        parse_settings(config)
        parse_policy(config.security, config)
    load_ignores(root, today=today)


def governing_revision(repo: ContractRepo, base: str | None) -> tuple[str | None, str]:
    """The revision whose policy judges an amendment compared with ``base`` (a commit, ``HEAD``
    or ``None``), and its label: the base commit itself; HEAD when the amendment creates the
    contract; the index in a repository without commits."""
    head = repo.head()
    if base is not None and base != "HEAD":
        sha = repo.resolve(base)
        return sha, f"{sha[:12]}" + (" (HEAD)" if sha == head else "")
    if head is not None:
        return head, f"HEAD {head[:12]}"
    if repo.root is not None:
        return INDEX, "the index (no commit yet)"
    return None, "no commit"


def load_policy_source(repo: ContractRepo, base: str | None) -> PolicySource:
    """:func:`policy_at` the :func:`governing_revision` of ``base``."""
    rev, label = governing_revision(repo, base)
    return policy_at(repo, rev, label)


def policy_fingerprint(old: dict[str, bytes | None], new: dict[str, bytes | None]) -> str:
    """The identity of a change to the policy files (16 hex characters)."""
    digest = hashlib.sha256()
    for name in POLICY_FILES:
        for side in (old.get(name), new.get(name)):
            digest.update(name.encode() + b"\x00")
            digest.update(b"-" if side is None else hashlib.sha256(side).digest())
    return digest.hexdigest()[:16]


__all__ = [
    "POLICY_FILES",
    "ContractError",
    "PolicySource",
    "check_worktree_policy",
    "governing_revision",
    "load_policy_source",
    "policy_at",
    "policy_fingerprint",
    "read_policy_files",
]
