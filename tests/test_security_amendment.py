"""Reviewing an amendment: what is new versus already present, and rotation overlap details."""

from __future__ import annotations

import datetime as dt

import pytest
from security_support import contract_from, exemplary, patch

from workbench.security import review_amendment, review_contract

RS = "tokens.access_token.signing_algorithms[PS256]"


def pair(old_spec: dict, new_spec: dict, name: str = "c"):
    base = exemplary()
    return (
        contract_from(patch(base, old_spec), f"old/{name}.yaml"),
        contract_from(patch(base, new_spec), f"new/{name}.yaml"),
    )


def by_rule(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_state_findings_are_marked_new_or_already_present():
    old, new = pair(
        {"set": {"pkce.methods": ["S256", "plain"]}},
        {"set": {"pkce.methods": ["S256", "plain"], "grants": ["authorization_code", "implicit"]}},
    )
    findings = review_amendment(old, new)
    assert [f.new_in_amendment for f in by_rule(findings, "oauth.pkce-plain")] == [False]
    assert [f.new_in_amendment for f in by_rule(findings, "oauth.implicit-grant")] == [True]
    assert all(f.kind == "state" and f.source == "new/c.yaml" for f in findings)
    # a contract on its own: everything is new
    assert all(f.new_in_amendment for f in review_contract(new))
    # the first version of a contract has no old side: its state is the whole review
    assert review_amendment(None, new) == review_contract(new)
    # a deleted contract leaves nothing to review
    assert review_amendment(old, None) == []


def test_fingerprints_ignore_line_moves():
    base = exemplary()
    base["description"] = "one line\nanother\nand more\n" * 3
    moved = contract_from(patch(base, {"set": {"pkce.methods": ["S256", "plain"]}}), "m.yaml")
    plain = contract_from(
        patch(exemplary(), {"set": {"pkce.methods": ["S256", "plain"]}}), "p.yaml"
    )
    a, b = review_contract(moved), review_contract(plain)
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert a[0].location.line != b[0].location.line
    assert review_amendment(plain, moved)[0].new_in_amendment is False


def test_findings_are_sorted_most_severe_first():
    contract = contract_from(
        patch(
            exemplary(),
            {
                "set": {
                    "grants": ["authorization_code", "password"],
                    "client_authentication": ["client_secret_basic"],
                    "sessions.cookie.same_site": "none",
                }
            },
        ),
        "s.yaml",
    )
    severities = [f.severity for f in review_contract(contract)]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low", "info"].index)
    assert severities[0] == "critical"


def _removal(dep: dict | None, *, in_old: bool = False):
    old_spec = {"set": {"tokens.access_token.signing_algorithms": ["PS256", "ES384"]}}
    new_spec = {"set": {"tokens.access_token.signing_algorithms": ["ES384"]}}
    if dep is not None:
        target = old_spec if in_old else new_spec
        target["set"]["deprecations"] = [{"target": RS, **dep}]
    return pair(old_spec, new_spec, "rot")


def test_rotation_removed_before_its_sunset_counts_only_the_days_until_today():
    old, new = _removal({"announced": "2026-05-31", "sunset": "2026-09-01"})
    hit = by_rule(
        review_amendment(old, new, today=dt.date(2026, 5, 31)), "regression.rotation-overlap"
    )
    assert len(hit) == 1 and hit[0].severity == "high"
    assert "before its sunset 2026-09-01" in hit[0].message
    assert "0s of overlap" in hit[0].message
    assert "10m30s (access_token lifetime 10m + clock skew 30s)" in hit[0].message
    # after the sunset the planned window counts
    later = review_amendment(old, new, today=dt.date(2026, 9, 2))
    assert by_rule(later, "regression.rotation-overlap") == []
    # the location is the removed entry in the OLD file
    assert hit[0].side == "old" and hit[0].source == "old/rot.yaml"
    assert "PS256" in old.lines[hit[0].location.line - 1]


def test_rotation_deprecation_kept_only_in_the_old_version_is_used():
    old, new = _removal({"announced": "2026-01-01", "sunset": "2026-02-01"}, in_old=True)
    assert (
        by_rule(
            review_amendment(old, new, today=dt.date(2026, 3, 1)), "regression.rotation-overlap"
        )
        == []
    )


def test_rotation_without_sunset_needs_today():
    old, new = _removal({"announced": "2026-01-01"})
    unknown = by_rule(review_amendment(old, new), "regression.rotation-overlap")
    assert [f.severity for f in unknown] == ["medium"]
    assert "no sunset date" in unknown[0].message
    assert (
        by_rule(
            review_amendment(old, new, today=dt.date(2026, 1, 10)), "regression.rotation-overlap"
        )
        == []
    )


def test_rotation_window_uses_the_longest_lifetime_and_the_policy_skew():
    old, new = pair(
        {
            "set": {
                "tokens.id_token.signing_algorithms": ["PS256", "ES384"],
                "tokens.id_token.lifetime": "3d",
            }
        },
        {
            "set": {
                "tokens.id_token.signing_algorithms": ["ES384"],
                "tokens.id_token.lifetime": "3d",
                "deprecations": [
                    {
                        "target": "tokens.id_token.signing_algorithms[PS256]",
                        "announced": "2026-01-01",
                        "sunset": "2026-01-03",
                    }
                ],
            }
        },
        "id",
    )
    # removed at the sunset: two days of overlap, less than the lifetime plus skew
    hit = by_rule(
        review_amendment(old, new, today=dt.date(2026, 1, 3)), "regression.rotation-overlap"
    )
    assert len(hit) == 1
    assert "2 days of overlap, less than 3d1m (id_token lifetime 3d + clock skew 1m)" in (
        hit[0].message
    )
    # removed a month after the announcement: the overlap lasted until the removal
    later = review_amendment(old, new, today=dt.date(2026, 2, 1))
    assert by_rule(later, "regression.rotation-overlap") == []


def test_removing_none_is_not_a_rotation():
    old, new = pair(
        {"set": {"tokens.access_token.signing_algorithms": ["PS256", "none"]}}, {}, "none"
    )
    findings = review_amendment(old, new)
    assert by_rule(findings, "regression.rotation-overlap") == []
    assert by_rule(review_contract(old), "jwt.alg-none")


def test_issuer_moved_while_a_second_provider_keeps_overlap():
    second = {
        "id": "new-idp",
        "issuer": "https://id.example.com",
        "discovery_url": "https://id.example.com/.well-known/openid-configuration",
        "jwks_uri": "https://id.example.com/jwks.json",
    }
    base = exemplary()
    both = [base["identity_providers"][0], second]
    old, new = pair(
        {
            "set": {
                "identity_providers": both,
                "tokens.access_token.issued_by": ["corp-idp", "new-idp"],
            }
        },
        {
            "set": {
                "identity_providers": [second],
                "tokens.access_token.issued_by": ["new-idp"],
                "tokens.id_token.issued_by": ["new-idp"],
            }
        },
        "idp",
    )
    hit = by_rule(review_amendment(old, new), "regression.rotation-overlap")
    assert [f.path for f in hit] == ["identity_providers[corp-idp]"]
    assert hit[0].severity == "medium" and "no deprecation entry" in hit[0].message
    assert "https://id.example.com" in hit[0].message


def test_stronger_key_minimum_is_a_key_rotation():
    old, new = pair({"set": {"keys.min_rsa_bits": 2048}}, {"set": {"keys.min_rsa_bits": 3072}}, "k")
    hit = by_rule(review_amendment(old, new), "regression.rotation-overlap")
    assert [f.path for f in hit] == ["keys.min_rsa_bits"]
    assert "RSA keys of 2048-3071 bits" in hit[0].message and "JWKS cache 10m" in hit[0].message


@pytest.mark.parametrize("rule", ["regression.rotation-overlap"])
def test_regression_rules_can_be_disabled(rule):
    from workbench.security.policy import DEFAULT_POLICY

    old, new = _removal(None)
    policy = DEFAULT_POLICY.replace(disabled_rules=frozenset({rule}))
    assert by_rule(review_amendment(old, new, None, policy), rule) == []
    assert by_rule(review_amendment(old, new), rule)
