"""Whether an artefact's text may hold a secret: a text that follows another (the next revision
of a file) is searched only where the two differ, and must get the answer a search of all of
it gives, whatever the edit."""

from __future__ import annotations

import random

import pytest

from workbench.sources import base

FRAGMENTS = [
    '"token": "abc"',
    '"Token"   :\n\n   "abc"',
    '"value": [ "a" ]',
    '"value": [ ]',
    '"value": {}',
    "xtoken: 1",
    "token",
    "to",
    "ken",
    '": "',
    ":",
    '"',
    "  \n  ",
    "passw",
    "Secret",
    "private_key",
    '"hash": 5',
    "'salt': x",
    '"api_key"' + " " * 200 + ': "k"',
    "description",
    "İ",
    "K",
    "",
]


def _clean_text(rng: random.Random) -> str:
    words = ["description", "summary", "operation", "items", "type", "string", "integer"]
    lines = [f'  "{rng.choice(words)}{n}": "{rng.choice(words)} {n}",' for n in range(4000)]
    return "{\n" + "\n".join(lines) + '\n  "end": 0\n}\n'


def _edit(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text))
    cut = rng.choice((0, 0, 1, 2, 5, 40))
    return text[:at] + rng.choice(FRAGMENTS) + text[at + cut :]


@pytest.mark.parametrize("seed", range(12))
def test_searching_where_a_text_changed_answers_as_a_full_search(seed: int) -> None:
    rng = random.Random(seed)
    clean = _clean_text(rng)
    assert len(clean) > base._WINDOW_FROM and not base._has_secret_key(clean)
    for _ in range(60):
        base._last_clean.text = None
        assert base._maybe_secret(clean) is False  # remembered: the next one is windowed
        changed = clean
        for _ in range(rng.choice((1, 1, 2, 3))):
            changed = _edit(changed, rng)
        assert base._maybe_secret(changed) == base._has_secret_key(changed), changed[:0]


def test_a_key_split_over_two_revisions_is_found() -> None:
    rng = random.Random(1)
    clean = _clean_text(rng)
    first = clean.replace('"end": 0', '"refresh_tok": 0')
    second = first.replace('"refresh_tok": 0', '"refresh_token": "r"')
    base._last_clean.text = None
    assert base._maybe_secret(clean) is False
    assert base._maybe_secret(first) is False
    assert base._maybe_secret(second) is True


KEYS = [*base._STEMS, *base._EXACT]
SPLITS = [(k, i) for k in KEYS for i in range(1, len(k))]


@pytest.mark.parametrize(("key", "split"), SPLITS)
def test_a_key_completed_by_the_next_revision_is_found(key: str, split: int) -> None:
    clean = _clean_text(random.Random(2))
    first = clean.replace('"end": 0', f'"{key[:split]}#": "v"')
    second = first.replace(f'"{key[:split]}#"', f'"{key}"')
    base._last_clean.text = None
    assert base._maybe_secret(first) is base._has_secret_key(first) is False
    assert base._maybe_secret(second) is base._has_secret_key(second) is True


FAR = " " * 300
FAR_EDITS = {
    "the value after far blanks": ('"token"' + FAR + ": {}", '"token"' + FAR + ': "x"'),
    "the key before far blanks": ('"tokex"' + FAR + ': "x"', '"token"' + FAR + ': "x"'),
    "an array's first string": (
        '"value":' + FAR + "[" + FAR + "{}",
        '"value":' + FAR + "[" + FAR + '"x"',
    ),
}


@pytest.mark.parametrize(("before", "after"), FAR_EDITS.values(), ids=FAR_EDITS.keys())
def test_a_key_pattern_over_long_blanks_is_found(before: str, after: str) -> None:
    clean = _clean_text(random.Random(3))
    first = clean.replace('"end": 0', before)
    second = clean.replace('"end": 0', after)
    base._last_clean.text = None
    assert base._maybe_secret(first) is base._has_secret_key(first) is False
    assert base._maybe_secret(second) is base._has_secret_key(second) is True
