"""The sample histories: the review flags the weakening amendments and says why, with citations."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.history.repo import ContractRepo
from workbench.review import build_report


@pytest.fixture(scope="module")
def reviewed(demo_repo):
    """Every committed amendment of every demo contract: (path, revision, report)."""
    out = []
    with ContractRepo.open(demo_repo, cache=False) as repo:
        for entry in repo.contracts():
            for revision in repo.iter_history(entry.path):
                if revision.kind != "commit" or revision.blob is None:
                    continue
                base = repo.base(revision)
                old = repo.load(base) if base is not None and base.blob is not None else None
                new = repo.load(revision)
                today = revision.date.date() if revision.date else None
                out.append((entry.path, revision, build_report(old, new, today=today)))
    return out


def weakening(reviewed):
    return [
        (path, rev, [f for f in report.security_findings if f.rule == "regression.weakens"])
        for path, rev, report in reviewed
        if any(f.rule == "regression.weakens" for f in report.security_findings)
    ]


def test_at_least_two_amendments_are_flagged_as_weakening_with_citations(reviewed):
    flagged = weakening(reviewed)
    assert len(flagged) >= 2, [(p, r.summary) for p, r, _ in flagged]
    for _path, _rev, findings in flagged:
        for f in findings:
            assert f.kind == "regression" and f.severity in ("critical", "high", "medium")
            assert f.citation and f.citation != "see docs/rules.md", f
            standards = ("RFC", "NIST", "OWASP", "OpenID", "OpenAPI")
            assert any(s in f.citation for s in standards), f.citation
            assert f.location is not None and f.location.line > 0
            assert "Why it matters:" in f.message


def test_known_weakenings_are_explained(reviewed):
    """The stories' deliberate regressions: HS256 for settlement, tokens living longer."""
    paths = {p for p, _, _ in reviewed}
    payments = next(p for p in paths if p.endswith("payments-api.yaml"))
    hs256 = [
        report
        for path, _, report in reviewed
        if path == payments and any(_confusion(f) for f in report.security_findings)
    ]
    assert hs256, "adding HS256 next to RS256/ES256 for one issuer must be flagged"
    report = hs256[0]
    [confusion] = [f for f in report.security_findings if _confusion(f)]
    # one finding: the regression, with the state rule's citation (RFC 8725 §2.1, §3.1)
    assert confusion.rule == "regression.weakens" and confusion.new_in_amendment
    assert confusion.citation.startswith("RFC 8725") and confusion.severity == "high"
    assert not any(f.rule == "jwt.algorithm-confusion" for f in report.security_findings)
    lifetime = [
        f
        for _, _, r in reviewed
        for f in r.security_findings
        if f.rule == "regression.weakens" and "lifetime" in f.path
    ]
    assert lifetime, "a raised token lifetime must reach the reviewer"


def _confusion(finding) -> bool:
    """HS256 added next to asymmetric algorithms: the regression that absorbed the state rule."""
    return any(rule == "jwt.algorithm-confusion" for rule, _, _ in finding.same_as)


def test_review_command_on_a_demo_amendment(demo_repo, reviewed):
    path, rev, _report = next(
        (p, r, rep) for p, r, rep in reviewed if any(_confusion(f) for f in rep.security_findings)
    )
    result = CliRunner().invoke(
        main,
        ["review", f"{rev.rev}~1:{path}", f"{rev.rev}:{path}", "--repo", str(demo_repo)],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert "jwt.algorithm-confusion" in result.output
    assert "see: RFC 8725" in result.output
    assert f"{path}:" in result.output
