"""Issue 16's core: every face tells the same story about an amendment's security.

One finding per weakness, one security count, one rotation-overlap computation, findings that
point at the lines holding the problem, and advice a security engineer can act on.
"""

from __future__ import annotations

from test_security_rules import _base, contract_from, patch

from workbench.security import RULES, review_contract


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
