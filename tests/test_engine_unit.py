"""Unit tests of the amendment engine: fingerprints, verdict and bumps, SemVer helpers, planned
removals, source locations, ignores, the rule registry and the fast validity checks."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
import re
from pathlib import Path

import pytest
import yaml

from workbench.contract import load_contract_text
from workbench.contract.fastcheck import compile_validator, plain_schema_ok
from workbench.contract.loader import (
    _meta_validator,
    _validator,
    format_schema,
    parse_contract_text,
)
from workbench.engine import REGISTRY, compare, semver
from workbench.engine.classify import classify, finding_fingerprint
from workbench.engine.model import Change
from workbench.engine.rules import Env

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_contracts").glob("*.yaml"))
BASE = yaml.safe_load((ROOT / "tests" / "cases" / "_base.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 6, 1)


def contract(overrides: dict | None = None, *, version: str | None = None, source: str = "c.yaml"):
    data = copy.deepcopy(BASE)
    for key, value in (overrides or {}).items():
        data[key] = value
    if version is not None:
        data["version"] = version
    return load_contract_text(yaml.safe_dump(data, sort_keys=False), source)


def with_tokens(**access_token) -> dict:
    tokens = copy.deepcopy(BASE["tokens"])
    tokens["access_token"].update(access_token)
    return {"tokens": tokens}


# --- fingerprints ----------------------------------------------------------------------------------


def test_finding_fingerprint_is_16_hex_and_depends_on_every_part() -> None:
    fp = finding_fingerprint(
        "token.alg-removed", "tokens.a.signing_algorithms[RS256]", "RS256", None
    )
    assert re.fullmatch(r"[0-9a-f]{16}", fp)
    assert fp == finding_fingerprint(
        "token.alg-removed", "tokens.a.signing_algorithms[RS256]", "RS256", None
    )
    assert fp != finding_fingerprint(
        "token.alg-added", "tokens.a.signing_algorithms[RS256]", "RS256", None
    )
    assert fp != finding_fingerprint(
        "token.alg-removed", "tokens.b.signing_algorithms[RS256]", "RS256", None
    )
    assert fp != finding_fingerprint(
        "token.alg-removed", "tokens.a.signing_algorithms[RS256]", "RS384", None
    )
    # canonical JSON: key order of dict values does not matter
    assert finding_fingerprint("r", "p", {"a": 1, "b": 2}, None) == finding_fingerprint(
        "r", "p", {"b": 2, "a": 1}, None
    )


def test_fingerprints_survive_reformatting_reordering_and_duration_spelling() -> None:
    old = contract()
    a = contract(with_tokens(lifetime="1h", signing_algorithms=["RS256", "ES256"]))
    # same amendment, written differently: flow lists reordered, lifetime spelled in seconds,
    # keys in another order, comments added
    text = yaml.safe_dump(
        {
            **copy.deepcopy(BASE),
            **with_tokens(lifetime=3600, signing_algorithms=["ES256", "RS256"]),
        },
        sort_keys=True,
    )
    b = load_contract_text("# reformatted\n" + text, "b.yaml")
    ra, rb = compare(old, a, today=TODAY), compare(old, b, today=TODAY)
    assert sorted(f.fingerprint for f in ra.findings) == sorted(f.fingerprint for f in rb.findings)
    assert ra.verdict.fingerprint == rb.verdict.fingerprint
    assert len(ra.findings) == 2


def test_change_set_fingerprint_is_order_independent_and_distinguishes_sets() -> None:
    from workbench.engine.classify import change_set_fingerprint

    fps = ["aaaa", "bbbb", "cccc"]
    assert change_set_fingerprint(fps) == change_set_fingerprint(list(reversed(fps)))
    assert change_set_fingerprint(fps) != change_set_fingerprint(fps[:2])
    empty = compare(contract(), contract(), today=TODAY)
    assert empty.findings == [] and re.fullmatch(r"[0-9a-f]{16}", empty.verdict.fingerprint)


# --- verdict and bumps -----------------------------------------------------------------------------

BREAKING = {"grants": ["authorization_code"]}
ADDITIVE = {"grants": ["authorization_code", "refresh_token", "device_code"]}
RISKY = {"errors": {**BASE["errors"], "rate_limited": {"status": 429}}}
EDITORIAL = {"title": "Case API (reworded)"}


@pytest.mark.parametrize(
    ("change", "old_v", "new_v", "severity", "required", "actual", "ok"),
    [
        (BREAKING, "1.0.0", "2.0.0", "breaking", "major", "major", True),
        (BREAKING, "1.0.0", "1.1.0", "breaking", "major", "minor", False),
        (RISKY, "1.0.0", "1.1.0", "risky", "minor", "minor", True),
        (RISKY, "1.0.0", "1.0.1", "risky", "minor", "patch", False),
        (ADDITIVE, "1.2.3", "1.3.0", "safe", "minor", "minor", True),
        (ADDITIVE, "1.2.3", "1.2.4", "safe", "minor", "patch", False),
        (EDITORIAL, "1.2.3", "1.2.4", "safe", "patch", "patch", True),
        (EDITORIAL, "1.2.3", "1.2.3", "safe", "patch", "none", False),
        ({}, "1.2.3", "1.2.3", "none", "none", "none", True),
        ({}, "1.2.3", "1.3.0", "none", "none", "minor", True),
        (EDITORIAL, "1.2.3", "1.2.2", "safe", "patch", "downgrade", False),
        # 0.y.z: the minor acts as the major
        (BREAKING, "0.3.1", "0.4.0", "breaking", "minor", "minor", True),
        (BREAKING, "0.3.1", "0.3.2", "breaking", "minor", "patch", False),
        (ADDITIVE, "0.3.1", "0.3.2", "safe", "patch", "patch", True),
        (BREAKING, "0.9.0", "1.0.0", "breaking", "minor", "major", True),
        # a step within a pre-release series is accepted whatever changed
        (BREAKING, "2.0.0-rc.1", "2.0.0-rc.2", "breaking", "major", "patch", True),
        (BREAKING, "2.0.0-rc.2", "2.0.0", "breaking", "major", "patch", True),
        (BREAKING, "1.4.0", "2.0.0-rc.1", "breaking", "major", "major", True),
    ],
)
def test_verdict(change, old_v, new_v, severity, required, actual, ok) -> None:
    report = compare(contract(version=old_v), contract(change, version=new_v), today=TODAY)
    v = report.verdict
    assert (v.severity, v.required_bump, v.actual_bump, v.version_bump_ok) == (
        severity,
        required,
        actual,
        ok,
    )
    assert sum(v.counts[s] for s in ("breaking", "risky", "safe")) == len(report.findings)


def test_zero_major_verdict_explains_itself() -> None:
    report = compare(contract(version="0.3.1"), contract(BREAKING, version="0.4.0"), today=TODAY)
    assert "0.y" in report.verdict.bump_note


def test_invalid_version_in_an_unvalidated_contract() -> None:
    old = contract()
    data = copy.deepcopy(BASE)
    data["version"] = "two"
    new = parse_contract_text(yaml.safe_dump(data), "n.yaml")
    v = compare(old, new, today=TODAY).verdict
    assert (v.actual_bump, v.version_bump_ok) == ("invalid", False)


def test_created_and_deleted_contracts() -> None:
    created = compare(None, contract(), today=TODAY)
    assert [f.rule for f in created.findings] == ["contract.created"]
    assert created.old is None and created.new.contract == "case-api"
    assert (created.verdict.required_bump, created.verdict.version_bump_ok) == ("none", True)
    deleted = compare(contract(), None, today=TODAY)
    assert [(f.rule, f.severity) for f in deleted.findings] == [("contract.deleted", "breaking")]
    assert deleted.findings[0].old_loc is not None and deleted.findings[0].new_loc is None
    with pytest.raises(ValueError):
        compare(None, None)


def test_counts_and_security_tallies() -> None:
    new = contract({**with_tokens(lifetime="24h", signing_algorithms=["ES256"])})
    v = compare(contract(), new, today=TODAY).verdict
    assert v.counts == {
        "breaking": 1,
        "risky": 0,
        "safe": 2,
        "weakens": 1,
        "strengthens": 0,
        "ignored": 0,
    }


# --- SemVer helpers --------------------------------------------------------------------------------


def test_semver_precedence_follows_the_specification() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    for a, b in itertools.pairwise(ordered):
        assert semver.compare(a, b) == -1, (a, b)
        assert semver.compare(b, a) == 1
    assert semver.compare("1.0.0+build.1", "1.0.0+build.2") == 0


@pytest.mark.parametrize(
    ("version", "kind", "expected"),
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "none", "1.2.3"),
        ("1.2.3+build.7", "patch", "1.2.4"),
        ("2.0.0-rc.1", "major", "2.0.0"),
        ("1.2.0-rc.1", "major", "2.0.0"),
        ("1.2.0-rc.1", "minor", "1.2.0"),
        ("1.2.3-rc.1", "minor", "1.3.0"),
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("0.3.9", "minor", "0.4.0"),
    ],
)
def test_semver_bump(version: str, kind: str, expected: str) -> None:
    assert semver.bump(version, kind) == expected


def test_semver_rejects_garbage() -> None:
    for bad in ("1.0", "v1.0.0", "01.0.0", "1.0.0-", ""):
        assert not semver.is_valid(bad)
        with pytest.raises(ValueError):
            semver.parse(bad)
    with pytest.raises(ValueError):
        semver.bump("1.0.0", "huge")
    assert semver.bump_kind("1.0.0", "nope") == "invalid"
    assert semver.required_for("major", "0.1.0") == "minor"
    assert semver.required_for("patch", "0.1.0") == "patch"


# --- planned removals -------------------------------------------------------------------------------


def _grant_removal(dep: dict, today: dt.date):
    old = contract({"deprecations": [dep]})
    new = contract({"deprecations": [dep], "grants": ["authorization_code"]})
    (finding,) = compare(old, new, today=today).findings
    return finding


def test_planned_removal_after_sunset_is_safe_with_a_note() -> None:
    dep = {"target": "grants[refresh_token]", "announced": "2026-01-10", "sunset": "2026-04-10"}
    f = _grant_removal(dep, dt.date(2026, 4, 11))
    assert (f.rule, f.severity, f.breaks) == ("grant.removed", "safe", ())
    assert f.note == "planned removal: deprecated 2026-01-10, sunset 2026-04-10"
    assert f.bump == "minor"


def test_planned_removal_on_the_sunset_day_is_safe() -> None:
    dep = {"target": "grants[refresh_token]", "announced": "2026-01-10", "sunset": "2026-04-10"}
    assert _grant_removal(dep, dt.date(2026, 4, 10)).severity == "safe"


def test_removal_before_sunset_stays_breaking_and_says_why() -> None:
    dep = {"target": "grants[refresh_token]", "announced": "2026-01-10", "sunset": "2026-04-10"}
    f = _grant_removal(dep, dt.date(2026, 3, 1))
    assert f.severity == "breaking" and f.breaks == ("clients",)
    assert "sunset 2026-04-10 has not passed" in (f.note or "")
    assert "2026-03-01" in (f.note or "")


def test_removal_with_deprecation_without_sunset() -> None:
    f = _grant_removal({"target": "grants[refresh_token]", "announced": "2026-01-10"}, TODAY)
    assert f.severity == "breaking" and "without a sunset date" in (f.note or "")


def test_today_defaults_to_the_real_date() -> None:
    dep = {"target": "grants[refresh_token]", "announced": "2000-01-01", "sunset": "2000-02-01"}
    old = contract({"deprecations": [dep]})
    new = contract({"deprecations": [dep], "grants": ["authorization_code"]})
    assert compare(old, new).findings[0].severity == "safe"


# --- locations ------------------------------------------------------------------------------------

# (pattern, replacement, text that must be on the new location's line)
MUTATIONS = [
    (r"(signing_algorithms: \[)([^\]]*)\]", r"\1\2, PS512]", "PS512"),
    (r"(\n\s+lifetime: )\S+", r"\g<1>7h", "7h"),
    (r"(enum: \[)([^\]]*)\]", r"\1\2, zz_new_value]", "zz_new_value"),
    (r"(maxLength: )\d+", r"\g<1>7", "maxLength: 7"),
    (r"(\n\s+status: )(\d{3})\n", r"\g<1>418\n", "418"),
    (r"(\n\s+issuer: )(\S+)", r"\1https://moved.example.org", "moved.example.org"),
    (r"(\n\s+jwks_cache: )\S+", r"\g<1>13h", "13h"),
]


def _lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_new_locations_point_at_the_changed_text(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    old = load_contract_text(text, sample.name)
    checked = 0
    for pattern, repl, needle in MUTATIONS:
        new_text, n = re.subn(pattern, repl, text, count=1)
        if not n:
            continue
        new = load_contract_text(new_text, sample.name)
        report = compare(old, new, today=TODAY)
        assert report.findings, (sample.name, pattern)
        lines = _lines(new_text)
        hits = [f for f in report.findings if f.new_loc and needle in lines[f.new_loc.line - 1]]
        assert hits, (
            sample.name,
            needle,
            [(f.rule, f.path, f.new_loc) for f in report.findings],
        )
        for f in report.findings:  # every finding points to lines on both sides
            assert f.old_loc is not None and f.new_loc is not None, (f.rule, f.path)
            assert 1 <= f.old_loc.line <= len(_lines(text))
            assert 1 <= f.new_loc.line <= len(lines)
        checked += 1
    assert checked >= 3


def test_removed_values_point_at_the_old_line_and_the_new_parent() -> None:
    text = yaml.safe_dump(BASE, sort_keys=False)
    old = load_contract_text(text, "old.yaml")
    new = contract({"redirect_uris": []})
    (f,) = compare(old, new, today=TODAY).findings
    assert f.rule == "redirect-uri.removed"
    assert "https://app.example.com/callback" in old.lines[f.old_loc.line - 1]
    assert "redirect_uris" in new.lines[f.new_loc.line - 1]


def test_shared_schema_change_points_into_components_on_both_sides() -> None:
    schemas = copy.deepcopy(BASE["components"]["schemas"])
    schemas["Item"]["properties"]["status"]["enum"].append("deleted")
    old = contract()
    new = contract({"components": {"schemas": schemas}})
    findings = compare(old, new, today=TODAY).findings
    assert {f.path for f in findings} == {
        "endpoints.get_item.responses.200.schema.properties.status.enum[deleted]",
        "endpoints.create_item.responses.201.schema.properties.status.enum[deleted]",
    }
    for f in findings:
        assert "deleted" in new.lines[f.new_loc.line - 1]
        assert "enum" in old.lines[f.old_loc.line - 1]


# --- ignores, consumers, fallback --------------------------------------------------------------------


def test_ignores_accept_an_object_or_a_callable() -> None:
    old, new = contract(), contract({**with_tokens(lifetime="24h"), **BREAKING})

    class Matcher:
        def match(self, finding):
            return "agreed in SEC-1" if finding.rule == "grant.removed" else None

    report = compare(old, new, today=TODAY, ignores=Matcher())
    assert [f.rule for f in report.findings] == ["token.lifetime-lengthened"]
    assert [(f.rule, f.ignored) for f in report.ignored] == [("grant.removed", "agreed in SEC-1")]
    assert report.verdict.severity == "safe" and report.verdict.counts["ignored"] == 1
    plain = compare(old, new, today=TODAY)
    assert plain.verdict.fingerprint == report.verdict.fingerprint  # same change set
    by_callable = compare(
        old, new, today=TODAY, ignores=lambda f: "ok" if f.security == "weakens" else None
    )
    assert [f.rule for f in by_callable.ignored] == ["token.lifetime-lengthened"]


def test_ignore_file_entries_scoped_to_another_contract_do_not_apply() -> None:
    from workbench.engine.ignore import parse_ignores

    text = (
        "ignore:\n"
        "  - rule: grant.removed\n    path: '*'\n    contract: other-api\n    reason: not ours\n"
        "  - rule: token.*\n    path: tokens.access_token.lifetime\n    reason: accepted\n"
    )
    ignores = parse_ignores(text, today=TODAY)
    report = compare(
        contract(),
        contract({**with_tokens(lifetime="24h"), **BREAKING}),
        today=TODAY,
        ignores=ignores,
    )
    assert [f.rule for f in report.findings] == ["grant.removed"]
    assert [f.rule for f in report.ignored] == ["token.lifetime-lengthened"]


def test_findings_name_the_consumers_they_touch() -> None:
    report = compare(
        contract(),
        contract(
            {
                "endpoints": {
                    **BASE["endpoints"],
                    "get_item": {**BASE["endpoints"]["get_item"], "path": "/v2/items/{id}"},
                }
            }
        ),
        today=TODAY,
    )
    (f,) = report.findings
    assert f.rule == "endpoint.path-changed" and f.consumers == ("web",)


def test_unknown_topics_fall_back_to_a_risky_finding() -> None:
    env = Env(None, None, TODAY)
    change = Change(path="somewhere", kind="changed", old=1, new=2, context={"topic": "bogus"})
    (finding,) = classify([change], env)
    assert (finding.rule, finding.severity) == ("contract.other-change", "risky")


# --- the registry -------------------------------------------------------------------------------------


def test_registry_entries_are_complete() -> None:
    assert len(REGISTRY) >= 60
    for rule in REGISTRY.values():
        assert re.fullmatch(r"[a-z-]+\.[a-z0-9-]+", rule.id), rule.id
        assert rule.title and rule.rationale and rule.example, rule.id
        assert rule.citation or rule.fallback, rule.id
        if rule.severity != "safe":
            assert rule.breaks, rule.id


# --- fast validity checks never accept what jsonschema rejects ----------------------------------------


def _mutations(value, rng: random.Random):
    """Random small corruptions of plain data (type swaps, bad enum values, missing keys)."""
    data = copy.deepcopy(value)
    nodes = []

    def walk(node, parent, key):
        nodes.append((parent, key, node))
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, node, k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, node, i)

    walk(data, None, None)
    parent, key, _node = rng.choice(nodes[1:])
    choice = rng.randrange(6)
    replacement = [None, True, 1.5, -3, "zz", [1, 1]][choice]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[key]
    else:
        parent[key] = replacement
    return data


def test_fast_format_check_never_accepts_an_invalid_contract() -> None:
    rng = random.Random(3)
    fast, full = compile_validator(format_schema()), _validator()
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SAMPLES] + [BASE]
    accepted = 0
    for i in range(400):
        doc = _mutations(docs[i % len(docs)], rng)
        if fast(doc):
            accepted += 1
            assert not list(full.iter_errors(doc)), doc
    for doc in docs:
        assert fast(doc)
    assert accepted > 0


def test_fast_meta_check_never_accepts_an_invalid_schema() -> None:
    rng = random.Random(5)
    meta = _meta_validator()
    schemas = [
        {
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": "string", "maxLength": 3}},
        },
        {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^x"}]},
        {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1, "uniqueItems": True},
        {"allOf": [{"$ref": "#/components/schemas/X"}], "not": {"required": ["b"]}},
        {"type": ["string", "null"], "format": "date", "default": None, "deprecated": True},
    ]
    accepted = 0
    for i in range(600):
        schema = _mutations(schemas[i % len(schemas)], rng)
        if plain_schema_ok(schema):
            accepted += 1
            assert not list(meta.iter_errors(schema)), schema
    for schema in schemas:
        assert plain_schema_ok(schema)
    assert accepted > 0


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


TOKEN = ("tokens", "access_token")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ((*TOKEN, "lifetime"), "15 minutes"),  # not a duration
        ((*TOKEN, "lifetime"), True),  # a boolean is no duration
        ((*TOKEN, "signing_algorithms"), ["RS256", "RS256"]),  # uniqueItems
        ((*TOKEN, "signing_algorithms"), [True]),  # YAML's yes where text was expected
        (("identity_providers", 0, "protocols"), []),  # minItems
        ((*TOKEN, "unknown_field"), 1),  # additionalProperties: false
        (("status",), "Active"),  # enum is case-sensitive
        (("version",), 1),  # not a string
        (("deprecations",), [{"target": "scopes[x]", "announced": "2024-02-30"}]),  # format
        (("deprecations",), [{"target": "scopes[x]", "announced": "2024-1-01"}]),  # pattern
    ],
)
def test_fast_format_check_is_unsure_where_jsonschema_objects(path: tuple, value) -> None:
    fast, full = compile_validator(format_schema()), _validator()
    doc = _set(BASE, path, value)
    assert list(full.iter_errors(doc)), "the case must be invalid for jsonschema"
    assert not fast(doc)


def test_fast_format_check_accepts_extensions_and_valid_dates() -> None:
    fast, full = compile_validator(format_schema()), _validator()
    doc = _set(BASE, ("x-owner-notes",), {"anything": [1, None]})
    doc = _set(doc, ("deprecations",), [{"target": "scopes[x]", "announced": "2024-02-29"}])
    assert not list(full.iter_errors(doc))
    assert fast(doc)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strin"},
        {"type": ["string", "string"]},
        {"type": []},
        {"required": ["a", "a"]},
        {"required": "a"},
        {"minLength": -1},
        {"minLength": 1.5},
        {"maxItems": True},
        {"multipleOf": 0},
        {"allOf": []},
        {"items": [{"type": "string"}]},  # draft 4 tuple form
        {"properties": {"a": {"type": 1}}},
        {"enum": "a"},
        {"uniqueItems": "yes"},
        {"dependentRequired": {"a": ["b", "b"]}},
        {"$defs": {"A": {"minimum": "0"}}},
        {"not": {"oneOf": [{"type": "nul"}]}},
    ],
)
def test_fast_meta_check_is_unsure_where_the_meta_schema_objects(schema: dict) -> None:
    assert list(_meta_validator().iter_errors(schema)), "the case must be invalid"
    assert not plain_schema_ok(schema)


def test_contracts_built_without_locations_still_follow_shared_schemas() -> None:
    from workbench.contract.model import Contract

    schemas = copy.deepcopy(BASE["components"]["schemas"])
    schemas["ItemInput"]["properties"]["name"]["maxLength"] = 10
    new_data = {**copy.deepcopy(BASE), "components": {"schemas": schemas}}
    old = Contract("old", "", copy.deepcopy(BASE), {}, {})
    new = Contract("new", "", new_data, {}, {})
    findings = compare(old, new, today=TODAY).findings
    assert [(f.rule, f.path) for f in findings] == [
        (
            "request.bound-tightened",
            "endpoints.create_item.request.schema.properties.name.maxLength",
        )
    ]
    assert findings[0].old_loc is None and findings[0].new_loc is None


def test_demo_histories_classify_cleanly() -> None:
    """Every consecutive pair of the sample histories: findings point to both files, and the
    stories the histories tell (a planned removal, a renamed error) are recognised."""
    from workbench.contract import load_contract

    rules, notes = set(), []
    pairs = 0
    for history in contract_histories():
        files = sorted(history.glob("[0-9]*.yaml"))
        for a, b in itertools.pairwise(files):
            old, new = load_contract(a), load_contract(b)
            report = compare(old, new, today=dt.date(2025, 7, 1))
            pairs += 1
            for f in report.findings:
                rules.add(f.rule)
                notes.append(f.note or "")
                # both sides are located, except where a whole section is absent on one side
                # (e.g. the first deprecation added): then that side has no line to point at
                assert f.old_loc is not None or f.new_loc is not None, (b.name, f.rule)
                top = f.path.split(".")[0].split("[")[0]
                if f.old_loc is None:
                    assert top not in old.data, (b.name, f.rule)
                if f.new_loc is None:
                    assert top not in new.data, (b.name, f.rule)
                assert f.message and f.fingerprint
            assert report.verdict.severity in ("none", "safe", "risky", "breaking")
    assert pairs >= 10
    assert any(n.startswith("planned removal") for n in notes)
    assert "error.renamed" in rules


def test_findings_name_the_consumers_the_notice_names() -> None:
    """One answer to "who is affected": Finding.consumers and the checklist's notice agree on
    every amendment of the sample histories (removing a client authentication method, which no
    consumer lists by name, reaches every consumer in both)."""
    from workbench.contract import load_contract
    from workbench.engine.impact import affected_consumers

    reached_everyone = 0
    for history in contract_histories():
        files = sorted(history.glob("[0-9]*.yaml"))
        for a, b in itertools.pairwise(files):
            old, new = load_contract(a), load_contract(b)
            report = compare(old, new, today=dt.date(2025, 7, 1))
            for f in report.findings:
                notice = [c.name for c in affected_consumers([f], old, new)]
                assert sorted(notice) == list(f.consumers), (b.name, f.rule, f.path)
                names = {c["name"] for c in new.section("consumers")}
                if f.consumers and set(f.consumers) == names and f.path.startswith("client_auth"):
                    reached_everyone += 1
    assert reached_everyone >= 1


def contract_histories() -> list[Path]:
    """The sample histories of contracts (artefact stories name their ``kind``)."""
    folders = sorted((ROOT / "sample_contracts" / "history").iterdir())
    return [
        f
        for f in folders
        if (f / "story.yaml").is_file()
        and "\nkind:" not in (f / "story.yaml").read_text(encoding="utf-8")
    ]
