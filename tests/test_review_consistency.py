"""Issue 16's core: every face tells the same story about an amendment's security.

One finding per weakness, one security count, one rotation-overlap computation, findings that
point at the lines holding the problem, and advice a security engineer can act on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from amendment_support import CONTRACT_PATH, NOW, TODAY, orders_repo
from click.testing import CliRunner
from security_support import contract_from, patch
from security_support import exemplary as _base

from workbench.amendment.session import AmendmentSession
from workbench.cli import main
from workbench.contract.loader import validate_file
from workbench.engine.model import SecurityFinding
from workbench.history.repo import ContractRepo
from workbench.report.common import RenderOptions, exit_code, gate_summary
from workbench.report.html import render_review_html
from workbench.review import build_report, load_ignores
from workbench.security import RULES, review_contract

PAYMENTS = "contracts/payments/payments-api.yaml"
MINIMAL = "contract: c\ntitle: C\nversion: 1.0.0\nstatus: active\n"


def test_quantum_advice_points_to_post_quantum_signatures_not_larger_classical_keys():
    rule = RULES["keys.quantum-vulnerable"]
    contract = contract_from(patch(_base(), {"set": {"keys.min_rsa_bits": 2048}}), "q.yaml")
    [finding] = [f for f in review_contract(contract) if f.rule == rule.id]
    for text in (rule.fix, rule.rationale, finding.fix):
        assert "ML-DSA" in text
    # the old advice (move to RSA-3072 or P-384) is as quantum-vulnerable as what it replaces
    assert "Plan a move to 3072-bit RSA or P-384" not in finding.fix
    assert "no remedy" in rule.rationale and "disallowed after 2035 too" in finding.fix
    assert "NIST IR 8547" in finding.citation and "FIPS 204" in finding.citation
    assert "quantum-vulnerable and disallowed after 2035" in finding.message


# --- workbench validate DIR -------------------------------------------------------------------


def test_validate_a_directory_checks_every_contract_found_by_content(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the repository root: its settings apply

    def write(rel: str, text: str) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    write("contracts/a.yaml", MINIMAL)
    write("contracts/deep/b.yml", MINIMAL.replace("contract: c", "contract: b"))
    write("contracts/bad.yaml", MINIMAL.replace("1.0.0", "one") + "tokens: 3\n")
    write("contracts/also-bad.yaml", "contract: x\nversion: [\n")
    write("contracts/ci.yaml", "jobs: {build: {runs-on: ubuntu}}\n")  # YAML, not a contract
    write("contracts/notes.txt", MINIMAL)  # not selected by the globs
    write("contracts/.hidden/c.yaml", MINIMAL)
    write("amendments/c/1.0.0.yaml", MINIMAL)  # records are excluded by default
    result = CliRunner().invoke(main, ["validate", str(root / "contracts")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    bad = [line for line in lines if "bad.yaml:" in line]
    assert bad and all(re.match(r"^\S+:\d+:\d+: error: ", line) for line in bad), lines
    assert {line.split(":")[0].rsplit("/", 1)[-1] for line in bad} == {"bad.yaml", "also-bad.yaml"}
    assert any("tokens" in line for line in bad)
    assert not any(
        name in result.output for name in ("ci.yaml", "notes.txt", ".hidden", "1.0.0.yaml")
    )
    assert lines[-1] == "2 valid, 2 invalid"
    # a directory of valid contracts passes; files and directories mix
    (root / "contracts/bad.yaml").unlink()
    (root / "contracts/also-bad.yaml").unlink()
    ok = CliRunner().invoke(
        main, ["validate", str(root / "contracts"), str(root / "contracts/a.yaml")]
    )
    assert (ok.exit_code, ok.output.splitlines()[-1]) == (0, "3 valid, 0 invalid"), ok.output
    # the repository's globs decide which files are contracts
    write(".workbench.yaml", "contracts:\n  exclude: ['contracts/deep/**']\n")
    only = CliRunner().invoke(main, ["validate", str(root / "contracts")])
    assert (only.exit_code, only.output.splitlines()[-1]) == (0, "1 valid, 0 invalid")
    # no contract at all is an error, not a silent pass
    (root / "empty").mkdir()
    none = CliRunner().invoke(main, ["validate", str(root / "empty")])
    assert (
        none.exit_code == 1
        and "error: no contract or artefact found in this directory" in none.output
    )
    assert "Traceback" not in none.output


@pytest.mark.parametrize(
    "patch_text",
    ["tokens: 3", "grants: 3", "endpoints: [1]", "consumers: [{name: x, uses: 3}]"],
)
def test_a_section_of_the_wrong_type_is_a_located_problem_not_a_crash(tmp_path, patch_text):
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL + patch_text + "\n", encoding="utf-8")
    problems = validate_file(path)
    assert any(p.severity == "error" and p.line == 5 for p in problems), problems


# --- security findings point at the lines holding the problem --------------------------------


def _history(repo_dir: Path, suffix: str):
    """(revision, report) of every committed amendment of the demo contract ending ``suffix``."""
    with ContractRepo.open(repo_dir, cache=False) as repo:
        path = next(e.path for e in repo.contracts() if e.path.endswith(suffix))
        return [
            (rev, repo.report(rev))
            for rev in repo.iter_history(path)
            if rev.kind == "commit" and rev.blob is not None
        ]


def test_security_marks_sit_on_the_weak_setting_not_on_its_enclosing_block(demo_repo):
    reports = _history(demo_repo, "partner-api.yaml")
    [(rev, report)] = [
        (rev, report) for rev, report in reports if rev.subject == "Add order export for partners"
    ]
    assert rev.version == "1.1.0"
    spans = {
        f.path: (f.location.line, f.location.end_line)
        for f in report.security_findings
        if f.rule == "oauth.sender-constraint"
    }
    # the tokens have no sender_constraint: the mark is the token's key line, not lines 48-62
    assert spans == {
        "tokens.access_token.sender_constraint": (48, 48),
        "tokens.delegated_token.sender_constraint": (54, 54),
    }
    # findings the old version already had say so, for every face to mark them apart
    assert all(not f.new_in_amendment for f in report.security_findings)
    for _rev, report in reports:
        for f in report.security_findings:
            assert f.location is not None and f.location.end_line == f.location.line, f


def test_html_review_marks_findings_already_present_apart_from_new_ones(demo_repo):
    draft = (demo_repo / PAYMENTS).read_text(encoding="utf-8")
    with ContractRepo.open(demo_repo, cache=False) as repo:
        [worktree] = [r for r in repo.history(PAYMENTS, limit=1) if r.rev == "WORKTREE"]
        head = repo.raw(repo.base(worktree))
        report = repo.report(worktree)
    present = [f for f in report.security_findings if not f.new_in_amendment]
    assert present and len(present) == len(report.security_findings)
    page = render_review_html(report, RenderOptions(old_text=head.decode("utf-8"), new_text=draft))
    for f in present:
        row = re.search(rf'id="new-L{f.line}".*?</span><span class="code new[^"]*"', page, re.S)
        assert row is not None and "m-present" in row.group(0), f
    assert ' m-security"' not in page


# --- one finding per weakness -----------------------------------------------------------------


def _report_of(repo_dir: Path, suffix: str, subject: str):
    [report] = [r for rev, r in _history(repo_dir, suffix) if rev.subject == subject]
    return report


def test_a_regression_and_the_state_rule_for_the_same_weakness_count_once(demo_repo):
    options = RenderOptions(security_fail_on="high")
    wallet = _report_of(demo_repo, "wallet-app.yaml", "Allow PKCE plain for the white-label SDK")
    at_plain = [f for f in wallet.security_findings if f.path == "pkce.methods[plain]"]
    assert len(at_plain) == 1
    [plain] = at_plain
    assert (plain.rule, plain.severity, plain.new_in_amendment) == (
        "regression.weakens",
        "high",
        True,
    )
    assert [rule for rule, _, _ in plain.same_as] == ["oauth.pkce-plain"]
    assert gate_summary(wallet, options) == (True, "fails: 1 security finding at or above high")
    # the regression carries the state rule's citation and fix, and says what it restates
    partner = _report_of(
        demo_repo,
        "partner-api.yaml",
        "Let partners embed the portal; keep portal sessions for a week",
    )
    same_site = [f for f in partner.security_findings if f.path == "sessions.cookie.same_site"]
    assert len(same_site) == 1
    state = RULES["session.cookie-samesite-none"]
    assert same_site[0].citation == state.citation != "OWASP ASVS 5.0 session management"
    assert same_site[0].fix == state.fix
    assert "[session.same-site-relaxed]" in same_site[0].message
    assert "[session.cookie-samesite-none]" in same_site[0].message
    # the higher severity of the two wins (high regression over a medium state finding)
    assert same_site[0].severity == "high"
    payments = _report_of(
        demo_repo, "payments-api.yaml", "Accept HS256 access tokens from the settlement batch"
    )
    hs256 = [
        f.rule
        for f in payments.security_findings
        if f.path == "tokens.access_token.signing_algorithms[HS256]"
    ]
    # algorithm confusion is the regression's weakness; a shared HMAC key is another one
    assert sorted(hs256) == ["jwt.shared-secret-key", "regression.weakens"]
    assert gate_summary(payments, options)[1] == "fails: 1 security finding at or above high"


def test_an_ignore_entry_naming_the_absorbed_state_rule_still_accepts_the_weakness(tmp_path):
    old = contract_from(_base(), "old.yaml")
    new = contract_from(patch(_base(), {"set": {"pkce.methods": ["S256", "plain"]}}), "new.yaml")
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n  - rule: oauth.pkce-plain\n    path: pkce.methods[plain]\n"
        "    reason: white-label SDK until Q3\n",
        encoding="utf-8",
    )
    report = build_report(old, new, ignores=load_ignores(ignore))
    [plain] = [f for f in report.security_findings if f.path == "pkce.methods[plain]"]
    assert plain.rule == "regression.weakens" and plain.ignored == "white-label SDK until Q3"
    assert exit_code(report, RenderOptions()) == 0


# --- one computation of rotation overlap ------------------------------------------------------


def _orders_session(repo, **kw):
    return AmendmentSession.open(CONTRACT_PATH, repo=repo.root, today=TODAY, now=NOW, **kw)


def test_compatibility_and_security_steps_agree_on_a_long_rotation_overlap(tmp_path):
    # ES256 was accepted alongside RS256 since 1.4.0 (committed 2025-06-01, 228 days before
    # NOW); removing RS256 without a deprecation entry is a fallback for compatibility, and
    # the security step must not say that nothing shows the overlap (and block)
    repo = orders_repo(tmp_path / "r")
    repo.edit(CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]")
    s = _orders_session(repo)
    removed = next(f for f in s.report.findings if f.rule == "token.alg-removed")
    compat = s.checklist.coverages[removed.fingerprint]
    assert compat.ok and compat.kind == "fallback"
    assert [f for f in s.report.security_findings if f.rule == "regression.rotation-overlap"] == []
    security = s.checklist.step("security_review")
    assert not any("rotation" in i.label.lower() for i in security.items), security.items
    # a long span reads in days, not as 228d1h59m59s
    assert "since 1.4.0 (committed 2025-06-01): 228 days, at least 16m" in compat.detail
    assert not re.search(r"\d+d\d+h\d+m", compat.detail)
    s.start(summary="Retire RS256.")
    s.apply_bump()
    notice, _ = s.generate_notice()
    assert "228 days" in notice and not re.search(r"\d{3}d\d+h", notice)
    s.close()


def test_compatibility_and_security_steps_agree_on_a_short_rotation_overlap(tmp_path):
    repo = orders_repo(tmp_path / "r", date="2026-01-15T11:55:00+00:00")  # 5 minutes before NOW
    repo.edit(CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]")
    s = _orders_session(repo)
    removed = next(f for f in s.report.findings if f.rule == "token.alg-removed")
    compat = s.checklist.coverages[removed.fingerprint]
    [rotation] = [f for f in s.report.security_findings if f.rule == "regression.rotation-overlap"]
    assert not compat.ok and rotation.severity == "high"
    # the same sentence in both steps
    assert compat.detail == rotation.message
    assert "only since 1.4.0 (committed 2026-01-15): 5m of overlap, less than 16m" in compat.detail
    s.close()


def test_the_history_measures_the_overlap_as_the_checklist_does(tmp_path):
    """The log and the TUI read reports from the history: a removal committed a month after the
    version that accepted both algorithms has had its overlap; one five minutes later has not."""
    for minutes, expected in ((30 * 24 * 60, []), (5, ["high"])):
        repo = orders_repo(tmp_path / f"r{minutes}", date="2025-06-01T10:00:00+00:00")
        repo.edit(
            CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]"
        )
        when = dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
        repo.commit("Retire RS256", date=when.isoformat())
        with ContractRepo.open(repo.root, cache=False) as history:
            [latest] = history.history(CONTRACT_PATH, limit=1)
            report = history.report(latest)
        found = [f for f in report.security_findings if f.rule == "regression.rotation-overlap"]
        assert [f.severity for f in found] == expected, [f.message for f in found]


# --- one security count, and the gate's answer per amendment ----------------------------------


def _log(repo_dir: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["log", "--repo", str(repo_dir), *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_one_security_count_in_the_log_the_verdict_and_the_reports(demo_repo):
    from workbench.security.summary import count_security

    [draft] = [e for e in _log(demo_repo, PAYMENTS) if e["rev"] == "WORKTREE"]
    diff = CliRunner().invoke(
        main,
        [
            "diff",
            f"HEAD:{PAYMENTS}",
            str(demo_repo / PAYMENTS),
            "--repo",
            str(demo_repo),
            "-f",
            "json",
        ],
    )
    data = json.loads(diff.stdout)
    expected = count_security(
        [SecurityFinding(**_finding_fields(f)) for f in data["security_findings"]]
    )
    # the draft introduces nothing; five findings were already there: the count is 0 everywhere
    assert (expected.new, expected.present) == (0, 5)
    assert draft["counts"]["security"] == data["verdict"]["counts"]["security"] == 0
    assert draft["security"]["present"] == 5 and draft["security"]["new"] == 0
    text = CliRunner().invoke(
        main, ["diff", f"HEAD:{PAYMENTS}", str(demo_repo / PAYMENTS), "--repo", str(demo_repo)]
    )
    assert "security: no new security findings; 2 advice; 5 already present" not in text.stdout
    assert "security: no new security findings; 5 already present" in text.stdout
    review = CliRunner().invoke(
        main, ["review", f"HEAD:{PAYMENTS}", str(demo_repo / PAYMENTS), "--repo", str(demo_repo)]
    )
    assert "PASS: nothing new at or above high; no new security findings; 5 already present" in (
        review.stdout
    )
    # an amendment that introduces one weakness counts one, in the log and in its report
    [pkce] = [
        e for e in _log(demo_repo) if e["subject"] == "Allow PKCE plain for the white-label SDK"
    ]
    assert pkce["counts"]["security"] == 1 and pkce["security"]["by_severity"] == {"high": 1}


@pytest.mark.parametrize(
    ("subject", "fails"),
    [
        ("Allow PKCE plain for the white-label SDK", True),  # wallet 2.1.0
        ("Accept HS256 access tokens from the settlement batch", True),  # payments 3.2.0
        ("Let partners embed the portal; keep portal sessions for a week", True),  # partner 2.1.0
        ("Explain introspection caching and the act claim", False),
    ],
)
def test_the_log_says_what_the_gate_says(demo_repo, subject, fails):
    [entry] = [e for e in _log(demo_repo) if e["subject"] == subject]
    assert entry["gate"]["fails"] is fails, entry["gate"]
    # the same answer as `workbench diff` on that amendment (exit 1 when the gate fails)
    old = entry["compared_with"] or entry["parent"]
    result = CliRunner().invoke(
        main,
        [
            "diff",
            f"{old['rev']}:{old['path']}",
            f"{entry['rev']}:{entry['path']}",
            "--repo",
            str(demo_repo),
        ],
    )
    assert result.exit_code == (1 if fails else 0), result.output
    gate_line = next(line for line in result.stdout.splitlines() if line.startswith("Gate: "))
    assert gate_line == f"Gate: {entry['gate']['sentence']}"
    # and the text log's GATE column
    text = CliRunner().invoke(main, ["log", "--repo", str(demo_repo)]).stdout
    [row] = [line for line in text.splitlines() if line.endswith(subject)]
    assert (" FAIL " in row) is fails and ((" ok " in row) is not fails)


def _finding_fields(data: dict) -> dict:
    """A SecurityFinding's fields from its JSON form (enough to count it)."""
    return {
        "rule": data["rule"],
        "severity": data["severity"],
        "title": data["title"],
        "message": data["message"],
        "fix": data["fix"],
        "citation": data["citation"],
        "path": data["path"],
        "location": None,
        "kind": data["kind"],
        "fingerprint": data["fingerprint"],
        "new_in_amendment": data["new_in_amendment"],
        "ignored": data.get("ignored"),
    }


def test_review_and_notice_of_commits_measure_the_overlap_from_the_commit_dates(tmp_path):
    repo = orders_repo(tmp_path / "r", date="2025-06-01T10:00:00+00:00")
    repo.edit(CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]")
    repo.commit("Retire RS256", date="2025-07-01T10:00:00+00:00")
    specs = [f"HEAD~1:{CONTRACT_PATH}", f"HEAD:{CONTRACT_PATH}", "--repo", str(repo.root)]
    review = CliRunner().invoke(main, ["review", *specs])
    assert "regression.rotation-overlap" not in review.stdout, review.stdout
    notice = CliRunner().invoke(main, ["notice", *specs])
    assert notice.exit_code == 0, notice.output
    assert "since 1.4.0 \\(committed 2025-06-01\\): 30 days, at least 16m" in notice.stdout
