"""Values that YAML aliases expand into up to 100,000 parts (the loader's limit) are never
expanded again to be shown or compared: what a report prints is cut early, and opaque fields
too large to compare without order are not itemized. The hostile corpus runs such contracts
through every command under a timeout."""

from __future__ import annotations

from workbench.engine.diff import DETAIL_LIMIT, _detail, _larger_than
from workbench.report.common import short_value


def _expanded(levels: int, width: int = 7) -> list:
    leaf = [f"v{i}" for i in range(30)]
    value: list = leaf
    for _ in range(levels):
        value = [value] * width  # shared, as aliases are; counted as written out
    return value


def test_short_values_are_the_same_when_small() -> None:
    assert short_value(None) == "(unset)"
    assert short_value([True, None, "a\x1bb"]) == "[true, (unset), a\\x1bb]"
    assert short_value({"a": [1, 2], "b": {"c": "d"}}) == "{a: [1, 2], b: {c: d}}"
    long = short_value(["x" * 100, "y"])
    assert len(long) == 60 and long.startswith("[xxx") and long.endswith("...")


def test_a_huge_value_is_cut_without_being_written_out(monkeypatch) -> None:
    calls = 0
    import workbench.report.common as common

    real = common._flow

    def counting(value, budget):
        nonlocal calls
        calls += 1
        return real(value, budget)

    monkeypatch.setattr(common, "_flow", counting)
    text = short_value(_expanded(5))  # 7^5 * 30 = 504,210 strings when written out
    assert len(text) == 60 and text.endswith("...")
    assert calls < 200


def test_opaque_fields_too_large_are_not_itemized() -> None:
    big_old, big_new = _expanded(4), [*_expanded(4), ["x"]]
    assert _larger_than(big_old, DETAIL_LIMIT) and not _larger_than([1, [2, 3]], DETAIL_LIMIT)
    assert _detail(big_old, big_new) == "too large to itemize"
    assert _detail([1, [2]], [1, [2], 3]) != "too large to itemize"
