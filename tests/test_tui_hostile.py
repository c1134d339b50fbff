"""Hostile text everywhere it can come from: contract values, contract ids, file paths, commit
messages, author names, branch names. The app must show all of it literally (no markup, no
terminal control sequences) and never crash, on every revision."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tui_harness import (
    handled,
    make_app,
    open_palette,
    press,
    screen_text,
    settled,
    wait_for_refresh,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "sample_contracts" / "payments-api.yaml").read_text(encoding="utf-8")

EVIL_PATH = "contracts/[bold]evil[/].yaml"  # a directory "[bold]evil[" and a file "].yaml"
AUTHOR_1 = "Mallory [/] \x1b[31mred\x1b[0m"
AUTHOR_2 = "\u202eRTL author [link=http://x]y[/link]"
SUBJECT_1 = "[bold]boom[/] list[int] \x1b[2J\x07 \x9b31m \u202eevil"
SUBJECT_2 = "Widen [/] audience to list[int] \x08\x08\x08 zero\u200bwidth"
UNSAFE = ("\x1b", "\x07", "\x08", "\x9b", "\u202e", "\u202c")
LONG = "A" * 3000


def _git(repo: Path, *args: str, author: str = "Alice Example", date: str = "2025-01-01") -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00",
        "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _contract(title: str, audience: str, extra: str = "") -> str:
    text = SAMPLE.replace(
        "title: Payments API authentication",
        f'title: "{title}"\nx-note: "{LONG}"\nx-rtl: "abc \u202edcba\u202c zero\u200bwidth"',
        1,
    )
    text = text.replace("contract: payments-api", "contract: hostile-api", 1)
    text = text.replace(
        "audience: [https://api.example.com/payments]", f'audience: ["{audience}"]', 1
    )
    return text + extra


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_repo(tmp_path_factory.mktemp("hostile") / "repo")


def build_hostile_repo(repo: Path) -> Path:
    """A real repository whose every displayed field carries markup and control characters."""
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main]\u05e9")  # a branch name with ] and Hebrew
    evil = repo / EVIL_PATH
    evil.parent.mkdir(parents=True)
    evil.write_text(_contract("[bold red]x[/] list[int]", "https://api.example.com/[/]"))
    other = repo / "contracts" / "other.yaml"
    other.write_text(SAMPLE.replace("contract: payments-api", "contract: '[red]evil[/red]'", 1))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", SUBJECT_1, author=AUTHOR_1, date="2025-01-02")
    evil.write_text(_contract("[bold red]x[/] list[int]", "[/]list[int]\u202e"))
    _git(repo, "commit", "-qam", SUBJECT_2, author=AUTHOR_2, date="2025-01-03")
    # an invalid revision: a raw escape character is not allowed in YAML
    evil.write_text(evil.read_text().replace("status: active", "status: \x1b[31mactive", 1))
    _git(repo, "commit", "-qam", "Break it \x1b]0;title\x07", date="2025-01-04")
    evil.write_text(_contract("[/] fixed", "[/]list[int]\u202e"))
    _git(repo, "commit", "-qam", "Repair [/]", date="2025-01-05")
    evil.write_text(_contract("[/] draft \x7f", "[/]list[int]\u202e", "x-draft: '[/]'\n"))
    return repo


def _assert_clean(text: str) -> None:
    for ch in UNSAFE:
        assert ch not in text, f"{ch!r} reached the screen"


async def test_hostile_strings_are_shown_literally_on_every_revision(
    hostile_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    app = make_app(hostile_repo)
    async with app.run_test(size=(260, 50)) as pilot:
        screen = await settled(pilot)
        entries = {e.path: e for e in screen.entries}
        assert EVIL_PATH in entries
        text = screen_text(app)
        _assert_clean(text)
        assert "[red]evil[/red]" in text  # an (invalid) contract id, listed as written

        # every revision of the hostile contract: literal authors and subjects, a diff, no crash
        screen.contracts_table.select_key(EVIL_PATH)
        await wait_until(pilot, lambda: screen.current_path == EVIL_PATH and screen.settled)
        await press(pilot, "2")
        table = screen.history_table
        assert [r.data.kind for r in table.rows_all][:1] == ["worktree"]
        seen_banner = False
        shown = []
        for index in range(table.row_count):
            table.move_cursor(row=index)
            key = table.rows_all[index].key
            await wait_until(pilot, lambda key=key: screen.current_key == key and screen.settled)
            await handled(pilot)
            text = screen_text(app)
            _assert_clean(text)
            shown.append(text)
            doc = screen.diff.document
            assert doc is not None
            seen_banner = seen_banner or any("invalid" in e for e in doc.errors)
        assert seen_banner, "the invalid revision shows its error inline"
        text = "\n".join(shown)
        assert "Mallory [/] [31mred" in text
        assert "[bold]boom[/] list[int] [2J 31m evil" in text
        assert "Widen [/] audience to list[int]" in text
        assert "RTL author [link=htt" in text
        badges = {r.data.subject[:5]: r.extra["badge"].severity for r in table.rows_all}
        assert badges["Break"] == "invalid"

        # the amendment that widened the audience: findings quote the values literally
        key = next(r.key for r in table.rows_all if r.data.subject.startswith("Widen"))
        table.select_key(key)
        await wait_until(pilot, lambda: screen.current_key == key and screen.settled)
        await wait_until(pilot, lambda: bool(screen.items))
        messages = " ".join(it.message + it.was + it.now for it in screen.items)
        assert "[/]list[int]" in messages
        await press(pilot, "4")
        await handled(pilot)
        text = screen_text(app)
        _assert_clean(text)
        assert "[/]list[int]" in text

        # long lines scroll sideways; the diff renders every line of the file
        screen.diff.focus()
        await press(pilot, "right_curly_bracket", "right_curly_bracket", "right_curly_bracket")
        await press(pilot, "right_curly_bracket", "right_curly_bracket", "right_curly_bracket")
        assert screen.diff.context == -1
        assert screen.diff.max_scroll_x > 2000
        await press(pilot, "l", "l", "l")
        assert screen.diff.scroll_x > 0
        for _ in range(3):
            await press(pilot, "pagedown")
        _assert_clean(screen_text(app))

        # the palette lists revisions with their hostile subjects, literally
        await open_palette(pilot, "boom")
        await wait_for_refresh(pilot)
        text = screen_text(app)
        _assert_clean(text)
        assert "[bold]boom[/] list[int]" in text
        await press(pilot, "escape")

        # b: the merge base of a branch named with "]" and Hebrew
        await press(pilot, "b")
        await wait_until(pilot, lambda: "merge-base" in (screen.diff.document.old_label or ""))
        await wait_until(pilot, lambda: screen.settled)
        await handled(pilot)
        text = screen_text(app)
        _assert_clean(text)
        assert "main]\u05e9" in text
