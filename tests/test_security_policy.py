"""The security policy: defaults, overrides from .workbench.yaml, and positioned errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.contract import ContractError, load_contract
from workbench.security import DEFAULT_POLICY, load_policy, load_policy_file, review_contract
from workbench.security.policy import SessionLimit

EXEMPLARY = Path(__file__).parent / "security_cases" / "exemplary.yaml"


def write_settings(root: Path, body: str) -> Path:
    path = root / ".workbench.yaml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def rules_of(findings) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.fixture(scope="module")
def exemplary():
    return load_contract(EXEMPLARY)


def test_no_settings_file_gives_the_defaults(tmp_path):
    policy = load_policy(tmp_path)
    assert policy is DEFAULT_POLICY
    assert policy.fail_on == "high"
    assert policy.session_limits["aal2"] == SessionLimit(24 * 3600, 3600)
    assert policy.session_limits["aal3"] == SessionLimit(12 * 3600, 15 * 60)
    assert policy.session_limits["aal1"] == SessionLimit(30 * 86400, None)
    assert policy.max_lifetime == {"authorization_code": 600}
    assert policy.min_rsa_bits == 2048


def test_settings_without_security_section_give_the_defaults(tmp_path, exemplary):
    write_settings(tmp_path, "contracts:\n  include: ['**/*.yaml']\n")
    policy = load_policy(tmp_path)
    assert policy.to_dict() | {"source": "x"} == DEFAULT_POLICY.to_dict() | {"source": "x"}
    assert review_contract(exemplary, policy) == []


def test_overrides_tighten_the_review(tmp_path, exemplary):
    path = write_settings(
        tmp_path,
        """
        security:
          fail_on: medium
          max_lifetime: {access_token: 5m, authorization_code: 30s}
          allowed_algorithms: [ES384]
          required_assurance_level: aal3
          min_rsa_bits: 4096
          min_ec_curve: P-521
        """,
    )
    policy = load_policy(tmp_path)
    assert policy.fail_on == "medium"
    assert policy.max_lifetime == {"access_token": 300, "authorization_code": 30}
    assert policy.allowed_algorithms == ("ES384",)
    found = rules_of(review_contract(exemplary, policy))
    assert set(found) >= {
        "policy.token-lifetime",
        "oauth.code-lifetime",
        "policy.algorithm-not-allowed",
        "mfa.assurance-below-policy",
        "keys.rsa-too-small",
        "keys.ec-too-small",
    }
    # the policy's line is named in the message, so the reader knows where the limit comes from
    lifetime = found["policy.token-lifetime"][0]
    assert f"(policy {path}:3)" in lifetime.message
    assert "10m" in lifetime.message and "5m" in lifetime.message
    below = found["mfa.assurance-below-policy"][0]
    assert "aal3" in below.message and f"{path}:5" in below.message
    # aal3 limits apply to an aal2 contract once policy requires aal3: idle 15m is within
    assert "session.idle-timeout" not in found
    # aal3 at policy level also makes bearer tokens high: the exemplary one is DPoP-bound
    assert "oauth.sender-constraint" not in found


def test_required_level_applies_its_session_limits(tmp_path):
    contract = load_contract(Path(__file__).parents[1] / "sample_contracts" / "payments-api.yaml")
    write_settings(tmp_path, "security:\n  required_assurance_level: aal3\n")
    found = rules_of(review_contract(contract, load_policy(tmp_path)))
    idle = found["session.idle-timeout"][0]
    assert "15m" in idle.message and "policy required_assurance_level aal3" in idle.message
    assert rules_of(review_contract(contract)).get("session.idle-timeout") is None


def test_session_limits_override(tmp_path, exemplary):
    write_settings(tmp_path, "security:\n  session_limits: {aal2: {absolute: 8h, idle: 10m}}\n")
    policy = load_policy(tmp_path)
    assert policy.session_limits["aal2"] == SessionLimit(8 * 3600, 600)
    assert policy.session_limits["aal3"] == DEFAULT_POLICY.session_limits["aal3"]
    found = rules_of(review_contract(exemplary, policy))
    assert "12h" in found["session.absolute-timeout"][0].message
    assert "8h" in found["session.absolute-timeout"][0].message
    assert "session.idle-timeout" in found


def test_disabled_rules_and_severity_overrides(tmp_path):
    contract = load_contract(Path(__file__).parents[1] / "sample_contracts" / "payments-api.yaml")
    before = rules_of(review_contract(contract))
    assert before["oauth.sender-constraint"][0].severity == "medium"
    assert "keys.quantum-vulnerable" in before
    write_settings(
        tmp_path,
        """
        security:
          disabled_rules: [keys.quantum-vulnerable]
          severity_overrides: {oauth.sender-constraint: critical}
        """,
    )
    after = rules_of(review_contract(contract, load_policy(tmp_path)))
    assert "keys.quantum-vulnerable" not in after
    assert after["oauth.sender-constraint"][0].severity == "critical"


def test_clock_skew_feeds_the_rotation_threshold(tmp_path):
    write_settings(tmp_path, "security:\n  clock_skew: 5m\n")
    assert load_policy(tmp_path).clock_skew == 300


@pytest.mark.parametrize(
    ("body", "line", "col", "message"),
    [
        (
            "security:\n  max_lifetimes: {access_token: 5m}\n",
            2,
            3,
            "unknown security setting 'max_lifetimes' (did you mean 'max_lifetime'?)",
        ),
        ("security:\n  max_lifetime: {access_token: five minutes}\n", 2, 18, "is not a duration"),
        (
            "security:\n  disabled_rules: [jwt.alg-nome]\n",
            2,
            20,
            "unknown rule 'jwt.alg-nome' (did you mean 'jwt.alg-none'?)",
        ),
        (
            "security:\n  severity_overrides: {jwt.alg-none: severe}\n",
            2,
            24,
            "severity 'severe' is not one of",
        ),
        (
            "security:\n  required_assurance_level: aal4\n",
            2,
            3,
            "'aal4' is not one of: aal1, aal2, aal3",
        ),
        (
            "security:\n  allowed_algorithms: [ES256, RS257]\n",
            2,
            31,
            "unknown signing algorithm 'RS257'",
        ),
        ("security:\n  allowed_algorithms: []\n", 2, 3, "is empty"),
        ("security:\n  min_rsa_bits: lots\n", 2, 3, "must be an integer"),
        ("security:\n  min_ec_curve: P-100\n", 2, 3, "'P-100' is not one of"),
        ("security:\n  fail_on: sometimes\n", 2, 3, "fail_on 'sometimes' is not one of"),
        (
            "security:\n  session_limits: {aal2: {absolute: 1h, idle: 2h}}\n",
            2,
            41,
            "idle limit is longer than absolute",
        ),
        ("security:\n  session_limits: {aal5: {absolute: 1h}}\n", 2, 20, "'aal5' is not one of"),
        ("security:\n  session_limits: {aal2: {max: 1h}}\n", 2, 27, "unknown limit 'max'"),
        ("security:\n  disabled_rules: jwt.alg-none\n", 2, 3, "'disabled_rules' must be a list"),
        ("security: [fail_on]\n", 1, 1, "'security' must be a mapping"),
    ],
)
def test_bad_policy_is_a_positioned_error(tmp_path, body, line, col, message):
    path = write_settings(tmp_path, body)
    with pytest.raises(ContractError) as info:
        load_policy(tmp_path)
    problem = info.value.first
    assert problem.file == str(path)
    assert message in problem.message
    assert (problem.line, problem.column) == (line, col), problem.format()
    assert problem.format().startswith(f"{path}:{line}:{col}: error: ")


def test_every_bad_key_is_reported_at_once(tmp_path):
    write_settings(tmp_path, "security:\n  fail_on: sometimes\n  min_rsa_bits: 12\n  typo: 1\n")
    with pytest.raises(ContractError) as info:
        load_policy(tmp_path)
    assert [p.line for p in info.value.problems] == [2, 3, 4]


def test_policy_file_bare_mapping_and_settings_file(tmp_path):
    bare = tmp_path / "strict.yaml"
    bare.write_text("fail_on: low\nmax_lifetime: {access_token: 5m}\n", encoding="utf-8")
    policy = load_policy_file(bare)
    assert policy.fail_on == "low" and policy.max_lifetime["access_token"] == 300
    assert policy.source == str(bare)
    assert policy.origins["max_lifetime"] == f"{bare}:2"
    settings = tmp_path / "settings.yaml"
    settings.write_text("security:\n  fail_on: critical\n", encoding="utf-8")
    assert load_policy_file(settings).fail_on == "critical"
    bad = tmp_path / "bad.yaml"
    bad.write_text("fail_on: low\nmin_rsa_bit: 4096\n", encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_policy_file(bad)
    assert info.value.first.format().startswith(f"{bad}:2:1: error: unknown security setting")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert load_policy_file(empty).fail_on == "high"
