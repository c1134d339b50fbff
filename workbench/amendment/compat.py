"""Backward compatibility of an amendment: does every breaking finding have a way through?

A breaking finding passes when one of these holds (checked in this order):

* **fallback** - old and new are accepted together: the verifier's accepted set (signing or
  encryption algorithms, issuers, audiences, identity providers) still accepts something it
  accepted before, so producers could switch first; and that overlap has lasted at least the
  longest token lifetime plus clock skew (from when the old revision was committed, or from a
  deprecation's ``announced`` date, until now). An issuer that changes while another identity
  provider keeps accepting the old issuer URL is a fallback too. The computation is
  :mod:`workbench.security.overlap`'s, shared with the security review's rotation rule.
* **deprecation** - a ``deprecations`` entry covers the finding's path and its ``sunset`` is at
  least the notice period (default 90 days) after today: consumers are told ahead.
* **accepted** - the author accepted the finding with a written reason (in the record), or the
  repository's ignore file accepts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workbench.amendment.record import Acceptance
from workbench.contract.model import Contract
from workbench.contract.units import as_date, format_duration
from workbench.engine.model import Finding
from workbench.security import overlap


@dataclass(slots=True)
class Coverage:
    """How one breaking finding is handled; ``ok`` False means the author must act."""

    kind: str | None  # fallback | deprecation | accepted | ignored | None
    ok: bool
    detail: str
    deprecation: dict | None = None
    sunset: dt.date | None = None


def covering_deprecation(path: str, *contracts: Contract | None) -> dict | None:
    """The first ``deprecations`` entry (in ``contracts`` order) whose target covers ``path``:
    the same path, an ancestor of it, or something inside it."""
    return overlap.covering_deprecation(path, *contracts)


def fallback(
    finding: Finding,
    old: Contract | None,
    new: Contract | None,
    *,
    default_skew: int,
    now: dt.datetime,
    old_since: dt.datetime | None,
) -> Coverage | None:
    """A fallback for ``finding`` (see the module docstring), or ``None`` when there is none.

    The rotation and its overlap are :mod:`workbench.security.overlap`'s, the computation the
    security review's ``regression.rotation-overlap`` makes: the two steps cannot disagree."""
    if old is None or new is None:
        return None
    removal = overlap.removal_at(finding.path, old, new)
    if removal is None or not removal.kept:
        return None
    found = overlap.assess(
        removal, old, new, default_skew=default_skew, now=now, old_since=old_since
    )
    detail = f"fallback: {found.detail}" if found.ok else found.detail
    return Coverage("fallback", found.ok, detail, found.deprecation)


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
    sunset = as_date(dep.get("sunset"))
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
