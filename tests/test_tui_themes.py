"""Themes that read everywhere: the light and monochrome themes, the lists and the diff following
the chosen theme, severity carried by a word or a symbol and not by colour alone, ``NO_COLOR``,
``--theme`` and the settings file, and no colour named anywhere in the terminal UI's sources
but its theme definitions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.color import ANSI_COLOR_NAMES
from rich.style import Style
from textual._color_constants import COLOR_NAME_TO_RGB
from textual.color import Color
from tui_harness import (
    SIZE,
    handled,
    make_app,
    open_palette,
    press,
    settled,
    wait_for_screen,
    wait_until,
)

import workbench.tui
from workbench.tui.app import create_app
from workbench.tui.screens.help import LEGEND, HelpScreen
from workbench.tui.settings import Settings, load_settings
from workbench.tui.themes import LIGHT_THEME, MONO_THEME, THEME_NAMES
from workbench.tui.widgets.diff_view import SECURITY_MARK, SEVERITY_MARKS

TUI = Path(workbench.tui.__file__).parent
THEMES_MODULE = TUI / "themes.py"  # the one place that names colours

# --- no hard-coded colours ---------------------------------------------------------------------

# "transparent" names no colour (the background shows through)
COLOUR_WORDS = (set(COLOR_NAME_TO_RGB) | set(ANSI_COLOR_NAMES)) - {"default", "transparent"}
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")
FUNCTION = re.compile(r"\b(?:rgba?|hsla?|color)\(", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def colours_in(text: str) -> list[str]:
    """Every colour ``text`` names: hex, ``rgb(...)``/``hsl(...)`` and named colours (CSS names
    and Rich's, ``red``, ``ansi_red``, ``bright_green``, ``grey50``)."""
    found = HEX.findall(text) + FUNCTION.findall(text)
    found += [w for w in WORD.findall(text) if w.lower() in COLOUR_WORDS]
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, nodes) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def python_colours(source: str) -> list[tuple[int, str]]:
    """(line, colour) for the colours named in the string literals of a Python source (styles,
    markup, CSS); docstrings and comments are prose."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            out += [(node.lineno, c) for c in colours_in(node.value)]
    return sorted(out, key=lambda found: found[0])  # in line order (the walk is breadth first)


def tcss_colours(source: str) -> list[tuple[int, str]]:
    """(line, colour) for the colours named in a stylesheet outside its comments."""
    blank = lambda m: "\n" * m.group().count("\n")  # noqa: E731 (keeps the line numbers)
    without_comments = re.sub(r"/\*.*?\*/", blank, source, flags=re.S)
    out = []
    for number, line in enumerate(without_comments.splitlines(), 1):
        out += [(number, c) for c in colours_in(line)]
    return out


def test_the_colour_finder_finds_colours() -> None:
    """The control: each way of naming a colour is caught (else the next test proves nothing)."""
    source = (
        'A = "bold red"\nB = "[green]ok[/]"\nC = Style(color="#ff0000")\nD = "rgb(1, 2, 3)"\n'
        'E = "grey50 on ansi_bright_blue"\nF = """\nX { background: #abc; color: darkorange; }\n"""\n'
    )
    found = python_colours(source)
    assert [c.lower() for _, c in found] == [
        "red",
        "green",
        "#ff0000",
        "rgb(",
        "grey50",
        "ansi_bright_blue",
        "#abc",
        "darkorange",
    ]
    assert [line for line, _ in found][:4] == [1, 2, 3, 4]
    assert tcss_colours("/* red */\nA { color: $error; }\nB { color: magenta; }\n") == [
        (3, "magenta")
    ]
    assert python_colours('"""A red docstring."""\nX = "$error 40%"  # red\n') == []


def test_no_tui_source_names_a_colour() -> None:
    """Colours come from the theme (variables and component classes): only ``themes.py``
    defines colours, every widget, screen and stylesheet refers to them."""
    sources = sorted(p for p in TUI.rglob("*") if p.suffix in (".py", ".tcss"))
    assert THEMES_MODULE in sources and TUI / "app.tcss" in sources
    offenders = []
    for path in sources:
        if path == THEMES_MODULE:
            continue
        text = path.read_text(encoding="utf-8")
        found = python_colours(text) if path.suffix == ".py" else tcss_colours(text)
        offenders += [f"{path.relative_to(TUI)}:{line}: {colour}" for line, colour in found]
    assert offenders == []
    assert python_colours(THEMES_MODULE.read_text())  # where the colours went


# --- the themes ----------------------------------------------------------------------------------


def _grey(value: str) -> bool:
    """No hue: the channels equal (within 2 of 255: Textual's shades round through Lab)."""
    colour = Color.parse(value)
    return max(colour.rgb) - min(colour.rgb) <= 2


async def test_the_workbench_themes_are_offered_and_mono_has_no_hue(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert set(THEME_NAMES) == {LIGHT_THEME, MONO_THEME} <= set(app.available_themes)
        assert not app.get_theme(LIGHT_THEME).dark
        app.theme = MONO_THEME
        await handled(pilot)
        colours = {}
        for name, value in app.get_css_variables().items():
            try:
                Color.parse(value)
            except Exception:  # text styles and other non-colour variables
                continue
            colours[name] = value
        assert {"error", "warning", "success", "security", "text-error", "accent"} <= set(colours)
        hued = {name: value for name, value in colours.items() if not _grey(value)}
        assert hued == {}


async def _breaking_amendment(pilot):
    screen = await settled(pilot)
    payments = next(e.path for e in screen.entries if e.id == "payments-api")
    screen.contracts_table.select_key(payments)
    await wait_until(pilot, lambda: screen.current_path == payments and screen.settled)
    table = screen.history_table
    key = next(r.key for r in table.rows_all if r.data.subject.startswith("Add idempotency_key"))
    table.focus()
    table.select_key(key)
    await wait_until(pilot, lambda: screen.current_key == key and screen.settled and screen.items)
    return screen


def _attributes(style: Style) -> tuple:
    return (bool(style.bold), bool(style.dim), bool(style.underline), bool(style.reverse))


async def test_switching_themes_repaints_the_lists_and_the_diff(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _breaking_amendment(pilot)
        history, findings = screen.history_table, screen.findings_table
        badges = {r.extra["badge"].severity: r.cells[1] for r in history.rows_all}
        assert {"breaking", "risky", "safe"} <= set(badges)
        assert badges["breaking"].plain.strip() == "breaking"  # the word, in every theme
        finding = findings.rows_all[0].cells[0]
        assert (finding.role, finding.plain.strip()) == ("breaking", "breaking")
        seen = {}
        for theme in ("textual-dark", LIGHT_THEME, MONO_THEME):
            app.theme = theme
            await handled(pilot)
            styles = {s: history.cell_style(c) for s, c in badges.items()}
            seen[theme] = styles["breaking"]
            # the findings list draws its badge as the history does (mono's transparent
            # background shows each list's own), looked up now, not cached from another theme
            drawn = findings.get_row_at(0)[0]
            for style in (findings.cell_style(finding), drawn.table.cell_style(drawn.cell)):
                assert _attributes(style) == _attributes(styles["breaking"]), theme
                assert style.color == styles["breaking"].color, theme
            error = Color.parse(app.get_css_variables()["error"]).rich_color
            if theme == MONO_THEME:
                # no hue: reverse, underline and plain tell the three apart
                for style in styles.values():
                    for colour in (style.color, style.bgcolor):
                        assert colour is None or _grey(colour.get_truecolor().hex), theme
                assert styles["breaking"].reverse and styles["breaking"].bold
                assert styles["risky"].underline and not styles["risky"].reverse
                assert len({_attributes(s) for s in styles.values()}) == 3
            else:
                assert styles["breaking"].bgcolor == error, theme
                assert not styles["breaking"].reverse
        assert len(set(seen.values())) == 3
        # the diff gutter: a symbol per severity, in the theme's style
        await press(pilot, "4", "G", "g")  # the breaking finding (the first), shown in the diff
        diff = screen.diff
        await wait_until(pilot, lambda: getattr(diff.selected, "severity", "") == "breaking")
        await handled(pilot)
        assert SEVERITY_MARKS["breaking"] in "\n".join(
            diff.render_line(y).text for y in range(diff.size.height)
        )
        app.theme = MONO_THEME
        await handled(pilot)
        mark = diff._style("mark-breaking", partial=True)
        assert mark.reverse and mark.bold and _grey(mark.color.get_truecolor().hex)
        app.theme = LIGHT_THEME
        await handled(pilot)
        mark = diff._style("mark-breaking", partial=True)
        light_error = Color.parse(app.get_css_variables()["error"])
        assert mark.color == light_error.rich_color and not mark.reverse


def test_every_mark_is_its_own_symbol() -> None:
    """Severity never rests on colour alone: the gutter's marks differ by shape, and the legend
    of the ? screen shows those same symbols."""
    symbols = [*SEVERITY_MARKS.values(), SECURITY_MARK]
    assert len(set(symbols)) == len(symbols)
    assert [glyph for glyph, _, _ in LEGEND[:4]] == symbols
    assert all(len(glyph) == 1 and not glyph.isspace() for glyph in symbols)


async def test_the_legend_names_every_mark(demo_repo: Path) -> None:
    app = make_app(demo_repo, theme=MONO_THEME)
    async with app.run_test(size=(120, 60)) as pilot:
        await settled(pilot)
        await press(pilot, "question_mark")
        screen = await wait_for_screen(pilot, HelpScreen)
        text = str(screen.query_one("#help-text").content)
        for glyph, _, meaning in LEGEND:
            assert f"{glyph}  {meaning}" in text


async def test_the_palette_picks_a_theme_and_the_settings_keep_it(
    demo_repo: Path, tmp_path: Path
) -> None:
    from textual.command import CommandList, CommandPalette

    def first_hit() -> str:
        hits = app.screen.query_one(CommandList)
        return str(hits.get_option_at_index(0).prompt) if hits.option_count else ""

    path = tmp_path / "settings.yaml"
    app = make_app(demo_repo, path=path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        palette = await open_palette(pilot, "change theme")
        await wait_until(pilot, lambda: first_hit().startswith("Change theme"))
        await press(pilot, "enter")
        # Textual's theme picker: another palette, of themes
        await wait_until(
            pilot, lambda: isinstance(app.screen, CommandPalette) and app.screen is not palette
        )
        await press(pilot, *MONO_THEME)
        await wait_until(pilot, lambda: first_hit() == MONO_THEME)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: app.theme == MONO_THEME)
    assert load_settings(path).theme == MONO_THEME
    # the next start reads it (the settings file is the user's, not an override)
    again = create_app(demo_repo, settings=load_settings(path))
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.theme == MONO_THEME)


# --- NO_COLOR, --theme and the settings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("no_color", "override", "expected"),
    [
        ("1", None, MONO_THEME),  # NO_COLOR wins over the settings file
        ("1", "nord", "nord"),  # an explicit --theme wins over NO_COLOR
        ("", None, LIGHT_THEME),  # an empty NO_COLOR is no request (no-color.org)
        (None, None, LIGHT_THEME),
        (None, "nord", "nord"),
    ],
)
async def test_the_starting_theme(
    demo_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_color: str | None,
    override: str | None,
    expected: str,
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    path = tmp_path / "settings.yaml"
    settings = Settings(theme=LIGHT_THEME, path=path)
    app = create_app(demo_repo, settings=settings, theme=override)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.theme == expected
        await press(pilot, "L")  # a saved setting: the theme saved is still the user's own
    assert load_settings(path).theme == LIGHT_THEME


async def test_an_unknown_theme_in_the_settings_is_reported(demo_repo: Path) -> None:
    app = make_app(demo_repo, theme=None)
    app.settings.theme = "no-such-theme"
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.theme == "textual-dark"
        assert any("unknown theme 'no-such-theme'" in p for p in app.settings.problems)


@pytest.mark.parametrize(
    "args",
    [
        ["--theme", "no-such-theme"],
        ["--theme=no-such-theme", "."],
        [".", "--theme", "no-such-theme"],
        ["demo", "--theme", "no-such-theme", "--no-open"],
    ],
)
def test_an_unknown_theme_option_is_one_line_and_exit_2(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: unknown theme")
    assert MONO_THEME in lines[0] and LIGHT_THEME in lines[0]
    assert list(tmp_path.iterdir()) == []  # the demo was not built


def test_a_known_theme_gets_past_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``--theme`` before or after PATH reaches the terminal UI (which then wants a terminal)."""
    from workbench.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    for args in (["--theme", MONO_THEME], [".", "--theme", LIGHT_THEME]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert "needs a terminal" in result.stderr
