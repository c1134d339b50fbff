"""Artefacts on the command line: the one loader of "a contract or an artefact", ``--from KIND``
on diff, review and validate, located reader errors and exit codes, the artefact's identity."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from case_support import ARTEFACT_FIXTURES
from click.testing import CliRunner

from workbench.cli import main
from workbench.contract import ContractError
from workbench.report import report_schema
from workbench.sources import (
    CHOICES,
    artefact_id,
    kind_of,
    load_document,
    load_document_bytes,
    validate_document,
)

ARTEFACTS = Path(__file__).parent / "artefacts"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
FIXTURES = ARTEFACT_FIXTURES


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def discovery(tmp_path: Path, name: str, **changes: object) -> Path:
    """The discovery fixture with ``changes`` applied (``None`` removes a field)."""
    data = json.loads((ARTEFACTS / "openid-configuration.json").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


# --- the one loader ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), FIXTURES.items())
def test_every_kind_loads_through_the_one_loader(name: str, kind: str) -> None:
    contract = load_document(ARTEFACTS / name)
    assert kind_of(contract) == kind
    raw = (ARTEFACTS / name).read_bytes()
    again = load_document_bytes(raw, f"HEAD:{name}", contract_id="x")
    assert (kind_of(again), again.id) == (kind, "x")


def test_a_contract_loads_as_a_contract_and_keeps_its_own_id() -> None:
    contract = load_document(SAMPLES / "payments-api.yaml", contract_id="ignored")
    assert (kind_of(contract), contract.id) == ("contract", "payments-api")
    forced = load_document(SAMPLES / "payments-api.yaml", "contract")
    assert forced.data == contract.data


def test_yaml_that_is_nothing_known_gets_a_contracts_errors(tmp_path: Path) -> None:
    path = tmp_path / "teams.yaml"
    path.write_text("teams:\n  - payments\n")
    with pytest.raises(ContractError) as err:
        load_document(path)
    assert "'contract' is a required field" in str(err.value)


def test_json_that_is_nothing_known_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"name": "web", "version": "1.0.0"}\n')
    with pytest.raises(ContractError) as err:
        load_document(path)
    assert err.value.first.format().startswith(f"{path}:1:1: error: not a recognised artefact")
    assert "--from" in str(err.value)


def test_an_artefact_id_is_its_repository_path() -> None:
    assert artefact_id("realms/customers.json") == "realms-customers"
    assert artefact_id(".well-known/openid-configuration") == "well-known-openid-configuration"
    assert artefact_id("api/openapi.yaml") == "api-openapi"
    assert artefact_id("identity/Realm Export.JSON") == "identity-realm-export"


# --- validate ------------------------------------------------------------------------------------


def test_validate_recognises_artefacts_and_contracts() -> None:
    paths = [str(ARTEFACTS / n) for n in FIXTURES] + [str(SAMPLES / "payments-api.yaml")]
    code, out, err = cli("validate", *paths)
    assert (code, err) == (0, "")
    assert out == f"{len(paths)} valid, 0 invalid\n"


def test_validate_locates_a_trailing_comma_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "openid-configuration"
    bad.write_text(
        '{\n  "issuer": "https://login.example",\n  "jwks_uri": "https://login.example/k",\n}\n'
    )
    code, _out, err = cli("validate", str(bad), str(ARTEFACTS / "realm-export.json"))
    assert code == 1
    assert err.splitlines() == [
        f"{bad}:3:40: error: invalid JSON: trailing comma before '}}' (not allowed in JSON)",
        "1 valid, 1 invalid",
    ]
    assert validate_document(bad)[0].line == 3


def test_validate_locates_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "realm.json"
    bad.write_text('{\n  "realm": "customers",\n  "clients": [\n    {"clientId": web}\n  ]\n}\n')
    code, _, err = cli("validate", "-q", str(bad))
    assert code == 1
    assert err.startswith(f"{bad}:4:18: error: invalid JSON")
    assert "Traceback" not in err


def test_validate_from_names_the_kind_and_refuses_another(tmp_path: Path) -> None:
    doc = ARTEFACTS / "openid-configuration.json"
    code, _, err = cli("validate", "--from", "openapi", str(doc))
    assert code == 1
    assert (
        f"{doc}:1:1: error: not an OpenAPI description: this file reads as an OpenID Connect "
        "discovery document"
    ) in err
    assert cli("validate", "--from", "oidc-discovery", str(doc))[0] == 0
    code, _, err = cli("validate", "--from", "contract", str(doc))
    assert code == 1 and "'contract' is a required field" in err


def test_from_offers_every_kind() -> None:
    result = CliRunner().invoke(main, ["diff", "--from", "saml"])
    assert result.exit_code == 2
    assert "'saml' is not one of" in result.stderr
    for kind in CHOICES:
        assert kind in result.stderr


# --- diff and review -------------------------------------------------------------------------------


def test_diff_of_two_discovery_documents(tmp_path: Path) -> None:
    old = discovery(tmp_path, "old/openid-configuration")
    new = discovery(
        tmp_path,
        "new/openid-configuration",
        id_token_signing_alg_values_supported=["ES256"],
        code_challenge_methods_supported=["S256", "plain"],
    )
    code, out, err = cli("diff", str(old), str(new), "--color", "never")
    assert code == 1, err
    assert "idp.alg-removed" in out and "pkce.plain-added" in out
    assert "contract.id-changed" not in out  # the two files' names are not an amendment
    assert "unversioned -> unversioned" in out
    assert "the artefact has no SemVer version" in out
    line = next(i for i, t in enumerate(new.read_text().splitlines(), 1) if '"plain"' in t)
    assert f"{new}:{line}:" in out  # the artefact's own line

    code, out, _ = cli("diff", str(old), str(new), "--format", "json")
    data = json.loads(out)
    jsonschema.validate(data, report_schema())
    assert data["old"]["kind"] == data["new"]["kind"] == "oidc-discovery"
    assert data["verdict"]["required_bump"] == "major"
    assert data["verdict"]["actual_bump"] == "unversioned"


def test_diff_from_contract_reads_the_artefact_as_a_contract(tmp_path: Path) -> None:
    old = discovery(tmp_path, "a.json")
    new = discovery(tmp_path, "b.json")
    code, out, err = cli("diff", "--from", "contract", str(old), str(new))
    assert code == 2 and out == ""
    assert f"{old}:1:1: error: 'contract' is a required field" in err
    code, out, err = cli("diff", "--from", "rfc8414", str(old), str(new))
    assert code == 0, err  # read as RFC 8414 metadata: the same document, no change


def test_diff_of_a_broken_artefact_is_a_located_error(tmp_path: Path) -> None:
    old = discovery(tmp_path, "openid-configuration.json")
    new = tmp_path / "new.json"
    new.write_text(old.read_text().replace('"issuer"', "'issuer'"))
    code, out, err = cli("diff", str(old), str(new))
    assert code == 2 and out == ""
    assert err.startswith(f"{new}:2:3: error: invalid JSON: expected a property name")


def test_review_of_an_openapi_amendment(tmp_path: Path) -> None:
    text = (ARTEFACTS / "openapi-3.0.yaml").read_text()
    (tmp_path / "old.yaml").write_text(text)
    cancel = "      security:\n        - oauth: [orders:write]\n          mtls: []\n"
    assert cancel in text
    new = text.replace(cancel, "      security: []\n")  # cancelling orders made public
    (tmp_path / "new.yaml").write_text(new)
    line = new.splitlines().index("      security: []") + 1
    code, out, err = cli(
        "review", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "-f", "json"
    )
    assert code == 1, err
    data = json.loads(out)
    assert data["new"]["kind"] == "openapi" and data["new"]["version"] == "2.4.0"
    introduced = [s for s in data["security_findings"] if s["new_in_amendment"]]
    assert introduced, data["security_findings"]
    assert {s["rule"] for s in introduced} == {"regression.weakens"}
    assert {s["location"]["line"] for s in introduced} == {line}  # the artefact's own line


def test_diff_in_a_repository_names_the_artefact_by_its_path(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    path = discovery(repo, ".well-known/openid-configuration")
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    env_commit = [*git, "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm"]
    subprocess.run([*env_commit, "discovery"], check=True)
    discovery(repo, ".well-known/openid-configuration", issuer="https://id.example")
    spec = "HEAD:.well-known/openid-configuration"
    code, out, _ = cli("diff", "--repo", str(repo), spec, str(path), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["old"]["contract"] == data["new"]["contract"] == "well-known-openid-configuration"
    assert data["old"]["source"] == spec
    assert [f["rule"] for f in data["findings"]] == ["idp.issuer-changed"]
    # --base reads the same path at the merge base through the same loader
    code, out, _ = cli("diff", "--repo", str(repo), "--base", "main", str(path), "-f", "json")
    assert json.loads(out)["findings"] == data["findings"]


def test_keycloak_secrets_never_reach_a_diff(tmp_path: Path) -> None:
    data = json.loads((ARTEFACTS / "realm-export.json").read_text())
    client = next(c for c in data["clients"] if c.get("secret"))
    client["secret"] = "s3cr3t-client-credential-4455"
    (tmp_path / "old.json").write_text(json.dumps(data, indent=2))
    client["secret"] = "n3w-client-credential-99887766"
    (tmp_path / "new.json").write_text(json.dumps(data, indent=2))
    for fmt in ("text", "json", "markdown", "sarif", "junit", "github", "html"):
        _code, out, err = cli(
            "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "-f", fmt
        )
        assert "secret" in out.lower(), fmt
        for secret in ("s3cr3t-client-credential-4455", "n3w-client-credential-99887766"):
            assert secret not in out + err
            assert secret[4:-4] not in out + err
