"""Versioning: next versions, and rewriting only the version of a contract file."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.amendment.bump import BumpError, apply_bump, next_version, set_version_text
from workbench.contract.loader import load_contract
from workbench.demo import samples_dir


@pytest.mark.parametrize(
    ("version", "bump", "expected"),
    [
        ("3.2.0", "major", "4.0.0"),
        ("3.2.7", "minor", "3.3.0"),
        ("3.2.7", "patch", "3.2.8"),
        ("3.2.7", "none", "3.2.7"),
        ("0.9.1", "major", "1.0.0"),
        ("2.0.0-rc.1", "major", "2.0.0"),
        ("2.1.0-beta", "major", "3.0.0"),
        ("2.1.0-beta", "minor", "2.1.0"),
        ("2.1.3-beta", "patch", "2.1.3"),
        ("1.2.3+build.5", "patch", "1.2.4"),
    ],
)
def test_next_version(version: str, bump: str, expected: str) -> None:
    assert next_version(version, bump) == expected


def test_next_version_refuses_non_semver() -> None:
    with pytest.raises(BumpError, match="not a SemVer"):
        next_version("2.0", "major")
    with pytest.raises(BumpError, match="unknown bump"):
        next_version("2.0.0", "huge")


def _draft() -> bytes:
    return (samples_dir() / "history" / "payments-api" / "draft-shorter-tokens.yaml").read_bytes()


def test_apply_bump_changes_only_the_version_line_of_a_real_contract(tmp_path: Path) -> None:
    path = tmp_path / "payments-api.yaml"
    before = _draft()
    path.write_bytes(before)
    result = apply_bump(path, "4.0.0")
    after = path.read_bytes()
    assert (result.old_version, result.new_version, result.changed) == ("3.2.0", "4.0.0", True)
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert changed == [result.line - 1]
    assert old_lines[result.line - 1] == b"version: 3.2.0\n"
    assert new_lines[result.line - 1] == b"version: 4.0.0\n"
    # comments and key order are the same bytes; the file still loads, at the new version
    assert [line for line in new_lines if line.lstrip().startswith(b"#")] == [
        line for line in old_lines if line.lstrip().startswith(b"#")
    ]
    contract = load_contract(path)
    assert contract.version == "4.0.0"
    assert list(contract.data) == list(load_contract_bytes_keys(before))
    # applying it again changes nothing
    assert apply_bump(path, "4.0.0").changed is False
    assert path.read_bytes() == after


def load_contract_bytes_keys(raw: bytes) -> list[str]:
    import yaml

    return list(yaml.safe_load(raw))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a: 1\nversion: "1.0.0"  # keep me\nb: 2\n', 'a: 1\nversion: "2.0.0"  # keep me\nb: 2\n'),
        ("a: 1\nversion: '1.0.0'\n", "a: 1\nversion: '2.0.0'\n"),
        ("{a: 1, version: 1.0.0, b: [x]}\n", "{a: 1, version: 2.0.0, b: [x]}\n"),
        ("version: &v 1.0.0\nb: 2\n", "version: &v 2.0.0\nb: 2\n"),
        ("version: !!str 1.0.0\n", "version: !!str 2.0.0\n"),
        ("a:\n  version: 9.9.9\nversion:    1.0.0\n", "a:\n  version: 9.9.9\nversion:    2.0.0\n"),
        ("x: |\n  version: 1.0.0\nversion: 1.0.0\n", "x: |\n  version: 1.0.0\nversion: 2.0.0\n"),
        ("a: 1\r\nversion: 1.0.0\r\nb: 2\r\n", "a: 1\r\nversion: 2.0.0\r\nb: 2\r\n"),
    ],
)
def test_set_version_text_keeps_every_other_byte(text: str, expected: str) -> None:
    new_text, old, _line = set_version_text(text, "2.0.0")
    assert old == "1.0.0"
    assert new_text == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n", "no top-level 'version'"),
        ("base: &v 1.0.0\nversion: *v\n", "alias"),
        ("version: |\n  1.0.0\n", "block scalar"),
        ("version: &v 1.0.0\nother: *v\n", "change other values"),
        ("version: [1\n", "not valid YAML"),
    ],
)
def test_set_version_text_refuses_what_it_cannot_do_safely(text: str, message: str) -> None:
    with pytest.raises(BumpError, match=message):
        set_version_text(text, "2.0.0")


def test_apply_bump_keeps_bom_crlf_and_permissions(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    raw = b"\xef\xbb\xbf# c\r\ncontract: x\r\nversion: '1.0.0'\r\n"
    path.write_bytes(raw)
    path.chmod(0o600)
    apply_bump(path, "1.1.0")
    assert path.read_bytes() == raw.replace(b"'1.0.0'", b"'1.1.0'")
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_apply_bump_refuses_a_bad_target(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1.0.0\n")
    with pytest.raises(BumpError, match="SemVer"):
        apply_bump(path, "2.0")
    with pytest.raises(BumpError, match="cannot read"):
        apply_bump(tmp_path / "missing.yaml", "2.0.0")
