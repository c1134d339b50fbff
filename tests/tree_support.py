"""Comparing parsed documents in tests: strict equality (types and key order too) and every
path of a tree, for the readers' tests that check a quick parse against a whole one."""

from __future__ import annotations

from typing import Any


def strict_equal(a: Any, b: Any, path: tuple = ()) -> None:
    """Assert equal values of the same types, keys in the same order."""
    assert type(a) is type(b), (path, a, b)
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            strict_equal(a[key], b[key], (*path, key))
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            strict_equal(x, y, (*path, i))
    else:
        assert a == b, (path, a, b)


def tree_paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path of ``node``, the root's ``()`` first, in document order."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += tree_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += tree_paths(value, (*path, i))
    return out
