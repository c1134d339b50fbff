"""What the TUI tests share between apps changes nothing an app shows: the stylesheet rules
parsed once per session are those a fresh parse gives, also after apps have used them."""

from __future__ import annotations

from pathlib import Path

from conftest import _PARSED, _parse_rules
from textual.css.stylesheet import Stylesheet
from tui_harness import SIZE, make_app, press, settled


def _fresh(key: tuple) -> list:
    css, read_from, is_default_rules, tie_breaker, scope, variables = key
    return _parse_rules(
        Stylesheet(variables=dict(variables)), css, read_from, is_default_rules, tie_breaker, scope
    )


def _described(rules: list) -> list[tuple]:
    return [
        (
            rule.selectors,
            repr(rule.selector_set),  # selectors with their specificity
            repr(sorted(rule.styles.get_rules().items())),  # values as parsed (layouts by repr)
            sorted(rule.styles.important),
            repr(rule.errors),
            rule.is_default_rules,
            rule.tie_breaker,
            sorted(rule.selector_names),
            sorted(rule.pseudo_classes),
        )
        for rule in rules
    ]


async def test_shared_stylesheet_rules_are_those_a_fresh_parse_gives(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await press(pilot, "3", "j", "question_mark")  # styles applied to more widgets
        sources = dict(app.stylesheet.source)
        variables = tuple(sorted(app.stylesheet._variables.items()))
        used = [rule for rule in app.stylesheet.rules]
    # the app's rules came from the session's cache: the check below is about what it used
    shared = {id(rule) for rules in _PARSED.values() for rule in rules}
    assert used and all(id(rule) in shared for rule in used)
    keys = [
        (css, read_from, is_default, tie_breaker, scope, variables)
        for read_from, (css, is_default, tie_breaker, scope) in sources.items()
    ]
    assert all(key in _PARSED for key in keys)
    for key in _PARSED:
        assert _described(_PARSED[key]) == _described(_fresh(key)), key[1]
    # another theme's variables are another parse
    light = tuple(sorted({**dict(variables), "primary": "#000000"}.items()))
    assert all(key[5] != light for key in _PARSED)
