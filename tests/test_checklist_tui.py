"""The checklist screen under Pilot: the whole checklist of the demo draft through the TUI, then
the commit gate on what was staged; the editor round trip; read-only revisions; hostile text."""

from __future__ import annotations

from pathlib import Path

import pytest
from amendment_support import CONTRACT, CONTRACT_PATH, cli, orders_repo
from tui_harness import (
    SIZE,
    checklist_idle,
    fake_editor,
    handled,
    make_app,
    open_checklist,
    press,
    screen_text,
    wait_for_refresh,
    wait_for_screen,
)

from workbench.amendment.record import load_record
from workbench.demo import build_demo_repo
from workbench.tui.screens.checklist import (
    ChecklistScreen,
    NoticeScreen,
    ReasonDialog,
    SignOffDialog,
    SummaryDialog,
)
from workbench.tui.screens.main import MainScreen

DRAFT = "contracts/payments/payments-api.yaml"
RECORD = "amendments/payments-api/4.0.0.yaml"


def status(screen: ChecklistScreen) -> dict[str, str]:
    return {step.id: step.status for step in screen.checklist.steps}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = build_demo_repo(tmp_path / "demo")
    import subprocess

    for key, value in (("user.name", "Ada Author"), ("user.email", "ada@example.com")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    return root


def _git(root: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


async def test_the_whole_checklist_through_the_tui_then_the_gate(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        assert screen.session.mode == "worktree" and screen.path == DRAFT
        assert status(screen) == {
            "versioning": "needs you",
            "schema_clarity": "done",
            "compatibility": "needs you",
            "security_review": "needs you",
            "communication": "blocked",
        }
        text = screen_text(app)
        assert "3.2.0, not bumped yet (major bump required)" in text
        assert "none yet: d starts amendments/payments-api/4.0.0.yaml" in text

        # versioning: b applies the suggested bump to the working-tree contract
        await press(pilot, "b")
        await checklist_idle(pilot, screen)
        # the action registry's wording, as `workbench amend bump` prints it
        assert screen.last_note == f"{DRAFT}:8: version 3.2.0 -> 4.0.0"
        assert status(screen)["versioning"] == "done"
        assert "version: 4.0.0\n" in (demo / DRAFT).read_text()

        # compatibility: accept the breaking finding with a typed reason
        screen.select_step("compatibility")
        await press(pilot, "tab")
        item = screen.current_item()
        assert item.status == "missing" and "acr" in item.label
        await press(pilot, "enter")  # the item's own action: accept
        await wait_for_screen(pilot, ReasonDialog)
        await press(pilot, *"acr sent [PAY-2001]")
        await press(pilot, "enter")
        await checklist_idle(pilot, screen)
        assert status(screen)["compatibility"] == "done"

        # security review: the pre-existing high finding is accepted; the sign-off is the
        # reviewer's, once the change is committed: the author cannot give it here
        screen.select_step("security_review")
        await press(pilot, "a")
        await wait_for_screen(pilot, ReasonDialog)
        await press(pilot, *"Batch tokens until Q3 (SETTLE-88)")
        await press(pilot, "enter")
        await checklist_idle(pilot, screen)
        await press(pilot, "s")
        await wait_for_screen(pilot, SignOffDialog)
        await press(pilot, "enter", "enter")  # the fields hold the git identity
        await checklist_idle(pilot, screen)
        assert "changes that are not committed" in screen.last_error
        assert status(screen)["security_review"] == "needs you"

        # communication: generate the notice (rendered as Markdown), changelog, consumers
        await press(pilot, "t")
        await wait_for_screen(pilot, NoticeScreen)
        shown = screen_text(app)
        assert "Amendment notice: Payments API authentication 4.0.0" in shown
        assert "Who is affected" in shown or "What changes" in shown
        notice_md = (demo / "amendments/payments-api/4.0.0.notice.md").read_text()
        assert app.screen.text == notice_md
        await press(pilot, "escape")
        await wait_for_screen(pilot, ChecklistScreen)
        await checklist_idle(pilot, screen)
        await press(pilot, "w")
        await checklist_idle(pilot, screen)
        assert screen.last_note == "contracts/payments/CHANGELOG.md: entry added"
        screen.select_step("communication")
        await press(pilot, "tab")
        consumer = next(
            i for i in screen.checklist.step("communication").items if i.action == "notify"
        )
        screen.items_table.select_key(consumer.id)
        await press(pilot, "n")  # one consumer
        await checklist_idle(pilot, screen)
        assert screen.last_note == f"notified: {consumer.target}"
        await press(pilot, "N")  # and every other affected one
        await checklist_idle(pilot, screen)
        assert [k for k, s in status(screen).items() if s != "done"] == ["security_review"]
        assert screen.checklist.awaiting_review and not screen.checklist.complete
        assert "✔ ready to commit, awaiting review" in screen_text(app)
        await press(pilot, "escape")
        await wait_for_screen(pilot, MainScreen)

    # every answer is in the record, saved as it was given
    record = load_record(demo / RECORD)
    assert [a.reason for a in record.step("compatibility").accepted] == ["acr sent [PAY-2001]"]
    assert record.step("security_review").sign_off is None
    assert len(record.step("communication").notified) == 5

    # stage the contract, the record, the notice and the changelog: the commit gate lets it
    # through, awaiting the reviewer
    _git(demo, "add", DRAFT, "amendments", "contracts/payments/CHANGELOG.md")
    result = cli("check", "--staged", repo=demo)
    assert result.exit_code == 0, result.stderr
    assert (
        "wait contracts/payments/payments-api.yaml (payments-api 3.2.0 -> 4.0.0, breaking:"
        in result.stdout
    )

    # one more line changed: the gate names exactly what must be answered again
    text = (demo / DRAFT).read_text()
    (demo / DRAFT).write_text(text.replace("    lifetime: 5m\n", "    lifetime: 10m\n", 1))
    result = cli("check", repo=demo)
    assert result.exit_code == 1
    out = result.stderr
    assert "Communication: [stale] the notice describes another change set" in out
    assert "Communication: [stale] checkout-web was notified about another change set" in out
    assert "Backward compatibility: [stale]" not in out  # the accepted finding did not change


async def test_editor_round_trip_re_checks(demo: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VISUAL", fake_editor(tmp_path, "lifetime: 5m", "lifetime: 15m"))
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        before = screen.checklist.fingerprint
        risky = [
            i for i in screen.checklist.step("compatibility").items if i.id.startswith("risky:")
        ]
        assert risky  # the shorter lifetime
        await press(pilot, "E")  # $VISUAL (e: the built-in editor)
        await checklist_idle(pilot, screen)
        assert "lifetime: 15m" in (demo / DRAFT).read_text()
        assert screen.checklist.fingerprint != before
        assert not [
            i for i in screen.checklist.step("compatibility").items if i.id.startswith("risky:")
        ]


async def test_d_starts_the_record_and_summary_is_saved(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        assert screen.checklist.record is None
        await press(pilot, "d")
        await checklist_idle(pilot, screen)
        assert screen.last_note == f"{RECORD}: payments-api 3.2.0 -> 4.0.0"
        assert (demo / RECORD).is_file()
        await press(pilot, "m")
        await wait_for_screen(pilot, SummaryDialog)
        await press(pilot, *"a [b]x[/]")
        await press(pilot, "ctrl+s")
        await checklist_idle(pilot, screen)
        assert screen.last_note == "Write the summary: done"  # an answer without a line of its own
    assert load_record(demo / RECORD).summary == "a [b]x[/]"


async def test_staged_and_committed_revisions_are_read_only(demo: Path) -> None:
    _git(demo, "add", DRAFT)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot, select="index")
        assert screen.session.mode == "index"
        assert "read-only (staged)" in screen_text(app)
        await press(pilot, "b")
        await handled(pilot)
        assert any("read-only" in str(n.message) for n in app._notifications)
        assert not (demo / RECORD).exists()
        await press(pilot, "escape")
        await wait_for_screen(pilot, MainScreen)
        screen = await open_checklist(pilot, select="commit")
        assert screen.session.mode == "commit"
        assert "read-only (committed)" in screen_text(app)


async def test_hostile_text_is_shown_literally(tmp_path: Path) -> None:
    hostile = CONTRACT.replace("- name: web-shop", "- name: 'web[/]shop[bold]\\x1b[31m'", 1)
    hostile = hostile.replace("contact: web@example.com", "contact: '[link=x]web[/link]'", 1)
    repo = orders_repo(tmp_path / "r", text=hostile)
    repo.edit(CONTRACT_PATH, "issuer: https://login.example.com", "issuer: https://id.example.com")
    app = make_app(repo.root)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        screen.select_step("communication")
        await press(pilot, "tab")
        await wait_for_refresh(pilot)
        text = screen_text(app)
        assert "web[/]shop[bold]" in text and "[link=x]web[/link]" in text
        assert "\x1b" not in text
