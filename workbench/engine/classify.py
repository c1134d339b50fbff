"""Turn changes into findings: pick the rule, apply planned-removal logic, fingerprint, and name
the consumers an amendment touches."""

from __future__ import annotations

import json
from typing import Any

from workbench.contract.digest import sha256_hex
from workbench.contract.paths import is_within
from workbench.contract.units import as_date
from workbench.engine.impact import Impact
from workbench.engine.model import Change, Finding
from workbench.engine.rules import REGISTRY, Env, Hit, Rule

FALLBACK_RULE = "contract.other-change"


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no whitespace, non-JSON values as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def finding_fingerprint(rule: str, path: str, old: Any, new: Any) -> str:
    """sha256 of rule id, contract path and the normalized old/new values; 16 hex chars."""
    text = "\x1f".join((rule, path, canonical_json(old), canonical_json(new)))
    return sha256_hex(text.encode("utf-8"))[:16]


def change_set_fingerprint(fingerprints: list[str], content: list[str] | None = None) -> str:
    """Identity of a whole amendment: independent of finding order; empty set has one too.

    ``content`` (see :func:`content_changes`) adds every path whose value differs between the
    two contracts, so an answer given for one change never covers another one that the rules
    happen to describe with the same findings (a nested value of an added claim, a removed
    security requirement the rules do not look at)."""
    text = "\n".join(sorted(fingerprints))
    if content:
        text += "\n--\n" + "\n".join(sorted(content))
    return sha256_hex(text.encode("utf-8"))[:16]


# Top-level fields outside the change set: the version is what the versioning step judges
# (bumping it must not make every answer stale).
_OUTSIDE_CHANGE_SET = frozenset({"version"})


def content_changes(old: Any, new: Any) -> list[str]:
    """Every path whose normalized value differs between ``old`` and ``new`` (two contracts'
    ``norm``, either ``None``), as ``path=old->new`` lines of canonical JSON.

    Mappings are compared key by key, lists of scalars as sets (the format's lists of values
    are sets: reordering them is no change), other lists position by position. Equal subtrees
    are skipped at C speed (``==``), which takes numerically equal values as equal (``1``,
    ``1.0``, ``true``); where the rules look, such a change is a finding of its own.
    """
    out: list[str] = []

    def walk(path: tuple, a: Any, b: Any) -> None:
        if a == b and type(a) is type(b) and isinstance(a, dict | list):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                if not path and key in _OUTSIDE_CHANGE_SET:
                    continue
                walk((*path, key), a.get(key, _ABSENT), b.get(key, _ABSENT))
            return
        if isinstance(a, list) and isinstance(b, list):
            if all(_scalar(v) for v in (*a, *b)):
                a, b = sorted(map(canonical_json, a)), sorted(map(canonical_json, b))
                if a != b:
                    out.append(f"{canonical_json(list(path))}={a}->{b}")
                return
            for i in range(max(len(a), len(b))):
                walk(
                    (*path, i),
                    a[i] if i < len(a) else _ABSENT,
                    b[i] if i < len(b) else _ABSENT,
                )
            return
        if type(a) is type(b) and a == b:
            return
        out.append(f"{canonical_json(list(path))}={_text(a)}->{_text(b)}")

    walk((), old if old is not None else {}, new if new is not None else {})
    return out


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT = _Absent()


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _text(value: Any) -> str:
    return "(absent)" if value is _ABSENT else canonical_json(value)


def classify(changes: list[Change], env: Env) -> list[Finding]:
    """One finding per change, by the first rule of its topic that claims it."""
    deprecations = _Deprecations(env)
    consumers = Impact(env.old, env.new)
    findings = []
    for change in changes:
        rule, hit = match(change, env)
        findings.append(_finding(rule, hit, change, env, deprecations, consumers))
    return findings


def match(change: Change, env: Env) -> tuple[Rule, Hit]:
    topic = change.context.get("topic", "other")
    for rule in REGISTRY.candidates(topic):
        if change.kind not in rule.kinds:
            continue
        result = rule.check(change, env)
        if result is None:
            continue
        return rule, Hit(result) if isinstance(result, str) else result
    rule = REGISTRY[FALLBACK_RULE]
    result = rule.check(change, env)
    return rule, Hit(result) if isinstance(result, str) else result  # type: ignore[arg-type]


def _finding(
    rule: Rule,
    hit: Hit,
    change: Change,
    env: Env,
    deprecations: _Deprecations,
    consumers: Impact,
) -> Finding:
    severity = hit.severity or rule.severity
    security = hit.security or rule.security
    breaks = hit.breaks if hit.breaks is not None else rule.breaks
    notes = [hit.note] if hit.note else []
    if severity in ("breaking", "risky") and _is_removal(change):
        planned = deprecations.lookup(change)
        if planned is not None:
            passed, note = planned
            notes.insert(0, note)
            if passed:
                severity = "safe"
    return Finding(
        rule=rule.id,
        severity=severity,  # type: ignore[arg-type]
        security=security,  # type: ignore[arg-type]
        breaks=tuple(breaks) if severity != "safe" else (),
        path=change.path,
        message=hit.message,
        old=change.old,
        new=change.new,
        old_loc=change.old_loc,
        new_loc=change.new_loc,
        fingerprint=finding_fingerprint(rule.id, change.path, change.old, change.new),
        note="; ".join(notes) or None,
        bump=rule.bump_for(severity),
        consumers=tuple(sorted(str(c["name"]) for c, _ in consumers.reached(change.path))),
        witness=hit.witness if severity != "safe" else None,
    )


def _is_removal(change: Change) -> bool:
    topic = str(change.context.get("topic", ""))
    return change.kind == "removed" or topic.endswith(".renamed")


class _Deprecations:
    """Deprecation entries of both sides, matched to removals by contract path or raw path."""

    def __init__(self, env: Env):
        self.today = env.today
        self.entries: list[tuple[dict, tuple | None]] = []
        seen: set[str] = set()
        for contract in (env.old, env.new):
            if contract is None:
                continue
            for dep in contract.section("deprecations"):
                if not isinstance(dep, dict) or not isinstance(dep.get("target"), str):
                    continue
                key = canonical_json(dep)
                if key in seen:
                    continue
                seen.add(key)
                raw = None
                if env.old is not None:
                    found = env.old.resolve(dep["target"])
                    raw = found[0] if found else None
                self.entries.append((dep, raw))

    def lookup(self, change: Change) -> tuple[bool, str] | None:
        """``(sunset passed, note)`` for the deprecation covering this removal, if any."""
        best: tuple[bool, str] | None = None
        for dep, raw in self.entries:
            target = dep["target"]
            covered = is_within(change.path, target) or (
                raw is not None and change.old_raw is not None and change.old_raw[: len(raw)] == raw
            )
            if not covered:
                continue
            announced = dep.get("announced", "?")
            sunset = as_date(dep.get("sunset"))
            if sunset is None:
                result = (False, f"deprecated on {announced} without a sunset date: still breaking")
            elif self.today >= sunset:
                result = (
                    True,
                    f"planned removal: deprecated {announced}, sunset {sunset.isoformat()}",
                )
            else:
                result = (
                    False,
                    f"deprecated on {announced} but the sunset {sunset.isoformat()} has not "
                    f"passed yet (today {self.today.isoformat()}): still breaking",
                )
            if best is None or (result[0] and not best[0]):
                best = result
        return best
