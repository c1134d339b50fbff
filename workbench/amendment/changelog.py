"""Keep a Changelog entries for amendments, in ``CHANGELOG.md`` next to the contract.

The entry goes under ``## [<version>] - <YYYY-MM-DD>``, right below ``## [Unreleased]`` (newest
first), with the sections Added, Changed, Deprecated, Removed, Fixed and Security derived from
the findings: a removed value is Removed, a new deprecation Deprecated, a breaking or risky change
Changed (consumers must adapt, whatever else it is), another change that weakens or strengthens
security Security, an addition Added; a security finding of the old version that the new one no
longer has is Fixed. A missing file is created with the standard header. Writing is atomic; an
existing entry for the version is kept unless it is explicitly replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.amendment.atomic import atomic_write
from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.report.common import clean

SECTIONS: tuple[str, ...] = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
UNRELEASED = "## [Unreleased]"
HEADER = """# Changelog

All notable changes to this contract are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and the contract's `version` adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [Unreleased]
"""
# An artefact without a SemVer version (a realm export, a discovery document): each release is
# headed by the label its amendment record names.
LABEL_HEADER = HEADER.replace(
    "and the contract's `version` adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).",
    "and each release is named by the label in its heading (the file carries no version).",
)
_HEADING = re.compile(r"^##\s+\[(?P<version>[^\]]+)\](?:\s+-\s+(?P<date>\S+))?\s*$")
_ESCAPE = re.compile(r"([\\`*\[\]<|])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def text(value: Any) -> str:
    """Untrusted text for one Markdown line that stays readable in the raw file: controls
    removed, newlines folded, and only characters that would change the rendering escaped
    (an underscore inside a word, as in ``access_token``, is left alone)."""
    s = " ".join(clean(value, newlines=True).split())
    s = _ESCAPE.sub(r"\\\1", s)
    return _EDGE_UNDERSCORE.sub(r"\\_", s)


def code(value: Any) -> str:
    s = " ".join(clean(value).split()).replace("`", "'")
    return f"`{s}`" if s else ""


def _area(rule: str) -> str:
    return rule.split(".", 1)[0] if rule else ""


def section_of(finding: Finding) -> str:
    """The Keep a Changelog section of one engine finding."""
    area = _area(finding.rule)
    old, new = finding.old, finding.new
    if area == "deprecation":
        return "Deprecated" if new is not None else "Changed"
    if new is None and old is not None:
        return "Removed"
    if finding.severity in ("breaking", "risky"):
        return "Changed"  # consumers must adapt: never hide it under Added or Security
    if finding.security in ("weakens", "strengthens"):
        return "Security"
    if old is None and new is not None:
        return "Added"
    return "Changed"


def entry_sections(
    report: DiffReport, fixed_security: list[SecurityFinding] | None = None
) -> dict[str, list[str]]:
    """Section -> bullet lines for the amendment in ``report`` (engine findings, ignored ones
    included) and the security findings it fixed."""
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for f in [*report.findings, *report.ignored]:
        mark = "**Breaking:** " if f.severity == "breaking" else ""
        weak = {"weakens": " (weakens security)", "strengthens": " (strengthens security)"}.get(
            f.security, ""
        )
        if section_of(f) == "Security":
            weak = ""
        out[section_of(f)].append(f"{mark}{text(f.message)}{weak} ({code(f.path)}).")
    for s in fixed_security or []:
        out["Fixed"].append(f"{text(s.title)} ({code(s.path)}; {text(s.rule)}).")
    return {k: v for k, v in out.items() if v}


def render_entry(
    version: str, day: dt.date, sections: dict[str, list[str]], contract_id: str | None = None
) -> str:
    """One entry: heading, an optional line naming the contract, then the sections in order."""
    lines = [f"## [{version}] - {day.isoformat()}"]
    if contract_id:
        lines += ["", f"Contract {code(contract_id)}."]
    if not any(sections.get(name) for name in SECTIONS):
        sections = {"Changed": ["Editorial changes only."]}
    for name in SECTIONS:
        items = sections.get(name) or []
        if items:
            lines += ["", f"### {name}", "", *(f"- {item}" for item in items)]
    return "\n".join(lines) + "\n"


def _entries(lines: list[str]) -> list[tuple[int, int, str]]:
    """``(start, end, version)`` of every ``## [...]`` section (end exclusive)."""
    heads = [(i, m.group("version")) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    out = []
    for n, (start, version) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        # a link-reference block at the end of the file is not part of the last entry
        if n + 1 == len(heads):
            while end > start + 1 and re.match(r"^\[[^\]]+\]:\s", lines[end - 1] or ""):
                end -= 1
        out.append((start, end, version))
    return out


def find_entry(
    content: str, version: str, contract_id: str | None = None
) -> tuple[int, int] | None:
    """Line range of the entry for ``version`` (naming ``contract_id`` when given), if any."""
    lines = content.splitlines()
    for start, end, v in _entries(lines):
        if v.strip() != version:
            continue
        if contract_id and code(contract_id) not in "\n".join(lines[start:end]):
            continue
        return start, end
    return None


def entry_digest(content: str | None, version: str, contract_id: str | None = None) -> str | None:
    """sha256 of the entry for ``version`` as it stands (line endings and trailing blank lines
    aside), or ``None`` without one: what a record binds its changelog answer to."""
    if content is None:
        return None
    text = content.replace("\r\n", "\n")
    found = find_entry(text, version, contract_id)
    if found is None:
        return None
    lines = text.splitlines()[found[0] : found[1]]
    while lines and not lines[-1].strip():
        lines.pop()
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def has_entry(content: str | None, version: str, contract_id: str | None = None) -> bool:
    return content is not None and find_entry(content, version, contract_id) is not None


def insert_entry(
    content: str | None,
    entry: str,
    version: str,
    contract_id: str | None = None,
    *,
    replace: bool = False,
    header: str = HEADER,
) -> tuple[str, str]:
    """The changelog text with ``entry`` in place, and what happened: ``created``,
    ``inserted``, ``replaced`` or ``exists`` (unchanged, because an entry is there already).
    ``header`` starts a new file."""
    if content is None or not content.strip():
        body = header
        newline = "\n"
        status = "created"
    else:
        body = content
        newline = "\r\n" if "\r\n" in content else "\n"
        status = "inserted"
    lines = body.replace("\r\n", "\n").split("\n")
    entry_lines = entry.rstrip("\n").split("\n")
    existing = find_entry(body.replace("\r\n", "\n"), version, contract_id)
    if existing is not None:
        if not replace:
            return content or body, "exists"
        start, end = existing
        tail = lines[end:]
        lines = [*lines[:start], *entry_lines, *([""] if tail and tail[0].strip() else []), *tail]
        return _join(lines, newline), "replaced"
    entries = _entries(lines)
    unreleased = next((e for e in entries if e[2].strip().lower() == "unreleased"), None)
    at = unreleased[1] if unreleased is not None else entries[0][0] if entries else len(lines)
    # trim blank lines before the insertion point, then put one blank line on each side
    before = lines[:at]
    while before and not before[-1].strip():
        before.pop()
    after = lines[at:]
    while after and not after[0].strip():
        after.pop(0)
    joined = [*before, "", *entry_lines]
    if after:
        joined += ["", *after]
    return _join(joined, newline), status


def _join(lines: list[str], newline: str) -> str:
    while lines and not lines[-1].strip():
        lines.pop()
    return newline.join(lines) + newline


@dataclass(frozen=True, slots=True)
class ChangelogResult:
    path: str
    status: str  # created | inserted | replaced | exists
    entry: str


def append_changelog(
    path: str | Path,
    entry: str,
    version: str,
    contract_id: str | None = None,
    *,
    replace: bool = False,
    header: str = HEADER,
) -> ChangelogResult:
    """Add ``entry`` to the changelog at ``path`` (created when missing, starting with
    ``header``), atomically."""
    p = Path(path)
    try:
        content: str | None = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        content = None
    new_text, status = insert_entry(
        content, entry, version, contract_id, replace=replace, header=header
    )
    if status != "exists":
        atomic_write(p, new_text.encode("utf-8"))
    return ChangelogResult(str(path), status, entry)
