"""The pure parts of the terminal UI: safe text, line alignment, folds, marks, YAML colouring,
settings and the command registry."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.contract.yamlsrc import Loc
from workbench.engine.model import DiffReport, Finding, SecurityFinding, Verdict
from workbench.tui import commands
from workbench.tui.diffmodel import (
    BREAKING,
    DELETE,
    EQUAL,
    FOLD,
    INSERT,
    REPLACE,
    RISKY,
    SECURITY,
    WEAKENS,
    DiffDocument,
    Item,
    _opcodes,
    inline_changes,
    items_from_report,
    number_items,
)
from workbench.tui.safe import clean, clean_inline, clean_lines, lit, rich_lit
from workbench.tui.settings import Settings, load_settings
from workbench.tui.yamlcolor import block_scalar_lines, tokenize

HOSTILE = (
    "[bold red]x[/] list[int] \x1b[31mred\x1b[0m \x07bell \x9b31m \u202eevil\u202c zero\u200bwidth"
)


# --- safe text -------------------------------------------------------------------------------


def test_clean_removes_every_control_character_and_keeps_text() -> None:
    out = clean_inline(HOSTILE)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\u202e" not in out and "\u202c" not in out
    assert "[bold red]x[/] list[int]" in out
    assert "[31mred[0m" in out  # the escape's printable rest stays visible, inert
    assert "zero\u200bwidth" in out  # zero-width characters are harmless: kept
    assert clean("a\tb") == "a   b"
    assert clean_inline("one\ntwo\r\nthree\rfour") == "one two three four"
    assert clean_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
    # a name or path that is not UTF-8 (git output decoded with surrogateescape)
    assert clean_inline("Jos\udce9 \ufffe") == "Jos "
    assert clean_lines("a\udcff\nb") == ["a", "b"]


def test_literal_content_and_text_are_never_markup() -> None:
    content = lit("[bold]x[/] [link=http://e]y[/link]")
    assert content.plain == "[bold]x[/] [link=http://e]y[/link]"
    assert not content.spans
    text = rich_lit("[/]")
    assert text.plain == "[/]" and not text.spans


# --- alignment -------------------------------------------------------------------------------


def _check(a: list[str], b: list[str]) -> None:
    ops = _opcodes(a, b)
    i = j = 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


def test_alignment_reconstructs_both_sides_on_random_edits() -> None:
    rng = random.Random(7)
    for _ in range(400):
        a = [rng.choice("abcdef") for _ in range(rng.randint(0, 60))]
        b = list(a)
        for _ in range(rng.randint(0, 8)):
            p = rng.randint(0, len(b))
            r = rng.random()
            if r < 0.4:
                b.insert(p, rng.choice("abcdefgz"))
            elif b:
                del b[min(p, len(b) - 1)]
        _check(a, b)


def test_alignment_of_repetitive_text_is_minimal_and_fast() -> None:
    block = ["    type: object", "    properties:", "      a: {type: string}"]
    a = [line for i in range(2500) for line in (f"  endpoint_{i}:", *block)]
    b = list(a)
    b[5000] = "    type: array"
    b.insert(8000, "      b: {type: string}")
    ops = [op for op in _opcodes(a, b) if op[0] != "equal"]
    assert ops == [("replace", 5000, 5001, 5000, 5001), ("insert", 8000, 8000, 8000, 8001)]


def test_layout_pairs_changes_and_folds_unchanged_runs() -> None:
    old = "\n".join(f"line {i}" for i in range(1, 41)) + "\n"
    new = old.replace("line 20\n", "line twenty\n").replace("line 30\n", "")
    doc = DiffDocument(old, new)
    layout = doc.layout("split", 3)
    kinds = [row[0] for row in layout.rows]
    assert kinds.count(REPLACE) == 1 and kinds.count(DELETE) == 1
    assert kinds[0] == FOLD and kinds[-1] == FOLD
    fold = layout.rows[0]
    assert fold[3] == 16  # lines 1-16 folded, 17-19 kept as context before line 20
    # every line maps to the row showing it (or its fold)
    assert layout.old_row[0] == 0
    assert layout.rows[layout.new_row[19]] == (REPLACE, 19, 19, 0)
    # expanding the first fold shows its lines
    expanded = doc.layout("split", 3, {fold[1]})
    assert expanded.rows[0] == (EQUAL, 0, 0, 0)
    # the whole file with context -1
    assert FOLD not in [row[0] for row in doc.layout("split", -1).rows]
    # unified: the changed pair is a delete then an insert that know each other
    unified = doc.layout("unified", 3)
    pair = [row for row in unified.rows if row[0] in (DELETE, INSERT)]
    assert pair[0][:3] == (DELETE, 19, -1) and pair[0][3] == 19
    assert pair[1][:3] == (INSERT, -1, 19) and pair[1][3] == 19


def test_marked_lines_stay_visible_with_context() -> None:
    text = "\n".join(f"k{i}: v" for i in range(1, 101)) + "\n"
    item = Item(0, "security", "high", "r", "p", "m", new_span=(50, 50))
    doc = DiffDocument(text, text, [item])
    rows = doc.layout("split", 2).rows
    shown = [row[2] for row in rows if row[0] == EQUAL]
    assert shown == [47, 48, 49, 50, 51]
    assert doc.new_marks[49] == SECURITY


def _report(findings, security_findings=()) -> DiffReport:
    verdict = Verdict(
        severity="breaking",
        required_bump="major",
        actual_bump="major",
        version_bump_ok=True,
        fingerprint="0" * 16,
    )
    return DiffReport(None, None, list(findings), verdict, [], list(security_findings))


def test_items_from_a_report_keep_spans_flags_and_order() -> None:
    change = Finding(
        rule="token.alg-removed",
        severity="breaking",
        security="weakens",
        breaks=("relying_parties",),
        path="tokens.access_token.signing_algorithms[RS256]",
        message="RS256 [/] no longer accepted",
        old="RS256",
        new=None,
        old_loc=Loc(10, 5, 10),
        new_loc=None,
        note=None,
    )
    safe = Finding(
        rule="scope.added",
        severity="safe",
        security="neutral",
        breaks=(),
        path="scopes[x]",
        message="added",
        old=None,
        new="x",
        old_loc=None,
        new_loc=Loc(3, 1, 4),
        note=None,
    )
    security = SecurityFinding(
        rule="jwt.none",
        severity="critical",
        title="Unsigned tokens accepted",
        message="none accepted",
        fix="drop it",
        citation="RFC 8725 §3.1",
        path="tokens.a",
        location=Loc(7, 3, 7),
        kind="regression",
        fingerprint="1" * 16,
        side="new",
        new_in_amendment=True,
    )
    removed = SecurityFinding(
        rule="jwt.gone",
        severity="low",
        title="Something removed",
        message="gone",
        fix="",
        citation="",
        path="tokens.b",
        location=Loc(5, 1, 6),
        kind="state",
        fingerprint="2" * 16,
        side="old",
        new_in_amendment=False,
    )
    report = _report([safe, change], [security, removed])
    items = items_from_report(report)
    assert [it.rule for it in items] == ["token.alg-removed", "jwt.none", "scope.added", "jwt.gone"]
    assert [it.index for it in items] == [0, 1, 2, 3]
    assert items[3].old_span == (5, 6) and items[3].new_span is None
    # said as the CLI says it; not marked with ◆ in the gutter (it is not this amendment's)
    assert items[3].note == "already present" and not items[3].important
    assert not items[3].new and items[3].flags == 0
    assert items[0].old_span == (10, 10) and items[0].weakens and items[0].important
    assert items[0].message == "RS256 [/] no longer accepted"
    assert items[1].kind == "security" and items[1].new_span == (7, 7) and items[1].is_security
    assert not items[2].important
    doc = DiffDocument("a\n" * 12, "a\n" * 12, items)
    assert doc.old_marks[9] == BREAKING | WEAKENS
    assert doc.new_marks[2] == doc.new_marks[3] == 1  # safe, lines 3-4
    assert doc.new_marks[6] == SECURITY
    assert not doc.new_marks.get(9, 0) & RISKY


def test_finding_values_read_as_the_text_report_writes_them() -> None:
    """Durations are compared in seconds but shown as written (``15m``), booleans as YAML."""
    from workbench.report.common import display_value

    def finding(path: str, old: object, new: object) -> Finding:
        return Finding(
            rule="r",
            severity="risky",
            security="neutral",
            breaks=(),
            path=path,
            message="m",
            old=old,
            new=new,
            old_loc=Loc(1, 1, 1),
            new_loc=Loc(1, 1, 1),
            note=None,
        )

    lifetime = finding("tokens.access_token.lifetime", 900, 5400)
    flag = finding("sessions.web.secure", True, False)
    added = finding("scopes[x]", None, ["a", "[/]\x1b"])
    items = items_from_report(_report([lifetime, flag, added]))
    by_path = {it.path: it for it in items}
    it = by_path["tokens.access_token.lifetime"]
    assert (it.was, it.now) == ("15m", "1h30m")
    assert (it.was, it.now) == (display_value(it.path, 900), display_value(it.path, 5400))
    assert (by_path["sessions.web.secure"].was, by_path["sessions.web.secure"].now) == (
        "true",
        "false",
    )
    it = by_path["scopes[x]"]
    assert it.was == "" and it.now.startswith("[a, [/]") and "\x1b" not in it.now


def test_item_at_a_line_prefers_the_narrowest() -> None:
    wide = Item(0, "change", "safe", "a", "p", "m", new_span=(1, 50))
    narrow = Item(1, "change", "risky", "b", "p.q", "m", new_span=(10, 10))
    assert wide.contains(None, 10) and narrow.contains(None, 10)
    assert narrow.span_size < wide.span_size
    assert [it.rule for it in number_items([wide, narrow])] == ["b", "a"]


def test_inline_changes_emphasise_only_the_changed_characters() -> None:
    old, new = inline_changes("    lifetime: 15m", "    lifetime: 24h")
    assert old == [(14, 16), (16, 17)] or "".join("    lifetime: 15m"[a:b] for a, b in old) == "15m"
    assert "".join("    lifetime: 24h"[a:b] for a, b in new) == "24h"
    assert inline_changes("abc", "xyz") == ([], [])


def test_missing_sides_are_a_creation_or_a_deletion() -> None:
    created = DiffDocument(None, "a: 1\nb: 2\n")
    assert [row[0] for row in created.layout().rows] == [INSERT, INSERT]
    deleted = DiffDocument("a: 1\n", None, errors=["gone \x1b[31m"])
    assert [row[0] for row in deleted.layout().rows][1:] == [DELETE]
    assert deleted.errors == ["gone [31m"]


# --- YAML colouring ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "contract: payments-api",
            [("contract", "key"), (":", "punct"), ("payments-api", "string")],
        ),
        (
            "  - id: corp-idp  # the IdP",
            [
                ("-", "punct"),
                ("id", "key"),
                (":", "punct"),
                ("corp-idp", "string"),
                ("# the IdP", "comment"),
            ],
        ),
        ("    lifetime: 900", [("lifetime", "key"), (":", "punct"), ("900", "number")]),
        ("    rotation: true", [("rotation", "key"), (":", "punct"), ("true", "bool")]),
        ('      "201":', [('"201"', "key"), (":", "punct")]),
        (
            "grants: [a, 'b']",
            [
                ("grants", "key"),
                (":", "punct"),
                ("[", "punct"),
                ("a", "string"),
                (",", "punct"),
                ("'b'", "string"),
                ("]", "punct"),
            ],
        ),
        ("url: http://x#frag", [("url", "key"), (":", "punct"), ("http://x#frag", "string")]),
        ("# only a comment", [("# only a comment", "comment")]),
    ],
)
def test_tokenize(line: str, expected: list[tuple[str, str]]) -> None:
    assert [(line[a:b], kind) for a, b, kind in tokenize(line)] == expected


def test_block_scalars_are_text_not_keys() -> None:
    lines = ["description: >", "  note: not a key", "", "  more", "next: 1"]
    flags = block_scalar_lines(lines)
    assert list(flags) == [0, 1, 1, 1, 0]
    assert tokenize(lines[1], True) == [(0, len(lines[1]), "text")]


# --- settings and the registry -------------------------------------------------------------


def test_settings_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "workbench" / "settings.yaml"
    settings = load_settings(path)
    assert settings.theme == "textual-dark" and not settings.problems
    settings.theme = "nord"
    settings.keymap = {"findings.next": "ctrl+n"}
    assert settings.save() is None
    again = load_settings(path)
    assert (again.theme, again.keymap) == ("nord", {"findings.next": "ctrl+n"})
    path.write_text("theme: 3\nlayout: diagonal\nkeymap:\n  no.such: x\nextra: 1\n")
    broken = load_settings(path)
    assert broken.theme == "textual-dark" and broken.layout == "stacked"
    assert len(broken.problems) == 4
    assert broken.problems[0].startswith(f"{path}:1:")
    path.write_text("theme: [unclosed\n")
    assert load_settings(path).problems[0].startswith(f"{path}:")


def test_settings_dir_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.tui.settings import settings_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings_path() == tmp_path / "workbench" / "settings.yaml"
    assert Settings().path is None  # a Settings built in code is never saved


def test_checklist_keys_are_in_the_registry_and_remappable(tmp_path: Path) -> None:
    """The checklist's keys are registry commands: settings accept their ids, the screen
    binds them, and they never reach the palette (they act on the checklist only)."""
    from workbench.tui.screens.checklist import ChecklistScreen

    checklist = [c for c in commands.COMMANDS if c.scope == "checklist"]
    assert {c.id for c in checklist} >= {"checklist.bump", "checklist.sign-off", "checklist.close"}
    assert not any(c.palette for c in checklist)
    assert [b.id for b in ChecklistScreen.BINDINGS] == [c.id for c in checklist]
    path = tmp_path / "settings.yaml"
    path.write_text("keymap:\n  checklist.bump: B\n  checklist.notify-all: ctrl+n\n")
    settings = load_settings(path)
    assert settings.problems == []
    assert settings.keymap == {"checklist.bump": "B", "checklist.notify-all": "ctrl+n"}


def test_every_command_has_a_unique_id_and_a_binding_or_palette_entry() -> None:
    ids = [c.id for c in commands.COMMANDS]
    assert len(ids) == len(set(ids))
    for c in commands.COMMANDS:
        assert c.title and c.description and c.group in commands.GROUPS
        assert c.bind or c.palette
    issue_keys = {
        "j,down",
        "k,up",
        "tab",
        "shift+tab",
        "1",
        "2",
        "3",
        "enter",
        "escape",
        "slash",
        "n",
        "N",
        "f",
        "u",
        "r",
        "c",
        "q",
        "question_mark",
        "space",
        "b",
    }
    assert issue_keys <= {c.keys for c in commands.COMMANDS}


def test_every_binding_of_every_screen_and_widget_is_a_registry_command() -> None:
    """No key is declared inline: each class binds registry commands (so the ? screen, the
    palette, docs/keys.md and the user's keymap know every key)."""
    import inspect

    from textual.dom import DOMNode

    from workbench.tui import app
    from workbench.tui.screens import checklist, commit, editor, empty, finding, help, main
    from workbench.tui.widgets import diff_view, lists, pane

    modules = (app, checklist, commit, editor, empty, finding, help, main, diff_view, lists, pane)
    classes = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, DOMNode) and cls.__module__.startswith("workbench.")
    }
    assert len(classes) >= 14
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            command = commands.BY_ID.get(binding.id or "")
            assert command is not None, (cls.__name__, binding)
            assert (binding.key, binding.action) == (command.keys, command.action), cls
    bound = {c.id for c in commands.COMMANDS if c.bind and c.keys}
    used = {b.id for cls in classes for b in cls.__dict__.get("BINDINGS", [])}
    assert bound <= used, bound - used  # and every registry command is bound somewhere


def test_the_first_contract_shown(tmp_path: Path) -> None:
    from workbench.tui.backend import pick_initial

    entries = [
        SimpleNamespace(path="a/one.yaml", id="one", draft="clean"),
        SimpleNamespace(path="b/two.yaml", id="two", draft="modified"),
        SimpleNamespace(path="c/three.yaml", id="three", draft="clean"),
    ]
    assert pick_initial(entries, None, tmp_path) == "b/two.yaml"  # the draft being written
    assert pick_initial(entries, "three", tmp_path) == "c/three.yaml"
    assert pick_initial(entries, str(tmp_path / "a" / "one.yaml"), tmp_path) == "a/one.yaml"
    assert pick_initial(entries[:1], "nothing", tmp_path) == "a/one.yaml"
    assert pick_initial([], None, tmp_path) is None


def test_keys_doc_is_generated_from_the_registry():
    from workbench.tui import keysdoc

    assert keysdoc.main(["--check"]) == 0, "docs/keys.md is stale: python -m workbench.tui.keysdoc"
    text = keysdoc.DOC.read_text()
    assert "`findings.next`" in text and "`checklist.sign-off`" in text
