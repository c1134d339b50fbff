"""The demo's artefacts: an OpenID Connect discovery document, an OpenAPI description and a
Keycloak realm export, each with a history of amendments. Their stories are well formed,
`workbench log` judges every amendment as a reviewer would, the terminal UI shows them with
their findings on the artefact's own lines, the commit gate asks an artefact's draft for its
record, and the realm export's secrets never appear in any output."""

from __future__ import annotations

import itertools
import json
import subprocess
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tui_harness import make_app, press, wait_until

from workbench.cli import main
from workbench.demo import build_demo_repo, load_plan
from workbench.sources import kind_of, load_document
from workbench.tui.screens.main import MainScreen

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
HISTORY = SAMPLES / "history"
DISCOVERY = "idp/login-discovery.json"
OPENAPI = "openapi/merchant-api.yaml"
REALM = "keycloak/customers.json"
SECRETS = (
    "hXo3vJq9Lr2mTz7KcW4pYb8NfD1sGa6E",  # orders-backend, before the rotation
    "t5RkP0wYz2LqV8nXc3JmHs7BdF9gKa1U",  # orders-backend, after it
    "GOCSPX-demo-4kP9sQ2vX7mB1nR8",  # the Google broker's client secret
)

# Every amendment of each artefact, oldest first: (subject start, severity, required bump,
# actual bump, the rules of its findings, security rules new in the amendment).
EXPECTED: dict[str, list[tuple[str, str, str, str, set[str], set[str]]]] = {
    DISCOVERY: [
        ("Publish login.example.com", "safe", "none", "unversioned", {"contract.created"}, set()),
        ("Advertise ES256", "safe", "minor", "unversioned", {"idp.alg-added"}, set()),
        (
            "Offer the device authorization grant",
            "safe",
            "minor",
            "unversioned",
            {"grant.added", "idp.endpoint-added"},
            set(),
        ),
        (
            "Move the token and revocation",
            "risky",
            "minor",
            "unversioned",
            {"idp.endpoint-moved"},
            set(),
        ),
        ("Stop advertising RS256", "breaking", "major", "unversioned", {"idp.alg-removed"}, set()),
        (
            "Accept PKCE plain",
            "safe",
            "minor",
            "unversioned",
            {"pkce.plain-added"},
            {"oauth.pkce-plain", "regression.weakens"},
        ),
    ],
    OPENAPI: [
        ("Describe the Merchant API", "safe", "none", "none", {"contract.created"}, set()),
        (
            "Require merchants:bank",
            "breaking",
            "major",
            "minor",
            {"endpoint.scope-required-added", "scheme.flow-scope-added"},
            set(),
        ),
        (
            "Retire merchant API keys",
            "breaking",
            "major",
            "major",
            {"endpoint.security-alternative-removed", "scheme.flow-url-changed", "scheme.removed"},
            set(),
        ),
        (
            "Let the search migration job",
            "safe",
            "minor",
            "patch",
            {"endpoint.security-scheme-removed"},
            {"regression.weakens"},
        ),
    ],
    REALM: [
        (
            "Keep the customers realm export",
            "safe",
            "none",
            "unversioned",
            {"contract.created"},
            set(),
        ),
        (
            "Enable the implicit flow",
            "safe",
            "minor",
            "unversioned",
            {"client.insecure-flow-enabled"},
            {"oauth.client-implicit", "regression.weakens"},
        ),
        (
            "Let storefront redirect anywhere",
            "safe",
            "minor",
            "unversioned",
            {"client.redirect-uri-insecure-added"},
            {"oauth.client-redirect-wildcard", "regression.weakens"},
        ),
        ("Re-export the customers realm", "none", "none", "unversioned", set(), set()),
        (
            "Raise the customers realm's access-token",
            "safe",
            "minor",
            "unversioned",
            {"token.lifetime-lengthened"},
            {"regression.weakens"},
        ),
        (
            "Drop the loyalty_tier claim",
            "breaking",
            "major",
            "unversioned",
            {"scope.claim-removed", "meta.text-changed"},
            set(),
        ),
        (
            "Rotate the orders-backend",
            "breaking",
            "major",
            "unversioned",
            {"client.secret-changed"},
            set(),
        ),
    ],
}


def artefact_stories() -> list[Path]:
    return sorted(
        p
        for p in HISTORY.iterdir()
        if p.is_dir() and (p / "story.yaml").is_file() and "kind" in story_of(p)
    )


def story_of(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "story.yaml").read_text(encoding="utf-8"))


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Test Author", "-c", "user.email=author@example.com"]
    return subprocess.run(
        ["git", *env_args, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Reports cached on disk across this module's tests, never in the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        mp.delenv("WORKBENCH_NO_CACHE", raising=False)
        yield


# --- the stories -----------------------------------------------------------------------------


def test_three_artefact_stories_of_several_amendments_each() -> None:
    kinds = {story_of(f)["kind"]: f for f in artefact_stories()}
    assert set(kinds) == {"oidc-discovery", "openapi", "keycloak-realm"}
    for folder in kinds.values():
        assert len(story_of(folder)["revisions"]) >= 4, folder.name


@pytest.mark.parametrize("folder", artefact_stories(), ids=lambda p: p.name)
def test_artefact_story_is_well_formed(folder: Path) -> None:
    story = story_of(folder)
    assert story["contract"] == folder.name
    referenced, last_date = set(), None
    for i, entry in enumerate(story["revisions"], 1):
        assert entry["file"].startswith(f"{i:02d}-")
        path = PurePosixPath(entry["path"])
        assert path.parts[0] != "contracts" and path.suffix == PurePosixPath(entry["file"]).suffix
        date = datetime.fromisoformat(entry["date"])
        assert date.tzinfo is not None and (last_date is None or date > last_date)
        last_date = date
        subject, _, body = entry["message"].partition("\n")
        assert 10 <= len(subject) <= 72 and body.startswith("\n") and body.strip()
        contract = load_document(folder / entry["file"], story["kind"])  # reads, no problem
        assert kind_of(contract) == story["kind"]
        referenced.add(entry["file"])
    assert {p.name for p in folder.iterdir()} - {"story.yaml"} == referenced
    top = (
        SAMPLES
        / "artefacts"
        / f"{folder.name}{PurePosixPath(story['revisions'][-1]['file']).suffix}"
    )
    assert top.read_bytes() == (folder / story["revisions"][-1]["file"]).read_bytes()


def test_artefact_commits_are_interleaved_with_the_contracts() -> None:
    plan = load_plan()
    order = [c.contract for c in plan.commits if c.contract]
    artefacts = {"idp-login-discovery", "openapi-merchant-api", "keycloak-customers"}
    positions = [i for i, c in enumerate(order) if c in artefacts]
    assert positions[0] < len(order) // 4 and positions[-1] > 3 * len(order) // 4
    assert sum(1 for c in plan.commits if c.contract in artefacts) == sum(
        len(v) for v in EXPECTED.values()
    )


# --- workbench log ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.split("/")[0])
def test_log_of_each_artefact_lists_its_amendments_with_the_expected_verdicts(
    demo_repo_clean: Path, path: str
) -> None:
    code, out, err = cli("log", path, "--repo", str(demo_repo_clean), "--format", "json")
    assert (code, err) == (0, "")
    entries = list(reversed(json.loads(out)))
    expected = EXPECTED[path]
    assert len(entries) == len(expected)
    kind = {DISCOVERY: "oidc-discovery", OPENAPI: "openapi", REALM: "keycloak-realm"}[path]
    for entry, (subject, severity, required, actual, rules, security) in zip(
        entries, expected, strict=True
    ):
        assert entry["subject"].startswith(subject)
        assert entry["document"] == kind and entry["error"] is None, entry
        assert (entry["severity"], entry["required_bump"], entry["actual_bump"]) == (
            severity,
            required,
            actual,
        ), subject
        spec = f"{entry['rev']}:{path}"
        if entry["change"] == "added":
            continue
        old = f"{entry['parent']['rev']}:{entry['parent']['path']}"
        code, out, err = cli(
            "review", old, spec, "--repo", str(demo_repo_clean), "--format", "json"
        )
        report = json.loads(out)
        assert {f["rule"] for f in report["findings"]} == rules, subject
        introduced = [s for s in report["security_findings"] if s["new_in_amendment"]]
        # one finding per weakness: a regression names the state rule it absorbed (same_as)
        named = {s["rule"] for s in introduced}
        named |= {same["rule"] for s in introduced for same in s.get("same_as", [])}
        assert named == security, subject
        assert report["new"]["kind"] == kind


def test_log_text_shows_the_kind_and_unversioned_releases(demo_repo_clean: Path) -> None:
    code, out, _ = cli("log", REALM, "--repo", str(demo_repo_clean))
    assert code == 0
    header, *lines = out.splitlines()
    assert "KIND" in header and len(lines) == len(EXPECTED[REALM])
    assert all("Keycloak realm" in line for line in lines)
    rotate = next(line for line in lines if "Rotate the orders-backend" in line)
    assert " major -  " in rotate and "unversioned" not in rotate
    code, out, _ = cli("log", "--repo", str(demo_repo_clean), "-n", "60")
    header, *lines = out.splitlines()
    assert "CONTRACT" in header and "KIND" in header
    assert any("openapi-merchant-api" in line and "OpenAPI" in line for line in lines)
    assert any("payments-api" in line and " contract " in line for line in lines)


def test_log_from_reads_every_revision_as_the_kind_given(demo_repo_clean: Path) -> None:
    code, out, err = cli(
        "log", DISCOVERY, "--repo", str(demo_repo_clean), "--from", "rfc8414", "-f", "json"
    )
    assert (code, err) == (0, "")
    entries = json.loads(out)
    assert {e["document"] for e in entries} == {"oidc-discovery"}  # what the listing saw
    assert all(e["error"] is None for e in entries)
    code, out, err = cli(
        "log", DISCOVERY, "--repo", str(demo_repo_clean), "--from", "openapi", "-f", "json"
    )
    assert code == 0
    entries = json.loads(out)
    assert all(e["error"] and "not an OpenAPI description" in e["error"] for e in entries)


def test_a_broken_revision_of_an_artefact_is_listed_with_its_located_error(
    tmp_path: Path,
) -> None:
    repo = build_demo_repo(tmp_path / "repo", draft=False)
    text = (repo / REALM).read_text()
    broken = text.replace(
        '"enabled" : true,\n  "sslRequired"', '"enabled" : true,,\n  "sslRequired"'
    )
    assert broken != text
    (repo / REALM).write_text(broken)
    git(repo, "commit", "-qam", "Hand-edit the realm export")
    code, out, _ = cli("log", REALM, "--repo", str(repo), "-f", "json")
    assert code == 0
    newest = json.loads(out)[0]
    line = broken.splitlines().index('  "enabled" : true,,') + 1
    assert newest["invalid"] and newest["error"].startswith(f"{REALM}:{line}:")
    assert "invalid JSON" in newest["error"]
    code, out, _ = cli("validate", str(repo / REALM))
    assert code == 1


# --- the terminal UI ---------------------------------------------------------------------------


async def test_the_tui_shows_an_artefact_with_its_findings_on_its_own_lines(
    demo_repo_clean: Path,
) -> None:
    app = make_app(demo_repo_clean)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.settled)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        contracts = screen.contracts_table
        kinds = {r.key: r.cells[2].plain for r in contracts.rows_all}
        assert kinds[REALM] == "Keycloak" and kinds[OPENAPI] == "OpenAPI"
        assert kinds[DISCOVERY] == "OIDC" and kinds["contracts/mobile/wallet-app.yaml"] == ""
        contracts.focus()
        contracts.select_key(REALM)
        await wait_until(pilot, lambda: screen.current_path == REALM)
        await wait_until(pilot, lambda: screen.settled and screen.history_table.row_count == 7)
        assert "(Keycloak realm)" in screen.pane("history").detail
        table = screen.history_table
        key = next(r.key for r in table.rows_all if r.data.subject.startswith("Drop the loyalty"))
        table.focus()
        table.select_key(key)
        await wait_until(pilot, lambda: screen.current_key == key and screen.settled)
        await wait_until(
            pilot, lambda: screen.report is not None and screen.diff.document is not None
        )
        await wait_until(pilot, lambda: screen.settled)
        finding = next(it for it in screen.items if it.rule == "scope.claim-removed")
        assert finding.severity == "breaking"
        new_text = git(demo_repo_clean, "show", f"{key}:{REALM}").splitlines()
        scope_line = new_text.index('    "name" : "customer",') + 1
        doc = screen.diff.document
        assert finding.new_span is not None and finding.new_span[0] == scope_line + 7
        assert new_text[finding.new_span[0] - 1].strip() == '"protocolMappers" : [ {'
        assert doc.new_marks[finding.new_span[0] - 1] & 4  # the gutter marks that line
        old_text = git(demo_repo_clean, "show", f"{key}~1:{REALM}").splitlines()
        removed = old_text.index('      "name" : "loyalty tier",') + 1
        assert finding.old_span is not None and finding.old_span[0] <= removed
        # the secret rotation: the finding says so, the diff shows no secret
        key = next(r.key for r in table.rows_all if r.data.subject.startswith("Rotate"))
        table.select_key(key)
        await wait_until(pilot, lambda: screen.current_key == key and screen.settled)
        await wait_until(
            pilot, lambda: screen.report is not None and screen.diff.document is not None
        )
        await wait_until(pilot, lambda: screen.settled)
        rotated = next(it for it in screen.items if it.rule == "client.secret-changed")
        secret_line = next(
            i
            for i, t in enumerate(git(demo_repo_clean, "show", f"{key}:{REALM}").splitlines(), 1)
            if '"secret" :' in t
        )
        assert rotated.new_span is not None and rotated.new_span[0] == secret_line
        shown = "\n".join(screen.diff.document.old_lines + screen.diff.document.new_lines)
        screen_text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        for secret in SECRETS:
            assert secret not in shown and secret not in screen_text


async def test_the_checklist_names_an_artefacts_release(tmp_path: Path) -> None:
    from workbench.tui.screens.checklist import ChecklistScreen, LabelDialog

    repo = build_demo_repo(tmp_path / "repo", draft=False)
    for key, value in (("user.name", "Ada Author"), ("user.email", "ada@example.com")):
        git(repo, "config", key, value)
    text = (repo / REALM).read_text()
    (repo / REALM).write_text(
        text.replace('"accessTokenLifespan" : 3600', '"accessTokenLifespan" : 7200')
    )
    app = make_app(repo)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.settled)
        main_screen = app.screen
        assert main_screen.current_path == REALM  # the document with a draft is selected
        await press(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        screen = app.screen
        await wait_until(pilot, lambda: not screen.busy and screen.checklist is not None)
        versioning = screen.checklist.step("versioning")
        assert versioning.status == "needs you"
        assert "name the release of this minor change" in versioning.items[0].label
        await press(pilot, "b")
        await wait_until(pilot, lambda: isinstance(app.screen, LabelDialog))
        await press(pilot, *"2025-09", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await wait_until(
            pilot, lambda: (repo / "amendments/keycloak-customers/2025-09.yaml").is_file()
        )
        await wait_until(
            pilot, lambda: not screen.busy and screen.checklist.to_version == "2025-09"
        )
        assert screen.checklist.step("versioning").status == "done"
    assert (repo / REALM).read_text() != text  # the draft itself, not a version line, changed
    assert '"accessTokenLifespan" : 7200' in (repo / REALM).read_text()


# --- the commit gate ---------------------------------------------------------------------------


def test_the_gate_asks_an_artefact_draft_for_its_amendment_record(tmp_path: Path) -> None:
    repo = build_demo_repo(tmp_path / "repo", draft=False)
    data = json.loads((repo / DISCOVERY).read_text())
    data["id_token_signing_alg_values_supported"].append("ES384")
    (repo / DISCOVERY).write_text(json.dumps(data, indent=2) + "\n")
    git(repo, "add", "-A")
    code, out, err = cli("check", "--staged", "--repo", str(repo))
    assert code == 1
    text = out + err
    assert f"FAIL {DISCOVERY}" in text
    assert "no amendment record (expected amendments/idp-login-discovery/next.yaml)" in text
    assert "name the release of this minor change" in text

    # the author names the release: the record is the label's, the artefact is untouched
    before = (repo / DISCOVERY).read_bytes()
    code, out, err = cli("amend", "bump", "--version", "2025-07", "--repo", str(repo))
    assert code == 0, err
    assert (repo / DISCOVERY).read_bytes() == before
    record = yaml.safe_load((repo / "amendments/idp-login-discovery/2025-07.yaml").read_text())
    assert (record["kind"], record["to_version"], record["from_version"]) == (
        "oidc-discovery",
        "2025-07",
        None,
    )
    assert record["required_bump"] == "minor"
    code, out, err = cli("amend", "bump", "--version", "bad label", "--repo", str(repo))
    assert code == 1 and "is not a release label" in err
    git(repo, "add", "-A")
    code, out, err = cli("check", "--staged", "--repo", str(repo))
    assert code == 1  # the security review still waits for its reviewer
    assert "no amendment record" not in out + err
    assert "released as 2025-07" in out + err

    # the notice and the changelog name the release
    code, out, err = cli("amend", "notice", "--repo", str(repo))
    assert code == 0, err
    notice = (repo / "amendments/idp-login-discovery/2025-07.notice.md").read_text()
    assert "released as 2025-07: a minor change" in notice
    code, out, err = cli("amend", "changelog", "--repo", str(repo))
    assert code == 0, err
    changelog = (repo / "idp/CHANGELOG.md").read_text()
    assert "## [2025-07]" in changelog and "Semantic Versioning" not in changelog


def test_an_openapi_draft_is_bumped_in_info_version(tmp_path: Path) -> None:
    repo = build_demo_repo(tmp_path / "repo", draft=False)
    text = (repo / OPENAPI).read_text()
    draft = text.replace(
        "            payouts:read: Read payouts\n            admin:reindex:",
        "            admin:reindex:",
    )
    assert draft != text  # the back ends' payouts:read scope goes away: a major change
    (repo / OPENAPI).write_text(draft)
    code, out, err = cli("amend", "bump", "--repo", str(repo))
    assert code == 0, err
    assert "version 2.0.1 -> 3.0.0" in out
    after = (repo / OPENAPI).read_text()
    assert after == draft.replace("  version: 2.0.1\n", "  version: 3.0.0\n", 1)
    code, out, err = cli("amend", "start", "--repo", str(repo))
    assert code == 0, err
    record = yaml.safe_load((repo / "amendments/openapi-merchant-api/3.0.0.yaml").read_text())
    assert (record["kind"], record["from_version"], record["to_version"]) == (
        "openapi",
        "2.0.1",
        "3.0.0",
    )


# --- secrets ---------------------------------------------------------------------------------


def test_the_realm_exports_secrets_never_appear_in_any_output(tmp_path: Path) -> None:
    repo = build_demo_repo(tmp_path / "repo", draft=False)
    raw = (repo / REALM).read_text()
    assert SECRETS[1] in raw and SECRETS[2] in raw  # a full export holds them in clear
    outputs: list[str] = []
    for fmt in ("text", "json", "html"):
        outputs += cli("log", REALM, "--repo", str(repo), "-f", fmt)[1:]
    revs = git(repo, "log", "--format=%h", "--", REALM).split()
    for new, old in itertools.pairwise(revs):
        for command in ("diff", "review"):
            for fmt in ("text", "json", "markdown", "sarif", "junit", "github", "html"):
                outputs += cli(
                    command, f"{old}:{REALM}", f"{new}:{REALM}", "--repo", str(repo), "-f", fmt
                )[1:]
        outputs += cli("notice", f"{old}:{REALM}", f"{new}:{REALM}", "--repo", str(repo))[1:]
    outputs += cli("validate", str(repo / REALM))[1:]
    outputs += cli("import", "auto", str(repo / REALM))[1:]
    # a draft that rotates the secret again: the checklist, its notice and the gate
    (repo / REALM).write_text(raw.replace(SECRETS[1], "Zq8wN3vB6mK1xR7tY4pL9sD2fH5jG0cA"))
    outputs += cli("amend", "status", "--repo", str(repo))[1:]
    outputs += cli("amend", "bump", "--version", "2025-08", "--repo", str(repo))[1:]
    outputs += cli("amend", "notice", "--repo", str(repo))[1:]
    git(repo, "add", "-A")
    outputs += cli("check", "--staged", "--repo", str(repo))[1:]
    outputs += [p.read_text() for p in (repo / "amendments").rglob("*") if p.is_file()]
    text = "\n".join(outputs)
    assert "client.secret-changed" in text and "secret changed" in text
    for secret in (*SECRETS, "Zq8wN3vB6mK1xR7tY4pL9sD2fH5jG0cA"):
        assert secret not in text
        assert secret[4:-4] not in text
