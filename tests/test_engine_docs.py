"""docs/rules.md is generated from the rule registry and must not go stale."""

from __future__ import annotations

from pathlib import Path

from workbench.engine import REGISTRY
from workbench.report.ruledocs import RULES_PATH, main, render_rules

ROOT = Path(__file__).resolve().parents[1]


def test_committed_rules_page_is_up_to_date() -> None:
    assert (ROOT / RULES_PATH).read_text(encoding="utf-8") == render_rules(), (
        "docs/rules.md is stale: run `python -m workbench.report.ruledocs`"
    )


def test_every_rule_has_an_entry_with_its_facts() -> None:
    text = render_rules()
    for rule in REGISTRY.values():
        heading = f"### `{rule.id}`"
        assert text.count(heading) == 1, rule.id
        entry = text.split(heading, 1)[1].split("\n### ", 1)[0]
        assert rule.title in entry and rule.rationale in entry
        assert f"| {rule.severity} | {rule.security} |" in entry
        if rule.citation:
            assert rule.citation in entry
        assert rule.example in entry


def test_check_mode_detects_staleness(tmp_path: Path) -> None:
    target = tmp_path / RULES_PATH
    assert main(["--root", str(tmp_path), "--check"]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--root", str(tmp_path), "--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main(["--root", str(tmp_path), "--check"]) == 1
