"""Every security rule fires on a patched copy of the exemplary contract, and its near miss does
not (the table is tests/security_cases/cases.yaml); the exemplary contract itself is clean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from security_support import CASES_DIR, EXEMPLARY, contract_from, exemplary, patch

from workbench.config import parse_config
from workbench.contract import load_contract, validate_file
from workbench.engine import compare
from workbench.security import RULES, review_amendment, review_contract
from workbench.security.policy import DEFAULT_POLICY, Policy, parse_policy

CASES: list[dict[str, Any]] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text())
TODAY = dt.date(2026, 6, 1)
CHECKS = ("severity", "path", "line_has", "message_has", "side")


def policy_from(mapping: dict | None) -> Policy:
    if not mapping:
        return DEFAULT_POLICY
    text = yaml.safe_dump({"security": mapping}).encode()
    config = parse_config(text, ".workbench.yaml")
    return parse_policy(config.security, config)


def run(case: dict, spec: dict, name: str):
    policy = policy_from(case.get("policy"))
    base = exemplary()
    if RULES[case["rule"]].kind == "regression":
        old = contract_from(patch(base, spec.get("old")), f"old-{name}.yaml")
        new = contract_from(patch(base, spec.get("new")), f"new-{name}.yaml")
        report = compare(old, new, today=TODAY)
        findings = review_amendment(old, new, report, policy, today=TODAY)
        return findings, {"old": old, "new": new}
    contract = contract_from(patch(base, spec), f"{name}.yaml")
    return review_contract(contract, policy), {"new": contract}


def _firing(case: dict) -> list[tuple[str, dict, dict]]:
    top = {k: case[k] for k in CHECKS if k in case}
    out = [("fires", case["fires"], top)]
    for i, variant in enumerate(case.get("variants") or []):
        checks = {k: variant[k] for k in CHECKS if k in variant}
        spec = {k: v for k, v in variant.items() if k not in CHECKS}
        out.append((f"variant{i}", spec, checks))
    return out


def _missing(case: dict) -> list[tuple[str, dict]]:
    out = [("near_miss", case["near_miss"])]
    out += [(f"near_miss{i}", spec) for i, spec in enumerate(case.get("near_misses") or [])]
    return out


FIRE_PARAMS = [
    pytest.param(case, label, spec, checks, id=f"{case['rule']}-{label}")
    for case in CASES
    for label, spec, checks in _firing(case)
]
MISS_PARAMS = [
    pytest.param(case, label, spec, id=f"{case['rule']}-{label}")
    for case in CASES
    for label, spec in _missing(case)
]


def test_the_exemplary_contract_is_valid_and_clean():
    assert [p for p in validate_file(EXEMPLARY) if p.severity == "error"] == []
    contract = load_contract(EXEMPLARY)
    assert review_contract(contract) == []
    assert review_amendment(contract, contract, None, today=TODAY) == []


def test_every_rule_has_a_case():
    covered = {case["rule"] for case in CASES}
    missing = sorted(set(RULES) - covered)
    assert missing == []
    assert len({c["rule"] for c in CASES}) == len(CASES), "one entry per rule"


@pytest.mark.parametrize(("case", "label", "spec", "checks"), FIRE_PARAMS)
def test_rule_fires(case, label, spec, checks):
    rule = RULES[case["rule"]]
    findings, contracts = run(case, spec, f"{rule.id}-{label}")
    mine = [f for f in findings if f.rule == rule.id]
    assert mine, f"{rule.id} did not fire; got {[f.rule for f in findings]}"
    f = mine[0]
    assert f.severity == checks.get("severity", f.severity)
    if "severity" not in checks and not rule.severity_note:
        assert f.severity == rule.severity
    if "path" in checks:
        assert f.path == checks["path"]
    if "message_has" in checks:
        assert checks["message_has"] in f.message
    assert f.side == checks.get("side", f.side)
    assert f.kind == rule.kind
    assert f.citation and f.fix and f.title
    assert f.location is not None and f.location.line > 0
    contract = contracts[f.side]
    assert f.source == contract.source
    line = contract.lines[f.location.line - 1]
    if "line_has" in checks:
        assert str(checks["line_has"]) in line, f"line {f.location.line}: {line!r}"
    # the fingerprint is stable and does not depend on lines
    again, _ = run(case, spec, f"{rule.id}-{label}")
    assert [x.fingerprint for x in again if x.rule == rule.id] == [x.fingerprint for x in mine]
    assert len({x.fingerprint for x in findings}) == len(findings)


@pytest.mark.parametrize(("case", "label", "spec"), MISS_PARAMS)
def test_rule_near_miss_does_not_fire(case, label, spec):
    findings, _ = run(case, spec, f"{case['rule']}-{label}")
    assert [f for f in findings if f.rule == case["rule"]] == []
