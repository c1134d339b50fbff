"""The one rule shape, for both rule families.

A rule is data (:class:`RuleMeta`: id, title, severity, rationale, citation, and what its family
adds) plus one small check function. The engine's compatibility rules (``engine/rules/``) and
the security review's rules (``security/rules/``) are subclasses of :class:`RuleMeta` kept in a
:class:`Registry` each, and both are declared with the same decorator::

    @REGISTRY.rule("token.alg-removed", title=..., severity="breaking", rationale=..., ...)
    def alg_removed(change, env): ...

The docs (``python -m workbench.report.ruledocs``), the reports (SARIF rule descriptors, links)
and the TUI read rules through :class:`RuleMeta` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

from workbench.contract.record import Frozen
from workbench.engine.citations import citation_problem, citation_url
from workbench.engine.model import PARTIES, SECURITIES

Family = Literal["compatibility", "security"]


class RuleMeta(Frozen):
    """What every rule is, in either family: the data the docs, reports and TUI read.

    ``severity`` is the default (``breaking|risky|safe`` for compatibility rules, ``critical`` to
    ``info`` for security rules); a check may decide per case. The id's prefix is the ``area``.
    Compatibility rules say who ``breaks``, their ``security`` effect and (through
    ``editorial``) the bump; security rules say how to ``fix`` it and, when a policy sets the
    limit, the ``threshold`` in words.
    """

    __slots__ = (
        "breaks",
        "citation",
        "editorial",
        "example",
        "family",
        "fix",
        "id",
        "rationale",
        "security",
        "severity",
        "severity_note",
        "threshold",
        "title",
    )  # fmt: skip
    _uncompared = _unshown = frozenset(("threshold",))
    id: str
    title: str
    severity: str
    rationale: str
    citation: str
    family: Family
    # compatibility rules
    security: str
    breaks: tuple[str, ...]
    editorial: bool  # a safe editorial change needs only a patch bump
    example: str
    # security rules
    fix: str
    threshold: Callable[[Any], str] | None
    severity_note: str  # when findings may be more severe than the default, say when

    def __init__(
        self,
        *,
        id: str,
        title: str,
        severity: str,
        rationale: str,
        citation: str = "",
        family: Family = "compatibility",
        security: str = "neutral",
        breaks: tuple[str, ...] = (),
        editorial: bool = False,
        example: str = "",
        fix: str = "",
        threshold: Callable[[Any], str] | None = None,
        severity_note: str = "",
    ):
        put = object.__setattr__
        put(self, "id", id)
        put(self, "title", title)
        put(self, "severity", severity)
        # rationales and fixes are written as indented triple-quoted text: one paragraph each
        put(self, "rationale", " ".join(rationale.split()))
        put(self, "citation", citation)
        put(self, "family", family)
        put(self, "security", security)
        put(self, "breaks", tuple(breaks))
        put(self, "editorial", editorial)
        put(self, "example", example)
        put(self, "fix", " ".join(fix.split()))
        put(self, "threshold", threshold)
        put(self, "severity_note", severity_note)

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def citation_url(self) -> str | None:
        return citation_url(self.citation)

    def bump_for(self, severity: str) -> str:
        """The SemVer bump a compatibility finding of this rule at ``severity`` requires."""
        if severity == "breaking":
            return "major"
        if severity == "risky":
            return "minor"
        return "patch" if self.editorial else "minor"

    def describe_threshold(self, policy: Any) -> str:
        """The limit a security rule enforces under ``policy``, in words (``""`` if none)."""
        return self.threshold(policy) if self.threshold is not None else ""


R = TypeVar("R", bound=RuleMeta)
F = TypeVar("F", bound=Callable[..., Any])


class Registry(Mapping[str, R], Generic[R]):
    """Every rule of one family by id, in registration (= documentation) order.

    ``areas`` names the id prefixes the family knows, in documentation order; ``severities``
    the severities its rules may default to. :meth:`add` refuses anything else, a duplicate id
    or a citation in another style, so a mistake fails at import rather than in a report.
    """

    def __init__(
        self,
        rule_type: type[R],
        *,
        family: Family,
        areas: dict[str, str],
        severities: tuple[str, ...],
    ) -> None:
        self.rule_type = rule_type
        self.family: Family = family
        self.areas = areas
        self.severities = severities
        self._rules: dict[str, R] = {}

    def add(self, rule: R) -> R:
        def bad(why: str) -> ValueError:
            return ValueError(f"{self.family} rule {rule.id!r}: {why}")

        if rule.id in self._rules:
            raise bad("duplicate rule id")
        if rule.family != self.family:
            raise bad(f"belongs to the {rule.family} family")
        if rule.area not in self.areas:
            raise bad(f"unknown area {rule.area!r}")
        if rule.severity not in self.severities:
            raise bad(f"severity {rule.severity!r} is not one of {', '.join(self.severities)}")
        if rule.security not in SECURITIES:
            raise bad(f"security {rule.security!r} is not one of {', '.join(SECURITIES)}")
        if any(p not in PARTIES for p in rule.breaks):
            raise bad(f"unknown party in {rule.breaks}")
        problem = citation_problem(rule.citation)
        if problem:
            raise bad(problem)
        self._rules[rule.id] = rule
        return rule

    def rule(self, rule_id: str, **fields: Any) -> Callable[[F], F]:
        """Decorator: register the decorated check function as rule ``rule_id`` (``fields`` are
        the rule type's own, e.g. ``title=``, ``severity=``, ``rationale=``, ``citation=``)."""

        def register(check: F) -> F:
            self.add(self.rule_type(id=rule_id, check=check, **fields))
            return check

        return register

    def by_area(self) -> dict[str, list[R]]:
        """Rules grouped by area, areas in documentation order (empty areas left out)."""
        groups: dict[str, list[R]] = {area: [] for area in self.areas}
        for rule in self._rules.values():
            groups[rule.area].append(rule)
        return {area: rules for area, rules in groups.items() if rules}

    def __getitem__(self, rule_id: str) -> R:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)
