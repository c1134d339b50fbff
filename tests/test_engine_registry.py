"""One rule shape for both families: RuleMeta, the Registry and its decorator, the citation style."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbench.engine.citations import citation_problem, citation_url
from workbench.engine.ignore import parse_ignores
from workbench.engine.registry import Registry, RuleMeta
from workbench.engine.rules import AREAS, REGISTRY, Hit, Rule
from workbench.report.rules import compatibility_rules, rule_doc_url, security_rules
from workbench.review import known_rule_ids, load_ignores
from workbench.security.model import SEVERITIES as SECURITY_SEVERITIES
from workbench.security.model import Rule as SecurityRule
from workbench.security.registry import AREAS as SECURITY_AREAS
from workbench.security.registry import RULES

TODAY = dt.date(2026, 3, 1)


def _compat_registry() -> Registry[Rule]:
    return Registry(Rule, family="compatibility", areas=AREAS, severities=("breaking", "risky"))


def _fields(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": "A token lifetime changed",
        "topics": "token.lifetime",
        "severity": "risky",
        "rationale": """Relying parties cache tokens
            for as long as they live.""",
        "citation": "RFC 9068 §4",
    }
    fields.update(overrides)
    return fields


def test_both_families_are_rule_meta_in_a_registry_declared_by_one_decorator() -> None:
    assert isinstance(REGISTRY, Registry) and isinstance(RULES, Registry)
    assert REGISTRY.rule.__func__ is RULES.rule.__func__  # the one decorator factory
    assert {r.family for r in REGISTRY.values()} == {"compatibility"}
    assert {r.family for r in RULES.values()} == {"security"}
    for rule in [*REGISTRY.values(), *RULES.values()]:
        assert isinstance(rule, RuleMeta)
        assert rule.area == rule.id.split(".", 1)[0]
        assert rule.rationale == " ".join(rule.rationale.split())
    assert all(
        r.area in SECURITY_AREAS and r.severity in SECURITY_SEVERITIES for r in RULES.values()
    )
    # the reports read the registries themselves: no copy to drift
    assert compatibility_rules() is REGISTRY and security_rules() is RULES
    assert rule_doc_url("jwt.alg-none").startswith("docs/security-rules.md#")
    assert rule_doc_url("token.alg-removed").startswith("docs/rules.md#")
    assert not set(REGISTRY) & set(RULES)
    assert known_rule_ids() == {*REGISTRY, *RULES}


def test_the_decorator_registers_a_normalised_rule_and_returns_the_check() -> None:
    registry = _compat_registry()

    def check(change, env):
        return Hit("changed")

    assert registry.rule("token.lifetime-x", **_fields(breaks=["relying_parties"]))(check) is check
    rule = registry["token.lifetime-x"]
    assert rule.check is check and rule.topics == ("token.lifetime",)
    assert rule.breaks == ("relying_parties",)
    assert rule.rationale == "Relying parties cache tokens for as long as they live."
    assert rule.bump_for("risky") == "minor" and rule.bump_for("breaking") == "major"
    assert rule.citation_url == "https://www.rfc-editor.org/rfc/rfc9068#section-4"
    assert list(registry) == ["token.lifetime-x"] and len(registry) == 1
    assert registry.by_area() == {"token": [rule]}


@pytest.mark.parametrize(
    ("rule_id", "overrides", "why"),
    [
        ("token.dup", {}, "duplicate rule id"),
        ("nowhere.x", {}, "unknown area 'nowhere'"),
        ("token.x", {"severity": "safe"}, "severity 'safe' is not one of breaking, risky"),
        ("token.x", {"security": "worse"}, "security 'worse' is not one of"),
        ("token.x", {"breaks": ("everyone",)}, "unknown party"),
        ("token.x", {"citation": "RFC 9068 section 4"}, "write sections as '§3.1'"),
        ("token.x", {"citation": "JSON Schema 2020-12 core 10.2"}, "'§10.2'"),
    ],
)
def test_the_registry_refuses_a_bad_rule_at_import(rule_id, overrides, why) -> None:
    registry = _compat_registry()
    registry.rule("token.dup", **_fields())(lambda c, e: None)
    with pytest.raises(ValueError, match="compatibility rule") as info:
        registry.rule(rule_id, **_fields(**overrides))(lambda c, e: None)
    assert why in str(info.value)


def test_a_rule_of_the_other_family_is_refused() -> None:
    registry = _compat_registry()
    rule = SecurityRule(
        id="token.x", title="t", severity="risky", rationale="r", check=lambda ctx: ()
    )
    with pytest.raises(ValueError, match="belongs to the security family"):
        registry.add(rule)  # type: ignore[arg-type]


def test_unknown_decorator_fields_fail_loudly() -> None:
    with pytest.raises(TypeError, match="topic"):
        _compat_registry().rule("token.x", **_fields(topic="token.lifetime"))(lambda c, e: None)


def test_every_citation_follows_the_house_style() -> None:
    for rule in [*REGISTRY.values(), *RULES.values()]:
        assert citation_problem(rule.citation) is None, (rule.id, rule.citation)


@pytest.mark.parametrize(
    ("citation", "problem"),
    [
        ("RFC 9700 §2.1.1", None),
        ("RFC 8725 §3.1, §3.2; RFC 9068 §2.1", None),
        ("NIST SP 800-57 Part 1 Rev. 5 §5.6.1; NIST SP 800-131A Rev. 2 §3", None),
        ("OpenID Connect Core 1.0 §10.1.1", None),
        ("OWASP ASVS 5.0 §7.2 (session management)", None),
        ("SemVer 2.0.0 item 8", None),
        ("RFC 9700 section 2.1.1", "write sections as '§3.1', not 'section'"),
        ("RFC 8414 sections 2 and 3.3", "not 'sections'"),
        ("JSON Schema 2020-12 validation 6.1.2", "write the section as '§6.1.2'"),
        ("RFC 9700 § 2.1", "no space after '§'"),
    ],
)
def test_citation_style(citation: str, problem: str | None) -> None:
    found = citation_problem(citation)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_citation_links_follow_the_first_standard_named() -> None:
    assert citation_url("RFC 9068 §2.1, §4; RFC 8725 §3.11") == (
        "https://www.rfc-editor.org/rfc/rfc9068#section-2.1"
    )
    assert citation_url("NIST SP 800-57 Part 1 Rev. 5 §5.3").endswith("/57/pt1/r5/final")
    assert citation_url("SemVer 2.0.0 item 8") is None


IGNORE = """\
ignore:
  - rule: token.lifetime-shortend
    path: "*"
    reason: typo in an engine rule id
  - rule: jwt.alg-nope
    path: "*"
    reason: typo in a security rule id
  - rule: jwt.alg-none
    path: "*"
    reason: a real security rule
"""


def test_the_ignore_file_checks_rule_ids_it_is_given(tmp_path: Path) -> None:
    """The engine's loader knows no rule ids by itself (the security rules live above it);
    the review's loader passes both families'."""
    assert parse_ignores(IGNORE, "ign.yaml", today=TODAY).warnings == []
    (tmp_path / "ign.yaml").write_text(IGNORE, encoding="utf-8")
    warnings = [w.format() for w in load_ignores(tmp_path / "ign.yaml", today=TODAY).warnings]
    assert warnings == [
        f"{tmp_path / 'ign.yaml'}:2:11: warning: ignore entry for token.lifetime-shortend at *: "
        "no rule is called 'token.lifetime-shortend' (did you mean 'token.lifetime-shortened'?); "
        "it silences nothing (at ignore[0].rule)",
        f"{tmp_path / 'ign.yaml'}:5:11: warning: ignore entry for jwt.alg-nope at *: "
        "no rule is called 'jwt.alg-nope' (did you mean 'jwt.alg-none'?); "
        "it silences nothing (at ignore[1].rule)",
    ]
