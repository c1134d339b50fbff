"""The shared start and end of two texts, against a character-at-a-time count."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workbench.contract.textspan import common_prefix, common_suffix


def _prefix(a, b) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _suffix(a, b, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    return n


@given(st.text(alphabet="ab\n", max_size=60), st.text(alphabet="ab\n", max_size=60))
def test_short_texts_agree_with_a_plain_count(a: str, b: str) -> None:
    start = common_prefix(a, b)
    assert start == _prefix(a, b)
    limit = min(len(a), len(b)) - start
    assert common_suffix(a, b, limit) == _suffix(a, b, limit)


@given(st.integers(0, 200_000), st.integers(0, 200_000), st.binary(min_size=1, max_size=4))
def test_large_byte_strings_differing_in_one_place(size: int, at: int, edit: bytes) -> None:
    old = bytes(range(256)) * (size // 256 + 1)
    at = min(at, len(old))
    new = old[:at] + edit + old[at:]
    start = common_prefix(old, new)
    assert start == _prefix(old, new)
    limit = min(len(old), len(new)) - start
    end = common_suffix(old, new, limit)
    assert end == _suffix(old, new, limit)
    assert start + end <= min(len(old), len(new))
