"""The engine's large-diff shortcuts give the answers of the plain computations they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.engine.members import pair_renames, pair_renames_by

_ROUTE = st.one_of(
    st.tuples(st.sampled_from(["GET", "POST"]), st.sampled_from(["/a", "/b", "/c", 1, 1.0])),
    st.tuples(st.just("GET"), st.lists(st.integers(0, 2), max_size=2)),  # unhashable paths
)


@settings(deadline=None)  # no timing: a loaded machine must not fail it
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


# --- the schema documents of a contract, with and without what the reference walk saw --------

_HEAD = """\
contract: marks
title: Marks
version: 1.0.0
status: active
owners:
  - team: platform
    contact: platform@example.com
"""

_INNER = """\
endpoints:
  create:
    method: POST
    path: /v1/things
    request:
      schema:
        definitions:
          name: {type: string, maxLength: 8}
        type: object
        properties:
          name: {$ref: "#/definitions/name"}
          kind: {$ref: "#/components/schemas/Kind"}
    responses: {"200": {schema: {$ref: "#/components/schemas/Kind"}}}
components:
  schemas:
    Kind: {type: string, enum: [a, b]}
"""

_NULLABLE = """\
endpoints:
  create:
    method: POST
    path: /v1/things
    request:
      schema:
        type: object
        properties:
          note: {type: string, nullable: true}
          kind: {$ref: "#/components/schemas/Kind"}
    responses: {"200": {schema: {$ref: "#/components/schemas/Kind"}}}
components:
  schemas:
    Kind: {type: string, nullable: true, enum: [a, b]}
"""

_PLAIN = _INNER.replace('{$ref: "#/definitions/name"}', "{type: string, maxLength: 8}")


def _docs_root(text: str, with_marks: bool) -> tuple[frozenset[str], object]:
    from workbench.contract.loader import load_contract_text
    from workbench.engine.schemadiff import _Side
    from workbench.engine.schemajudge import SideDocs

    contract = load_contract_text(_HEAD + text, "marks.yaml")  # a fresh contract: no kept docs
    marks = _Side(contract).marks()
    docs = SideDocs(contract, marks if with_marks else None)
    return marks, docs.doc(docs.default).root


def test_the_walk_marks_inner_references_and_nullable() -> None:
    assert _docs_root(_INNER, True)[0] == {"inner"}
    assert _docs_root(_NULLABLE, True)[0] == {"nullable"}
    assert _docs_root(_PLAIN, True)[0] == frozenset()


def test_documents_built_from_the_marks_are_the_documents_built_by_searching() -> None:
    for text in (_INNER, _NULLABLE, _PLAIN):
        _, fast = _docs_root(text, True)
        _, slow = _docs_root(text, False)
        assert fast == slow
    # where nothing needs respelling or converting, the document is the contract itself
    _, plain = _docs_root(_PLAIN, True)
    _, converted = _docs_root(_NULLABLE, True)
    assert plain["endpoints"]["create"]["request"]["schema"]["properties"]["name"] == {
        "type": "string",
        "maxLength": 8,
    }
    assert converted["components"]["schemas"]["Kind"]["type"] == ["string", "null"]


# --- the collector around a diff ------------------------------------------------------------


def test_a_diff_in_process_leaves_the_collector_as_it_found_it(tmp_path) -> None:
    import gc

    from click.testing import CliRunner

    from workbench.cli import main

    text = _HEAD + _NULLABLE
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text, encoding="utf-8")
    new.write_text(text.replace("enum: [a, b]", "enum: [a]"), encoding="utf-8")
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["diff", str(old), str(new)], catch_exceptions=False)
    assert result.exit_code == 1 and "1 breaking finding" in result.stdout
    assert gc.isenabled()
    missing = CliRunner().invoke(main, ["diff", str(old), str(tmp_path / "gone.yaml")])
    assert missing.exit_code == 2
    assert gc.isenabled()


def test_the_differ_leaves_no_cycle_holding_the_contracts() -> None:
    """The contracts of a diff go when the caller lets go of them, not at the next collection
    (which, after a large diff, would rescan everything the command loaded)."""
    import gc
    import weakref

    from workbench.contract.loader import load_contract_text
    from workbench.engine.diff import diff_contracts

    old = load_contract_text(_HEAD + _NULLABLE, "old.yaml")
    new = load_contract_text(_HEAD + _NULLABLE.replace("enum: [a, b]", "enum: [a]"), "new.yaml")
    gc.disable()
    try:
        changes = diff_contracts(old, new)
        assert changes
        gone = [weakref.ref(old), weakref.ref(new)]
        del old, new, changes
        assert [ref() for ref in gone] == [None, None]
    finally:
        gc.enable()
