"""``workbench amend recipe`` on a real repository: list, dry run, apply, refuse, bad input."""

from __future__ import annotations

from amendment_support import Repo, cli
from test_amendment_recipes import TINY

PATH = "contracts/tiny/tiny-api.yaml"


def tiny_repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write(PATH, TINY)
    repo.commit("Add the tiny contract")
    return repo


def test_without_an_id_it_lists_the_recipes_and_the_contracts_choices(tmp_path):
    repo = tiny_repo(tmp_path)
    result = cli("amend", "recipe", "--contract", PATH, repo=repo.root)
    assert result.exit_code == 0, result.stderr
    assert "rotate-signing-algorithm" in result.stdout and "rename-error-code" in result.stdout
    assert "idp: The identity provider. [old-idp, new-idp]" in result.stdout
    bare = cli("amend", "recipe", repo=repo.root)
    assert bare.exit_code == 0 and "Rename a scope" in bare.stdout


def test_dry_run_prints_the_diff_and_the_verdict_and_writes_nothing(tmp_path):
    repo = tiny_repo(tmp_path)
    before = (repo.root / PATH).read_bytes()
    result = cli(
        "amend",
        "recipe",
        "require-mfa-for-scope",
        "-c",
        PATH,
        "-p",
        "scope=tiny:read",
        "--dry-run",
        repo=repo.root,
    )
    assert result.exit_code == 0, result.stderr
    assert f"--- a/{PATH}" in result.stdout and "+    - tiny:read" in result.stdout
    assert "cannot be made safe" in result.stdout
    assert "verdict against HEAD: breaking" in result.stdout
    assert "mfa.required-for-added" in result.stdout
    assert "not written" in result.stdout
    assert (repo.root / PATH).read_bytes() == before


def test_apply_then_refuse_before_the_sunset_then_remove_after_it(tmp_path):
    repo = tiny_repo(tmp_path)
    args = (
        "amend",
        "recipe",
        "rotate-signing-algorithm",
        "-c",
        PATH,
        "-p",
        "token=access_token",
        "-p",
        "old=RS256",
    )
    first = cli(*args, "-p", "new=ES256", "--today", "2026-12-03", repo=repo.root)
    assert first.exit_code == 0, first.stderr
    assert "(expand step)" in first.stdout and "wrote " + PATH in first.stdout
    assert "verdict against HEAD: safe" in first.stdout
    written = repo.read(PATH)
    assert "      - RS256  # the legacy keys\n      - ES256\n" in written
    assert 'sunset: "2027-03-03"' in written
    assert repo.git("status", "--porcelain").strip() == f"M {PATH}"
    repo.commit("Accept ES256 alongside RS256")

    early = cli(*args, "--today", "2027-03-02", repo=repo.root)
    assert early.exit_code == 1
    assert early.stderr.strip().count("\n") == 0
    assert "2027-03-03" in early.stderr and early.stderr.startswith(f"{PATH}:")
    assert repo.read(PATH) == written

    late = cli(*args, "--today", "2027-03-03", repo=repo.root)
    assert late.exit_code == 0, late.stderr
    assert "(contract step)" in late.stdout
    assert "verdict against HEAD: safe" in late.stdout and "planned removal" in late.stdout
    assert "RS256" not in repo.read(PATH)


def test_a_parameter_the_contract_lacks_is_one_line_and_exit_2(tmp_path):
    repo = tiny_repo(tmp_path)
    result = cli(
        "amend",
        "recipe",
        "retire-identity-provider",
        "-c",
        PATH,
        "-p",
        "idp=ghost-idp",
        repo=repo.root,
    )
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"{PATH}:11:1: error: retire-identity-provider: idp 'ghost-idp'")
    assert "choices: old-idp, new-idp" in line
    assert repo.read(PATH) == TINY


def test_no_contract_named_and_none_changed(tmp_path):
    repo = tiny_repo(tmp_path)
    result = cli(
        "amend", "recipe", "require-mfa-for-scope", "-p", "scope=tiny:read", repo=repo.root
    )
    assert result.exit_code == 2
    assert "give --contract PATH (0 contracts changed in the working tree: none)" in result.stderr


def test_a_malformed_param_is_a_usage_error(tmp_path):
    repo = tiny_repo(tmp_path)
    result = cli(
        "amend", "recipe", "require-mfa-for-scope", "-c", PATH, "-p", "scope", repo=repo.root
    )
    assert result.exit_code == 2
    assert "is not NAME=VALUE" in result.stderr


def test_a_byte_order_mark_and_crlf_survive_the_write(tmp_path):
    repo = Repo(tmp_path / "repo")
    raw = b"\xef\xbb\xbf" + TINY.replace("\n", "\r\n").encode("utf-8")
    repo.write(PATH, raw)
    repo.commit("Add the tiny contract with a BOM and CRLF")
    result = cli(
        "amend",
        "recipe",
        "shorten-token-lifetime",
        "-c",
        PATH,
        "-p",
        "token=access_token",
        "-p",
        "lifetime=1h",
        repo=repo.root,
    )
    assert result.exit_code == 0, result.stderr
    assert (repo.root / PATH).read_bytes() == raw.replace(b"lifetime: 2h", b"lifetime: 1h")
