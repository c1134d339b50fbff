"""The security policy: thresholds and switches of the review, tunable per repository.

Defaults follow the standards the rules cite. A repository overrides them in the ``security:``
section of ``.workbench.yaml``::

    security:
      fail_on: high                       # critical | high | medium | low | info | never
      disabled_rules: [oauth.shared-secret-only]
      severity_overrides: {keys.quantum-vulnerable: low}
      allowed_algorithms: [ES256, PS256]  # signing algorithms the team accepts at all
      required_assurance_level: aal2      # contracts must claim at least this level
      max_lifetime: {access_token: 10m, authorization_code: 5m}
      session_limits: {aal2: {absolute: 12h, idle: 30m}}
      min_rsa_bits: 3072
      min_ec_curve: P-384
      clock_skew: 60s                     # assumed when a token names none (rotation overlap)

Every key and value is validated; a mistake is an error at file:line:col, so a typo never turns
a check off silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import CONFIG_NAME, Config, config_from_document, load_config
from workbench.contract.errors import ContractError, Problem
from workbench.contract.units import DurationError, parse_duration
from workbench.security.model import (
    DEFAULT_MAX_LIFETIME,
    DEFAULT_POLICY,
    DEFAULT_SESSION_LIMITS,
    EC_CURVES,
    FAIL_ON_CHOICES,
    LEVEL_RANK,
    LEVELS,
    SEVERITIES,
    SIGNING_ALGORITHMS,
    Policy,
    SessionLimit,
)

__all__ = [  # the policy's value types live in security.model (the rules read them there)
    "DEFAULT_MAX_LIFETIME",
    "DEFAULT_POLICY",
    "DEFAULT_SESSION_LIMITS",
    "EC_CURVES",
    "KEYS",
    "LEVELS",
    "LEVEL_RANK",
    "SIGNING_ALGORITHMS",
    "Policy",
    "SessionLimit",
    "load_policy",
    "load_policy_file",
    "parse_policy",
]


KEYS: tuple[str, ...] = (
    "fail_on",
    "disabled_rules",
    "severity_overrides",
    "allowed_algorithms",
    "required_assurance_level",
    "max_lifetime",
    "session_limits",
    "min_rsa_bits",
    "min_ec_curve",
    "clock_skew",
)


def _hint(value: str, choices) -> str:
    import difflib  # only for a misspelt setting: off start-up

    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def parse_policy(section: Any, config: Config, prefix: tuple = ("security",)) -> Policy:
    """Validate a ``security:`` mapping and build the policy; raise ContractError listing every
    problem at its file:line:col (``prefix`` is where the mapping sits in ``config.document``)."""
    problems: list[Problem] = []

    def bad(raw: tuple, message: str) -> None:
        problems.append(config.problem((*prefix, *raw), message))

    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ContractError([config.problem(prefix, "the security policy must be a mapping")])

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, value in section.items():
        if key not in KEYS:
            bad((key,), f"unknown security setting {key!r}{_hint(str(key), KEYS)}")
            continue
        p = config.problem((*prefix, key), "")
        origins[key] = f"{p.file}:{p.line}"
        values[key] = value

    def duration(raw: tuple, value: Any) -> int | None:
        try:
            return parse_duration(value)
        except DurationError as exc:
            bad(raw, str(exc))
            return None

    def rule_id(raw: tuple, value: Any) -> str | None:
        from workbench.security.registry import RULES  # the rules, only to check a name

        if not isinstance(value, str):
            bad(raw, f"{value!r} is not a rule id")
            return None
        if value not in RULES:
            bad(raw, f"unknown rule {value!r}{_hint(value, RULES)}")
            return None
        return value

    def string_list(key: str) -> list[tuple[int, Any]] | None:
        value = values[key]
        if not isinstance(value, list):
            bad((key,), f"'{key}' must be a list")
            return None
        return list(enumerate(value))

    kwargs: dict[str, Any] = {}
    if "fail_on" in values:
        v = values["fail_on"]
        if v not in FAIL_ON_CHOICES:
            bad(("fail_on",), f"fail_on {v!r} is not one of: {', '.join(FAIL_ON_CHOICES)}")
        else:
            kwargs["fail_on"] = v
    if "disabled_rules" in values and (items := string_list("disabled_rules")) is not None:
        ids = [rule_id(("disabled_rules", i), v) for i, v in items]
        kwargs["disabled_rules"] = frozenset(i for i in ids if i)
    if "severity_overrides" in values:
        v = values["severity_overrides"]
        if not isinstance(v, dict):
            bad(("severity_overrides",), "'severity_overrides' must map rule ids to severities")
        else:
            overrides = {}
            for rid, sev in v.items():
                ok = rule_id(("severity_overrides", rid), rid)
                if sev not in SEVERITIES:
                    bad(
                        ("severity_overrides", rid),
                        f"severity {sev!r} is not one of: {', '.join(SEVERITIES)}",
                    )
                elif ok:
                    overrides[rid] = sev
            kwargs["severity_overrides"] = overrides
    if "allowed_algorithms" in values and (items := string_list("allowed_algorithms")) is not None:
        algs = []
        for i, alg in items:
            if alg not in SIGNING_ALGORITHMS:
                bad(
                    ("allowed_algorithms", i),
                    f"unknown signing algorithm {alg!r}{_hint(str(alg), SIGNING_ALGORITHMS)}",
                )
            else:
                algs.append(alg)
        if not items:
            bad(("allowed_algorithms",), "'allowed_algorithms' is empty: no token could verify")
        kwargs["allowed_algorithms"] = tuple(algs)
    if "required_assurance_level" in values:
        v = values["required_assurance_level"]
        if v not in LEVELS:
            bad(("required_assurance_level",), f"{v!r} is not one of: {', '.join(LEVELS)}")
        else:
            kwargs["required_assurance_level"] = v
    if "max_lifetime" in values:
        v = values["max_lifetime"]
        if not isinstance(v, dict):
            bad(("max_lifetime",), "'max_lifetime' must map token kinds to durations")
        else:
            limits = dict(DEFAULT_MAX_LIFETIME)
            for kind, dur in v.items():
                seconds = duration(("max_lifetime", kind), dur)
                if seconds is not None:
                    limits[str(kind)] = seconds
            kwargs["max_lifetime"] = limits
    if "session_limits" in values:
        v = values["session_limits"]
        if not isinstance(v, dict):
            bad(("session_limits",), "'session_limits' must map aal1/aal2/aal3 to limits")
        else:
            limits = dict(DEFAULT_SESSION_LIMITS)
            for level, spec in v.items():
                if level not in LEVELS:
                    bad(("session_limits", level), f"{level!r} is not one of: {', '.join(LEVELS)}")
                    continue
                if not isinstance(spec, dict):
                    bad(("session_limits", level), "expected {absolute: DURATION, idle: DURATION}")
                    continue
                base = limits[level]
                absolute, idle = base.absolute, base.idle
                for k, dur in spec.items():
                    if k not in ("absolute", "idle"):
                        bad(
                            ("session_limits", level, k),
                            f"unknown limit {k!r} (expected absolute or idle)",
                        )
                    elif k == "absolute":
                        absolute = duration(("session_limits", level, k), dur)
                    else:
                        idle = duration(("session_limits", level, k), dur)
                if absolute is not None and idle is not None and idle > absolute:
                    bad(("session_limits", level, "idle"), "idle limit is longer than absolute")
                limits[level] = SessionLimit(absolute, idle)
            kwargs["session_limits"] = limits
    if "min_rsa_bits" in values:
        v = values["min_rsa_bits"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1024:
            bad(("min_rsa_bits",), f"min_rsa_bits {v!r} must be an integer of at least 1024")
        else:
            kwargs["min_rsa_bits"] = v
    if "min_ec_curve" in values:
        v = values["min_ec_curve"]
        if v not in EC_CURVES:
            bad(("min_ec_curve",), f"{v!r} is not one of: {', '.join(EC_CURVES)}")
        else:
            kwargs["min_ec_curve"] = v
    if "clock_skew" in values:
        seconds = duration(("clock_skew",), values["clock_skew"])
        if seconds is not None:
            kwargs["clock_skew"] = seconds

    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise ContractError(problems)
    return DEFAULT_POLICY.replace(source=config.source, origins=origins, **kwargs)


def load_policy(repo_root: str | Path) -> Policy:
    """The policy of the repository at ``repo_root`` (``.workbench.yaml``; defaults when absent).

    Raises :class:`ContractError` with file:line:col problems for a bad settings file.
    """
    config = load_config(repo_root)
    if config.document is None:
        return DEFAULT_POLICY
    return parse_policy(config.security, config)


def load_policy_file(path: str | Path) -> Policy:
    """A policy from a file: a settings file with a ``security:`` section, or the bare mapping."""
    from workbench.contract.loader import read_source
    from workbench.contract.yamlsrc import load_yaml

    name = str(path)
    text = read_source(path, name)
    if not text.strip():
        return DEFAULT_POLICY.replace(source=name)
    doc = load_yaml(text, name)
    data = doc.data
    if isinstance(data, dict) and "security" in data:
        config = config_from_document(doc, name)
        return parse_policy(config.security, config)
    return parse_policy(data, Config(source=name, document=doc), prefix=())


__all__ = [
    "CONFIG_NAME",
    "DEFAULT_POLICY",
    "LEVELS",
    "Policy",
    "SessionLimit",
    "load_policy",
    "load_policy_file",
    "parse_policy",
]
