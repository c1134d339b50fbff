"""The amendment record: ``amendments/<contract>/<version>.yaml``, committed with the contract.

It holds everything the checklist learned and everyone who answered: the versions, the engine's
change-set fingerprint when the checklist was completed, a summary, and for each of the five
steps the latest automatic check results, the accepted findings with their reasons, the
reviewer's sign-off, the notice, the changelog entry and the consumers confirmed notified.
Every answer that depends on the change set carries the fingerprint it was given for, so a
record made stale by a later edit of the contract says exactly what must be answered again.

The format has a JSON Schema shipped in the package (``schema/amendment-v1.schema.json``) and is
documented in ``docs/amendments.md``. Records are always written with :func:`save_record`
(atomic: temporary file, fsync, rename).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from workbench.amendment.atomic import atomic_write
from workbench.contract.errors import ContractError, Problem
from workbench.contract.yamlsrc import LocatedDocument, decode_source, load_yaml, read_regular
from workbench.textsafe import UNSAFE, clean, escape_for_double_quotes

if TYPE_CHECKING:
    import jsonschema

FORMAT = 1
STEPS: tuple[str, ...] = (
    "versioning",
    "schema_clarity",
    "compatibility",
    "security_review",
    "communication",
)
STEP_TITLES: dict[str, str] = {
    "versioning": "Versioning",
    "schema_clarity": "Schema clarity",
    "compatibility": "Backward compatibility",
    "security_review": "Security review",
    "communication": "Communication",
}
# Which answers each step keeps (besides status, checks and completed).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "versioning": (),
    "schema_clarity": (),
    "compatibility": ("accepted",),
    "security_review": ("accepted", "sign_off"),
    "communication": ("notice", "changelog", "notified"),
}
NOTICE_SUFFIX = ".notice.md"
PENDING_LABEL = "next"  # an unversioned artefact's record before the author names the release


def now_iso() -> str:
    """The current time as ISO 8601 with the local UTC offset, to the second."""
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


# --- value types ---------------------------------------------------------------------------


@dataclass(slots=True)
class Person:
    name: str
    email: str | None = None

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email}


@dataclass(slots=True)
class Stamp:
    """Who did something, when, and for which change set."""

    by: str
    at: str
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at, "fingerprint": self.fingerprint}


@dataclass(slots=True)
class CheckResult:
    """A snapshot of one computed check, kept in the record for readers of the pull request."""

    id: str
    status: str  # ok | missing | stale | blocked | info
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass(slots=True)
class Acceptance:
    """A finding accepted as is, with the written reason (shown in the notice)."""

    fingerprint: str
    reason: str
    by: str
    at: str
    rule: str = ""
    path: str = ""
    severity: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "path": self.path,
            "severity": self.severity,
            "reason": self.reason,
            "by": self.by,
            "at": self.at,
        }


@dataclass(slots=True)
class SignOff:
    """The security reviewer's sign-off, valid only for the change set it names."""

    reviewer: str
    at: str
    fingerprint: str
    email: str | None = None
    comment: str = ""

    @property
    def who(self) -> str:
        return f"{self.reviewer} <{self.email}>" if self.email else self.reviewer

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reviewer": self.reviewer,
            "email": self.email,
            "at": self.at,
            "fingerprint": self.fingerprint,
        }
        if self.comment:
            out["comment"] = self.comment
        return out


@dataclass(slots=True)
class NoticeStamp:
    by: str
    at: str
    fingerprint: str
    file: str | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"by": self.by, "at": self.at, "fingerprint": self.fingerprint}
        if self.file:
            out["file"] = self.file
        if self.sha256:
            out["sha256"] = self.sha256
        return out


@dataclass(slots=True)
class ChangelogStamp:
    file: str
    version: str
    by: str
    at: str
    fingerprint: str | None = None
    sha256: str | None = None  # of the entry as written (see changelog.entry_digest)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "version": self.version,
            "by": self.by,
            "at": self.at,
            "fingerprint": self.fingerprint,
        }
        if self.sha256:
            out["sha256"] = self.sha256
        return out


@dataclass(slots=True)
class Notified:
    """A consumer the author confirmed as told about this change set."""

    consumer: str
    by: str
    at: str
    fingerprint: str
    contact: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer,
            "contact": self.contact,
            "by": self.by,
            "at": self.at,
            "fingerprint": self.fingerprint,
        }


@dataclass(slots=True)
class StepRecord:
    status: str | None = None
    checks: list[CheckResult] = field(default_factory=list)
    completed: Stamp | None = None
    accepted: list[Acceptance] = field(default_factory=list)
    sign_off: SignOff | None = None
    notice: NoticeStamp | None = None
    changelog: ChangelogStamp | None = None
    notified: list[Notified] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def acceptance(self, fingerprint: str) -> Acceptance | None:
        for item in self.accepted:
            if item.fingerprint == fingerprint:
                return item
        return None

    def to_dict(self, step: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.status:
            out["status"] = self.status
        out["checks"] = [c.to_dict() for c in self.checks]
        out["completed"] = self.completed.to_dict() if self.completed else None
        for name in STEP_FIELDS[step]:
            value = getattr(self, name)
            if isinstance(value, list):
                out[name] = [v.to_dict() for v in value]
            else:
                out[name] = value.to_dict() if value is not None else None
        out.update(self.extra)
        return out


@dataclass(slots=True)
class Record:
    """One amendment record (see the module docstring)."""

    contract: str
    path: str
    from_version: str | None
    to_version: str
    required_bump: str | None = None
    fingerprint: str | None = None
    completed: Stamp | None = None
    summary: str = ""
    effective: str | None = None
    author: Person | None = None
    created_at: str = ""
    updated_at: str = ""
    steps: dict[str, StepRecord] = field(default_factory=lambda: {s: StepRecord() for s in STEPS})
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None  # the artefact kind; ``None`` for a contract

    @property
    def labelled(self) -> bool:
        """Whether the record names the release of an unversioned artefact by a label the
        author gave (``to_version`` is ``next`` until then)."""
        return self.kind is not None and self.to_version != PENDING_LABEL

    def step(self, name: str) -> StepRecord:
        if name not in self.steps:
            self.steps[name] = StepRecord()
        return self.steps[name]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "contract": self.contract,
        }
        if self.kind is not None:
            out["kind"] = self.kind
        out |= {
            "path": self.path,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "required_bump": self.required_bump,
            "fingerprint": self.fingerprint,
            "completed": self.completed.to_dict() if self.completed else None,
            "summary": self.summary,
            "effective": self.effective,
        }
        if self.author is not None:
            out["author"] = self.author.to_dict()
        if self.created_at:
            out["created_at"] = self.created_at
        if self.updated_at:
            out["updated_at"] = self.updated_at
        out["steps"] = {name: self.step(name).to_dict(name) for name in STEPS}
        out.update(self.extra)
        return out


# --- files -----------------------------------------------------------------------------------


def versions_text(record: Record) -> str:
    """``1.2.0 -> 2.0.0``, ``(new) -> 1.0.0``, or an unversioned artefact's ``release 2025-06``
    (``release not named yet`` before the author gives its label)."""
    if record.kind is not None and not record.from_version:
        return f"release {record.to_version}" if record.labelled else "release not named yet"
    return f"{record.from_version or '(new)'} -> {record.to_version}"


def contract_dir_name(contract_id: str) -> str:
    """The directory of a contract's records: the id, with ``:`` (not portable in file names)
    written ``~``, a character ids cannot hold, so different ids never share a directory
    (``pay:api`` and ``pay_api``)."""
    return contract_id.replace(":", "~")


def legacy_dir_name(contract_id: str) -> str | None:
    """Where records of an id with ``:`` lived before (``_`` for ``:``), read when the current
    directory has none; ``None`` when the id has no ``:``."""
    return contract_id.replace(":", "_") if ":" in contract_id else None


def record_relpath(directory: str, contract_id: str, version: str) -> str:
    """``amendments/<contract>/<version>.yaml`` (POSIX, repository-relative)."""
    return f"{directory}/{contract_dir_name(contract_id)}/{version}.yaml"


def notice_relpath(directory: str, contract_id: str, version: str) -> str:
    return f"{directory}/{contract_dir_name(contract_id)}/{version}{NOTICE_SUFFIX}"


_HEADER = (
    "# Amendment record of {contract} {versions} (format 1, see docs/amendments.md).\n"
    "# Written by `workbench` on every answer; review it in the pull request with the contract.\n"
)


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # text with bidi, invisible or control characters is double-quoted, where dump_record
    # escapes those YAML leaves raw: the record reads in a pull request as it is
    style = '"' if UNSAFE.search(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_record(record: Record) -> str:
    """The YAML text of ``record`` (a comment header, then the fields in schema order)."""
    versions = versions_text(record)
    body = yaml.dump(
        record.to_dict(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    body = escape_for_double_quotes(body)  # only inside double-quoted scalars (above)
    header = _HEADER.format(contract=_one_line(record.contract), versions=_one_line(versions))
    return header + body


def _one_line(text: str) -> str:
    return clean(" ".join(str(text).split()))


def save_record(record: Record, path: str | Path) -> None:
    """Write ``record`` to ``path`` atomically (temporary file + fsync + rename)."""
    atomic_write(path, dump_record(record).encode("utf-8"))


@cache
def record_schema() -> dict:
    """The JSON Schema (draft 2020-12) of amendment records, format 1."""
    text = resources.files("workbench.amendment").joinpath("schema/amendment-v1.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # when a record is read: `workbench check` with no record needs none

    return jsonschema.Draft202012Validator(record_schema())


def _problem(doc: LocatedDocument, source: str, raw: tuple, message: str) -> Problem:
    return doc.problem(source, raw, message)


def _describe(error: jsonschema.ValidationError, raw: tuple) -> tuple[tuple, str]:
    """The place and words for one schema error (``anyOf`` of a value or null explained by
    the value's branch)."""
    if error.validator == "anyOf" and error.context:
        subs = [
            e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
        ]
        if subs:
            sub = max(subs, key=lambda e: len(e.path))
            return _describe(sub, (*raw, *sub.path))
    if error.validator == "required":
        return raw, error.message.replace("property", "field")
    if error.validator == "enum":
        choices = ", ".join(str(v) for v in error.validator_value)
        return raw, f"{error.instance!r} is not one of: {choices}"
    if error.validator == "pattern" and raw and raw[-1] in ("at", "created_at", "updated_at"):
        return raw, f"{error.instance!r} is not an ISO 8601 timestamp with an offset"
    if (
        error.validator == "pattern"
        and raw
        and raw[-1] in ("to_version", "from_version", "version")
    ):
        return raw, f"{error.instance!r} is not a SemVer version (nor an artefact's release label)"
    if error.validator == "type" and raw and raw[-1] in ("to_version", "from_version", "version"):
        return raw, f"{error.instance!r} is not a string: quote the version"
    return raw, error.message


def record_problems(data: Any, doc: LocatedDocument, source: str) -> list[Problem]:
    """Schema problems of a record's data, each at its file:line:col."""
    out = []
    for error in _validator().iter_errors(data):
        raw = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed and not str(key).startswith("x-"):
                    out.append(_problem(doc, source, (*raw, key), f"unknown field {key!r}"))
            continue
        where, message = _describe(error, raw)
        out.append(_problem(doc, source, where, message))
    out.sort(key=lambda p: (p.line, p.column))
    return out


_VALID: dict[str, None] = {}  # digests of record texts that passed the schema (bounded)


def parse_record(text: str, source: str) -> Record:
    """Parse and validate a record; raise :class:`ContractError` with positioned problems."""
    doc = load_yaml(text, source)
    data = doc.data
    if not isinstance(data, dict):
        raise ContractError([Problem(source, 1, 1, "an amendment record must be a mapping")])
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _VALID:  # the schema check costs milliseconds; a text passes it once
        problems = record_problems(data, doc, source)
        if problems:
            raise ContractError(problems)
        if len(_VALID) >= 256:
            _VALID.pop(next(iter(_VALID)))
        _VALID[digest] = None
    return _build(data)


def load_record(path: str | Path, display: str | None = None) -> Record:
    """Read a record file; raise :class:`ContractError` (also for a missing file)."""
    name = display or str(path)
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise ContractError([Problem(name, 1, 1, "no such amendment record")]) from None
    except OSError as exc:
        raise ContractError([Problem(name, 1, 1, f"cannot read: {exc.strerror or exc}")]) from None
    return parse_record_bytes(raw, name)


def parse_record_bytes(raw: bytes, source: str) -> Record:
    return parse_record(decode_source(raw, source), source)


def _extra(data: dict) -> dict[str, Any]:
    return {k: v for k, v in data.items() if str(k).startswith("x-")}


def _stamp(d: dict | None) -> Stamp | None:
    return Stamp(d["by"], d["at"], d.get("fingerprint")) if d else None


def _build_step(d: dict) -> StepRecord:
    notice = d.get("notice")
    changelog = d.get("changelog")
    sign = d.get("sign_off")
    return StepRecord(
        status=d.get("status"),
        checks=[
            CheckResult(c["id"], c["status"], c.get("message", "")) for c in d.get("checks", [])
        ],
        completed=_stamp(d.get("completed")),
        accepted=[
            Acceptance(
                a["fingerprint"],
                a["reason"],
                a["by"],
                a["at"],
                a.get("rule", ""),
                a.get("path", ""),
                a.get("severity", ""),
            )
            for a in d.get("accepted", [])
        ],
        sign_off=SignOff(
            sign["reviewer"],
            sign["at"],
            sign["fingerprint"],
            sign.get("email"),
            sign.get("comment", ""),
        )
        if sign
        else None,
        notice=NoticeStamp(
            notice["by"],
            notice["at"],
            notice["fingerprint"],
            notice.get("file"),
            notice.get("sha256"),
        )
        if notice
        else None,
        changelog=ChangelogStamp(
            changelog["file"],
            changelog["version"],
            changelog["by"],
            changelog["at"],
            changelog.get("fingerprint"),
            changelog.get("sha256"),
        )
        if changelog
        else None,
        notified=[
            Notified(n["consumer"], n["by"], n["at"], n["fingerprint"], n.get("contact"))
            for n in d.get("notified", [])
        ],
        extra=_extra(d),
    )


def _build(data: dict) -> Record:
    author = data.get("author")
    steps_data = data.get("steps") or {}
    return Record(
        contract=data["contract"],
        kind=data.get("kind"),
        path=data["path"],
        from_version=data.get("from_version"),
        to_version=data["to_version"],
        required_bump=data.get("required_bump"),
        fingerprint=data.get("fingerprint"),
        completed=_stamp(data.get("completed")),
        summary=data.get("summary") or "",
        effective=data.get("effective"),
        author=Person(author["name"], author.get("email")) if author else None,
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
        steps={name: _build_step(steps_data.get(name) or {}) for name in STEPS},
        extra=_extra(data),
    )
