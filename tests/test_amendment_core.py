"""The checklist core on real git repositories: the five steps, every action, staleness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from test_amendment_support import (
    CONTRACT_PATH,
    NOW,
    REVIEWER,
    TODAY,
    identity_of,
    orders_repo,
    review,
)

from workbench.amendment.changelog import has_entry, insert_entry, render_entry
from workbench.amendment.checklist import render_text
from workbench.amendment.notice import deprecation_header, sunset_header
from workbench.amendment.record import load_record
from workbench.amendment.session import AmendmentError, AmendmentSession
from workbench.contract.loader import load_contract_text
from workbench.demo import changelog_text
from workbench.engine.impact import affected_consumers, touched_parts

RECORD = "amendments/orders-api/2.0.0.yaml"
NEW_ISSUER = ("issuer: https://login.example.com", "issuer: https://id.example.com")


def session(repo, **kw) -> AmendmentSession:
    return AmendmentSession.open(CONTRACT_PATH, repo=repo.root, today=TODAY, now=NOW, **kw)


def items(s: AmendmentSession, step: str) -> dict[str, object]:
    return {i.id: i for i in s.checklist.step(step).items}


def finding(s: AmendmentSession, rule: str):
    return next(f for f in s.report.findings if f.rule == rule)


def security(s: AmendmentSession, rule: str):
    return next(f for f in s.report.security_findings if f.rule == rule)


@pytest.fixture
def issuer_repo(tmp_path: Path):
    """The orders contract with its issuer changed in the working tree (breaking, no overlap),
    on the branch ``amend`` from ``main``."""
    repo = orders_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "amend")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    return repo


def answer(s: AmendmentSession) -> None:
    """The author's part of the issuer change: everything but the reviewer's sign-off."""
    s.start(summary="Move to the new identity platform.")
    s.apply_bump()
    s.accept(
        finding(s, "idp.issuer-changed").fingerprint,
        "Every verifier reads the issuer from discovery (ORD-7)",
    )
    s.accept(
        security(s, "regression.rotation-overlap").fingerprint,
        "Cut-over at night; tokens live 15m (ORD-7)",
    )
    s.generate_notice()
    s.append_changelog()
    s.notify()


def complete(s: AmendmentSession, repo) -> AmendmentSession:
    """Answer everything for the issuer change, as an author and a reviewer would: the author
    answers and commits on the branch, the reviewer signs off on it and commits the record.
    Returns the session of the branch's amendment (against ``main``)."""
    answer(s)
    s.close()
    repo.commit("Move to the new identity platform")
    review(repo)
    return session(repo, base="main")


def test_a_fresh_draft_needs_every_human_answer(issuer_repo) -> None:
    s = session(issuer_repo)
    c = s.checklist
    assert (c.from_version, c.to_version, c.suggested_version, c.required_bump) == (
        "1.4.0",
        "1.4.0",
        "2.0.0",
        "major",
    )
    assert c.record is None and c.needs_record and not c.complete
    assert c.record_path == RECORD
    status = {step.id: step.status for step in c.steps}
    assert status == {
        "versioning": "needs you",
        "schema_clarity": "done",
        "compatibility": "needs you",
        "security_review": "needs you",
        "communication": "blocked",
    }
    v = items(s, "versioning")["version-changed"]
    assert (v.status, v.action, v.target) == ("missing", "bump", "2.0.0")
    issuer = items(s, "compatibility")[f"finding:{finding(s, 'idp.issuer-changed').fingerprint}"]
    assert issuer.status == "missing" and issuer.action == "accept"
    assert issuer.line == 20  # the issuer line of the working-tree contract
    assert items(s, "security_review")["sign-off"].status == "blocked"
    assert any("no amendment record" in line for line in c.problems())
    s.close()


def test_the_whole_checklist_through_the_core(issuer_repo) -> None:
    s = session(issuer_repo)
    answer(s)
    assert s.checklist.awaiting_review and not s.checklist.complete  # the review comes after
    s = complete(s, issuer_repo)
    c = s.checklist
    assert c.complete, render_text(c)
    assert [step.status for step in c.steps] == ["done"] * 5
    sign_item = items(s, "security_review")["sign-off"]
    assert "verified: committed by Grace Reviewer <grace@example.com>" in sign_item.detail
    record = load_record(issuer_repo.root / RECORD)
    assert record.fingerprint == c.fingerprint
    assert record.author is not None and record.author.name == "Ada Author"
    # the reviewer's answer completed it
    assert record.completed is not None
    assert record.completed.by == "Grace Reviewer <grace@example.com>"
    for name in (
        "versioning",
        "schema_clarity",
        "compatibility",
        "security_review",
        "communication",
    ):
        step = record.step(name)
        assert step.status == "done"
        assert step.completed is not None and step.completed.fingerprint == c.fingerprint
        assert step.checks and all(check.status in ("ok", "info") for check in step.checks)
    sign = record.step("security_review").sign_off
    assert (sign.reviewer, sign.email, sign.fingerprint) == (
        "Grace Reviewer",
        "grace@example.com",
        c.fingerprint,
    )
    assert [n.consumer for n in record.step("communication").notified] == ["web-shop"]
    notice = (issuer_repo.root / "amendments/orders-api/2.0.0.notice.md").read_text()
    assert "Every verifier reads the issuer from discovery" in notice
    assert "web-shop" in notice and "warehouse" not in notice
    changelog = issuer_repo.read("contracts/orders/CHANGELOG.md")
    assert changelog.startswith("# Changelog\n")
    assert "## [Unreleased]\n\n## [2.0.0] - 2026-01-15\n" in changelog
    assert "**Breaking:** issuer of corp changed" in changelog
    assert 'version: "2.0.0"   # quoted on purpose' in issuer_repo.read(CONTRACT_PATH)
    s.close()


def test_changing_the_contract_afterwards_names_exactly_the_stale_items(issuer_repo) -> None:
    s = complete(session(issuer_repo), issuer_repo)
    before = s.checklist.fingerprint
    accepted_issuer = finding(s, "idp.issuer-changed").fingerprint
    # the issuer moves again: the same finding with other values
    issuer_repo.edit(
        CONTRACT_PATH, "issuer: https://id.example.com", "issuer: https://id2.example.com"
    )
    c = s.refresh()
    assert c.fingerprint != before and c.stale and not c.complete
    stale = {(step.id, item.id) for step, item in c.stale_items}
    new_issuer = finding(s, "idp.issuer-changed").fingerprint
    assert new_issuer != accepted_issuer
    assert stale == {
        ("compatibility", f"finding:{new_issuer}"),
        ("security_review", "sign-off"),
        ("communication", "notice"),
        ("communication", "changelog"),
        ("communication", "notified:web-shop"),
    }
    # the overlap finding did not change (same old issuer): its acceptance still holds
    overlap = items(s, "security_review")[
        f"security:{security(s, 'regression.rotation-overlap').fingerprint}"
    ]
    assert overlap.status == "ok"
    assert c.step("versioning").status == "done"
    detail = items(s, "compatibility")[f"finding:{new_issuer}"].detail
    assert "changed since Ada Author" in detail and "ORD-7" in detail
    problems = "\n".join(c.problems())
    assert f"completed for change set {before[:12]}" in problems
    # answering again makes it complete and current (the reviewer signs off again)
    s.accept(new_issuer, "Still read from discovery (ORD-9)")
    s.generate_notice()
    s.append_changelog(replace=True)
    s.notify(["web-shop"])
    assert s.checklist.awaiting_review
    s.close()
    issuer_repo.commit("Another issuer")
    review(issuer_repo)
    s = session(issuer_repo, base="main")
    assert s.checklist.complete and not s.checklist.stale
    record = load_record(issuer_repo.root / RECORD)
    assert record.fingerprint == s.checklist.fingerprint
    assert [a.reason for a in record.step("compatibility").accepted] == [
        "Still read from discovery (ORD-9)"
    ]
    s.close()


def test_sign_off_rules(issuer_repo) -> None:
    s = session(issuer_repo)
    s.start()
    with pytest.raises(AmendmentError, match="not committed"):
        s.sign_off()  # a sign-off is for a committed change
    s.close()
    issuer_repo.commit("New issuer")
    with identity_of(issuer_repo, *REVIEWER):
        reviewer = session(issuer_repo, base="main")
        with pytest.raises(AmendmentError, match="still open"):
            reviewer.sign_off()
        reviewer.close()
    s = session(issuer_repo, base="main")
    s.accept(security(s, "regression.rotation-overlap").fingerprint, "night cut-over at 02:00")
    with pytest.raises(AmendmentError, match="is not you"):
        s.sign_off("Grace Reviewer", "grace@example.com")  # no signing for someone else
    with pytest.raises(AmendmentError, match="is the author"):
        s.sign_off()  # the author cannot review
    s.close()
    issuer_repo.commit("Accept the overlap")
    for name, email in (
        ("ADA AUTHOR.", "ada+review@example.com"),  # the author under another spelling
        ("Ada\u200bAuthor", "ada.review@example.org"),  # a zero-width space
    ):
        with identity_of(issuer_repo, name, email):
            other = session(issuer_repo, base="main")
            with pytest.raises(AmendmentError, match=r"is the author|authored commit"):
                other.sign_off()
            other.close()
    with identity_of(issuer_repo, "\u0410da Author", "someone@example.net"):  # a Cyrillic A
        mixed = session(issuer_repo, base="main")
        with pytest.raises(AmendmentError, match="mixes scripts"):
            mixed.sign_off()
        mixed.close()
    with identity_of(issuer_repo, *REVIEWER):
        reviewer = session(issuer_repo, base="main")
        sign = reviewer.sign_off(" grace   reviewer ")  # a matching check is fine
        assert (sign.reviewer, sign.email) == REVIEWER
        assert sign.fingerprint == reviewer.checklist.fingerprint
        item = items(reviewer, "security_review")["sign-off"]
        assert item.status == "missing" and "not committed yet" in item.detail
        reviewer.close()
        issuer_repo.commit("Security review")
    s = session(issuer_repo, base="main")
    assert items(s, "security_review")["sign-off"].status == "ok"
    s.close()


def test_reviewers_allow_list_and_no_reviewer_setting(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    repo.write(".workbench.yaml", "amendments:\n  reviewers: [grace@example.com]\n")
    repo.commit("Only Grace reviews", ".workbench.yaml")
    repo.git("checkout", "--quiet", "-b", "amend")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    s = session(repo)
    s.accept(security(s, "regression.rotation-overlap").fingerprint, "night cut-over at 02:00")
    s.close()
    repo.commit("New issuer")
    with identity_of(repo, "Mallory", "mallory@example.com"):
        other = session(repo, base="main")
        with pytest.raises(AmendmentError, match="not among the reviewers"):
            other.sign_off()
        other.close()
    with identity_of(repo, "Grace", "Grace@Example.com"):
        reviewer = session(repo, base="main")
        reviewer.sign_off()
        reviewer.close()
    # a working-tree setting does not apply until committed (and then only from the base)
    repo.write(".workbench.yaml", "amendments:\n  require_reviewer: false\n")
    s = session(repo, base="main")
    assert items(s, "security_review")["sign-off"].status != "info"
    s.close()
    repo.git("checkout", "--quiet", "--", ".workbench.yaml")
    repo.git("stash", "--quiet", "--include-untracked")
    repo.git("checkout", "--quiet", "main")
    repo.write(".workbench.yaml", "amendments:\n  require_reviewer: false\n")
    repo.commit("No reviewer needed", ".workbench.yaml")
    repo.git("checkout", "--quiet", "amend")
    repo.git("merge", "--quiet", "--no-edit", "main")
    s = session(repo, base="main")
    assert items(s, "security_review")["sign-off"].status == "info"
    s.close()


def test_accept_needs_a_reason_and_a_current_finding(issuer_repo) -> None:
    s = session(issuer_repo)
    with pytest.raises(AmendmentError, match="reason is required"):
        s.accept(finding(s, "idp.issuer-changed").fingerprint, "  ")
    with pytest.raises(AmendmentError, match="no current finding"):
        s.accept("deadbeefdeadbeef", "why not")
    with pytest.raises(AmendmentError, match="at least 8"):
        s.accept("f3c", "short")
    with pytest.raises(AmendmentError, match="too short"):  # the notice shows the reason
        s.accept(finding(s, "idp.issuer-changed").fingerprint, "ok")
    acc = s.accept(finding(s, "idp.issuer-changed").fingerprint[:8], "prefix is enough")
    assert acc.rule == "idp.issuer-changed" and acc.path == "identity_providers[corp].issuer"
    # accepting creates the record; accepting again replaces the reason
    s.accept(acc.fingerprint, "second thoughts")
    record = load_record(issuer_repo.root / RECORD)
    assert [a.reason for a in record.step("compatibility").accepted] == ["second thoughts"]
    s.withdraw(acc.fingerprint)
    assert load_record(issuer_repo.root / RECORD).step("compatibility").accepted == []
    s.close()


def test_communication_waits_for_versioning_and_the_notice(issuer_repo) -> None:
    s = session(issuer_repo)
    s.start()
    with pytest.raises(AmendmentError, match="finish versioning"):
        s.generate_notice()
    with pytest.raises(AmendmentError, match="finish versioning"):
        s.append_changelog()
    s.apply_bump()
    with pytest.raises(AmendmentError, match="generate the notice first"):
        s.notify()
    text, rel = s.generate_notice()
    assert rel == "amendments/orders-api/2.0.0.notice.md"
    assert (issuer_repo.root / rel).read_text() == text
    with pytest.raises(AmendmentError, match="unknown consumer 'nobody'"):
        s.notify(["nobody"])
    assert [n.consumer for n in s.notify(["web-shop"])] == ["web-shop"]
    assert s.append_changelog().status == "created"
    assert s.append_changelog().status == "exists"
    s.close()


def test_record_follows_the_version(issuer_repo) -> None:
    s = session(issuer_repo)
    s.start()
    s.apply_bump()
    s.generate_notice()
    assert (issuer_repo.root / RECORD).is_file()
    # the author decides on 3.0.0 by hand: the record and its notice move with the version
    issuer_repo.edit(CONTRACT_PATH, 'version: "2.0.0"', 'version: "3.0.0"')
    s.refresh()
    assert any(
        i.id == "record-version" and i.status == "stale"
        for i in s.checklist.step("versioning").items
    )
    s.sync()
    assert not (issuer_repo.root / RECORD).exists()
    assert not (issuer_repo.root / "amendments/orders-api/2.0.0.notice.md").exists()
    moved = load_record(issuer_repo.root / "amendments/orders-api/3.0.0.yaml")
    assert moved.to_version == "3.0.0"
    notice = {i.id: i for i in s.checklist.step("communication").items}["notice"]
    assert notice.status == "missing"  # written for 2.0.0, and gone with the old record
    assert moved.step("communication").notice is None
    s.close()


def test_bump_too_small_and_downgrade(issuer_repo) -> None:
    issuer_repo.edit(CONTRACT_PATH, 'version: "1.4.0"', 'version: "1.5.0"')
    s = session(issuer_repo)
    item = items(s, "versioning")["bump-matches"]
    assert (
        item.status == "missing"
        and "requires a major bump" in item.label
        and item.target == "2.0.0"
    )
    issuer_repo.edit(CONTRACT_PATH, 'version: "1.5.0"', 'version: "1.3.0"')
    s.refresh()
    assert "went down" in items(s, "versioning")["bump-matches"].label
    s.close()


def test_index_mode_is_read_only(issuer_repo) -> None:
    issuer_repo.git("add", CONTRACT_PATH)
    s = session(issuer_repo, staged=True)
    assert s.mode == "index"
    with pytest.raises(AmendmentError, match="read-only"):
        s.start()
    s.close()


def test_invalid_draft_blocks_everything_but_schema_clarity(issuer_repo) -> None:
    issuer_repo.edit(CONTRACT_PATH, "lifetime: 15m", "lifetime: 15 minutes")
    s = session(issuer_repo)
    c = s.checklist
    clarity = c.step("schema_clarity")
    assert clarity.status == "needs you"
    assert "15 minutes" in clarity.items[0].detail and clarity.items[0].line == 34
    assert all(step.status == "blocked" for step in c.steps if step.id != "schema_clarity")
    with pytest.raises(AmendmentError, match="does not validate"):
        s.accept("abcdef12", "x")
    s.close()


# --- compatibility: fallback and deprecation ---------------------------------------------------


def test_removing_an_algorithm_after_a_long_overlap_is_a_fallback(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.edit(CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]")
    s = session(repo)
    item = items(s, "compatibility")[f"finding:{finding(s, 'token.alg-removed').fingerprint}"]
    assert item.status == "ok"
    assert (
        "fallback: ES256 accepted together with RS256 since 1.4.0 (committed 2025-06-01)"
        in item.detail
    )
    assert "16m (access_token lifetime 15m + clock skew 1m)" in item.detail
    s.close()


def test_an_overlap_shorter_than_lifetime_plus_skew_is_no_fallback(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r", date="2026-01-15T11:55:00+00:00")  # 5 minutes before NOW
    repo.edit(CONTRACT_PATH, "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256]")
    s = session(repo)
    item = items(s, "compatibility")[f"finding:{finding(s, 'token.alg-removed').fingerprint}"]
    assert item.status == "missing"
    assert "only since 1.4.0 (committed 2026-01-15), 5m; needed: 16m" in item.detail
    s.close()


@pytest.mark.parametrize(
    ("sunset", "ok", "words"),
    [
        ("2026-04-20", True, "sunset 2026-04-20: 95 days of notice"),
        (
            "2026-02-14",
            False,
            "30 days away, less than the notice period of 90d: move it to 2026-04-15",
        ),
        (None, False, "has no sunset date"),
    ],
)
def test_a_deprecation_needs_a_sunset_the_notice_period_away(
    tmp_path: Path, sunset, ok, words
) -> None:
    repo = orders_repo(tmp_path / "r")
    entry = (
        "deprecations:\n  - target: identity_providers[corp].issuer\n    announced: 2026-01-15\n"
    )
    if sunset:
        entry += f"    sunset: {sunset}\n"
    entry += "    replacement: https://id.example.com\n"
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.write(
        CONTRACT_PATH, repo.read(CONTRACT_PATH).replace("components:\n", entry + "components:\n")
    )
    s = session(repo)
    item = items(s, "compatibility")[f"finding:{finding(s, 'idp.issuer-changed').fingerprint}"]
    assert (item.status == "ok") is ok
    assert words in item.detail
    s.close()


def test_notice_period_comes_from_the_settings(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.write(".workbench.yaml", "amendments:\n  notice_period: 30d\n")
    repo.commit("A shorter notice period", ".workbench.yaml")
    entry = (
        "deprecations:\n  - target: identity_providers[corp].issuer\n    announced: 2026-01-15\n"
        "    sunset: 2026-02-14\n    notice: Read the issuer from discovery.\n"
    )
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.write(
        CONTRACT_PATH, repo.read(CONTRACT_PATH).replace("components:\n", entry + "components:\n")
    )
    s = session(repo)
    item = items(s, "compatibility")[f"finding:{finding(s, 'idp.issuer-changed').fingerprint}"]
    assert item.status == "ok" and "30 days of notice" in item.detail
    notice = s.render_notice()
    assert "**By 2026-02-14** — Adapt: issuer of corp changed" in notice
    assert "Read the issuer from discovery." in notice
    assert "Deprecation: @1768435200" in notice  # 2026-01-15T00:00:00Z
    assert "Sunset: Sat, 14 Feb 2026 00:00:00 GMT" in notice
    s.close()


# --- schema clarity -------------------------------------------------------------------------------

NEW_ENDPOINT = """\
  cancel_order:
    method: POST
    path: /v1/orders/{id}/cancel
    security:
      - access_token: [orders:write]
    responses:
      "200": {description: Cancelled}
      "409": {}
    errors: [order_final]
errors:
  order_final:
    status: 409
  invalid_token:"""


def test_schema_clarity_names_each_gap_of_what_changed(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r")
    text = repo.read(CONTRACT_PATH).replace("errors:\n  invalid_token:", NEW_ENDPOINT, 1)
    text = text.replace(
        "  orders:write: Create orders\n", "  orders:write: Create orders\n  orders:admin: ''\n"
    )
    text = text.replace(
        "        id: {type: string, description: The order id}\n",
        "        id: {type: string, description: The order id}\n        note: {type: string}\n",
    )
    repo.write(CONTRACT_PATH, text)
    s = session(repo)
    clarity = items(s, "schema_clarity")
    missing = sorted(i for i, item in clarity.items() if item.status == "missing")
    assert missing == [
        "endpoint:cancel_order:documented",
        "endpoint:cancel_order:request",
        "endpoint:cancel_order:response-description:409",
        "endpoint:cancel_order:response-schema:200",
        "error:order_final:description",
        "property:components.schemas.Order.properties.note",
        "scope:orders:admin",
    ]
    assert (
        clarity["endpoint:cancel_order:request"].line
        == text.splitlines().index("  cancel_order:") + 1
    )
    assert "pre-existing" not in clarity  # the committed contract had no gaps
    s.close()


def test_schema_clarity_all_mode_blocks_on_old_gaps(tmp_path: Path) -> None:
    from test_amendment_support import CONTRACT

    repo = orders_repo(tmp_path / "r", text=CONTRACT.replace("    summary: List orders\n", ""))
    repo.edit(CONTRACT_PATH, "lifetime: 15m", "lifetime: 10m")
    s = session(repo)
    assert items(s, "schema_clarity")["pre-existing"].status == "info"
    assert s.checklist.step("schema_clarity").status == "done"
    repo.write(".workbench.yaml", "amendments:\n  schema_clarity: all\n")
    repo.commit("Check every endpoint", ".workbench.yaml")
    s.refresh()
    assert items(s, "schema_clarity")["endpoint:list_orders:documented"].status == "missing"
    s.close()


# --- impact, notice, changelog -----------------------------------------------------------------


def _contract(text: str):
    return load_contract_text(text, "c.yaml")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tokens.access_token.lifetime", {"access_token"}),
        ("endpoints.create_order.request.schema", {"create_order", "orders:write"}),
        ("scopes.orders:read", {"orders:read", "list_orders"}),
        ("identity_providers[corp].issuer", {"access_token"}),
        ("errors.invalid_token.status", {"create_order", "list_orders"}),
        ("components.schemas.Order.properties.id", {"create_order", "list_orders"}),
        ("pkce.methods[plain]", {"authorization_code"}),
        ("grants[client_credentials]", {"client_credentials"}),
        ("client_authentication[private_key_jwt]", {"*"}),
        ("owners[orders]", set()),
        ("deprecations[tokens.audit_token]", {"audit_token"}),
    ],
)
def test_touched_parts(path: str, expected: set[str]) -> None:
    from test_amendment_support import CONTRACT

    c = _contract(CONTRACT)
    assert touched_parts(path, c, c) == expected


def test_affected_consumers_intersect_their_uses() -> None:
    from types import SimpleNamespace

    from test_amendment_support import CONTRACT

    c = _contract(CONTRACT)

    def names(*paths: str) -> list[str]:
        fs = [SimpleNamespace(path=p) for p in paths]
        return [a.name for a in affected_consumers(fs, c, c)]

    assert names("endpoints.list_orders.responses") == ["warehouse"]
    assert names("tokens.audit_token.lifetime") == ["auditor"]
    assert names("tokens.access_token.audience[x]") == ["web-shop"]
    assert names("client_authentication[x]") == ["web-shop", "warehouse", "auditor"]
    assert names("title") == []
    [web] = affected_consumers([SimpleNamespace(path="endpoints.create_order.x")], c, c)
    assert web.matched == ("create_order",) and web.reason == "uses create_order"


def test_header_values_follow_rfc_9745_and_rfc_8594() -> None:
    assert deprecation_header(dt.date(2026, 9, 1)) == "@1788220800"
    assert sunset_header(dt.date(2026, 9, 1)) == "Tue, 01 Sep 2026 00:00:00 GMT"


def test_changelog_entry_goes_below_unreleased_in_the_demo_format() -> None:
    existing = changelog_text("orders-api", [("1.4.0", "2025-06-01", {"Added": ["x"]})])
    entry = render_entry("2.0.0", TODAY, {"Changed": ["**Breaking:** y."], "Security": ["z."]})
    text, status = insert_entry(existing, entry, "2.0.0")
    assert status == "inserted"
    lines = text.splitlines()
    at = lines.index("## [Unreleased]")
    assert lines[at + 2] == "## [2.0.0] - 2026-01-15"
    assert lines.index("## [1.4.0] - 2025-06-01") > lines.index("### Security")
    assert has_entry(text, "2.0.0") and not has_entry(text, "2.0.1")
    assert insert_entry(text, entry, "2.0.0")[1] == "exists"
    replaced, status = insert_entry(
        text, render_entry("2.0.0", TODAY, {"Fixed": ["f."]}), "2.0.0", replace=True
    )
    assert status == "replaced" and "### Fixed" in replaced and "### Security" not in replaced
    assert replaced.count("## [2.0.0]") == 1
    crlf, _ = insert_entry(existing.replace("\n", "\r\n"), entry, "2.0.0")
    assert "\r\n## [2.0.0] - 2026-01-15\r\n" in crlf and "\n\n" not in crlf.replace("\r\n", "")


def test_shared_changelogs_name_the_contract() -> None:
    entry = render_entry("2.0.0", TODAY, {"Added": ["a."]}, contract_id="orders-api")
    text, _ = insert_entry(None, entry, "2.0.0", "orders-api")
    assert "Contract `orders-api`." in text
    assert has_entry(text, "2.0.0", "orders-api") and not has_entry(text, "2.0.0", "billing-api")


def test_record_yaml_is_plain_data(issuer_repo) -> None:
    s = session(issuer_repo)
    s.accept(finding(s, "idp.issuer-changed").fingerprint, "reason: with [brackets] and # hash")
    data = yaml.safe_load((issuer_repo.root / RECORD).read_text())
    assert (
        data["steps"]["compatibility"]["accepted"][0]["reason"]
        == "reason: with [brackets] and # hash"
    )
    s.close()


def test_a_reviewer_signs_off_on_their_own_machine(issuer_repo) -> None:
    """The author starts the record and commits; the reviewer (another git identity) signs
    off on the branch and commits the record."""
    s = session(issuer_repo)
    s.start()
    s.accept(security(s, "regression.rotation-overlap").fingerprint, "night cut-over at 02:00")
    s.close()
    issuer_repo.commit("New issuer")
    with identity_of(issuer_repo, *REVIEWER):
        reviewer = session(issuer_repo, base="main")
        assert str(reviewer.author) == "Grace Reviewer <grace@example.com>"
        reviewer.sign_off()
        record = load_record(issuer_repo.root / RECORD)
        assert record.author.name == "Ada Author"
        reviewer.close()
        issuer_repo.commit("Security review")
    s = session(issuer_repo, base="main")
    item = items(s, "security_review")["sign-off"]
    assert item.status == "ok", item.detail
    s.close()
