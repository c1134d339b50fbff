"""Value types of the security review: rules, their hits, and the findings every face shows."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.contract.yamlsrc import Loc

if TYPE_CHECKING:
    pass

SecuritySeverity = Literal["critical", "high", "medium", "low", "info"]
FindingKind = Literal["state", "regression"]

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
FAIL_ON_CHOICES: tuple[str, ...] = (*SEVERITIES, "never")


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether ``severity`` reaches ``threshold`` (``never`` is reached by nothing)."""
    if threshold == "never":
        return False
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


@dataclass(frozen=True, slots=True)
class Hit:
    """One place where a rule fires, as the rule's check function reports it.

    ``raw`` is the raw path into the contract on ``side`` (for the source line); ``key`` tells
    hits of one rule at one path apart in the fingerprint (an algorithm name, a claim list);
    ``severity`` overrides the rule's default for this hit (e.g. higher at aal3).
    """

    path: str
    raw: tuple
    message: str
    key: str = ""
    severity: str | None = None
    side: Literal["new", "old"] = "new"
    citation: str | None = None  # a regression carries the citation of the engine rule
    fix: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A security rule: data for the registry and docs, plus the small function that checks.

    ``threshold`` explains the limit in words, given the policy in force (the docs render it with
    the default policy). ``check`` takes a :class:`StateContext` (kind ``state``) or an
    :class:`AmendmentContext` (kind ``regression``) and yields :class:`Hit` objects.
    """

    id: str
    severity: SecuritySeverity
    category: str
    title: str
    rationale: str
    fix: str
    citation: str
    kind: FindingKind
    check: Callable[[Any], Iterable[Hit]] = field(repr=False, compare=False)
    threshold: Callable[[Any], str] | None = field(default=None, repr=False, compare=False)
    severity_note: str = ""  # when hits may be more severe than the default, say when

    def describe_threshold(self, policy: Any) -> str:
        return self.threshold(policy) if self.threshold is not None else ""


@dataclass(slots=True)
class SecurityFinding:
    """A security review result, pointing to a line of the new contract (or the old one for
    something removed).

    ``kind`` is ``state`` (a property of one contract) or ``regression`` (introduced by an
    amendment). ``new_in_amendment`` is false for a state finding that the old version already
    had, so the reviewer sees what this amendment introduced. ``fingerprint`` is stable across
    runs and line moves: rule, contract id, path and the hit's key.
    """

    rule: str
    severity: SecuritySeverity
    title: str
    message: str
    fix: str
    citation: str
    path: str
    location: Loc | None
    kind: FindingKind
    fingerprint: str
    source: str = ""  # the file (or REV:PATH) the location refers to
    side: Literal["new", "old"] = "new"
    new_in_amendment: bool = True
    ignored: str | None = None  # reason from the ignore file, when accepted

    @property
    def line(self) -> int:
        return self.location.line if self.location else 1

    @property
    def column(self) -> int:
        return self.location.column if self.location else 1

    @property
    def url(self) -> str | None:
        return citation_url(self.citation)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "kind": self.kind,
            "title": self.title,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
            "citation": self.citation,
            "citation_url": self.url,
            "source": self.source,
            "side": self.side,
            "location": self.location.to_dict() if self.location else None,
            "new_in_amendment": self.new_in_amendment,
            "fingerprint": self.fingerprint,
            **({"ignored": self.ignored} if self.ignored else {}),
        }


def fingerprint(rule: str, contract_id: str, path: str, key: str = "") -> str:
    """16 hex digits identifying a finding independently of line numbers and run order."""
    text = "\x1f".join((rule, contract_id, path, key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_RFC = re.compile(r"RFC\s*(\d{3,5})(?:,?\s*(?:§|sections?|sec\.?)?\s*(\d+(?:\.\d+)*))?", re.I)
# Other standards the rules cite, by where their canonical text lives.
_STANDARD_URLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"SP\s*800-63B", re.I), "https://pages.nist.gov/800-63-4/sp800-63b.html"),
    (re.compile(r"SP\s*800-57", re.I), "https://csrc.nist.gov/pubs/sp/800/57/pt1/r5/final"),
    (re.compile(r"SP\s*800-131A", re.I), "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final"),
    (re.compile(r"IR\s*8547", re.I), "https://csrc.nist.gov/pubs/ir/8547/ipd"),
    (
        re.compile(r"OpenID Connect Core", re.I),
        "https://openid.net/specs/openid-connect-core-1_0.html",
    ),
    (
        re.compile(r"OpenID Connect Discovery", re.I),
        "https://openid.net/specs/openid-connect-discovery-1_0.html",
    ),
    (
        re.compile(r"ASVS", re.I),
        "https://owasp.org/www-project-application-security-verification-standard/",
    ),
)


def citation_url(citation: str) -> str | None:
    """A link to the first standard named in ``citation`` (RFCs with their section)."""
    text = citation or ""
    found: list[tuple[int, str]] = []
    m = _RFC.search(text)
    if m:
        url = f"https://www.rfc-editor.org/rfc/rfc{m.group(1)}"
        found.append((m.start(), f"{url}#section-{m.group(2)}" if m.group(2) else url))
    for pattern, url in _STANDARD_URLS:
        hit = pattern.search(text)
        if hit:
            found.append((hit.start(), url))
    return min(found)[1] if found else None


def sort_key(finding: SecurityFinding) -> tuple:
    """Most severe first, then regressions before state, then by position."""
    return (
        -SEVERITY_RANK[finding.severity],
        finding.kind != "regression",
        finding.side != "new",
        finding.line,
        finding.column,
        finding.rule,
        finding.path,
    )
