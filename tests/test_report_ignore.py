"""The ignore file: entries by fingerprint or rule+path, reasons, expiry, positioned errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import Loc
from workbench.engine.ignore import IGNORE_NAME, Ignores, load_ignores, parse_ignores
from workbench.engine.model import Finding
from workbench.security.model import SecurityFinding

TODAY = dt.date(2026, 3, 1)


def _f(rule: str, path: str, fingerprint: str = "a1b2c3d4e5f60718") -> Finding:
    return Finding(rule, "breaking", "neutral", ("clients",), path, "m", fingerprint=fingerprint)


def _errors(text: str) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_ignores(text, "ign.yaml", today=TODAY)
    return [p.format() for p in info.value.problems]


def test_fingerprint_and_rule_path_entries():
    ignores = parse_ignores(
        """\
ignore:
  - fingerprint: a1b2c3d4e5f60718
    reason: agreed in PAY-1
  - rule: error.added
    path: errors[rate_limited]
    reason: SDKs retry unknown codes
""",
        "ign.yaml",
        today=TODAY,
    )
    assert len(ignores) == 2 and ignores.warnings == []
    assert ignores.match(_f("token.alg-removed", "x")) == "agreed in PAY-1"
    assert ignores.match(_f("error.added", "errors[rate_limited]", "0" * 16)) == (
        "SDKs retry unknown codes"
    )
    assert ignores.match(_f("error.added", "errors[other]", "0" * 16)) is None
    assert ignores.match(_f("error.code-removed", "errors[rate_limited]", "0" * 16)) is None
    assert (ignores.entries[0].line, ignores.entries[0].column) == (2, 5)
    assert (ignores.entries[1].line, ignores.entries[1].column) == (4, 5)


def test_wildcards_are_the_only_pattern_syntax():
    ignores = parse_ignores(
        "- rule: 'token.*'\n  path: tokens.access_token.signing_algorithms[*]\n  reason: r\n",
        today=TODAY,
    )
    assert ignores.match(_f("token.alg-removed", "tokens.access_token.signing_algorithms[RS256]"))
    # brackets are literal, not character classes
    assert ignores.match(_f("token.alg-removed", "tokens.access_token.signing_algorithmsX")) is None
    assert (
        ignores.match(_f("scope.removed", "tokens.access_token.signing_algorithms[RS256]")) is None
    )


def test_fingerprint_prefix_of_eight_or_more_and_all_criteria_must_match():
    ignores = parse_ignores(
        "ignore:\n  - fingerprint: a1b2c3d4\n    rule: token.alg-removed\n    reason: r\n",
        today=TODAY,
    )
    assert ignores.match(_f("token.alg-removed", "p")) == "r"
    assert ignores.match(_f("token.alg-added", "p")) is None
    assert ignores.match(_f("token.alg-removed", "p", "ffffffffffffffff")) is None


def test_contract_scope():
    ignores = parse_ignores(
        "- rule: '*'\n  path: '*'\n  contract: payments-api\n  reason: r\n", today=TODAY
    )
    assert ignores.scoped("payments-api").match(_f("a.b", "c")) == "r"
    assert ignores.scoped("ledger").match(_f("a.b", "c")) is None


def test_security_findings_match_too():
    ignores = parse_ignores("- rule: jwt.alg-none\n  path: '*'\n  reason: lab only\n", today=TODAY)
    finding = SecurityFinding(
        "jwt.alg-none", "critical", "t", "m", "f", "c", "tokens.x", Loc(1, 1, 1), "state", "f" * 16
    )
    assert ignores.match(finding) == "lab only"


def test_expired_entries_silence_nothing_and_warn_with_position():
    ignores = parse_ignores(
        """\
ignore:
  - fingerprint: a1b2c3d4e5f60718
    reason: until the SDK release
    expires: 2026-02-28
  - rule: scope.removed
    path: '*'
    reason: last day still counts
    expires: 2026-03-01
""",
        "ign.yaml",
        today=TODAY,
    )
    assert ignores.match(_f("token.alg-removed", "x")) is None
    assert ignores.match(_f("scope.removed", "scopes[a]", "0" * 16)) == "last day still counts"
    assert [w.format() for w in ignores.warnings] == [
        "ign.yaml:2:5: warning: ignore entry for fingerprint a1b2c3d4e5f60718 expired on "
        "2026-02-28; it silences nothing (renew it with a new reason, or fix the finding) "
        "(at ignore[0])"
    ]


def test_unused_entries_are_reported():
    ignores = parse_ignores(
        "- fingerprint: a1b2c3d4e5f60718\n  reason: r\n- rule: x\n  path: y\n  reason: r\n",
        today=TODAY,
    )
    ignores.match(_f("token.alg-removed", "p"))
    assert [e.rule for e in ignores.unused()] == ["x"]


def test_bad_entries_report_every_problem_at_its_position():
    text = """\
ignore:
  - rule: token.alg-removed
    path: tokens.a
    reasn: typo
  - fingerprint: abc
    reason: 3
  - rule: token.alg-removed
    reason: no path
  - reason: names nothing
  - just a string
  - fingerprint: a1b2c3d4e5f60718
    reason: r
    expires: next week
"""
    assert _errors(text) == [
        "ign.yaml:2:5: error: missing 'reason': say why this finding is accepted (at ignore[0])",
        "ign.yaml:4:5: error: unknown key 'reasn' (did you mean 'reason'?) (at ignore[0].reasn)",
        "ign.yaml:5:18: error: fingerprint 'abc' is too short (at least 8 characters) "
        "(at ignore[1].fingerprint)",
        "ign.yaml:6:13: error: 'reason' must be a non-empty string (at ignore[1].reason)",
        "ign.yaml:7:5: error: 'path' is missing: a rule-based entry needs both 'rule' and 'path' "
        "(use '*' to mean any) (at ignore[2])",
        "ign.yaml:9:5: error: an ignore entry needs 'fingerprint', or 'rule' and 'path' "
        "(at ignore[3])",
        "ign.yaml:10:5: error: an ignore entry must be a mapping with 'reason' and a fingerprint "
        "or rule+path (at ignore[4])",
        "ign.yaml:13:14: error: expires 'next week' is not a date (YYYY-MM-DD) "
        "(at ignore[5].expires)",
    ]


def test_bad_top_level():
    assert _errors("ignores:\n  - fingerprint: a1b2c3d4e5f60718\n") == [
        "ign.yaml:1:1: error: unknown key 'ignores' (expected 'ignore: [entries]') (at ignores)"
    ]
    assert _errors("ignore: 3\n") == [
        "ign.yaml:1:9: error: expected a list of ignore entries (at ignore)"
    ]
    assert _errors("ignore:\n  - reason: [unclosed\n")[0].startswith(
        "ign.yaml:3:1: error: invalid YAML"
    )


def test_empty_files_and_missing_default(tmp_path: Path):
    assert len(parse_ignores("", today=TODAY)) == 0
    assert len(parse_ignores("# nothing accepted yet\n\n", today=TODAY)) == 0
    assert len(parse_ignores("ignore:\n", today=TODAY)) == 0
    empty = load_ignores(tmp_path, today=TODAY)
    assert isinstance(empty, Ignores) and len(empty) == 0
    assert empty.match(_f("a", "b")) is None


def test_load_from_repository_root_or_file(tmp_path: Path):
    (tmp_path / IGNORE_NAME).write_text("- fingerprint: a1b2c3d4e5f60718\n  reason: r\n")
    assert load_ignores(tmp_path, today=TODAY).source == str(tmp_path / IGNORE_NAME)
    assert len(load_ignores(tmp_path / IGNORE_NAME, today=TODAY)) == 1
    with pytest.raises(ContractError) as info:
        load_ignores(tmp_path / "missing.yaml")
    assert info.value.first.format() == f"{tmp_path / 'missing.yaml'}:1:1: error: no such file"
