"""The members of a map or of a keyed list, for the differ's walkers (see ``_Differ.members``),
and the pairing of renamed members.

Each side becomes ``key -> (raw key, item)``: the raw key is the member's key in a map or its
index in a list, so that a change points into the data where the member stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Members = dict[Any, tuple[Any, Any]]


def members(value: Any) -> Members:
    """A map's members, each under its own key (anything but a map has none)."""
    if not isinstance(value, dict):
        return {}
    return {key: (key, item) for key, item in value.items()}


def indexed(items: Any, key_field: str, *, required: bool = True) -> Members:
    """A list's mappings by the text of their ``key_field``, each at its index; without
    ``required``, a mapping lacking the field is keyed ``"None"``."""
    if not isinstance(items, list):
        return {}
    return {
        str(item.get(key_field)): (i, item)
        for i, item in enumerate(items)
        if isinstance(item, dict) and (key_field in item or not required)
    }


def pair_renames(
    removed: list[str], added: list[str], same: Callable[[str, str], bool]
) -> dict[str, str]:
    """Pair removed with added keys that look like the same thing under a new name (1:1)."""
    if not removed or not added:
        return {}
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for a in removed:
        matches = [b for b in added if b not in taken and same(a, b)]
        if len(matches) == 1:
            pairs[a] = matches[0]
            taken.add(matches[0])
    return pairs


def pair_renames_by(
    removed: list[str],
    added: list[str],
    old_key: Callable[[str], Any],
    new_key: Callable[[str], Any],
) -> dict[str, str]:
    """:func:`pair_renames` with ``same(a, b)`` being ``old_key(a) == new_key(b)``: the added
    keys are grouped by their key once, so that pairing is linear rather than removed x added
    (10,000 endpoints with a few hundred removed and added). Keys that cannot be hashed fall
    back to comparing each pair."""
    if not removed or not added:
        return {}
    try:
        groups: dict[Any, list[str]] = {}
        for b in added:
            groups.setdefault(new_key(b), []).append(b)
        wanted = [(a, groups.get(old_key(a), ())) for a in removed]
    except TypeError:  # an unhashable key: compare pair by pair
        return pair_renames(removed, added, lambda a, b: old_key(a) == new_key(b))
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for a, candidates in wanted:
        matches = [b for b in candidates if b not in taken]
        if len(matches) == 1:
            pairs[a] = matches[0]
            taken.add(matches[0])
    return pairs
