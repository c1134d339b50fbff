"""The security review: standards-backed rules on a contract and on an amendment, and the
repository policy that tunes them (``security:`` in ``.workbench.yaml``)."""

from workbench.security.model import (
    SEVERITIES,
    SEVERITY_RANK,
    Rule,
    SecurityFinding,
    at_or_above,
)
from workbench.security.policy import DEFAULT_POLICY, Policy, load_policy, load_policy_file
from workbench.security.registry import RULES
from workbench.security.review import review_amendment, review_contract

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "SEVERITIES",
    "SEVERITY_RANK",
    "Policy",
    "Rule",
    "SecurityFinding",
    "at_or_above",
    "load_policy",
    "load_policy_file",
    "review_amendment",
    "review_contract",
]
