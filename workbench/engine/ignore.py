"""The ignore file ``.workbench-ignore.yaml``: accepted findings, each with a reason.

```yaml
ignore:
  - fingerprint: 5d41402abc4b2a76          # a finding's fingerprint (or a prefix of 8+ chars)
    reason: Checkout moved to RS256 first; agreed in PAY-1234
  - rule: token.lifetime-shortened         # or a rule id plus a contract path
    path: tokens.access_token.lifetime
    contract: payments-api                 # optional: only this contract
    reason: Every client refreshes on 401
    expires: 2026-06-30                    # optional: silences until (and including) this day
```

``rule`` and ``path`` may use ``*`` as a wildcard (``endpoints[refund_payment]*``); every other
character is literal, so brackets in contract paths need no escaping. An entry with a
fingerprint and a rule/path must match on all of them. A bare list at the top level is accepted
too. Expired entries silence nothing and produce a warning; malformed entries are errors with
file:line:col, so a typo never silently turns a check off. A rule id that no rule has is a
warning: the caller passes the ids it knows (``known_rules``), since the security rules live
above the engine (``workbench.review.load_ignores`` passes both families').
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import read_source
from workbench.contract.record import Record
from workbench.contract.yamlsrc import format_json_path, load_yaml
from workbench.engine.model import Finding, SecurityFinding

IGNORE_NAME = ".workbench-ignore.yaml"
ENTRY_KEYS = ("fingerprint", "rule", "path", "contract", "reason", "expires")
MIN_FINGERPRINT_PREFIX = 8


class IgnoreEntry(Record):
    """One accepted finding (or family of findings) and why it is accepted."""

    # in field order: pickles list the slots in this order, as the dataclass did
    __slots__ = (  # noqa: RUF023
        "reason",
        "fingerprint",
        "rule",
        "path",
        "contract",
        "expires",
        "line",
        "column",
        "used",
        "_rule_re",
        "_path_re",
    )
    _unshown = frozenset({"_rule_re", "_path_re"})
    reason: str
    fingerprint: str | None
    rule: str | None
    path: str | None
    contract: str | None
    expires: dt.date | None
    line: int
    column: int
    used: int
    _rule_re: re.Pattern[str] | None
    _path_re: re.Pattern[str] | None

    def __init__(
        self,
        reason: str,
        fingerprint: str | None = None,
        rule: str | None = None,
        path: str | None = None,
        contract: str | None = None,
        expires: dt.date | None = None,
        line: int = 1,
        column: int = 1,
        used: int = 0,
        _rule_re: re.Pattern[str] | None = None,
        _path_re: re.Pattern[str] | None = None,
    ):
        self.reason = reason
        self.fingerprint = fingerprint
        self.rule = rule
        self.path = path
        self.contract = contract
        self.expires = expires
        self.line = line
        self.column = column
        self.used = used
        # as the dataclass's __post_init__ did: the globs are compiled from rule and path
        self._rule_re = _glob(rule) if rule is not None else None
        self._path_re = _glob(path) if path is not None else None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, finding: Finding | SecurityFinding) -> bool:
        """Whether this entry names ``finding`` (of either family: rule, path, fingerprint), or
        one of the findings a security regression absorbed (``SecurityFinding.same_as``)."""
        if isinstance(finding, SecurityFinding):
            return any(self._names(*identity) for identity in finding.identities())
        return self._names(finding.rule, finding.fingerprint, finding.path)

    def _names(self, rule: str, fp: str, path: str) -> bool:
        if self.fingerprint is not None:
            if not fp or not fp.startswith(self.fingerprint):
                return False
            if len(self.fingerprint) < len(fp) and len(self.fingerprint) < MIN_FINGERPRINT_PREFIX:
                return False
        if self._rule_re is not None and not self._rule_re.fullmatch(rule):
            return False
        return not (self._path_re is not None and not self._path_re.fullmatch(path))

    def describe(self) -> str:
        if self.fingerprint is not None:
            return f"fingerprint {self.fingerprint}"
        return f"{self.rule} at {self.path}"


class Ignores(Record):
    """The parsed ignore file. ``match(finding)`` returns the reason when a live entry names it.

    ``warnings`` holds positioned warnings (expired entries) for the face to print.
    """

    __slots__ = ("entries", "source", "today", "warnings")
    source: str
    entries: list[IgnoreEntry]
    warnings: list[Problem]
    today: dt.date

    def __init__(
        self,
        source: str = IGNORE_NAME,
        entries: list[IgnoreEntry] | None = None,
        warnings: list[Problem] | None = None,
        today: dt.date | None = None,
    ):
        self.source = source
        self.entries = list() if entries is None else entries
        self.warnings = list() if warnings is None else warnings
        self.today = dt.date.today() if today is None else today

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, finding: Finding | SecurityFinding) -> str | None:
        """The reason ``finding`` is accepted, or ``None`` when no unexpired entry names it."""
        for entry in self.entries:
            if entry.expired(self.today):
                continue
            if entry.matches(finding):
                entry.used += 1
                return entry.reason
        return None

    def scoped(self, contract: str | None) -> Ignores:
        """Only the entries that apply to the contract with id ``contract``."""
        entries = [e for e in self.entries if e.contract is None or e.contract == contract]
        return Ignores(self.source, entries, list(self.warnings), self.today)

    def unused(self) -> list[IgnoreEntry]:
        """Unexpired entries that silenced nothing so far (candidates for cleanup)."""
        return [e for e in self.entries if not e.used and not e.expired(self.today)]


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def load_ignores(
    path_or_repo_root: str | Path,
    *,
    today: dt.date | None = None,
    known_rules: Collection[str] | None = None,
) -> Ignores:
    """Read an ignore file, or ``.workbench-ignore.yaml`` in a directory (empty when absent).

    Raises :class:`ContractError` with every malformed entry, each at file:line:col. With
    ``known_rules``, an entry naming another rule id gets a warning (``None``: not checked).
    """
    p = Path(path_or_repo_root)
    if p.is_dir():
        p = p / IGNORE_NAME
        if not p.is_file():
            return Ignores(str(p), today=today or dt.date.today())
    return parse_ignores(read_source(p), str(p), today=today, known_rules=known_rules)


def parse_ignores(
    text: str,
    source: str = IGNORE_NAME,
    *,
    today: dt.date | None = None,
    known_rules: Collection[str] | None = None,
) -> Ignores:
    """Parse the text of an ignore file; raise :class:`ContractError` on any bad entry.

    With ``known_rules``, an entry whose ``rule`` is none of them is a warning."""
    today = today or dt.date.today()
    ignores = Ignores(source, today=today)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return ignores
    doc = load_yaml(text, source)
    problems: list[Problem] = []

    def problem(raw: tuple, message: str, *, at_key: bool = False) -> None:
        loc = (doc.key_locs.get(raw) if at_key else None) or doc.nearest(raw)
        line, col = (loc.line, loc.column) if loc else (1, 1)
        problems.append(Problem(source, line, col, message, format_json_path(raw)))

    data = doc.data
    base: tuple = ()
    if isinstance(data, dict):
        for key in data:
            if key != "ignore":
                problem((key,), f"unknown key {key!r} (expected 'ignore: [entries]')", at_key=True)
        data, base = data.get("ignore"), ("ignore",)
        if data is None:
            data = []
    if not isinstance(data, list):
        problem(base, "expected a list of ignore entries")
        raise ContractError(problems)

    for i, item in enumerate(data):
        raw = (*base, i)
        entry = _parse_entry(item, raw, problem)
        if entry is None:
            continue
        loc = doc.nearest(raw)
        if loc is not None:
            entry.line, entry.column = loc.line, loc.column
        if entry.expired(today):
            ignores.warnings.append(
                Problem(
                    source,
                    entry.line,
                    entry.column,
                    f"ignore entry for {entry.describe()} expired on {entry.expires.isoformat()}; "
                    "it silences nothing (renew it with a new reason, or fix the finding)",
                    format_json_path(raw),
                    "warning",
                )
            )
        unknown = _unknown_rule(entry.rule, known_rules)
        if unknown:
            at = doc.nearest((*raw, "rule")) or loc
            ignores.warnings.append(
                Problem(
                    source,
                    at.line if at is not None else entry.line,
                    at.column if at is not None else entry.column,
                    f"ignore entry for {entry.describe()}: {unknown}; it silences nothing",
                    format_json_path((*raw, "rule")),
                    "warning",
                )
            )
        ignores.entries.append(entry)
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise ContractError(problems)
    return ignores


def _unknown_rule(rule: str | None, known: Collection[str] | None) -> str | None:
    """Why ``rule`` can never match (none of the ``known`` rule ids, a typo), or ``None``.
    Patterns with ``*`` are not checked, nor anything when ``known`` is ``None``."""
    if rule is None or "*" in rule or known is None:
        return None
    if rule in known:
        return None
    import difflib  # only for an unknown rule id: off start-up

    close = difflib.get_close_matches(rule, list(known), n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no rule is called {rule!r}{hint}"


def _parse_entry(item: Any, raw: tuple, problem) -> IgnoreEntry | None:
    if not isinstance(item, dict):
        problem(
            raw, "an ignore entry must be a mapping with 'reason' and a fingerprint or rule+path"
        )
        return None
    ok = True
    for key in item:
        if key not in ENTRY_KEYS:
            import difflib  # only for a misspelt key: off start-up

            close = difflib.get_close_matches(str(key), ENTRY_KEYS, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problem((*raw, key), f"unknown key {key!r}{hint}", at_key=True)
            ok = False
    values: dict[str, str | None] = {}
    for key in ("fingerprint", "rule", "path", "contract", "reason"):
        value = item.get(key)
        if value is None:
            values[key] = None
            if key in item:
                problem((*raw, key), f"'{key}' is empty")
                ok = False
        elif not isinstance(value, str) or not value.strip():
            problem((*raw, key), f"'{key}' must be a non-empty string")
            ok = False
        else:
            values[key] = value.strip()
    if "reason" not in item:
        problem(raw, "missing 'reason': say why this finding is accepted")
        ok = False
    fingerprint, rule, path = values["fingerprint"], values["rule"], values["path"]
    if fingerprint is not None and len(fingerprint) < MIN_FINGERPRINT_PREFIX:
        problem(
            (*raw, "fingerprint"),
            f"fingerprint {fingerprint!r} is too short (at least {MIN_FINGERPRINT_PREFIX} characters)",
        )
        ok = False
    if fingerprint is None and ok and (rule is None or path is None):
        if rule is None and path is None:
            problem(raw, "an ignore entry needs 'fingerprint', or 'rule' and 'path'")
        else:
            missing = "path" if path is None else "rule"
            problem(
                raw,
                f"'{missing}' is missing: a rule-based entry needs both 'rule' and 'path' "
                "(use '*' to mean any)",
            )
        ok = False
    expires = None
    if "expires" in item:
        expires = _parse_date(item["expires"])
        if expires is None:
            problem((*raw, "expires"), f"expires {item['expires']!r} is not a date (YYYY-MM-DD)")
            ok = False
    if not ok:
        return None
    return IgnoreEntry(
        reason=values["reason"] or "",
        fingerprint=fingerprint,
        rule=rule,
        path=path,
        contract=values["contract"],
        expires=expires,
    )


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
