"""Value types of the history layer: contracts found in a repository, and their revisions.

They are :class:`~workbench.contract.record.Frozen` records, not dataclasses: every command
that reads history imports them, and a dataclass compiles its methods at import."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from workbench.contract.record import Frozen
from workbench.contract.revspec import INDEX, WORKTREE

__all__ = ["INDEX", "WORKTREE"]  # the pseudo revisions, re-exported for the history layer

RevisionKind = Literal["worktree", "index", "commit"]
DraftState = Literal["clean", "modified", "staged", "new", "deleted"]
ChangeType = Literal["added", "modified", "renamed", "copied", "deleted", "typechange"]


def short_rev(rev: str) -> str:
    """Seven hex digits for a sha; pseudo revisions stay as they are."""
    return rev if rev in (WORKTREE, INDEX) else rev[:7]


class ContractEntry(Frozen):
    """A contract file found in the repository, and the state of its uncommitted draft.

    ``draft``: ``clean`` (as committed), ``modified`` (unstaged edits), ``staged`` (edits staged,
    none unstaged), ``new`` (not in HEAD: untracked or newly added), ``deleted`` (in HEAD,
    removed from the working tree or the index). The identity fields come from the current
    content (the working-tree file, or the last committed one when deleted); ``error`` says why
    they could not be read. ``doc_kind`` is ``contract`` or the artefact kind the file holds;
    an artefact's ``id`` is its path (see :func:`workbench.sources.artefact_id`).
    """

    __slots__ = (
        "blob",
        "doc_kind",
        "draft",
        "error",
        "id",
        "path",
        "renamed_from",
        "staged",
        "status",
        "title",
        "version",
    )
    path: str
    id: str
    title: str
    version: str
    status: str
    draft: DraftState
    blob: str | None
    renamed_from: str | None
    staged: bool  # the index differs from HEAD (also when there are unstaged edits)
    error: str | None
    doc_kind: str  # or the artefact kind (oidc-discovery, openapi, ...)

    def __init__(
        self,
        path: str,
        id: str,
        title: str,
        version: str,
        status: str,
        draft: DraftState,
        blob: str | None = None,
        renamed_from: str | None = None,
        staged: bool = False,
        error: str | None = None,
        doc_kind: str = "contract",
    ):
        put = object.__setattr__
        put(self, "path", path)
        put(self, "id", id)
        put(self, "title", title)
        put(self, "version", version)
        put(self, "status", status)
        put(self, "draft", draft)
        put(self, "blob", blob)
        put(self, "renamed_from", renamed_from)
        put(self, "staged", staged)
        put(self, "error", error)
        put(self, "doc_kind", doc_kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "document": self.doc_kind,
            "contract": self.id,
            "title": self.title,
            "version": self.version,
            "status": self.status,
            "draft": self.draft,
            "staged": self.staged,
            "renamed_from": self.renamed_from,
            "error": self.error,
        }


class ParentRef(Frozen):
    """Where the previous content of a contract is: a commit (or ``INDEX``), a path, a blob.

    ``blob`` is ``None`` when the contract did not exist there (the revision created it).
    """

    __slots__ = ("blob", "path", "rev")
    rev: str
    path: str
    blob: str | None

    def __init__(self, rev: str, path: str, blob: str | None):
        put = object.__setattr__
        put(self, "rev", rev)
        put(self, "path", path)
        put(self, "blob", blob)

    # compared once per log entry (is the base the parent?): spelled out, as a dataclass has it
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not ParentRef:
            return NotImplemented
        return self is other or (
            self.rev == other.rev  # type: ignore[attr-defined]
            and self.path == other.path  # type: ignore[attr-defined]
            and self.blob == other.blob  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((self.rev, self.path, self.blob))

    @property
    def short(self) -> str:
        return short_rev(self.rev)

    @property
    def label(self) -> str:
        """``REV:PATH``, the source name used in reports and messages."""
        return f"{self.short}:{self.path}"


class Revision(Frozen):
    """One amendment of one contract: a commit that changed it, or the staged/unstaged draft.

    ``rev`` is the full sha of a commit, or ``WORKTREE``/``INDEX``. ``blob`` is ``None`` when this
    revision deletes the contract. ``parent`` is what the amendment is judged against: the
    contract in the first parent commit (merges are compared with their first parent), ``INDEX``
    for an unstaged draft on top of a staged one, ``None`` for a root commit or a shallow
    clone's boundary (``boundary`` is then true: the real parent is not in this clone).
    """

    __slots__ = (
        "author_email",
        "author_name",
        "blob",
        "boundary",
        "change",
        "contract_id",
        "date",
        "doc_kind",
        "kind",
        "parent",
        "parents",
        "path",
        "rev",
        "subject",
        "version",
    )
    kind: RevisionKind
    rev: str
    path: str
    blob: str | None
    parent: ParentRef | None
    change: ChangeType
    version: str
    contract_id: str
    author_name: str
    author_email: str
    date: datetime | None
    subject: str
    parents: tuple[str, ...]
    boundary: bool
    doc_kind: str  # what the content is: a contract or an artefact kind

    def __init__(
        self,
        kind: RevisionKind,
        rev: str,
        path: str,
        blob: str | None,
        parent: ParentRef | None,
        change: ChangeType,
        version: str = "",
        contract_id: str = "",
        author_name: str = "",
        author_email: str = "",
        date: datetime | None = None,
        subject: str = "",
        parents: tuple[str, ...] = (),
        boundary: bool = False,
        doc_kind: str = "contract",
    ):
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "rev", rev)
        put(self, "path", path)
        put(self, "blob", blob)
        put(self, "parent", parent)
        put(self, "change", change)
        put(self, "version", version)
        put(self, "contract_id", contract_id)
        put(self, "author_name", author_name)
        put(self, "author_email", author_email)
        put(self, "date", date)
        put(self, "subject", subject)
        put(self, "parents", parents)
        put(self, "boundary", boundary)
        put(self, "doc_kind", doc_kind)

    @property
    def short(self) -> str:
        return short_rev(self.rev)

    @property
    def sha(self) -> str | None:
        return self.rev if self.kind == "commit" else None

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_draft(self) -> bool:
        return self.kind != "commit"

    @property
    def deleted(self) -> bool:
        return self.blob is None

    @property
    def label(self) -> str:
        """``REV:PATH``, the source name used in reports and messages."""
        return f"{self.short}:{self.path}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rev": self.rev,
            "short": self.short,
            "path": self.path,
            "blob": self.blob,
            "change": self.change,
            "version": self.version,
            "contract": self.contract_id,
            "document": self.doc_kind,
            "author": {"name": self.author_name, "email": self.author_email},
            "date": self.date.isoformat() if self.date else None,
            "subject": self.subject,
            "parents": list(self.parents),
            "merge": self.is_merge,
            "boundary": self.boundary,
            "parent": (
                {"rev": self.parent.rev, "path": self.parent.path, "blob": self.parent.blob}
                if self.parent
                else None
            ),
        }
