"""The loader: every bad input gives one positioned error and exit 1; good input keeps locations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.contract import ContractError, load_contract, load_contract_text, validate_file
from workbench.contract.paths import resolve_path, split_path
from workbench.contract.units import DurationError, format_duration, parse_duration

ROOT = Path(__file__).resolve().parents[1]
INVALID = sorted((ROOT / "tests" / "invalid").glob("*.yaml"))
SAMPLES = sorted((ROOT / "sample_contracts").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")

MINIMAL = "contract: c\ntitle: C\nversion: 1.0.0\nstatus: active\n"


def test_corpus_is_large_enough():
    assert len(INVALID) >= 25


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_file_reports_exact_position(path: Path):
    line, col, fragment = EXPECT.match(path.read_text().splitlines()[0]).groups()
    problems = [p for p in validate_file(path) if p.severity == "error"]
    assert problems, f"{path.name} was accepted"
    hits = [p for p in problems if (p.line, p.column) == (int(line), int(col))]
    assert hits, f"no error at {line}:{col}; got {[p.format() for p in problems]}"
    assert any(fragment in p.message for p in hits), [p.format() for p in hits]
    with pytest.raises(ContractError):
        load_contract(path)


@pytest.mark.parametrize("path", INVALID[:6], ids=lambda p: p.stem)
def test_cli_prints_one_line_per_problem_and_exits_1(path: Path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    first = result.output.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: error: ", first), first


def _problems(path: Path) -> list[str]:
    return [p.format() for p in validate_file(path)]


def test_binary_file(tmp_path: Path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"contract: c\nversion: \x00\x01\x02")
    assert _problems(p) == [f"{p}:2:10: error: binary file (NUL byte), not YAML"]


def test_not_utf8(tmp_path: Path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes(MINIMAL.encode() + "description: caf\xe9\n".encode("latin-1"))
    assert _problems(p) == [f"{p}:5:17: error: not UTF-8: byte 0xe9 is invalid"]


def test_utf8_bom_is_accepted(tmp_path: Path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_contract(p).id == "c"


def test_huge_file(tmp_path: Path):
    p = tmp_path / "huge.yaml"
    p.write_bytes(MINIMAL.encode() + b"# " + b"x" * (20 * 1024 * 1024) + b"\n")
    problems = _problems(p)
    assert len(problems) == 1 and ":1:1: error: file is 21.0 MB, over the 8 MB limit" in problems[0]


def test_directory_and_missing_file(tmp_path: Path):
    assert _problems(tmp_path) == [f"{tmp_path}:1:1: error: is a directory, not a contract file"]
    missing = tmp_path / "nope.yaml"
    assert _problems(missing) == [f"{missing}:1:1: error: no such file"]
    result = CliRunner().invoke(main, ["validate", str(tmp_path), str(missing)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_usage_error_exits_2():
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2


def test_samples_validate():
    assert len(SAMPLES) >= 4
    result = CliRunner().invoke(main, ["validate", *map(str, SAMPLES)])
    assert result.exit_code == 0, result.output


def _leaves(node, raw=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*raw, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*raw, i))
    else:
        yield raw, node


def _spelled(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value).strip().split("\n")[0][:24]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_leaf_values_map_back_to_their_source_line(path: Path):
    contract = load_contract(path)
    total = right = 0
    for raw, value in _leaves(contract.data):
        total += 1
        loc = contract.locs[raw]
        window = "\n".join(contract.lines[loc.line - 1 : loc.end_line + 1])
        if _spelled(value) in window:
            right += 1
    assert total > 50
    assert right / total >= 0.99, f"{right}/{total}"


def test_every_node_has_a_location():
    contract = load_contract(SAMPLES[0])
    assert all(raw in contract.locs for raw, _ in _leaves(contract.data))
    key = contract.anchor(("tokens", "access_token", "lifetime"))
    assert contract.lines[key.line - 1].strip().startswith("lifetime:")


@pytest.mark.parametrize(
    ("spelling", "seconds"),
    [
        (900, 900),
        ("900", 900),
        ("900s", 900),
        ("15m", 900),
        ("PT15M", 900),
        ("1h30m", 5400),
        ("P1DT2H", 93600),
        ("2d", 172800),
        ("1w", 604800),
        ("PT0.0S", 0),
    ],
)
def test_durations_normalize(spelling, seconds):
    assert parse_duration(spelling) == seconds


@pytest.mark.parametrize("bad", ["", "15 minutes", "P1M", "P1Y", "-5", True, [1], "PT1.5S", -1])
def test_durations_refuse(bad):
    with pytest.raises(DurationError):
        parse_duration(bad)


def test_duration_formatting():
    assert [format_duration(s) for s in (0, 59, 900, 5400, 86400, None)] == [
        "0s",
        "59s",
        "15m",
        "1h30m",
        "1d",
        "unset",
    ]


def test_model_normalizes_durations_without_touching_the_text():
    c = load_contract_text(
        MINIMAL + "tokens:\n  access_token: {format: jwt, lifetime: PT15M}\n", "x"
    )
    assert c.norm["tokens"]["access_token"]["lifetime"] == 900
    assert c.data["tokens"]["access_token"]["lifetime"] == "PT15M"


def test_contract_paths():
    data = {
        "tokens": {"access_token": {"signing_algorithms": ["RS256", "ES256"]}},
        "identity_providers": [{"id": "corp", "issuer": "https://x"}],
        "scopes": {"payments.read": "read"},
    }
    assert resolve_path(data, "tokens.access_token.signing_algorithms[ES256]") == (
        ("tokens", "access_token", "signing_algorithms", 1),
        "ES256",
    )
    assert resolve_path(data, "identity_providers[corp].issuer")[1] == "https://x"
    assert resolve_path(data, "scopes[payments.read]")[1] == "read"
    assert resolve_path(data, "tokens.refresh_token") is None
    assert split_path("a.b[c.d].e") == [("a", False), ("b", False), ("c.d", True), ("e", False)]


def test_yaml_aliases_and_merge_keys_are_supported():
    text = MINIMAL + (
        "x-base: &base {format: jwt, lifetime: 15m}\n"
        "tokens:\n  access_token:\n    <<: *base\n    lifetime: 5m\n"
    )
    c = load_contract_text(text, "x")
    assert c.norm["tokens"]["access_token"] == {"format": "jwt", "lifetime": 300}


def _schema_fields(schema: dict, prefix: str = "") -> set[str]:
    names = set()
    for key, sub in schema.get("properties", {}).items():
        names.add(key)
        if isinstance(sub, dict):
            names |= _schema_fields(sub)
            items = sub.get("items")
            if isinstance(items, dict):
                names |= _schema_fields(items)
            extra = sub.get("additionalProperties")
            if isinstance(extra, dict):
                names |= _schema_fields(extra)
    return names


def test_format_doc_mentions_every_field():
    from workbench.contract.loader import format_schema

    doc = (ROOT / "docs" / "contract-format.md").read_text()
    missing = sorted(
        n
        for n in _schema_fields(format_schema())
        if not re.search(rf"[`{{,.\s]{re.escape(n)}[`}},.\s]", doc)
    )
    assert not missing, f"docs/contract-format.md does not mention: {missing}"


def test_doc_example_is_a_valid_contract(tmp_path: Path):
    doc = (ROOT / "docs" / "contract-format.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert load_contract_text(example, "example").version == "2.1.0"


def test_block_ends_on_its_last_content_line():
    from workbench.contract.yamlsrc import load_yaml

    text = (
        "endpoints:\n  op_1:\n    method: GET\n    path: /a\n\n    # trailing comment\n"
        "  op_2:\n    method: GET\n    path: /b\nother:\n  - a\n  - b\n"
    )
    locs = load_yaml(text, "x").locs
    assert (locs[("endpoints", "op_1")].line, locs[("endpoints", "op_1")].end_line) == (3, 4)
    assert locs[("endpoints", "op_2")].end_line == 9
    assert locs[("endpoints",)].end_line == 9
    assert locs[("other",)].end_line == 12


def test_control_character_is_located(tmp_path: Path):
    p = tmp_path / "ctl.yaml"
    p.write_text('contract: c\ntitle: "bad \x1b[31m red"\nversion: 1.0.0\nstatus: active\n')
    assert _problems(p) == [f"{p}:2:13: error: control character U+001B is not allowed in YAML"]
