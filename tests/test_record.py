"""Record and Frozen value classes behave as the dataclasses they replace: equality by class
and fields, repr in field order, hashing and read-only fields when frozen, pickling, copying."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from workbench.contract.record import Frozen, Record
from workbench.engine.semver import Version, parse
from workbench.report.common import RenderOptions
from workbench.security.overlap import Overlap, Removal


class _Point(Record):
    __slots__ = ("x", "y")  # sorted as ruff wants: the annotations give the order
    x: int
    y: int

    def __init__(self, x: int, y: int = 0):
        self.x = x
        self.y = y


def test_a_mutable_record_compares_by_class_and_fields_and_is_unhashable() -> None:
    p = _Point(1, 2)
    assert p == _Point(1, 2) and p != _Point(2, 1)
    assert p != (1, 2)
    assert repr(p) == "_Point(x=1, y=2)"
    with pytest.raises(TypeError):
        hash(p)
    p.y = 5
    assert pickle.loads(pickle.dumps(p)) == _Point(1, 5)


def test_a_frozen_record_is_read_only_hashable_and_pickles() -> None:
    v = parse("1.2.3-rc.1+b")
    assert v == Version(1, 2, 3, ("rc", "1"), "b")
    assert hash(v) == hash(Version(1, 2, 3, ("rc", "1"), "b"))
    assert repr(v) == "Version(major=1, minor=2, patch=3, prerelease=('rc', '1'), build='b')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.major = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del v.major
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(v, protocol)) == v
    assert copy.copy(v) == v and copy.deepcopy(v) == v
    assert RenderOptions() == RenderOptions(fail_on="breaking")
    assert {RenderOptions(), RenderOptions()} == {RenderOptions()}


def test_uncompared_fields_stay_out_of_equality_but_not_of_repr() -> None:
    removal = Removal("alg RS256", "RS256", "tokens.a", (), (), (), (), "ES256")
    a = Overlap(removal, "none", None, "", deprecation={"sunset": "2026-09-01"})
    b = Overlap(removal, "none", None, "", deprecation=None)
    assert a == b and hash(a) == hash(b)
    assert "deprecation={'sunset': '2026-09-01'}" in repr(a)


def test_slots_must_list_the_annotated_fields() -> None:
    with pytest.raises(TypeError, match="__slots__"):

        class _Bad(Frozen):
            __slots__ = ("a",)
            a: int
            b: int


def test_replace_copies_with_changes() -> None:
    v = Version(1, 2, 3)
    assert v.replace(minor=5) == Version(1, 5, 3) and v == Version(1, 2, 3)
    p = _Point(1, 2)
    assert p.replace(y=7) == _Point(1, 7)
