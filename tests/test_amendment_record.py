"""The amendment record format: round trip, schema, positioned errors, atomic writes, settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from workbench.amendment.atomic import atomic_write, remove_stale_temps
from workbench.amendment.record import (
    Acceptance,
    ChangelogStamp,
    NoticeStamp,
    Notified,
    Person,
    Record,
    SignOff,
    Stamp,
    dump_record,
    load_record,
    parse_record,
    record_relpath,
    record_schema,
    save_record,
)
from workbench.amendment.settings import DEFAULT_SETTINGS, load_settings, parse_settings
from workbench.config import parse_config
from workbench.contract.errors import ContractError

AT = "2026-01-15T12:00:00+01:00"


def full_record() -> Record:
    record = Record(
        contract="orders-api",
        path="contracts/orders/orders-api.yaml",
        from_version="1.4.0",
        to_version="2.0.0",
        required_bump="major",
        fingerprint="0123456789abcdef",
        completed=Stamp("Ada <ada@example.com>", AT, "0123456789abcdef"),
        summary="New issuer.\nSecond line: [not markup] and 'quotes'.",
        effective="2026-03-01",
        author=Person("Ada", "ada@example.com"),
        created_at=AT,
        updated_at=AT,
    )
    record.step("compatibility").accepted.append(
        Acceptance(
            "f3c3500e0d672311", "Agreed: ORD-12", "Ada", AT, "idp.issuer-changed", "x", "breaking"
        )
    )
    record.step("security_review").sign_off = SignOff("Grace", AT, "0123456789abcdef", "g@x.org")
    comm = record.step("communication")
    comm.notice = NoticeStamp(
        "Ada", AT, "0123456789abcdef", "amendments/orders-api/2.0.0.notice.md"
    )
    comm.changelog = ChangelogStamp("contracts/orders/CHANGELOG.md", "2.0.0", "Ada", AT, None)
    comm.notified.append(Notified("web-shop", "Ada", AT, "0123456789abcdef", "web@example.com"))
    record.extra["x-ticket"] = "ORD-12"
    return record


def test_round_trip_is_exact() -> None:
    text = dump_record(full_record())
    again = parse_record(text, "r.yaml")
    assert dump_record(again) == text
    assert again.summary.startswith("New issuer.\nSecond line")
    assert again.step("security_review").sign_off.who == "Grace <g@x.org>"
    assert again.extra == {"x-ticket": "ORD-12"}
    assert text.startswith("# Amendment record of orders-api 1.4.0 -> 2.0.0")


def test_dumped_record_validates_against_the_shipped_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(record_schema())
    import yaml

    data = yaml.safe_load(dump_record(full_record()))
    jsonschema.Draft202012Validator(record_schema()).validate(data)


def test_schema_file_is_shipped_in_the_package() -> None:
    from importlib import resources

    node = resources.files("workbench.amendment").joinpath("schema/amendment-v1.schema.json")
    assert json.loads(node.read_text())["title"].startswith("Amendment record")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (("to_version: 2.0.0", "to_version: 2.0"), 7, "quote the version"),
        (("format: 1", "format: 1\nsurprise: yes"), 4, "unknown field 'surprise'"),
        (("reason: 'Agreed: ORD-12'", "reason: '   '"), None, "does not match"),
        (
            (
                "  at: '2026-01-15T12:00:00+01:00'\n  fingerprint: 0123",
                "  at: yesterday\n  fingerprint: 0123",
            ),
            None,
            "ISO 8601",
        ),
    ],
)
def test_invalid_records_are_reported_at_their_position(edit, line, message) -> None:
    text = dump_record(full_record())
    old, new = edit
    assert old in text
    with pytest.raises(ContractError) as err:
        parse_record(text.replace(old, new, 1), "amendments/orders-api/2.0.0.yaml")
    problem = err.value.first
    assert message in problem.message
    assert problem.file == "amendments/orders-api/2.0.0.yaml"
    if line is not None:
        assert problem.line == line
    assert problem.format().startswith(f"amendments/orders-api/2.0.0.yaml:{problem.line}:")


def test_missing_required_field_and_wrong_document() -> None:
    with pytest.raises(ContractError, match="'steps' is a required field"):
        parse_record(
            "format: 1\ncontract: a\npath: p\nfrom_version: null\nto_version: 1.0.0\n", "r"
        )
    with pytest.raises(ContractError, match="must be a mapping"):
        parse_record("- 1\n", "r")
    with pytest.raises(ContractError, match="no such amendment record"):
        load_record("/nonexistent/record.yaml")


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "amendments" / "orders-api" / "2.0.0.yaml"
    save_record(full_record(), path)
    os.chmod(path, 0o640)
    save_record(full_record(), path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)  # permissions kept
    assert [p.name for p in path.parent.iterdir()] == ["2.0.0.yaml"]
    assert load_record(path).to_version == "2.0.0"


def test_temporary_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "r.yaml"
    # a pid that cannot be running: beyond the kernel's limit
    dead = tmp_path / ".r.yaml.4194999.abc.tmp"
    dead.write_text("torn")
    alive = tmp_path / f".r.yaml.{os.getppid()}.abc.tmp"
    alive.write_text("a concurrent writer's file")
    atomic_write(target, b"x: 1\n")
    assert not dead.exists()
    assert alive.exists()  # never remove a running writer's file
    assert remove_stale_temps(target, older_than=0) == 1
    assert target.read_bytes() == b"x: 1\n"


def test_record_path_is_portable() -> None:
    assert record_relpath("amendments", "orders-api", "2.0.0") == "amendments/orders-api/2.0.0.yaml"
    assert record_relpath("docs/amend", "ns:orders", "1.0.0") == "docs/amend/ns~orders/1.0.0.yaml"
    # injective: ids that differ never share a record (`:` cannot be `_`, which ids may hold)
    assert record_relpath("a", "pay:api", "1.0.0") != record_relpath("a", "pay_api", "1.0.0")


# --- settings -----------------------------------------------------------------------------------


def test_settings_defaults_and_overrides(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == DEFAULT_SETTINGS
    assert DEFAULT_SETTINGS.notice_period == 90 * 86400
    (tmp_path / ".workbench.yaml").write_text(
        "amendments:\n  directory: docs/amendments/\n  notice_period: 30d\n"
        "  require_reviewer: false\n  reviewers: [Grace]\n  changelog: HISTORY.md\n"
        "  min_bump: minor\n  schema_clarity: all\n"
    )
    s = load_settings(tmp_path)
    assert (s.directory, s.notice_days, s.require_reviewer, s.reviewers) == (
        "docs/amendments",
        30,
        False,
        ("Grace",),
    )
    assert (s.changelog, s.min_bump, s.schema_clarity) == ("HISTORY.md", "minor", "all")
    assert s.origins["notice_period"].endswith(".workbench.yaml:3")


def test_settings_errors_point_at_the_setting() -> None:
    raw = (
        b"amendments:\n"
        b"  notice_periode: 90d\n"
        b"  directory: ../outside\n"
        b"  notice_period: 3 months\n"
        b"  require_reviewer: maybe\n"
        b"  changelog: docs/CHANGELOG.md\n"
    )
    with pytest.raises(ContractError) as err:
        parse_settings(parse_config(raw, ".workbench.yaml"))
    lines = [p.format() for p in err.value.problems]
    assert lines[0].startswith(".workbench.yaml:2:3: error: unknown amendments setting")
    assert "did you mean 'notice_period'" in lines[0]
    assert any(
        line.startswith(".workbench.yaml:3:") and "inside the repository" in line for line in lines
    )
    assert any(line.startswith(".workbench.yaml:4:") and "not a duration" in line for line in lines)
    assert any(line.startswith(".workbench.yaml:5:") and "true or false" in line for line in lines)
    assert any(line.startswith(".workbench.yaml:6:") and "file name" in line for line in lines)


def test_docs_describe_every_record_field_and_setting() -> None:
    from workbench.amendment.settings import KEYS

    docs = (Path(__file__).resolve().parent.parent / "docs" / "amendments.md").read_text()
    schema = record_schema()
    fields = set(schema["properties"]) | set(schema["$defs"]["step"]["properties"])
    undocumented = sorted(f for f in fields if f"`{f}`" not in docs and f"`{f}[]`" not in docs)
    assert undocumented == []
    assert [k for k in KEYS if f"  {k}:" not in docs] == []
