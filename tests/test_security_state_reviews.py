"""A chain of amendments reviewed with shared state reviews gives the same findings as each
amendment reviewed on its own, and reviews each contract's state once."""

from __future__ import annotations

from security_support import contract_from, exemplary, patch

from workbench.security import review
from workbench.security.policy import DEFAULT_POLICY
from workbench.security.review import StateReviews, review_amendment


def _chain():
    specs = [
        {"set": {"pkce.methods": ["S256", "plain"]}},
        {"set": {"pkce.methods": ["S256", "plain"], "grants": ["authorization_code", "implicit"]}},
        {"set": {"grants": ["authorization_code", "implicit"]}},
        {"set": {"grants": ["authorization_code"]}},
    ]
    return [contract_from(patch(exemplary(), s), f"v{i}.yaml") for i, s in enumerate(specs)]


def test_a_chain_shares_state_reviews_and_answers_the_same(monkeypatch):
    versions = _chain()
    pairs = [
        (versions[i - 1], versions[i]) for i in range(len(versions) - 1, 0, -1)
    ]  # newest first
    alone = [review_amendment(old, new) for old, new in pairs]

    calls: list[object] = []
    real = review.review_contract

    def counted(contract, policy=None):
        calls.append(contract)
        return real(contract, policy)

    monkeypatch.setattr(review, "review_contract", counted)
    states = StateReviews()
    shared = [review_amendment(old, new, states=states) for old, new in pairs]
    assert shared == alone
    assert any(f.new_in_amendment is False for f in shared[-1])  # marks are per amendment
    assert any(f.new_in_amendment for f in shared[-1])
    # each version reviewed once, where each amendment alone reviews both of its sides
    assert len(calls) == len(versions)
    assert all(sum(c is v for c in calls) == 1 for v in versions)


def test_answers_are_copies_the_caller_may_change():
    contract = _chain()[1]
    states = StateReviews()
    first = states.of(contract, DEFAULT_POLICY)
    assert first
    for finding in first:
        finding.new_in_amendment = False
        finding.ignored = "accepted"
    again = states.of(contract, DEFAULT_POLICY)
    assert all(f.new_in_amendment and f.ignored is None for f in again)
    assert again == review.review_contract(contract, DEFAULT_POLICY)
