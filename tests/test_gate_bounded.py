"""The gate looks only at what changed: which paths count as contracts for ``check --base``,
``--staged`` and the default, on real repositories (benchmarks/gate.py measures the cost over
100,000 changed files; the hostile corpus runs it under a timeout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from amendment_support import CONTRACT, CONTRACT_PATH, Repo, orders_repo

from workbench.amendment import changes
from workbench.amendment.changes import changed_since
from workbench.amendment.gate import check
from workbench.history.repo import ContractRepo


def _since(repo: Repo, base: str = "HEAD~1") -> list[tuple[str, str | None, bool]]:
    with ContractRepo.open(repo.root, cache=False) as r:
        return [(c.path, c.old_path, c.deleted) for c in changed_since(r, r.resolve(base))]


@pytest.fixture(params=[False, True], ids=["read", "grep-first"])
def grep_first(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run each case both ways: blobs read directly, and git grep ruling out first."""
    if request.param:
        monkeypatch.setattr(changes, "GREP_OVER", 0)
    return request.param


def test_only_contracts_among_unrelated_files(tmp_path: Path, grep_first: bool) -> None:
    repo = orders_repo(tmp_path / "r")
    for i in range(30):
        repo.write(f"noise/f{i}.yaml", f"id: {i}\nversion: {i}\n")
    repo.write("docs/notes.md", "contract: not yaml\nversion: 1\n")
    repo.edit(CONTRACT_PATH, "1.4.0", "1.5.0")
    repo.commit("noise and a contract")
    assert _since(repo) == [(CONTRACT_PATH, CONTRACT_PATH, False)]


def test_a_contract_broken_into_something_else_is_still_checked(
    tmp_path: Path, grep_first: bool
) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.write(CONTRACT_PATH, "just: text\n")
    repo.commit("break it")
    assert _since(repo) == [(CONTRACT_PATH, CONTRACT_PATH, False)]


def test_renames_and_deletions(tmp_path: Path, grep_first: bool) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.write(
        "contracts/other.yaml", CONTRACT.replace("contract: orders-api", "contract: other-api")
    )
    repo.commit("another")
    repo.git("mv", CONTRACT_PATH, "contracts/renamed.yaml")
    repo.git("rm", "-q", "contracts/other.yaml")
    repo.commit("move and delete")
    assert sorted(_since(repo)) == [
        ("contracts/other.yaml", "contracts/other.yaml", True),
        ("contracts/renamed.yaml", CONTRACT_PATH, False),
    ]


def test_a_contract_replaced_by_a_huge_file_is_recognized_from_its_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changes, "SNIFF_WHOLE", 1024)
    repo = orders_repo(tmp_path / "r")
    repo.write(
        "contracts/big.yaml", CONTRACT.replace("orders-api", "big-api") + "# " + "x" * 5000 + "\n"
    )
    repo.write("contracts/blob.yaml", "a: " + "y" * 5000 + "\n")
    repo.commit("big files")
    assert _since(repo) == [("contracts/big.yaml", None, False)]


def test_staged_and_worktree_modes_list_only_what_changed(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.write(
        "contracts/other.yaml", CONTRACT.replace("contract: orders-api", "contract: other-api")
    )
    repo.commit("another")
    repo.edit("contracts/other.yaml", "1.4.0", "1.4.1")
    repo.git("add", "contracts/other.yaml")
    repo.edit(CONTRACT_PATH, "1.4.0", "1.4.1")  # modified, not staged
    with ContractRepo.open(repo.root, cache=False) as r:
        assert r.changed_paths(staged=True) == {"contracts/other.yaml"}
        assert r.changed_paths() == {"contracts/other.yaml", CONTRACT_PATH}
        listed = r.contracts(paths=r.changed_paths(staged=True))
        assert [e.path for e in listed] == ["contracts/other.yaml"]
        assert [e.path for e in r.contracts(paths=["contracts/"])] == [
            CONTRACT_PATH,
            "contracts/other.yaml",
        ]
    assert [e.path for e in check(repo.root, staged=True).entries] == ["contracts/other.yaml"]
    assert sorted(e.path for e in check(repo.root).entries) == [
        CONTRACT_PATH,
        "contracts/other.yaml",
    ]


def test_staged_renames_name_both_paths(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "r")
    repo.git("mv", CONTRACT_PATH, "contracts/moved.yaml")
    with ContractRepo.open(repo.root, cache=False) as r:
        assert r.changed_paths(staged=True) == {CONTRACT_PATH, "contracts/moved.yaml"}


def test_a_contract_named_with_a_newline_is_checked_and_shown_on_one_line(tmp_path: Path) -> None:
    name = "contracts/a (FAIL)\nok   contracts/b.yaml"
    repo = orders_repo(tmp_path / "r")
    repo.write(name, CONTRACT.replace("contract: orders-api", "contract: a-api"))
    repo.commit("a-api")
    repo.edit(name, "1.4.0", "1.4.1")
    repo.git("add", "-A")
    result = check(repo.root, staged=True)
    assert len(result.entries) == 1 and not result.ok  # seen, and failed: not a plain name
    assert "(FAIL)\\nok   contracts/b.yaml" in result.render()
    assert "\nok   contracts/b.yaml" not in result.render()


def test_artefacts_among_unrelated_files(tmp_path: Path, grep_first: bool) -> None:
    """Discovery documents and realm exports are judged by the gate too (the pre-filter keeps
    the words an artefact needs), JSON that is neither is not, and an artefact broken into
    invalid JSON is still checked."""
    repo = orders_repo(tmp_path / "r")
    repo.write("web/package.json", '{"name": "web", "version": "1.0.0"}\n')
    repo.write("web/tsconfig.json", '{"compilerOptions": {"strict": true}}\n')
    repo.write(
        "idp/openid-configuration",
        '{"issuer": "https://id.example", "jwks_uri": "https://id.example/jwks",\n'
        ' "response_types_supported": ["code"]}\n',
    )
    repo.write(
        "keycloak/realm.json",
        '{"realm": "shop", "sslRequired": "external", "clients": []}\n',
    )
    repo.commit("artefacts and noise")
    assert sorted(p for p, _, _ in _since(repo)) == [
        "idp/openid-configuration",
        "keycloak/realm.json",
    ]
    repo.write(
        "keycloak/realm.json", '{"realm": "shop", "sslRequired": "external",, "clients": []}\n'
    )
    repo.write("web/package.json", '{"name": "web", "version": "1.0.1"}\n')
    repo.commit("a trailing comma")
    assert _since(repo) == [("keycloak/realm.json", "keycloak/realm.json", False)]
