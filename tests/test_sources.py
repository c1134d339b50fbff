"""The artefact readers: detection, located errors, locations, secrets, and `workbench import`
round trips (an imported contract loads, validates and judges the same as the artefact)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from case_support import ARTEFACT_FIXTURES
from click.testing import CliRunner

from workbench.cli import main
from workbench.contract import ContractError, load_contract_text
from workbench.contract.loader import validate_contract
from workbench.engine import compare
from workbench.report import FORMATS, render
from workbench.report.common import RenderOptions
from workbench.review import build_report
from workbench.security import review_contract
from workbench.sources import detect_text, import_artefact, load_artefact, load_artefact_text
from workbench.sources.base import digest
from workbench.sources.dex import go_duration

sys.path.insert(0, str(Path(__file__).parent))
import test_artefact_cases as corpus

ARTEFACTS = Path(__file__).parent / "artefacts"
FIXTURES = ARTEFACT_FIXTURES
TODAY = dt.date(2026, 6, 1)


def _key(report) -> Counter:
    return Counter((f.rule, f.severity, f.security, f.path, f.breaks) for f in report.findings)


# --- detection and reading ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), FIXTURES.items())
def test_fixture_is_detected_and_valid(name: str, kind: str) -> None:
    text = (ARTEFACTS / name).read_text()
    assert detect_text(text, name) == kind
    contract = load_artefact(ARTEFACTS / name)
    assert contract.data["artefact"]["kind"] == kind
    assert [p.format() for p in validate_contract(contract) if p.severity == "error"] == []


def test_unknown_document_is_refused_with_its_position() -> None:
    with pytest.raises(ContractError) as err:
        load_artefact_text('{"name": "not an artefact"}\n', "x.json")
    assert err.value.first.format().startswith("x.json:1:1: error: not a recognised artefact")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            '{\n  "issuer": "https://a.example",\n  "jwks_uri": "https://a.example/k",\n}\n',
            (3, 36),
            "trailing comma",
        ),
        (
            '{"issuer": "https://a.example", "grant_types_supported": ["code",]}',
            (1, 65),
            "trailing comma",
        ),
        ("{\n  'issuer': 'https://a.example'\n}", (2, 3), "property name"),
        ('{"issuer": "https://a.example" // comment\n}', (1, 32), "invalid JSON"),
        (
            '{"issuer": "https://a.example", "issuer": "https://b.example"}',
            (1, 33),
            "duplicate key",
        ),
    ],
)
def test_json_syntax_errors_are_located(text: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(ContractError) as err:
        load_artefact_text(text, "openid-configuration.json", "oidc-discovery")
    problem = err.value.first
    assert (problem.line, problem.column) == where, problem.format()
    assert message in problem.message


def test_json_values_that_yaml_reads_differently() -> None:
    text = json.dumps(
        {
            "issuer": "https://a.example",
            "jwks_uri": "https://a.example/k",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "caf\u00e9 \U0001f600"],
        }
    )  # json.dumps escapes the emoji as a surrogate pair, which YAML refuses on its own
    contract = load_artefact_text(text, "x.json", "rfc8414")
    assert "caf\u00e9 \U0001f600" in contract.data["identity_providers"][0]["scopes"]


def test_tab_indented_json_reads() -> None:
    text = (
        '{\n\t"issuer": "https://a.example",\n\t"response_types_supported": [\n\t\t"code"\n\t]\n}\n'
    )
    contract = load_artefact_text(text, "x.json", "rfc8414")
    assert contract.loc(("identity_providers", 0, "issuer")).line == 2


def test_wrong_kind_is_named() -> None:
    with pytest.raises(ContractError) as err:
        load_artefact(ARTEFACTS / "realm-export.json", "dex-config")
    assert "reads as a Keycloak realm export" in err.value.first.message


def test_keycloak_export_of_one_realm_in_a_list() -> None:
    text = "[" + (ARTEFACTS / "realm-export.json").read_text() + "]"
    contract = load_artefact_text(text, "realms.json")
    assert contract.data["artefact"]["name"] == "acme"
    client = contract.data["clients"][0]
    assert contract.loc(("clients", 0, "id")).line > 1 and client["id"] == "shop-web"


def test_openapi_external_reference_is_refused_with_its_position() -> None:
    doc = yaml.safe_load((ARTEFACTS / "openapi-3.0.yaml").read_text())
    doc["components"]["schemas"]["NewOrder"] = {"$ref": "common.yaml#/Order"}
    with pytest.raises(ContractError) as err:
        load_artefact_text(yaml.safe_dump(doc, sort_keys=False), "api.yaml")
    assert "another document" in err.value.first.message
    assert err.value.first.line > 1


def test_openapi_undefined_scheme_is_refused() -> None:
    doc = yaml.safe_load((ARTEFACTS / "openapi-3.0.yaml").read_text())
    doc["paths"]["/health"]["get"]["security"] = [{"basicAuth": []}]
    with pytest.raises(ContractError) as err:
        load_artefact_text(yaml.safe_dump(doc, sort_keys=False), "api.yaml")
    assert "basicAuth" in err.value.first.message


def test_dex_durations_follow_go_syntax() -> None:
    assert go_duration("1h30m") == 5400
    assert go_duration("2160h") == 90 * 86400
    assert go_duration("500ms") == 1
    assert go_duration("0") == 0
    assert go_duration("10 minutes") is None
    doc = yaml.safe_load((ARTEFACTS / "dex-config.yaml").read_text())
    doc["expiry"]["idTokens"] = "1 day"
    with pytest.raises(ContractError) as err:
        load_artefact_text(yaml.safe_dump(doc), "dex.yaml")
    assert "Go duration" in err.value.first.message


def test_openapi_30_schemas_become_json_schema_2020_12() -> None:
    contract = load_artefact(ARTEFACTS / "openapi-3.0.yaml")
    schemas = contract.data["components"]["schemas"]
    assert schemas["NewOrder"]["properties"]["note"]["type"] == ["string", "null"]
    discount = schemas["Order"]["allOf"][1]["properties"]["discount"]
    assert discount == {"type": "number", "exclusiveMinimum": 0}
    # the converted bound points at the line of the original minimum
    loc = contract.loc(
        ("components", "schemas", "Order", "allOf", 1, "properties", "discount", "exclusiveMinimum")
    )
    assert "minimum: 0" in contract.lines[loc.line - 1]


def test_operations_get_their_effective_requirements() -> None:
    eps = load_artefact(ARTEFACTS / "openapi-3.0.yaml").data["endpoints"]
    assert eps["listOrders"]["security"] == [{"oauth": ["orders:read"]}, {"apiKey": []}]
    assert eps["createOrder"]["security"] == [{"oauth": ["orders:write"]}]
    assert eps["health"]["security"] == []


# --- secrets ----------------------------------------------------------------------------------

SECRETS = [
    "s3cr3t-db-password",
    "GOCSPX-not-a-real-secret-42",
    "ldap-bind-password-77",
    "console-client-secret-9f8e7d",
    "$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W",
    "kc-secret-9a7f0c1d2e3b4a5f",
    "kc-secret-00aa11bb22cc33dd",
    "GOCSPX-rotated-secret-2026",
    "ldap-bind-password-rotated",
    "console-client-secret-rotated-2026",
]


def _secret_cases():
    for param in corpus.CASES:
        case = param.values[4]
        if "secret" in case["description"] or "password" in case["description"]:
            yield pytest.param(*param.values, id=param.id)


@pytest.mark.parametrize(("file", "kind", "base_file", "fmt", "case"), list(_secret_cases()))
def test_no_secret_reaches_any_output(file, kind, base_file, fmt, case) -> None:
    old = corpus.side(case, "old", kind, base_file, fmt)
    new = corpus.side(case, "new", kind, base_file, fmt)
    report = build_report(old, new, today=TODAY)
    outputs = [render(report, f, RenderOptions(old_path="old", new_path="new")) for f in FORMATS]
    outputs += [old.text, new.text, json.dumps(old.data), json.dumps(new.data)]
    outputs.append(json.dumps([f.to_dict() for f in review_contract(new)]))
    for contract in (old, new):
        outputs.append(import_artefact_text(contract))
    for secret in SECRETS:
        for text in outputs:
            assert secret not in text
            assert secret[4:-4] not in text  # not even a recognisable part


def import_artefact_text(contract) -> str:
    from workbench.sources import to_contract_yaml

    return to_contract_yaml(contract)


def test_secret_positions_are_masked_in_place() -> None:
    raw = (ARTEFACTS / "dex-config.yaml").read_text()
    contract = load_artefact(ARTEFACTS / "dex-config.yaml")
    assert len(contract.text) == len(raw)
    assert contract.text.count("\n") == raw.count("\n")
    line = next(line for line in contract.text.splitlines() if "bindPW" in line)
    assert line.endswith("*" * len("ldap-bind-password-77"))


def test_digests_do_not_reveal_secrets() -> None:
    assert digest("hunter2").startswith("sha256:") and len(digest("hunter2")) == 23
    assert digest("$DEX_SECRET") == "env:DEX_SECRET"
    assert digest("**********") == "masked"
    assert digest("") is None


# --- import: round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_import_round_trip_judges_the_same(name: str) -> None:
    artefact = load_artefact(ARTEFACTS / name)
    imported = load_contract_text(import_artefact(ARTEFACTS / name), "imported.yaml")
    assert compare(artefact, imported).findings == []
    state = lambda c: Counter((f.rule, f.severity, f.path) for f in review_contract(c))  # noqa: E731
    assert state(imported) == state(artefact)


@pytest.mark.parametrize(("file", "kind", "base_file", "fmt", "case"), corpus.CASES)
def test_every_case_judges_the_same_after_import(file, kind, base_file, fmt, case) -> None:
    from workbench.sources import to_contract_yaml

    old, new, report = corpus.judge(case, kind, base_file, fmt)
    old_i = load_contract_text(to_contract_yaml(old), "old.yaml")
    new_i = load_contract_text(to_contract_yaml(new), "new.yaml")
    assert _key(compare(old_i, new_i, today=TODAY)) == _key(report)


def test_import_command_writes_a_valid_contract(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "realm.contract.yaml"
    result = runner.invoke(
        main, ["import", "keycloak-realm", str(ARTEFACTS / "realm-export.json"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["validate", str(out)]).exit_code == 0
    stdout = runner.invoke(main, ["import", "auto", str(ARTEFACTS / "dex-config.yaml")])
    assert stdout.exit_code == 0 and stdout.output.startswith("# Read from dex-config.yaml")
    assert "console-client-secret-9f8e7d" not in stdout.output


def test_import_command_refuses_bad_input_with_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "openid-configuration.json"
    bad.write_text('{\n  "issuer": "https://a.example",\n}\n')
    result = CliRunner().invoke(main, ["import", "auto", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:32: error: invalid JSON: trailing comma" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["import", "openapi", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_findings_point_at_the_artefact_lines() -> None:
    raw = json.loads((ARTEFACTS / "realm-export.json").read_text())
    raw["clients"][1]["attributes"]["pkce.code.challenge.method"] = "plain"
    old = load_artefact(ARTEFACTS / "realm-export.json")
    new = load_artefact_text(json.dumps(raw, indent=2), "realm-export.json")
    report = compare(old, new)
    plain = next(f for f in report.findings if f.rule == "client.pkce-plain-allowed")
    assert '"pkce.code.challenge.method": "plain"' in new.lines[plain.new_loc.line - 1]


def test_unversioned_artefacts_still_get_the_bump_they_need() -> None:
    import jsonschema

    from workbench.report.json_report import report_data, report_schema

    raw = json.loads((ARTEFACTS / "openid-configuration.json").read_text())
    old = load_artefact(ARTEFACTS / "openid-configuration.json")
    raw["issuer"] = "https://id.acme.example"
    new = load_artefact_text(json.dumps(raw, indent=2), "openid-configuration.json")
    report = build_report(old, new, today=TODAY)
    verdict = report.verdict
    assert (verdict.required_bump, verdict.actual_bump, verdict.version_bump_ok) == (
        "major",
        "unversioned",
        True,
    )
    assert "major change" in verdict.bump_note
    jsonschema.validate(report_data(report), report_schema())
    assert "the artefact has no SemVer version" in render(report, "text")


def test_full_keycloak_export_secrets_are_masked_in_the_text() -> None:
    raw = json.loads((ARTEFACTS / "realm-export.json").read_text())
    raw["smtpServer"] = {
        "host": "smtp.acme.example",
        "user": "keycloak",
        "password": "smtp-pass-31415",
    }
    raw["components"]["org.keycloak.keys.KeyProvider"] = [
        {
            "name": "rsa-generated",
            "providerId": "rsa-generated",
            "config": {
                "privateKey": ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"],
                "priority": ["100"],
            },
        }
    ]
    raw["users"] = [
        {
            "username": "svc",
            "credentials": [
                {"type": "password", "value": "initial-password-271", "temporary": False}
            ],
        }
    ]
    text = json.dumps(raw, indent=2)
    contract = load_artefact_text(text, "realm-export.json")
    for secret in (
        "smtp-pass-31415",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
        "initial-password-271",
    ):
        assert secret in text and secret not in contract.text
    assert len(contract.text) == len(text)
    assert "initial-password-271" not in import_artefact_text(contract)
