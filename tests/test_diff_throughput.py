"""The engine's large-diff shortcuts give the answers of the plain computations they replace."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workbench.engine.members import pair_renames, pair_renames_by

_ROUTE = st.one_of(
    st.tuples(st.sampled_from(["GET", "POST"]), st.sampled_from(["/a", "/b", "/c", 1, 1.0])),
    st.tuples(st.just("GET"), st.lists(st.integers(0, 2), max_size=2)),  # unhashable paths
)


@given(
    st.dictionaries(st.text("abcd", min_size=1, max_size=3), _ROUTE, max_size=8),
    st.dictionaries(st.text("efgh", min_size=1, max_size=3), _ROUTE, max_size=8),
)
def test_pairing_by_key_is_pairing_by_equality(old: dict, new: dict) -> None:
    removed, added = list(old), list(new)
    expected = pair_renames(removed, added, lambda a, b: old[a] == new[b])
    assert pair_renames_by(removed, added, old.__getitem__, new.__getitem__) == expected


def test_pairing_by_key_pairs_one_to_one_in_order() -> None:
    old = {"a": ("GET", "/x"), "b": ("GET", "/x"), "c": ("POST", "/y"), "d": ("PUT", "/z")}
    new = {"e": ("GET", "/x"), "f": ("POST", "/y"), "g": ("POST", "/y")}
    # a matches e alone (b then finds it taken); c has two candidates: no pair; d has none
    assert pair_renames_by(list(old), list(new), old.__getitem__, new.__getitem__) == {"a": "e"}
