"""Schema inclusion through the whole path: real contracts through the loader, the engine and
every report format; the loader's dialect checks; the OpenAPI 3.0 conversion readers use."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from workbench.contract import ContractError, load_contract_text
from workbench.engine import compare
from workbench.engine.inclusion import from_openapi30, is_subschema
from workbench.report import render, report_data, report_schema

BASE = yaml.safe_load((Path(__file__).parent / "cases" / "_base.yaml").read_text("utf-8"))


def _contract(name: str, edit) -> object:
    data = copy.deepcopy(BASE)
    edit(data)
    return load_contract_text(yaml.safe_dump(data, sort_keys=False), name)


def _tightened(data: dict) -> None:
    data["components"]["schemas"]["ItemInput"]["properties"]["name"]["maxLength"] = 10


@pytest.fixture(scope="module")
def report():
    return compare(_contract("old.yaml", lambda d: None), _contract("new.yaml", _tightened))


def test_a_request_break_carries_a_witness_the_validator_confirms(report) -> None:
    (finding,) = report.findings
    assert finding.rule == "request.bound-tightened" and finding.severity == "breaking"
    witness = finding.witness
    assert witness["valid"] == "old" and witness["invalid"] == "new"
    instance = witness["instance"]
    old_schema = {**BASE["components"]["schemas"]["ItemInput"]}
    new_schema = copy.deepcopy(old_schema)
    new_schema["properties"]["name"]["maxLength"] = 10
    assert jsonschema.Draft202012Validator(old_schema).is_valid(instance)
    assert not jsonschema.Draft202012Validator(new_schema).is_valid(instance)


def test_the_witness_is_in_every_report_format(report) -> None:
    data = report_data(report)
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    assert data["findings"][0]["witness"]["valid"] == "old"
    shown = json.dumps(report.findings[0].witness["instance"], sort_keys=True)[:20]
    assert "witness:" in render(report, "text")
    assert "witness:" in render(report, "markdown")
    sarif = json.loads(render(report, "sarif"))
    assert "Witness:" in sarif["runs"][0]["results"][0]["message"]["text"]
    assert shown.split(":")[0] in render(report, "text")


def test_a_safe_finding_has_no_witness_and_json_says_null() -> None:
    def widened(data: dict) -> None:
        data["components"]["schemas"]["ItemInput"]["properties"]["name"]["maxLength"] = 500

    rep = compare(_contract("old.yaml", lambda d: None), _contract("new.yaml", widened))
    (finding,) = rep.findings
    assert finding.severity == "safe" and finding.witness is None
    assert report_data(rep)["findings"][0]["witness"] is None


def test_an_undecided_change_is_risky_with_the_reason() -> None:
    def pattern(data: dict) -> None:
        data["components"]["schemas"]["ItemInput"]["properties"]["note"]["pattern"] = "^[a-z]+$"

    def narrower(data: dict) -> None:
        data["components"]["schemas"]["ItemInput"]["properties"]["note"]["pattern"] = "^[a-z]{1,3}$"

    rep = compare(_contract("old.yaml", pattern), _contract("new.yaml", narrower))
    (finding,) = rep.findings
    assert finding.rule == "request.pattern-changed"
    # a longer string is a witness here; the judge finds it
    assert finding.severity == "breaking" and len(finding.witness["instance"]["note"]) > 3


def test_a_reversed_pattern_narrowing_is_never_called_safe() -> None:
    def narrow(data: dict) -> None:
        data["components"]["schemas"]["ItemInput"]["properties"]["note"]["pattern"] = "^[a-z]{1,3}$"

    def wide(data: dict) -> None:
        data["components"]["schemas"]["ItemInput"]["properties"]["note"]["pattern"] = "^[a-z]+$"

    rep = compare(_contract("old.yaml", narrow), _contract("new.yaml", wide))
    (finding,) = rep.findings
    assert finding.severity == "risky" and finding.note.startswith("undecided:")


def test_the_loader_checks_each_schema_against_its_own_dialect() -> None:
    def draft7(data: dict) -> None:
        data["components"]["schemas"]["Pair"] = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "array",
            "items": [{"type": "string"}],
            "additionalItems": False,
        }

    _contract("draft7.yaml", draft7)  # loads as written

    def unknown(data: dict) -> None:
        data["components"]["schemas"]["Pair"] = {
            "$schema": "https://example.com/s",
            "type": "array",
        }

    with pytest.raises(ContractError) as err:
        _contract("unknown.yaml", unknown)
    assert "unknown JSON Schema dialect 'https://example.com/s'" in str(err.value.problems[0])

    def tuple_in_2020(data: dict) -> None:
        data["components"]["schemas"]["Pair"] = {"type": "array", "items": [{"type": "string"}]}

    with pytest.raises(ContractError) as err:
        _contract("tuple.yaml", tuple_in_2020)
    assert "not a valid JSON Schema (2020-12)" in str(err.value.problems[0])

    def default_draft7(data: dict) -> None:
        tuple_in_2020(data)
        data["json_schema"] = {"dialect": "draft-07"}

    _contract("default.yaml", default_draft7)


def test_openapi_30_schemas_convert_to_plain_json_schema() -> None:
    oas = {
        "type": "object",
        "properties": {
            "note": {"type": "string", "nullable": True},
            "amount": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "kind": {"type": "string", "enum": ["a"], "nullable": True},
        },
    }
    plain = from_openapi30(oas)
    assert plain["properties"]["note"] == {"type": ["string", "null"]}
    assert plain["properties"]["amount"] == {"type": "number", "exclusiveMinimum": 0}
    plain_2020 = {"$schema": "https://json-schema.org/draft/2020-12/schema", **plain}
    assert is_subschema(oas, plain_2020, default_dialect="openapi-3.0").compatible
    assert is_subschema(plain_2020, oas, default_dialect="openapi-3.0").compatible
    # the enum still decides: null is allowed only when listed
    assert not jsonschema.Draft202012Validator(plain["properties"]["kind"]).is_valid(None)
