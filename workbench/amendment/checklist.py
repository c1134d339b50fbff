"""The five steps of an amendment, computed from the contracts, the engine's report and the
record: nothing is ticked on trust. :func:`evaluate` is pure (no files, no git): the session
(:mod:`workbench.amendment.session`) and the gate gather its inputs.

Every human answer that depends on the change set (acceptances, the sign-off, the notice, the
changelog entry, notified consumers) is bound to a fingerprint; when the contract changes, the
answers given for another change set come back as ``stale`` items that name what to redo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from workbench.amendment.bump import BumpError, next_version
from workbench.amendment.changelog import entry_digest, has_entry
from workbench.amendment.clarity import clarity_items
from workbench.amendment.compat import Coverage, coverage
from workbench.amendment.identity import Who, matches_entry, same_person
from workbench.amendment.model import Item, StepResult, step_status
from workbench.amendment.record import STEPS, Acceptance, Person, Record, StepRecord
from workbench.amendment.settings import AmendmentSettings
from workbench.amendment.verify import Verification
from workbench.contract.errors import Problem
from workbench.contract.model import Contract
from workbench.engine.impact import EVERYONE, AffectedConsumer, affected_consumers
from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.engine.semver import BUMP_ORDER
from workbench.security.model import at_or_above
from workbench.security.policy import DEFAULT_POLICY, Policy
from workbench.textsafe import clean

# The shortest reason accepted for accepting a finding: it is shown in the notice to every
# affected consumer ("ok", "n/a" or "fine" tell them nothing).
MIN_REASON = 12


def short(fingerprint: str | None) -> str:
    return (fingerprint or "")[:12] or "(none)"


@dataclass(slots=True)
class Inputs:
    """Everything :func:`evaluate` looks at."""

    path: str
    old: Contract | None
    new: Contract | None
    report: DiffReport | None  # None when the new contract cannot be compared
    record: Record | None = None
    problems: list[Problem] = field(default_factory=list)  # validation of the new side
    settings: AmendmentSettings = field(default_factory=AmendmentSettings)
    policy: Policy = DEFAULT_POLICY
    author: Person | None = None
    today: dt.date = field(default_factory=dt.date.today)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    old_since: dt.datetime | None = None  # when the old revision was committed
    changelog_path: str | None = None
    changelog_text: str | None = None
    changelog_shared: bool = False  # several contracts write to the same changelog
    record_path: str | None = None
    record_error: str | None = None  # a record exists but cannot be read
    record_refused: bool = False  # ... or is not this amendment's to use (path, owner)
    notice_raw: bytes | None = None  # the notice file the record names, as it is now
    notice_error: str | None = None  # why it cannot be read (a path leaving the repository)
    changelog_error: str | None = None  # why the changelog cannot be read
    sign_off_check: Verification | None = None  # what git says about the sign-off


@dataclass(slots=True)
class Checklist:
    """The evaluated checklist of one amendment."""

    path: str
    contract: str
    from_version: str | None
    to_version: str | None
    suggested_version: str | None
    required_bump: str
    fingerprint: str
    steps: list[StepResult]
    record: Record | None
    record_path: str | None
    needs_record: bool
    why_no_record: str = ""
    coverages: dict[str, Coverage] = field(default_factory=dict)
    consumers: list[AffectedConsumer] = field(default_factory=list)
    security_open: list[SecurityFinding] = field(default_factory=list)
    record_error: str | None = None
    record_refused: bool = False
    required_steps: tuple[str, ...] = STEPS  # a new contract needs only its security review
    kind: str = "contract"  # or the artefact kind
    unversioned: bool = False  # an artefact without a SemVer version: released by a label

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def versions(self) -> str:
        """What happens to the version, in words: ``1.2.0 -> 2.0.0``, ``new at 1.0.0``, or an
        unversioned artefact's ``keycloak-realm without a SemVer version, released as r7``."""
        if self.unversioned:
            release = f"released as {self.to_version}" if self.to_version else "no label yet"
            return f"{self.kind} without a SemVer version, {release}"
        if self.from_version is None:
            return f"new at {self.to_version}"
        if self.from_version == self.to_version:
            return f"{self.from_version}, not bumped yet"
        return f"{self.from_version} -> {self.to_version}"

    @property
    def done(self) -> bool:
        return all(s.status == "done" for s in self.steps if s.id in self.required_steps)

    @property
    def complete(self) -> bool:
        """Whether the gate lets this amendment through."""
        if not self.needs_record:
            return True
        return self.record is not None and self.done and self.record_error is None

    @property
    def awaiting_review(self) -> bool:
        """Everything is answered but the reviewer's (verified) sign-off: what the commit gate
        lets through, since a reviewer signs off only once the change is committed."""
        if self.complete or self.record is None or self.record_error is not None:
            return False
        open_items = [
            (s, i) for s in self.steps if s.id in self.required_steps for i in s.open_items
        ]
        return bool(open_items) and all(
            s.id == "security_review" and i.id == "sign-off" and i.status in ("missing", "stale")
            for s, i in open_items
        )

    @property
    def stale_items(self) -> list[tuple[StepResult, Item]]:
        return [(s, i) for s in self.steps for i in s.items if i.status == "stale"]

    @property
    def stale(self) -> bool:
        """The record was completed for another change set (or holds stale answers)."""
        if self.record is None:
            return False
        if self.record.fingerprint and self.record.fingerprint != self.fingerprint:
            return True
        return bool(self.stale_items)

    def problems(self) -> list[str]:
        """What keeps the gate closed, one line each (empty when complete)."""
        if self.complete:
            return []
        out: list[str] = []
        if self.record_error and self.record_refused:
            out.append(f"amendment record: {self.record_error}")  # a path or an owner refused
        elif self.record_error:
            out.append(f"amendment record cannot be read: {self.record_error}")
        elif self.record is None:
            out.append(
                f"no amendment record (expected {self.record_path}): start one with "
                "`workbench amend start` or `d` in the checklist"
            )
        elif self.record.fingerprint and self.record.fingerprint != self.fingerprint:
            out.append(
                f"stale: the record was completed for change set {short(self.record.fingerprint)}, "
                f"the contract is now {short(self.fingerprint)}; re-confirm the items marked stale"
            )
        for s in self.steps:
            if s.id not in self.required_steps:
                continue
            waiting = [i for i in s.open_items if i.status == "blocked" and i.action == "notify"]
            for i in s.open_items:
                if i in waiting and len(waiting) > 1:
                    continue
                detail = f": {i.detail}" if i.detail else ""
                out.append(f"{s.title}: [{i.status}] {i.label}{detail}")
            if len(waiting) > 1:
                names = ", ".join(i.target or "?" for i in waiting)
                out.append(
                    f"{s.title}: [blocked] {len(waiting)} consumers to notify ({names}): "
                    "generate the notice first"
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "contract": self.contract,
            "document": self.kind,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "suggested_version": self.suggested_version,
            "required_bump": self.required_bump,
            "fingerprint": self.fingerprint,
            "record": self.record_path,
            "needs_record": self.needs_record,
            "complete": self.complete,
            "awaiting_review": self.awaiting_review,
            "stale": self.stale,
            "steps": [s.to_dict() for s in self.steps],
            "consumers": [
                {"name": c.name, "contact": c.contact, "matched": list(c.matched)}
                for c in self.consumers
            ],
        }


# --- helpers ---------------------------------------------------------------------------------


def _line(finding: Finding | SecurityFinding) -> int | None:
    if isinstance(finding, SecurityFinding):
        return finding.line
    loc = finding.new_loc or finding.old_loc
    return loc.line if loc is not None else None


def _step(record: Record | None, name: str) -> StepRecord:
    return record.step(name) if record is not None else StepRecord()


def is_author(author: Person | None, name: str, email: str | None) -> bool:
    """Whether a reviewer named ``name``/``email`` is the amendment's author (compared as
    :mod:`workbench.amendment.identity` does: spelling variants are the same person)."""
    if author is None:
        return False
    return same_person(Who(author.name, author.email), Who(name, email))


REVIEW_HOW = (
    "Once the change is committed, the reviewer runs `workbench amend sign-off --base BRANCH` "
    "in their own checkout and commits the record: the merge gate verifies that commit's "
    "author (and signature) from git"
)


def needs_handling(finding: SecurityFinding, policy: Policy) -> bool:
    """Security findings the review must fix or accept: new in this amendment (above info),
    or at or above the policy's ``fail_on`` threshold even when already present."""
    if finding.new_in_amendment and finding.severity != "info":
        return True
    return at_or_above(finding.severity, policy.fail_on)


def _acceptance_items(
    findings: list[Finding] | list[SecurityFinding],
    accepted: list[Acceptance],
    *,
    what: str,
) -> list[Item]:
    """Items for acceptances whose finding is gone (changed or fixed): informational."""
    current = {f.fingerprint for f in findings}
    items = []
    for acc in accepted:
        if acc.fingerprint in current:
            continue
        matched = [f for f in findings if f.rule == acc.rule and f.path == acc.path]
        if matched:
            continue  # reported as stale on the finding itself
        items.append(
            Item(
                f"orphan:{acc.fingerprint}",
                f"accepted {what} {acc.rule or acc.fingerprint} at {acc.path or '?'} is gone",
                "info",
                f"fixed or changed since it was accepted by {acc.by} ({acc.reason}); nothing to do",
                target=acc.fingerprint,
            )
        )
    return items


def _stale_acceptance(
    finding: Finding | SecurityFinding, accepted: list[Acceptance]
) -> Acceptance | None:
    for acc in accepted:
        if (
            acc.fingerprint != finding.fingerprint
            and acc.rule == finding.rule
            and acc.path == finding.path
        ):
            return acc
    return None


# --- the steps -------------------------------------------------------------------------------


def release_label(record: Record | None) -> str | None:
    """The label an unversioned artefact's release goes out under (``None`` until given)."""
    return record.to_version if record is not None and record.labelled else None


def _labelling(inp: Inputs, report: DiffReport) -> list[Item]:
    """The versioning step of an artefact without a SemVer version: the verdict still says
    which bump the amendment needs; the release label the author gives is what the record
    keeps (there is no version line to rewrite)."""
    verdict = report.verdict
    label = release_label(inp.record)
    if verdict.required_bump == "none":
        note = f"released as {label}" if label else ""
        return [Item("version-label", "no bump needed: nothing changed that matters", "ok", note)]
    need = f"a {verdict.required_bump} change ({verdict.severity})"
    if label:
        return [
            Item(
                "version-label",
                f"released as {label}: {need}",
                "ok",
                "the artefact carries no SemVer version: the label says which release this is",
            )
        ]
    return [
        Item(
            "version-label",
            "the artefact carries no version: name the release of this "
            f"{verdict.required_bump} change ({verdict.severity})",
            "missing",
            "give the label it goes out under (`workbench amend bump --version LABEL`, or b "
            "in the checklist): a date, a release number, what your team uses; tell consumers "
            f"it is a {verdict.required_bump} change",
            action="bump",
        )
    ]


def _versioning(inp: Inputs, report: DiffReport, suggested: str | None) -> list[Item]:
    old, new, record = inp.old, inp.new, inp.record
    verdict = report.verdict
    if new is not None and "artefact" in new.data and not new.version:
        return _labelling(inp, report)
    items: list[Item] = []
    new_line = None
    if new is not None:
        loc = new.anchor(("version",))
        new_line = loc.line if loc else None
    if old is None:
        items.append(Item("version-changed", f"new contract at version {new.version}", "ok"))
    elif old.version == new.version:
        if verdict.required_bump == "none":
            items.append(
                Item("version-changed", "no bump needed: nothing changed that matters", "ok")
            )
        else:
            items.append(
                Item(
                    "version-changed",
                    f"the version is still {old.version}",
                    "missing",
                    f"the amendment is {verdict.severity}: it requires a {verdict.required_bump} "
                    f"bump, to {suggested}",
                    action="bump",
                    target=suggested,
                    line=new_line,
                )
            )
    else:
        items.append(Item("version-changed", f"version {old.version} -> {new.version}", "ok"))
        if verdict.version_bump_ok:
            items.append(
                Item(
                    "bump-matches",
                    f"{verdict.actual_bump} bump, {verdict.required_bump} required",
                    "ok",
                    f"required by the {verdict.severity} findings"
                    if verdict.severity not in ("none", "safe")
                    else "",
                )
            )
        else:
            got = {
                "downgrade": "the version went down",
                "invalid": "the version is not SemVer",
            }.get(verdict.actual_bump, f"the version has a {verdict.actual_bump} bump")
            items.append(
                Item(
                    "bump-matches",
                    f"{got}; the amendment requires a {verdict.required_bump} bump",
                    "missing",
                    f"set the version to {suggested}",
                    action="bump",
                    target=suggested,
                    line=new_line,
                )
            )
    if record is not None and new is not None and record.to_version != new.version:
        items.append(
            Item(
                "record-version",
                f"the record was written for {record.to_version}, the contract says {new.version}",
                "stale",
                "re-check versioning: open the checklist (or run `workbench amend refresh`) so "
                f"the record moves to {new.version}",
                action="refresh",
            )
        )
    if (
        record is not None
        and record.required_bump
        and record.required_bump != verdict.required_bump
        and record.fingerprint
        and record.fingerprint != verdict.fingerprint
    ):
        items.append(
            Item(
                "required-bump-changed",
                f"the required bump changed from {record.required_bump} to {verdict.required_bump}",
                "info",
                "the findings changed since the record was completed",
            )
        )
    return items


def _compatibility(inp: Inputs, report: DiffReport, coverages: dict[str, Coverage]) -> list[Item]:
    step = _step(inp.record, "compatibility")
    findings = list(report.findings)
    breaking = [f for f in findings if f.severity == "breaking"]
    items: list[Item] = []
    skew = inp.policy.clock_skew
    for f in breaking:
        acc = step.acceptance(f.fingerprint)
        cov = coverage(
            f,
            inp.old,
            inp.new,
            accepted=acc,
            notice_period=inp.settings.notice_period,
            default_skew=skew,
            today=inp.today,
            now=inp.now,
            old_since=inp.old_since,
        )
        coverages[f.fingerprint] = cov
        status = "ok" if cov.ok else "missing"
        detail = cov.detail
        if not cov.ok:
            prior = _stale_acceptance(f, step.accepted)
            if prior is not None:
                status = "stale"
                detail = (
                    f"the finding changed since {prior.by} accepted it ({prior.reason}): accept "
                    "it again, or add a fallback or deprecation"
                )
        items.append(
            Item(
                f"finding:{f.fingerprint}",
                f"{f.message} ({f.path})",
                status,
                detail,
                action=None if cov.ok else "accept",
                target=f.fingerprint,
                line=_line(f),
                severity=f.severity,
            )
        )
    for f in report.ignored:
        if f.severity == "breaking":
            items.append(
                Item(
                    f"finding:{f.fingerprint}",
                    f"{f.message} ({f.path})",
                    "ok",
                    f"accepted in the ignore file: {f.ignored}",
                    target=f.fingerprint,
                    line=_line(f),
                    severity=f.severity,
                )
            )
    for f in findings:
        if f.severity == "risky":
            items.append(
                Item(
                    f"risky:{f.fingerprint}",
                    f"may need action: {f.message} ({f.path})",
                    "info",
                    "not breaking; the notice tells the affected consumers",
                    target=f.fingerprint,
                    line=_line(f),
                    severity=f.severity,
                )
            )
    if not breaking:
        items.insert(0, Item("no-breaking", "no breaking change", "ok"))
    items += _acceptance_items(breaking, step.accepted, what="finding")
    return items


def _security(inp: Inputs, report: DiffReport, open_out: list[SecurityFinding]) -> list[Item]:
    step = _step(inp.record, "security_review")
    settings, policy = inp.settings, inp.policy
    security = list(report.security_findings)
    handled: list[SecurityFinding] = []
    items: list[Item] = []
    for s in security:
        if not needs_handling(s, policy):
            items.append(
                Item(
                    f"security:{s.fingerprint}",
                    f"{s.severity}: {s.title} ({s.path})",
                    "info",
                    "already present before this amendment, below the policy's fail_on "
                    f"({policy.fail_on})",
                    target=s.fingerprint,
                    line=_line(s),
                    severity=s.severity,
                )
            )
            continue
        handled.append(s)
        acc = step.acceptance(s.fingerprint)
        if s.ignored:
            status, detail = "ok", f"accepted in the ignore file: {s.ignored}"
        elif acc is not None:
            status, detail = "ok", f"accepted by {acc.by}: {acc.reason}"
        else:
            prior = _stale_acceptance(s, step.accepted)
            if prior is not None:
                status = "stale"
                detail = f"changed since {prior.by} accepted it ({prior.reason}): accept it again or fix it"
            else:
                status = "missing"
                detail = f"fix it in the contract or accept it with a reason. {s.fix}".strip()
            open_out.append(s)
        new_mark = "" if s.new_in_amendment else " (already present)"
        items.append(
            Item(
                f"security:{s.fingerprint}",
                f"{s.severity}: {s.title}{new_mark}: {s.message}",
                status,
                detail,
                action="accept" if status != "ok" else None,
                target=s.fingerprint,
                line=_line(s),
                severity=s.severity,
            )
        )
    if not handled:
        items.insert(0, Item("no-security-findings", "no security finding to fix or accept", "ok"))
    items += _acceptance_items(handled, step.accepted, what="security finding")
    # the sign-off
    fingerprint = report.verdict.fingerprint
    sign = step.sign_off
    if not settings.require_reviewer:
        items.append(
            Item("sign-off", "no reviewer sign-off required (require_reviewer: false)", "info")
        )
        return items
    if sign is not None and sign.fingerprint == fingerprint:
        problem = None
        author = inp.record.author if inp.record is not None and inp.record.author else inp.author
        check = inp.sign_off_check
        if is_author(author, sign.reviewer, sign.email):
            problem = f"{sign.who} is the author of the amendment: another person must sign off"
        elif settings.reviewers and not any(
            matches_entry(r, Who(sign.reviewer, sign.email)) for r in settings.reviewers
        ):
            problem = f"{sign.who} is not among the reviewers allowed by .workbench.yaml"
        elif check is not None and not check.ok:
            problem = f"not verified from git: {check.reason}"
        if problem:
            items.append(
                Item(
                    "sign-off",
                    f"sign-off by {sign.who} does not count",
                    "missing",
                    f"{problem}. {REVIEW_HOW}",
                    action="sign_off",
                )
            )
        elif open_out:
            items.append(
                Item(
                    "sign-off",
                    f"signed off by {sign.who}",
                    "blocked",
                    "findings are open again: fix or accept them, then sign off again",
                    action="sign_off",
                )
            )
        else:
            verified = f"; verified: {check.reason}" if check is not None else ""
            items.append(
                Item(
                    "sign-off",
                    f"signed off by {sign.who} on {sign.at[:10]}",
                    "ok",
                    f"for change set {short(fingerprint)}{verified}",
                )
            )
    elif sign is not None:
        items.append(
            Item(
                "sign-off",
                f"sign-off by {sign.who} is for another change set",
                "stale",
                f"signed off for {short(sign.fingerprint)}; the contract is now {short(fingerprint)}: "
                "the reviewer must sign off again",
                action="sign_off",
            )
        )
    elif open_out:
        items.append(
            Item(
                "sign-off",
                "reviewer sign-off",
                "blocked",
                f"{len(open_out)} security finding{'s' if len(open_out) != 1 else ''} to fix or accept first",
                action="sign_off",
            )
        )
    else:
        who = "a reviewer who is not the author"
        if settings.reviewers:
            who = "one of " + ", ".join(settings.reviewers)
        items.append(
            Item(
                "sign-off",
                "reviewer sign-off (awaiting review)",
                "missing",
                f"{who} signs off this change set. {REVIEW_HOW}",
                action="sign_off",
            )
        )
    return items


def _communication(
    inp: Inputs, report: DiffReport, versioning_done: bool, consumers: list[AffectedConsumer]
) -> list[Item]:
    step = _step(inp.record, "communication")
    fingerprint = report.verdict.fingerprint
    new = inp.new
    # an unversioned artefact's release is named by the label its record keeps
    version = (new.version or release_label(inp.record) or "") if new is not None else ""
    items: list[Item] = []
    wait = "finish versioning first: the notice and the changelog name the new version"
    notice = step.notice
    if not versioning_done:
        items.append(Item("notice", "amendment notice", "blocked", wait, action="notice"))
        notice_ok = False
    elif notice is None:
        items.append(
            Item(
                "notice",
                "amendment notice not generated yet",
                "missing",
                "generate and review it",
                action="notice",
            )
        )
        notice_ok = False
    elif notice.fingerprint != fingerprint or (
        notice.file and not notice.file.endswith(f"/{version}.notice.md")
    ):
        items.append(
            Item(
                "notice",
                "the notice describes another change set",
                "stale",
                f"generated for {short(notice.fingerprint)} on {notice.at[:10]}; regenerate it",
                action="notice",
            )
        )
        notice_ok = False
    elif inp.notice_error or not notice.file or not notice.sha256 or inp.notice_raw is None:
        if inp.notice_error:
            label, detail = "the notice cannot be read", f"{inp.notice_error}: regenerate it"
        elif not notice.file or not notice.sha256:
            label = "the record does not say which notice it generated"
            detail = "regenerate it (the record keeps the file and its sha256)"
        else:
            label, detail = f"{notice.file} is missing", "regenerate it"
        items.append(Item("notice", label, "missing", detail, action="notice"))
        notice_ok = False
    elif hashlib.sha256(inp.notice_raw).hexdigest() != notice.sha256:
        items.append(
            Item(
                "notice",
                f"{notice.file} was edited or replaced since it was generated",
                "stale",
                "its content no longer matches the record's sha256: regenerate it",
                action="notice",
            )
        )
        notice_ok = False
    else:
        items.append(
            Item(
                "notice",
                f"notice generated ({notice.file})",
                "ok",
                f"by {notice.by} on {notice.at[:10]}",
            )
        )
        notice_ok = True
    if not (inp.record and inp.record.summary.strip()):
        items.append(
            Item(
                "summary",
                "no summary written: the notice summarizes the findings",
                "info",
                action="summary",
            )
        )
    # changelog
    if inp.settings.changelog and not versioning_done:
        items.append(Item("changelog", "changelog entry", "blocked", wait, action="changelog"))
    elif inp.settings.changelog and inp.changelog_error:
        items.append(
            Item(
                "changelog",
                "the changelog cannot be read",
                "missing",
                inp.changelog_error,
                action="changelog",
            )
        )
    elif inp.settings.changelog:
        where = inp.changelog_path or inp.settings.changelog
        cid = new.id if (new is not None and inp.changelog_shared) else None
        stamp = step.changelog
        if has_entry(inp.changelog_text, version, cid):
            digest = entry_digest(inp.changelog_text, version, cid)
            if stamp is None or stamp.version != version:
                items.append(
                    Item(
                        "changelog",
                        f"{where} has an entry for {version} the record does not hold",
                        "missing",
                        "review it, then record it (`workbench amend changelog` keeps it as "
                        "written, --replace rewrites it)",
                        action="changelog",
                    )
                )
            elif stamp.fingerprint != fingerprint:
                items.append(
                    Item(
                        "changelog",
                        f"{where}: the entry for {version} was written for another change set",
                        "stale",
                        "regenerate it (replace) or review it and write it again",
                        action="changelog",
                    )
                )
            elif stamp.sha256 != digest:
                items.append(
                    Item(
                        "changelog",
                        f"{where}: the entry for {version} was edited since it was recorded",
                        "stale",
                        "review it, then record it again (`workbench amend changelog` keeps it "
                        "as written, --replace rewrites it)",
                        action="changelog",
                    )
                )
            else:
                items.append(Item("changelog", f"{where} has an entry for {version}", "ok"))
        else:
            items.append(
                Item(
                    "changelog",
                    f"{where} has no entry for {version}",
                    "missing",
                    "append the Keep a Changelog entry",
                    action="changelog",
                )
            )
    # consumers
    required_bump = report.verdict.required_bump
    must_notify = (
        inp.settings.require_notified and BUMP_ORDER.get(required_bump, 0) >= BUMP_ORDER["minor"]
    )
    notified = {n.consumer: n for n in step.notified}
    if not consumers:
        items.append(Item("consumers", "no listed consumer is affected", "ok"))
    for c in consumers:
        entry = notified.get(c.name)
        why = c.reason if EVERYONE not in c.matched else "the change reaches every consumer"
        contact = c.contact or "no contact listed"
        label = f"{c.name} ({contact}) notified"
        if entry is not None and entry.fingerprint == fingerprint:
            items.append(
                Item(
                    f"notified:{c.name}",
                    label,
                    "ok",
                    f"confirmed by {entry.by} on {entry.at[:10]}",
                    target=c.name,
                )
            )
        elif not must_notify:
            items.append(
                Item(
                    f"notified:{c.name}",
                    f"{c.name} ({contact}) may want to know",
                    "info",
                    f"{why}; a {required_bump} change needs no notification",
                    action="notify",
                    target=c.name,
                )
            )
        elif entry is not None:
            items.append(
                Item(
                    f"notified:{c.name}",
                    f"{c.name} was notified about another change set",
                    "stale",
                    f"notified for {short(entry.fingerprint)}: send the new notice and confirm again",
                    action="notify",
                    target=c.name,
                )
            )
        elif not notice_ok:
            items.append(
                Item(
                    f"notified:{c.name}",
                    f"{c.name} ({contact}) to notify",
                    "blocked",
                    f"{why}; generate the notice first",
                    action="notify",
                    target=c.name,
                )
            )
        else:
            items.append(
                Item(
                    f"notified:{c.name}",
                    f"{c.name} ({contact}) to notify",
                    "missing",
                    f"{why}: send the notice, then confirm",
                    action="notify",
                    target=c.name,
                )
            )
    return items


# --- evaluate --------------------------------------------------------------------------------


NEW_CONTRACT_STEPS: tuple[str, ...] = ("schema_clarity", "security_review")


def required_record(
    report: DiffReport, settings: AmendmentSettings, policy: Policy | None = None
) -> tuple[bool, str]:
    """Whether an amendment with ``report`` needs a record under ``settings``, and why not.

    A new contract needs one only for its security review: when the review finds something at
    or above the policy's ``fail_on`` that the ignore file does not accept."""
    if report.old is None and report.new is not None:
        threshold = (policy or DEFAULT_POLICY).fail_on
        serious = [
            s
            for s in report.security_findings
            if not s.ignored and at_or_above(s.severity, threshold)
        ]
        if serious:
            return True, ""
        return False, "a new contract needs only to validate (no security finding to review)"
    if not report.findings and not report.ignored:
        return False, "nothing changed that matters (no findings)"
    bump = report.verdict.required_bump
    if BUMP_ORDER.get(bump, 0) < BUMP_ORDER[settings.min_bump]:
        return False, f"a {bump} change; records are required from {settings.min_bump} up"
    return True, ""


def evaluate(inp: Inputs) -> Checklist:
    """The checklist of one amendment (see the module docstring)."""
    new, old, report = inp.new, inp.old, inp.report
    contract = new or old
    cid = contract.id if contract is not None else (inp.record.contract if inp.record else "?")
    if report is None or new is None:
        items = clarity_items(new, old, inp.problems, mode=inp.settings.schema_clarity)
        steps = []
        for name in STEPS:
            if name == "schema_clarity":
                status, reason = step_status(items, "")
                steps.append(StepResult(name, status, reason, items))
            else:
                steps.append(
                    StepResult(
                        name,
                        "blocked",
                        "the contract does not validate",
                        [
                            Item(
                                "blocked",
                                "fix the contract first",
                                "blocked",
                                "the contract does not validate",
                            )
                        ],
                    )
                )
        return Checklist(
            path=inp.path,
            contract=cid,
            from_version=old.version if old else None,
            to_version=None,
            suggested_version=None,
            required_bump="none",
            fingerprint="",
            steps=steps,
            record=inp.record,
            record_path=inp.record_path,
            needs_record=True,
            record_error=inp.record_error,
            record_refused=inp.record_refused,
        )
    verdict = report.verdict
    suggested = None
    unversioned = "artefact" in new.data and not new.version
    to_version = release_label(inp.record) if unversioned else new.version
    if old is not None and not unversioned:
        try:
            suggested = next_version(old.version, verdict.required_bump)
        except BumpError:
            suggested = None
    needs, why = required_record(report, inp.settings, inp.policy)
    coverages: dict[str, Coverage] = {}
    open_security: list[SecurityFinding] = []
    consumers = affected_consumers([*report.findings, *report.ignored], old, new)
    v_items = _versioning(inp, report, suggested)
    released = f"released as {to_version}" if unversioned else f"version {new.version}"
    v_status, _v_reason = step_status(v_items, released)
    c_items = clarity_items(new, old, inp.problems, mode=inp.settings.schema_clarity)
    compat_items = _compatibility(inp, report, coverages)
    s_items = _security(inp, report, open_security)
    m_items = _communication(inp, report, v_status == "done", consumers)
    results = []
    for name, items, done_reason in (
        (
            "versioning",
            v_items,
            f"{released}, a {verdict.required_bump} change"
            if unversioned
            else f"version {new.version}, {verdict.actual_bump} bump",
        ),
        ("schema_clarity", c_items, "validates; what changed is documented"),
        ("compatibility", compat_items, "every breaking change has a way through"),
        ("security_review", s_items, "findings handled and signed off"),
        ("communication", m_items, "notice, changelog and consumers done"),
    ):
        status, reason = step_status(items, done_reason)
        completed = _step(inp.record, name).completed
        if completed is not None and completed.fingerprint != verdict.fingerprint:
            completed = None
        results.append(
            StepResult(name, status, reason, items, completed if status == "done" else None)
        )
    return Checklist(
        path=inp.path,
        contract=cid,
        from_version=(old.version or None) if old else None,
        to_version=to_version,
        suggested_version=suggested,
        required_bump=verdict.required_bump,
        fingerprint=verdict.fingerprint,
        steps=results,
        record=inp.record,
        record_path=inp.record_path,
        needs_record=needs,
        why_no_record=why,
        coverages=coverages,
        consumers=consumers,
        security_open=open_security,
        record_error=inp.record_error,
        record_refused=inp.record_refused,
        required_steps=STEPS if old is not None else NEW_CONTRACT_STEPS,
        kind=_kind(new),
        unversioned=unversioned,
    )


def _kind(contract: Contract) -> str:
    artefact = contract.data.get("artefact")
    kind = artefact.get("kind") if isinstance(artefact, dict) else None
    return kind if isinstance(kind, str) else "contract"


STATUS_MARKS = {"done": "done", "needs you": "needs you", "blocked": "blocked"}
ITEM_MARKS = {
    "ok": "ok",
    "missing": "missing",
    "stale": "stale",
    "blocked": "blocked",
    "info": "info",
}


def render_text(checklist: Checklist, *, verbose: bool = False) -> str:
    """The checklist as plain text (``workbench amend status``): one line per step, then its
    open items (every item with ``verbose``)."""
    c = checklist
    lines = [f"{c.contract} ({c.path}): {c.versions}, {c.required_bump} bump required"]
    lines += _item_lines(c, verbose)
    # one line per entry: a newline in a path, an id or a reason is shown, never obeyed
    return "\n".join(clean(line) for line in lines) + "\n"


def _item_lines(c: Checklist, verbose: bool) -> list[str]:
    """The record line, then each step and its open items (every item with ``verbose``)."""
    lines: list[str] = []
    if c.record_error:
        lines.append(f"record: {c.record_path}: {c.record_error}")
    elif c.record is not None:
        state = "complete" if c.complete else "stale" if c.stale else "in progress"
        lines.append(f"record: {c.record_path} ({state}); change set {short(c.fingerprint)}")
    elif c.needs_record:
        lines.append(f"record: none yet (will be {c.record_path})")
    else:
        lines.append(f"record: not needed ({c.why_no_record})")
    for step in c.steps:
        lines.append(f"[{STATUS_MARKS[step.status]:>9}] {step.title}: {step.reason}")
        for item in step.items:
            if not verbose and not item.open:
                continue
            target = f" [{item.target[:12]}]" if item.target and item.action in ("accept",) else ""
            lines.append(f"    {ITEM_MARKS[item.status]:>7}  {item.label}{target}")
            if item.detail and (item.open or verbose):
                lines.append(f"             {item.detail}")
    return lines
