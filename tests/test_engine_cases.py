"""The declarative case corpus of the amendment engine (tests/cases/*.yaml).

Each case file holds ``cases:`` and optionally ``base:`` (overrides merged into the shared base
contract ``_base.yaml``) and ``at:`` (a key path: the cases' ``old``/``new`` are then the value
at that path, e.g. a request schema). A case is::

    description: what the amendment does
    old: {...}          # overrides merged into the base (mappings merge, lists replace,
    new: {...}          #   the string "(delete)" removes a key); or old_text/new_text: whole
                        #   contract texts; or old_absent/new_absent: true (created/deleted)
    today: 2026-05-01   # optional: the date planned removals are judged against
    expected:           # the exact multiset of findings
      - {rule: token.alg-removed, severity: breaking, security: neutral}

Both sides are rendered to real YAML and go through the real loader (with validation).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from case_support import DELETE, patch

from workbench.contract import load_contract_text
from workbench.engine import REGISTRY, compare

CASES_DIR = Path(__file__).parent / "cases"
DEFAULT_TODAY = dt.date(2026, 6, 1)


def _place(base: dict, at: list, value: Any) -> dict:
    out = copy.deepcopy(base)
    node = out
    for key in at[:-1]:
        node = node.setdefault(key, {})
    if value == DELETE:
        node.pop(at[-1], None)
    else:
        node[at[-1]] = copy.deepcopy(value)
    return out


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _collect() -> list[Any]:
    shared = _load_yaml(CASES_DIR / "_base.yaml")
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        doc = _load_yaml(path)
        base = patch(shared, doc.get("base") or {})
        at = doc.get("at")
        for i, case in enumerate(doc["cases"]):
            case_id = f"{path.stem}-{i + 1:02d}"
            params.append(pytest.param(path.name, base, at, case, id=case_id))
    return params


CASES = _collect()


def _side(case: dict, which: str, base: dict, at: list | None, source: str):
    if case.get(f"{which}_absent"):
        return None
    text = case.get(f"{which}_text")
    if text is None:
        override = case.get(which, {} if at is None else DELETE)
        if at is not None:
            data = _place(base, at, override) if which in case else copy.deepcopy(base)
        else:
            data = patch(base, override)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return load_contract_text(text, source)


def _today(case: dict) -> dt.date:
    value = case.get("today", DEFAULT_TODAY)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@pytest.mark.parametrize(("file", "base", "at", "case"), CASES)
def test_case(file: str, base: dict, at: list | None, case: dict) -> None:
    old = _side(case, "old", base, at, f"{file}:old")
    new = _side(case, "new", base, at, f"{file}:new")
    report = compare(old, new, today=_today(case))
    got = Counter((f.rule, f.severity, f.security) for f in report.findings)
    want = Counter((e["rule"], e["severity"], e["security"]) for e in case.get("expected") or [])
    detail = "\n".join(
        f"  {f.rule} {f.severity} {f.security} at {f.path}: {f.message}" for f in report.findings
    )
    assert got == want, f"{case['description']}\nfindings:\n{detail or '  (none)'}"


def test_corpus_size_and_descriptions() -> None:
    assert len(CASES) >= 150
    for param in CASES:
        case = param.values[3]
        assert str(case.get("description", "")).strip(), param.id
        assert "expected" in case, param.id


def test_every_rule_has_a_case() -> None:
    covered = {e["rule"] for param in CASES for e in (param.values[3].get("expected") or [])}
    for path in sorted((CASES_DIR / "artefacts").glob("*.yaml")):  # cases on real artefacts
        covered |= {
            e["rule"] for case in _load_yaml(path)["cases"] for e in case.get("expected") or []
        }
    unknown = covered - set(REGISTRY)
    assert not unknown, f"cases name unknown rules: {sorted(unknown)}"
    missing = [r.id for r in REGISTRY.values() if r.id not in covered and not r.fallback]
    assert not missing, f"rules without a case: {missing}"


def test_both_directions_of_severity_appear() -> None:
    """The corpus exercises each severity and each security effect."""
    seen = Counter()
    for param in CASES:
        for e in param.values[3].get("expected") or []:
            seen[e["severity"]] += 1
            seen[e["security"]] += 1
    for word in ("breaking", "risky", "safe", "weakens", "strengthens", "neutral"):
        assert seen[word] > 0, word


def test_noop_cases_exist() -> None:
    noops = [p for p in CASES if not (p.values[3].get("expected") or [])]
    assert len(noops) >= 8
