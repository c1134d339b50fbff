"""``workbench log`` of a JSON artefact's history reads each revision as an edit of the one read
before it (sources.jsonedit): the log, text and JSON, must be byte for byte the log of revisions
each parsed whole, invalid revisions and layout-only changes included."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import Repo

from workbench.cli import main
from workbench.sources import base, openapi
from workbench.sources.jsonedit import reparse

PATH = "api/openapi.json"


def _description() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Orders", "version": "1.0.0"},
        "security": [{"oauth": ["orders:read"]}],
        "paths": {
            f"/v1/orders/{n:03d}": {
                "get": {
                    "operationId": f"getOrder{n}",
                    "security": [{"oauth": ["orders:read"]}],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": f"#/components/schemas/Order{n % 5}"}
                                }
                            },
                        },
                        "401": {"description": "Unauthorized"},
                    },
                }
            }
            for n in range(40)
        },
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://id.example.com/token",
                            "scopes": {"orders:read": "", "orders:write": ""},
                        }
                    },
                }
            },
            "schemas": {
                f"Order{n}": {
                    "type": "object",
                    "properties": {"note": {"type": "string", "maxLength": 200}},
                }
                for n in range(5)
            },
        },
    }


def _history(repo: Repo) -> None:
    doc = _description()
    steps = []

    def step(message: str, text: str | None = None) -> None:
        steps.append((message, text if text is not None else json.dumps(doc, indent=2) + "\n"))

    step("Add the API description")
    doc["paths"]["/v1/orders/007"]["get"]["security"] = [{"oauth": ["orders:write"]}]
    step("A scope replaces another")
    doc["components"]["schemas"]["Order2"]["properties"]["note"]["maxLength"] = 100
    step("A bound tightens")
    doc["paths"]["/v2/added"] = {"get": {"operationId": "added", "responses": {}}}
    step("An operation is added")
    good = json.dumps(doc, indent=2) + "\n"
    step("A trailing comma", good.replace('"responses": {}', '"responses": {},', 1))
    del doc["paths"]["/v1/orders/003"]
    step("An operation is removed")
    step("Only the layout changes", json.dumps(doc, indent=4) + "\n")
    doc["paths"]["/v1/orders/010"]["get"]["security"] = []
    step("An operation becomes public")
    doc["security"] = [{"oauth": ["orders:read", "orders:write"]}]
    step("The top-level requirement gains a scope")
    doc["components"]["schemas"]["Order9"] = copy.deepcopy(doc["components"]["schemas"]["Order0"])
    step("A schema is added")
    doc["paths"]["/v1/orders/011"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] = {"$ref": "#/components/schemas/Order9"}
    step("An operation answers with the new schema")
    for message, text in steps:
        repo.commit(message, {PATH: text})


def _log(fmt: str) -> str:
    result = CliRunner().invoke(main, ["log", PATH, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_the_log_read_as_edits_is_the_log_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    repo = Repo(tmp_path / "repo")
    _history(repo)
    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("NO_COLOR", "1")
    edits = []

    def counted(*args):
        got = reparse(*args)
        edits.append(got is not None)
        return got

    monkeypatch.setattr(base, "reparse", counted)
    logs = []
    for edit_from in (1 << 60, 0):  # whole parses, then every revision read as an edit
        monkeypatch.setattr(base, "EDIT_FROM", edit_from)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{edit_from}"))  # cold
        base.forget_json()
        openapi.forget()
        logs.append(_log(fmt))
    assert logs[0] == logs[1]
    # read whole: the newest, the two on either side of the layout change, the invalid one
    assert sum(edits) >= 7, edits
    if fmt == "json":
        entries = json.loads(logs[1])
        assert len(entries) == 11
        assert sum(1 for e in entries if e["invalid"]) == 1
        assert any(e["severity"] == "breaking" for e in entries if not e["invalid"])
