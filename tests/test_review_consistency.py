"""Issue 16's core: every face tells the same story about an amendment's security.

One finding per weakness, one security count, one rotation-overlap computation, findings that
point at the lines holding the problem, and advice a security engineer can act on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_security_rules import _base, contract_from, patch

from workbench.cli import main
from workbench.contract.loader import validate_file
from workbench.security import RULES, review_contract

MINIMAL = "contract: c\ntitle: C\nversion: 1.0.0\nstatus: active\n"


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


# --- workbench validate DIR -------------------------------------------------------------------


def test_validate_a_directory_checks_every_contract_found_by_content(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the repository root: its settings apply

    def write(rel: str, text: str) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    write("contracts/a.yaml", MINIMAL)
    write("contracts/deep/b.yml", MINIMAL.replace("contract: c", "contract: b"))
    write("contracts/bad.yaml", MINIMAL.replace("1.0.0", "one") + "tokens: 3\n")
    write("contracts/also-bad.yaml", "contract: x\nversion: [\n")
    write("contracts/ci.yaml", "jobs: {build: {runs-on: ubuntu}}\n")  # YAML, not a contract
    write("contracts/notes.txt", MINIMAL)  # not selected by the globs
    write("contracts/.hidden/c.yaml", MINIMAL)
    write("amendments/c/1.0.0.yaml", MINIMAL)  # records are excluded by default
    result = CliRunner().invoke(main, ["validate", str(root / "contracts")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    bad = [line for line in lines if "bad.yaml:" in line]
    assert bad and all(re.match(r"^\S+:\d+:\d+: error: ", line) for line in bad), lines
    assert {line.split(":")[0].rsplit("/", 1)[-1] for line in bad} == {"bad.yaml", "also-bad.yaml"}
    assert any("tokens" in line for line in bad)
    assert not any(
        name in result.output for name in ("ci.yaml", "notes.txt", ".hidden", "1.0.0.yaml")
    )
    assert lines[-1] == "2 valid, 2 invalid"
    # a directory of valid contracts passes; files and directories mix
    (root / "contracts/bad.yaml").unlink()
    (root / "contracts/also-bad.yaml").unlink()
    ok = CliRunner().invoke(
        main, ["validate", str(root / "contracts"), str(root / "contracts/a.yaml")]
    )
    assert (ok.exit_code, ok.output.splitlines()[-1]) == (0, "3 valid, 0 invalid"), ok.output
    # the repository's globs decide which files are contracts
    write(".workbench.yaml", "contracts:\n  exclude: ['contracts/deep/**']\n")
    only = CliRunner().invoke(main, ["validate", str(root / "contracts")])
    assert (only.exit_code, only.output.splitlines()[-1]) == (0, "1 valid, 0 invalid")
    # no contract at all is an error, not a silent pass
    (root / "empty").mkdir()
    none = CliRunner().invoke(main, ["validate", str(root / "empty")])
    assert none.exit_code == 1 and "error: no contract found in this directory" in none.output
    assert "Traceback" not in none.output


@pytest.mark.parametrize(
    "patch_text",
    ["tokens: 3", "grants: 3", "endpoints: [1]", "consumers: [{name: x, uses: 3}]"],
)
def test_a_section_of_the_wrong_type_is_a_located_problem_not_a_crash(tmp_path, patch_text):
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL + patch_text + "\n", encoding="utf-8")
    problems = validate_file(path)
    assert any(p.severity == "error" and p.line == 5 for p in problems), problems
