"""The declarative case corpus for real artefacts (tests/cases/artefacts/*.yaml).

Each file names an artefact ``kind`` and a ``base`` document in tests/artefacts/. A case
patches the base for each side and lists every finding the amendment must produce::

    description: what the amendment does
    old: {...}            # patch of the base for the old side (default: the base itself)
    new: {...}            # patch for the new side
    new_text: "..."       # or the whole new (or old_text: old) document as written
    new_render: {indent: 4, sort_keys: true}   # how the new side is written (JSON)
    expected:             # the exact multiset of findings: rule, severity, security effect,
      - {rule: client.removed, severity: breaking, security: neutral, breaks: [clients]}
    line_has: {client.removed: shop-web}   # text on the line a finding points to
    introduced: [oauth.client-implicit]    # security state rules new in the amendment

Patches merge mappings (``"(delete)"`` removes a key); inside a list, keys select elements by
index, by natural key (``clientId=shop-web``) or append (``"+": [items]``); a list replaces a
list. Both sides are written out as real JSON or YAML and read by the real artefact reader.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from case_support import patch

from workbench.engine import REGISTRY, compare
from workbench.security import review_amendment
from workbench.sources import load_artefact_text

HERE = Path(__file__).parent
CASES_DIR = HERE / "cases" / "artefacts"
ARTEFACTS = HERE / "artefacts"
TODAY = dt.date(2026, 6, 1)


def render(data: Any, fmt: str, options: dict | None = None) -> str:
    options = options or {}
    if fmt == "json":
        return (
            json.dumps(
                data, indent=options.get("indent", 2), sort_keys=options.get("sort_keys", False)
            )
            + "\n"
        )
    return yaml.safe_dump(
        data,
        sort_keys=options.get("sort_keys", False),
        allow_unicode=True,
        indent=options.get("indent", 2),
    )


def _collect() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        base_file = ARTEFACTS / doc["base"]
        fmt = doc.get("render") or ("json" if base_file.suffix == ".json" else "yaml")
        for i, case in enumerate(doc["cases"]):
            params.append(
                pytest.param(
                    path.name, doc["kind"], base_file, fmt, case, id=f"{path.stem}-{i + 1:02d}"
                )
            )
    return params


CASES = _collect()


def _base(base_file: Path, fmt: str) -> Any:
    text = base_file.read_text(encoding="utf-8")
    return json.loads(text) if fmt == "json" else yaml.safe_load(text)


def side(case: dict, which: str, kind: str, base_file: Path, fmt: str):
    text = case.get(f"{which}_text")
    if text is None:
        data = patch(_base(base_file, fmt), case.get(which) or {})
        text = render(data, fmt, case.get(f"{which}_render"))
    else:  # a whole document as written: named by what it is
        fmt = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    return load_artefact_text(text, f"{which}/{base_file.stem}.{fmt}", kind)


def judge(case: dict, kind: str, base_file: Path, fmt: str):
    old = side(case, "old", kind, base_file, fmt)
    new = side(case, "new", kind, base_file, fmt)
    return old, new, compare(old, new, today=TODAY)


@pytest.mark.parametrize(("file", "kind", "base_file", "fmt", "case"), CASES)
def test_case(file: str, kind: str, base_file: Path, fmt: str, case: dict) -> None:
    old, new, report = judge(case, kind, base_file, fmt)
    got = Counter(
        (f.rule, f.severity, f.security, tuple(sorted(f.breaks))) for f in report.findings
    )
    want = Counter(
        (e["rule"], e["severity"], e["security"], tuple(sorted(e.get("breaks") or [])))
        for e in case.get("expected") or []
    )
    detail = "\n".join(
        f"  {f.rule} {f.severity} {f.security} {list(f.breaks)} at {f.path}: {f.message}"
        for f in report.findings
    )
    assert got == want, f"{case['description']}\nfindings:\n{detail or '  (none)'}"
    for f in report.findings:
        assert f.old_loc is not None or f.new_loc is not None, f"{f.rule} at {f.path} has no line"
    for rule_id, text in (case.get("line_has") or {}).items():
        hits = [f for f in report.findings if f.rule == rule_id]
        assert hits, rule_id
        for f in hits:
            contract, loc = (new, f.new_loc) if f.new_loc is not None else (old, f.old_loc)
            line = contract.text.splitlines()[loc.line - 1]
            assert text in line, f"{rule_id} points at line {loc.line}: {line!r}"
    if "introduced" in case:
        findings = review_amendment(old, new, report, today=TODAY)
        introduced = sorted(
            {f.rule for f in findings if f.kind == "state" and f.new_in_amendment}
            # one finding per weakness: a state rule a regression restates is named in same_as
            | {rule for f in findings for rule, _, _ in f.same_as}
        )
        assert introduced == sorted(case["introduced"]), introduced


def test_corpus_size_and_kinds() -> None:
    assert len(CASES) >= 150
    kinds = Counter(p.values[1] for p in CASES)
    for kind in ("oidc-discovery", "rfc8414", "openapi", "keycloak-realm", "dex-config"):
        assert kinds[kind] >= 10, kinds
    for param in CASES:
        case = param.values[4]
        assert str(case.get("description", "")).strip(), param.id
        assert "expected" in case, param.id
        for e in case["expected"] or []:
            assert "breaks" in e, f"{param.id}: say who breaks ({e['rule']})"


def test_no_op_cases_per_kind() -> None:
    noops = Counter(p.values[1] for p in CASES if not (p.values[4].get("expected") or []))
    for kind in ("oidc-discovery", "openapi", "keycloak-realm", "dex-config"):
        assert noops[kind] >= 3, noops


def test_every_artefact_rule_has_a_case() -> None:
    from workbench.engine.rules import clients, servers

    modules = (servers.__name__, clients.__name__)
    ours = {r.id for r in REGISTRY.values() if r.check.__module__ in modules}
    covered = {e["rule"] for p in CASES for e in (p.values[4].get("expected") or [])}
    assert not (covered - set(REGISTRY)), sorted(covered - set(REGISTRY))
    missing = sorted(ours - covered)
    assert not missing, f"rules without an artefact case: {missing}"
