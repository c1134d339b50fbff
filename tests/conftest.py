"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_support import Story, build_story
from textual.css.stylesheet import Stylesheet

from workbench.demo import build_demo_repo

_PARSED: dict[tuple, list] = {}
_parse_rules = Stylesheet._parse_rules


def _shared_parse_rules(
    self: Stylesheet,
    css: str,
    read_from,
    is_default_rules: bool = False,
    tie_breaker: int = 0,
    scope: str = "",
) -> list:
    """``Stylesheet._parse_rules`` remembered for the whole session, keyed by everything the
    parse reads (the source, where it was read from, its flags and the CSS variables)."""
    variables = tuple(sorted(self._variables.items()))
    key = (css, read_from, is_default_rules, tie_breaker, scope, variables)
    try:
        return _PARSED[key]
    except KeyError:
        rules = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        _PARSED[key] = rules
        return rules


@pytest.fixture(scope="session", autouse=True)
def shared_stylesheet_parse():
    """Every app of the session parses the same stylesheets (the app's, each widget's default
    CSS) with the same theme variables: Textual parses them again for every ``App`` (its parse
    cache belongs to one stylesheet), about a tenth of a second of CPU per app started. The parsed
    rules are shared between the apps instead: Textual already shares them between the parses
    of one stylesheet, so it never changes them once parsed (``test_tui_harness`` checks that
    the shared rules are those a fresh parse gives)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", _shared_parse_rules)
        yield


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory):
    """The on-disk report cache of the whole test session: away from the user's cache
    directory, and enabled whatever the environment says (a test about the cache itself sets
    its own with ``monkeypatch``). Reports are cached by blob shas, so sharing it between tests
    is safe, and it spares every test of the app from judging the demo's history again."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        patch.delenv("WORKBENCH_NO_CACHE", raising=False)
        yield


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo repository with its uncommitted draft amendment, built once per session.

    Shared by many tests: treat it as read-only. A test that commits, stages or edits files
    builds its own with ``build_demo_repo(tmp_path)`` (about 0.2 s).
    """
    return build_demo_repo(tmp_path_factory.mktemp("demo") / "repo")


@pytest.fixture(scope="session")
def demo_repo_clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo repository without the draft: a clean working tree. Read-only, like demo_repo."""
    return build_demo_repo(tmp_path_factory.mktemp("demo-clean") / "repo", draft=False)


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    """The history tests' story repository (see ``history_support.build_story``), built
    once per session. Read-only, like demo_repo."""
    return build_story(tmp_path_factory.mktemp("story") / "repo")
