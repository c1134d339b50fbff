"""Backward compatibility of an amendment: does every breaking finding have a way through?

A breaking finding passes when one of these holds (checked in this order):

* **fallback** - old and new are accepted together: the verifier's accepted set (signing or
  encryption algorithms, issuers, audiences, identity providers) kept only values it already
  accepted before, so producers could switch first; and that overlap has lasted at least the
  longest token lifetime plus clock skew (measured from when the old revision was committed, or
  from a deprecation's ``announced`` date). An issuer that changes while another identity
  provider keeps accepting the old issuer URL is a fallback too.
* **deprecation** - a ``deprecations`` entry covers the finding's path and its ``sunset`` is at
  least the notice period (default 90 days) after today: consumers are told ahead.
* **accepted** - the author accepted the finding with a written reason (in the record), or the
  repository's ignore file accepts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from workbench.amendment.record import Acceptance
from workbench.contract.model import Contract
from workbench.contract.paths import element_key, is_within, split_path
from workbench.contract.units import format_duration
from workbench.engine.model import Finding
from workbench.security.context import lifetime_of

# Sets on the accepting side: a verifier takes any member, so members can overlap.
ACCEPTING_SETS = frozenset({"signing_algorithms", "encryption_algorithms", "issued_by", "audience"})


@dataclass(slots=True)
class Coverage:
    """How one breaking finding is handled; ``ok`` False means the author must act."""

    kind: str | None  # fallback | deprecation | accepted | ignored | None
    ok: bool
    detail: str
    deprecation: dict | None = None
    sunset: dt.date | None = None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def covering_deprecation(path: str, *contracts: Contract | None) -> dict | None:
    """The first ``deprecations`` entry (new contract first) whose target covers ``path``:
    the same path, an ancestor of it, or something inside it."""
    for contract in contracts:
        if contract is None:
            continue
        for dep in contract.section("deprecations") or []:
            target = dep.get("target") if isinstance(dep, dict) else None
            if isinstance(target, str) and (is_within(path, target) or is_within(target, path)):
                return dep
    return None


def _split(path: str) -> list[tuple[str, bool]]:
    try:
        return split_path(path)
    except ValueError:
        return []


def _parent(path: str) -> tuple[str, str] | None:
    """``a.b[X]`` -> ``("a.b", "X")`` when the last segment is a bracketed selector."""
    parts = _split(path)
    if not parts or not parts[-1][1] or len(parts) < 2:
        return None
    cut = path.rfind("[")
    return path[:cut], parts[-1][0]


def _keys(value: Any) -> set[str] | None:
    if not isinstance(value, list):
        return None
    return {k for k in (element_key(v) for v in value) if k is not None}


def _tokens_for(path: str, old: Contract) -> list[tuple[str, dict]]:
    """The tokens whose in-flight copies a change at ``path`` can reject."""
    tokens = {str(k): v for k, v in (old.section("tokens") or {}).items() if isinstance(v, dict)}
    parts = [seg for seg, _ in _split(path)]
    if len(parts) >= 2 and parts[0] == "tokens" and parts[1] in tokens:
        return [(parts[1], tokens[parts[1]])]
    if len(parts) >= 2 and parts[0] == "identity_providers":
        issued = [(k, t) for k, t in tokens.items() if parts[1] in (t.get("issued_by") or [])]
        if issued:
            return issued
    return [(k, t) for k, t in tokens.items() if t.get("format") == "jwt"] or list(tokens.items())


def overlap_needed(path: str, old: Contract, default_skew: int) -> tuple[int | None, str]:
    """Longest lifetime of the affected tokens plus clock skew, and how it was computed."""
    tokens = _tokens_for(path, old)
    lifetimes = [(lifetime_of(t), k) for k, t in tokens if lifetime_of(t) is not None]
    if not lifetimes:
        return None, "unknown: no token lifetime declared"
    life, kind = max(lifetimes)
    skews = [t.get("clock_skew") for _, t in tokens if isinstance(t.get("clock_skew"), int)]
    skew = max(skews) if skews else default_skew
    return life + skew, (
        f"{format_duration(life + skew)} ({kind} lifetime {format_duration(life)} "
        f"+ clock skew {format_duration(skew)})"
    )


def _overlap_since(
    path: str, old: Contract, new: Contract, old_since: dt.datetime | None
) -> tuple[dt.datetime | None, str]:
    """When old and new started being accepted together, as far as we can prove."""
    dep = covering_deprecation(path, old, new)
    announced = parse_date(dep.get("announced")) if dep else None
    candidates: list[tuple[dt.datetime, str]] = []
    if announced is not None:
        candidates.append(
            (
                dt.datetime.combine(announced, dt.time(), dt.UTC),
                f"the deprecation announced {announced}",
            )
        )
    if old_since is not None:
        since = old_since if old_since.tzinfo else old_since.replace(tzinfo=dt.UTC)
        candidates.append((since, f"{old.version} (committed {since.date()})"))
    if not candidates:
        return None, ""
    return min(candidates, key=lambda c: c[0])


def fallback(
    finding: Finding,
    old: Contract | None,
    new: Contract | None,
    *,
    default_skew: int,
    now: dt.datetime,
    old_since: dt.datetime | None,
) -> Coverage | None:
    """A fallback for ``finding`` (see the module docstring), or ``None`` when there is none."""
    if old is None or new is None:
        return None
    path = finding.path
    accepted_together = ""
    split = _parent(path)
    if split is not None:
        parent, removed = split
        set_name = [seg for seg, _ in _split(parent)][-1] if _split(parent) else ""
        if set_name in ACCEPTING_SETS or parent == "identity_providers":
            old_found, new_found = old.resolve(parent), new.resolve(parent)
            old_keys = _keys(old_found[1]) if old_found else None
            new_keys = _keys(new_found[1]) if new_found else None
            if (
                old_keys is not None
                and new_keys
                and removed in old_keys
                and removed not in new_keys
                and new_keys <= old_keys
            ):
                kept = ", ".join(sorted(new_keys))
                accepted_together = f"{kept} accepted together with {removed}"
    parts = [seg for seg, _ in _split(path)]
    if (
        not accepted_together
        and len(parts) == 3
        and parts[0] == "identity_providers"
        and parts[2] == "issuer"
    ):
        old_issuer = finding.old
        for idp in new.section("identity_providers") or []:
            if (
                isinstance(idp, dict)
                and str(idp.get("id")) != parts[1]
                and idp.get("issuer") == old_issuer
            ):
                accepted_together = (
                    f"the old issuer {old_issuer} is still accepted through {idp.get('id')}"
                )
                break
    if not accepted_together:
        return None
    need, need_text = overlap_needed(path, old, default_skew)
    since, since_text = _overlap_since(path, old, new, old_since)
    if need is None:
        return Coverage(
            "fallback", False, f"{accepted_together}, but the overlap needed is {need_text}"
        )
    if since is None:
        return Coverage(
            "fallback",
            False,
            f"{accepted_together}, but nothing shows for how long (needed: {need_text})",
        )
    lasted = int((now - since).total_seconds())
    if lasted < need:
        return Coverage(
            "fallback",
            False,
            f"{accepted_together} only since {since_text}, {format_duration(max(lasted, 0))}; "
            f"needed: {need_text}",
        )
    return Coverage(
        "fallback",
        True,
        f"fallback: {accepted_together} since {since_text}, {format_duration(lasted)}, "
        f"more than the {need_text} needed",
    )


def deprecation_cover(
    finding: Finding,
    old: Contract | None,
    new: Contract | None,
    *,
    notice_period: int,
    today: dt.date,
) -> Coverage | None:
    """Coverage by a ``deprecations`` entry (new contract first), or ``None`` without one."""
    dep = covering_deprecation(finding.path, new, old)
    if dep is None:
        return None
    target = dep.get("target")
    sunset = parse_date(dep.get("sunset"))
    days = notice_period // 86400
    if sunset is None:
        return Coverage(
            "deprecation",
            False,
            f"deprecation of {target} has no sunset date: add one at least {days} days away "
            f"(on or after {today + dt.timedelta(seconds=notice_period)})",
            dep,
        )
    ahead = (sunset - today).days
    if ahead * 86400 < notice_period:
        earliest = today + dt.timedelta(seconds=notice_period)
        return Coverage(
            "deprecation",
            False,
            f"deprecation of {target}: sunset {sunset} is {ahead} days away, less than the "
            f"notice period of {format_duration(notice_period)}: move it to {earliest} or later",
            dep,
            sunset,
        )
    return Coverage(
        "deprecation",
        True,
        f"deprecated (target {target}), sunset {sunset}: {ahead} days of notice "
        f"(at least {format_duration(notice_period)})",
        dep,
        sunset,
    )


def coverage(
    finding: Finding,
    old: Contract | None,
    new: Contract | None,
    *,
    accepted: Acceptance | None = None,
    notice_period: int,
    default_skew: int,
    today: dt.date,
    now: dt.datetime,
    old_since: dt.datetime | None,
) -> Coverage:
    """How ``finding`` (a breaking engine finding) is handled; the first passing way wins, else
    the most specific explanation of what is missing."""
    if finding.ignored:
        return Coverage("ignored", True, f"accepted in the ignore file: {finding.ignored}")
    found = fallback(finding, old, new, default_skew=default_skew, now=now, old_since=old_since)
    if found is not None and found.ok:
        return found
    dep = deprecation_cover(finding, old, new, notice_period=notice_period, today=today)
    if dep is not None and dep.ok:
        return dep
    if accepted is not None:
        return Coverage("accepted", True, f"accepted by {accepted.by}: {accepted.reason}")
    problems = [c.detail for c in (found, dep) if c is not None]
    if problems:
        return Coverage(None, False, "; ".join(problems), dep.deprecation if dep else None)
    return Coverage(
        None,
        False,
        "no fallback, no deprecation with a sunset and no accepted reason: keep the old value "
        "accepted alongside the new one, announce it in deprecations with a sunset at least "
        f"{format_duration(notice_period)} away, or accept it with a reason",
    )
