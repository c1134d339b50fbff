"""The sample contracts and their scripted histories: valid, consistent, and telling the story
that the engine, the security review and the checklist are demonstrated on."""

from __future__ import annotations

import itertools
from datetime import datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from workbench.cli import main
from workbench.contract import load_contract
from workbench.contract.loader import validate_file
from workbench.contract.model import Contract

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
HISTORY = SAMPLES / "history"
STORY_KEYS = {"file", "path", "author", "email", "date", "message", "changelog", "tag"}
CHANGELOG_SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}

# The realistic versioning mistakes the stories contain on purpose: the workbench must catch them.
EXPECTED_UNDER_BUMPS = {
    ("payments-api", "06-idempotency-key.yaml"),  # new required request field as a minor
    ("ledger-service", "04-rename-cert-error.yaml"),  # error code renamed as a patch
}


def all_story_dirs() -> list[Path]:
    return sorted(p for p in HISTORY.iterdir() if p.is_dir() and not p.name.startswith("_"))


def story_dirs() -> list[Path]:
    """The contract stories (artefact stories name their ``kind``: see test_demo_artefacts)."""
    return [p for p in all_story_dirs() if "kind" not in load_story(p)]


def load_story(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "story.yaml").read_text(encoding="utf-8"))


def snapshots() -> list[Path]:
    return sorted(p for d in story_dirs() for p in d.glob("*.yaml") if p.name != "story.yaml")


def semver(version: str) -> tuple[int, int, int]:
    major, minor, patch = version.split(".")
    return int(major), int(minor), int(patch)


def bump_of(old: str, new: str) -> str:
    a, b = semver(old), semver(new)
    if b[0] != a[0]:
        return "major"
    if b[1] != a[1]:
        return "minor"
    return "patch" if b[2] != a[2] else "none"


@cache
def contract_at(path: Path) -> Contract:
    return load_contract(path)


@cache
def revisions() -> list[tuple[str, dict, Contract]]:
    out = []
    for folder in story_dirs():
        for entry in load_story(folder)["revisions"]:
            out.append((folder.name, entry, contract_at(folder / entry["file"])))
    return out


@cache
def amendments() -> list[tuple[str, dict, Contract, Contract]]:
    """Consecutive revisions of each contract: (contract id, new entry, old, new)."""
    out, previous = [], {}
    for cid, entry, contract in revisions():
        if cid in previous:
            out.append((cid, entry, previous[cid], contract))
        previous[cid] = contract
    return out


# --- validity ------------------------------------------------------------------------------


def test_there_are_at_least_four_contracts_each_with_nine_revisions() -> None:
    dirs = story_dirs()
    assert len(dirs) >= 4
    for folder in dirs:
        assert len(load_story(folder)["revisions"]) >= 9, folder.name
        assert (SAMPLES / f"{folder.name}.yaml").is_file()


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_top_level_samples_are_valid_without_warnings(path: Path) -> None:
    assert validate_file(path) == []


@pytest.mark.parametrize("path", snapshots(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_snapshot_is_valid_without_warnings(path: Path) -> None:
    assert validate_file(path) == []
    assert load_contract(path).id == path.parent.name


def test_validate_command_accepts_all_samples() -> None:
    paths = [str(p) for p in sorted(SAMPLES.glob("*.yaml")) + sorted(SAMPLES.glob("artefacts/*"))]
    assert len(paths) == len(all_story_dirs())
    result = CliRunner().invoke(main, ["validate", *paths])
    assert result.exit_code == 0, result.output
    assert f"{len(paths)} valid, 0 invalid" in result.output


@pytest.mark.parametrize("folder", story_dirs(), ids=lambda p: p.name)
def test_top_level_sample_equals_the_last_revision(folder: Path) -> None:
    last = load_story(folder)["revisions"][-1]["file"]
    assert (SAMPLES / f"{folder.name}.yaml").read_bytes() == (folder / last).read_bytes()


# --- stories --------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", story_dirs(), ids=lambda p: p.name)
def test_story_is_well_formed(folder: Path) -> None:
    story = load_story(folder)
    assert story["contract"] == folder.name
    referenced = set()
    last_date = None
    last_version = None
    for i, entry in enumerate(story["revisions"], 1):
        assert set(entry) <= STORY_KEYS, entry.keys()
        assert entry["file"].startswith(f"{i:02d}-"), "snapshots are numbered in story order"
        assert (folder / entry["file"]).is_file()
        referenced.add(entry["file"])
        path = PurePosixPath(entry["path"])
        assert path.parts[0] == "contracts" and path.suffix == ".yaml"
        assert "@" in entry["email"] and entry["author"].strip()
        date = datetime.fromisoformat(entry["date"])
        assert date.tzinfo is not None
        assert last_date is None or date > last_date, f"revision {i} is not after revision {i - 1}"
        last_date = date
        subject, _, body = entry["message"].partition("\n")
        assert 10 <= len(subject) <= 72 and not subject.endswith(".")
        assert body.startswith("\n") and body.strip(), "a subject, a blank line, then a body"
        assert set(entry.get("changelog") or {}) <= CHANGELOG_SECTIONS
        version = load_contract(folder / entry["file"]).version
        assert last_version is None or semver(version) >= semver(last_version)
        if entry.get("tag"):
            assert entry["tag"] == f"{folder.name}/v{version}"
        last_version = version
    draft = story.get("draft")
    if draft:
        referenced.add(draft["file"])
        assert draft["path"] == story["revisions"][-1]["path"]
    on_disk = {p.name for p in folder.glob("*.yaml")} - {"story.yaml"}
    assert on_disk == referenced, "every snapshot belongs to the story"


def test_stories_span_about_eighteen_months_interleaved() -> None:
    dated = sorted(
        (datetime.fromisoformat(e["date"]), d.name)
        for d in story_dirs()
        for e in load_story(d)["revisions"]
    )
    assert len(dated) >= 36
    span = dated[-1][0] - dated[0][0]
    assert 450 <= span.days <= 600
    switches = sum(1 for a, b in itertools.pairwise(dated) if a[1] != b[1])
    assert switches >= len(dated) // 2, "contracts take turns rather than one after the other"


def test_repository_story_adds_readme_and_non_contract_yaml() -> None:
    folder = HISTORY / "_repository"
    story = load_story(folder)
    paths = set()
    for entry in story["revisions"]:
        datetime.fromisoformat(entry["date"])
        for path, name in entry["files"].items():
            assert (folder / name).is_file()
            paths.add(path)
    assert "README.md" in paths
    yamls = [folder / story["revisions"][0]["files"][p] for p in paths if p.endswith(".yaml")]
    assert len(yamls) >= 2
    for path in yamls:
        data = yaml.safe_load(path.read_text())
        assert "contract" not in data and "version" not in data, "must not look like a contract"


def test_exactly_one_story_moves_its_file_with_no_content_change() -> None:
    moves = []
    for folder in story_dirs():
        entries = load_story(folder)["revisions"]
        for old, new in itertools.pairwise(entries):
            if old["path"] != new["path"]:
                same = (folder / old["file"]).read_bytes() == (folder / new["file"]).read_bytes()
                moves.append((folder.name, old["path"], new["path"], same))
    assert moves == [
        ("partner-api", "contracts/partner-api.yaml", "contracts/partner/partner-api.yaml", True)
    ]


def test_payments_draft_changes_the_contract_without_a_version_bump() -> None:
    folder = HISTORY / "payments-api"
    story = load_story(folder)
    last = load_contract(folder / story["revisions"][-1]["file"])
    draft = load_contract(folder / story["draft"]["file"])
    assert draft.version == last.version
    old_at, new_at = last.norm["tokens"]["access_token"], draft.norm["tokens"]["access_token"]
    assert new_at["lifetime"] < old_at["lifetime"]
    assert set(new_at["required_claims"]) > set(old_at["required_claims"])


# --- the story elements the workbench is demonstrated on -----------------------------------


def _strip_editorial(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip_editorial(v)
            for k, v in node.items()
            if k not in ("description", "summary", "version", "notice")
        }
    if isinstance(node, list):
        return [_strip_editorial(v) for v in node]
    return node


def _request_required(contract: Contract) -> dict[str, set[str]]:
    out = {}
    for eid, ep in (contract.data.get("endpoints") or {}).items():
        schema = (ep.get("request") or {}).get("schema") or {}
        if "$ref" in schema:
            schema = contract.resolve_ref(schema["$ref"])[1]
        out[eid] = set(schema.get("required") or [])
    return out


def _algorithms(contract: Contract) -> set[str]:
    tokens = contract.data.get("tokens") or {}
    return {a for t in tokens.values() for a in t.get("signing_algorithms") or []}


def _access_lifetime(contract: Contract) -> int | None:
    return contract.norm.get("tokens", {}).get("access_token", {}).get("lifetime")


def _weakens(old: Contract, new: Contract) -> list[str]:
    reasons = []
    added = _algorithms(new) - _algorithms(old)
    if added & {"none", "HS256", "HS384", "HS512"}:
        reasons.append("symmetric or none algorithm accepted")
    before, after = _access_lifetime(old), _access_lifetime(new)
    if before and after and after > before and after >= 24 * 3600:
        reasons.append("access-token lifetime raised to a day or more")
    if "plain" in set((new.data.get("pkce") or {}).get("methods") or []) - set(
        (old.data.get("pkce") or {}).get("methods") or []
    ):
        reasons.append("PKCE plain allowed")
    old_cookie = (old.data.get("sessions") or {}).get("cookie") or {}
    new_cookie = (new.data.get("sessions") or {}).get("cookie") or {}
    if new_cookie.get("same_site") == "none" != old_cookie.get("same_site"):
        reasons.append("SameSite=None")
    if old_cookie.get("secure") and new_cookie.get("secure") is False:
        reasons.append("cookie Secure turned off")
    return reasons


def test_every_amendment_bumps_the_version_unless_it_only_moves_the_file() -> None:
    for folder in story_dirs():
        entries = load_story(folder)["revisions"]
        for old, new in itertools.pairwise(entries):
            a, b = contract_at(folder / old["file"]), contract_at(folder / new["file"])
            if a.text == b.text:
                assert old["path"] != new["path"], f"{new['file']} changes nothing"
            else:
                assert bump_of(a.version, b.version) != "none", f"{new['file']} is not bumped"


def test_an_identity_provider_is_added() -> None:
    added = [
        (cid, entry["file"])
        for cid, entry, old, new in amendments()
        if {i["id"] for i in new.data.get("identity_providers", [])}
        > {i["id"] for i in old.data.get("identity_providers", [])}
    ]
    assert len(added) >= 2


def test_rs256_moves_to_es256_through_a_deprecation_window() -> None:
    target = "tokens.access_token.signing_algorithms[RS256]"
    announced = removed = None
    for cid, entry, old, new in amendments():
        deps = {d["target"]: d for d in new.data.get("deprecations", [])}
        old_algs = old.data["tokens"]["access_token"].get("signing_algorithms", [])
        new_algs = new.data["tokens"]["access_token"].get("signing_algorithms", [])
        if target in deps and "ES256" in new_algs and "RS256" in new_algs and not announced:
            announced = (cid, deps[target])
        if "RS256" in old_algs and "RS256" not in new_algs:
            removed = (cid, datetime.fromisoformat(entry["date"]).date().isoformat())
    assert announced and removed and announced[0] == removed[0]
    sunset = announced[1]["sunset"]
    assert announced[1]["announced"] < sunset < removed[1], "removed only after the sunset"


def test_access_token_lifetime_is_shortened() -> None:
    shortened = [
        cid
        for cid, _, old, new in amendments()
        if _access_lifetime(old) and _access_lifetime(new) < _access_lifetime(old)
    ]
    assert {"payments-api", "wallet-app"} <= set(shortened)


def test_mfa_is_required_for_write_scopes() -> None:
    for _cid, _, old, new in amendments():
        before = set((old.data.get("mfa") or {}).get("required_for") or [])
        after = set((new.data.get("mfa") or {}).get("required_for") or [])
        if after - before and all(s.endswith((":write", ":refund")) for s in after - before):
            assert (new.data["mfa"].get("step_up") or {}).get("error") in new.data["errors"]
            return
    pytest.fail("no amendment requires MFA for write scopes")


def test_required_request_fields_are_added() -> None:
    found = []
    for cid, entry, old, new in amendments():
        before, after = _request_required(old), _request_required(new)
        for eid in before.keys() & after.keys():
            if after[eid] - before[eid]:
                found.append((cid, entry["file"], eid))
    assert len(found) >= 2, found


def test_at_least_two_amendments_weaken_security_in_different_contracts() -> None:
    weakening = {
        (cid, entry["file"]): reasons
        for cid, entry, old, new in amendments()
        if (reasons := _weakens(old, new))
    }
    assert len(weakening) >= 2
    assert len({cid for cid, _ in weakening}) >= 2
    assert any("symmetric" in r for rs in weakening.values() for r in rs)


def test_safe_additions_appear() -> None:
    kinds = set()
    for _cid, _, old, new in amendments():
        if set(new.data.get("scopes", {})) > set(old.data.get("scopes", {})):
            kinds.add("scope")
        if set(new.data.get("endpoints", {})) > set(old.data.get("endpoints", {})):
            kinds.add("endpoint")
        if {c["name"] for c in new.data.get("consumers", [])} > {
            c["name"] for c in old.data.get("consumers", [])
        }:
            kinds.add("consumer")
        schemas_old = old.data.get("components", {}).get("schemas", {})
        for name, schema in new.data.get("components", {}).get("schemas", {}).items():
            before = set((schemas_old.get(name) or {}).get("properties", {}))
            if before and set(schema.get("properties", {})) > before:
                kinds.add("optional field")
    assert kinds == {"scope", "endpoint", "consumer", "optional field"}


def test_error_codes_are_renamed() -> None:
    renames = []
    for cid, entry, old, new in amendments():
        gone = set(old.data.get("errors", {})) - set(new.data.get("errors", {}))
        came = set(new.data.get("errors", {})) - set(old.data.get("errors", {}))
        if gone and came:
            renames.append((cid, entry["file"], bump_of(old.version, new.version)))
    assert len(renames) >= 1
    assert {bump for *_, bump in renames} == {"major", "patch"}, "one done right, one under-bumped"


def test_an_editorial_amendment_is_a_patch() -> None:
    editorial = [
        (cid, bump_of(old.version, new.version))
        for cid, _, old, new in amendments()
        if old.text != new.text and _strip_editorial(old.data) == _strip_editorial(new.data)
    ]
    assert editorial and all(bump == "patch" for _, bump in editorial)


def test_the_under_bumps_are_the_intended_ones() -> None:
    under = set()
    for cid, entry, old, new in amendments():
        bump = bump_of(old.version, new.version)
        before, after = _request_required(old), _request_required(new)
        new_required = any(after[e] - before[e] for e in before.keys() & after.keys())
        renamed = bool(set(old.data.get("errors", {})) - set(new.data.get("errors", {})))
        if (new_required or renamed) and bump != "major":
            under.add((cid, entry["file"]))
    assert under == EXPECTED_UNDER_BUMPS
