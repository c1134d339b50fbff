"""``REV:PATH`` specs read from real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_support import Repo, contract_text

from workbench.contract import ContractError
from workbench.history import INDEX, parse_rev_path, read_contract_at

PATH = "contracts/payments.yaml"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = Repo(tmp_path_factory.mktemp("revspec") / "repo")
    r.commit(
        "first",
        {PATH: contract_text("1.0.0"), "contracts/broken.yaml": "contract: broken\nversion: [1\n"},
    )
    r.git("tag", "v1")
    r.commit("second", {PATH: contract_text("1.1.0")})
    r.write(PATH, contract_text("1.2.0"))
    r.git("add", PATH)
    r.write(PATH, contract_text("1.3.0"))
    return r.root


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("main:contracts/payments.yaml", ("main", "contracts/payments.yaml")),
        ("HEAD~3:a.yaml", ("HEAD~3", "a.yaml")),
        ("origin/main:a/b.yaml", ("origin/main", "a/b.yaml")),
        (":a.yaml", (INDEX, "a.yaml")),
        ("main:", ("main", "")),
        ("plain.yaml", None),
        ("C:\\contracts\\a.yaml", None),
        ("https://example.com/a.yaml", None),
    ],
)
def test_parse_rev_path(spec: str, expected: tuple[str, str] | None) -> None:
    assert parse_rev_path(spec) == expected


def test_existing_file_with_colon_is_a_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd:name.yaml").write_text("x: 1\n")
    assert parse_rev_path("odd:name.yaml") is None


@pytest.mark.parametrize(
    ("rev", "version"),
    [
        ("HEAD", "1.1.0"),
        ("main~1", "1.0.0"),
        ("v1", "1.0.0"),
        ("INDEX", "1.2.0"),
        ("WORKTREE", "1.3.0"),
    ],
)
def test_read_contract_at(repo: Path, rev: str, version: str) -> None:
    contract = read_contract_at(repo, rev, "contracts/payments.yaml")
    assert contract.version == version
    assert contract.source == f"{rev}:contracts/payments.yaml"


def test_read_contract_at_from_a_subdirectory_and_sha(repo: Path) -> None:
    sha = Repo(repo, init=False).sha("HEAD~1")
    assert read_contract_at(repo / "contracts", sha, "contracts/payments.yaml").version == "1.0.0"


def test_read_contract_at_relative_to_cwd(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo / "contracts")
    assert read_contract_at(".", "HEAD", "./payments.yaml").version == "1.1.0"


@pytest.mark.parametrize(
    ("rev", "path", "message"),
    [
        ("nope", "contracts/payments.yaml", "unknown revision 'nope'"),
        ("HEAD", "contracts/missing.yaml", "contracts/missing.yaml does not exist at HEAD"),
        ("HEAD", "contracts", "contracts is a directory at HEAD"),
        ("HEAD", "", "no file path after 'HEAD'"),
        ("-x", "a.yaml", "invalid revision '-x'"),
    ],
)
def test_read_contract_at_errors(repo: Path, rev: str, path: str, message: str) -> None:
    with pytest.raises(ContractError) as info:
        read_contract_at(repo, rev, path)
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith(f"{rev}:{path}:1:1: error: ")
    assert message in line


def test_read_contract_at_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="not inside a git repository"):
        read_contract_at(tmp_path, "HEAD", "a.yaml")


def test_read_contract_at_invalid_contract(repo: Path) -> None:
    with pytest.raises(ContractError) as info:
        read_contract_at(repo, "v1", "contracts/broken.yaml")
    assert str(info.value).startswith("v1:contracts/broken.yaml:3:1: error: invalid YAML")
