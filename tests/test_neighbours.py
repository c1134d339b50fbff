"""The loader of neighbouring revisions gives exactly what the whole parse gives: the same data
(types and key order included), every value and key at the same place, the same errors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import Story

import workbench.contract.neighbours as neighbours
from workbench.cli import main
from workbench.contract.errors import ContractError
from workbench.contract.neighbours import SectionLoader, cut
from workbench.contract.yamlsrc import LocatedDocument, load_yaml

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
NAME = "contracts/payments.yaml"


def strict(a: object, b: object) -> bool:
    """Equal data, the same types (``1`` is not ``1.0`` nor ``True``) and the same key order."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(strict(a[k], b[k]) for k in a)  # type: ignore[index]
    if type(a) is list:
        return len(a) == len(b) and all(strict(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


def assert_same(expected: LocatedDocument, got: LocatedDocument) -> None:
    assert strict(expected.data, got.data)
    for table in ("locs", "key_locs"):
        a, b = getattr(expected, table), getattr(got, table)
        paths = list(a)
        assert paths == list(b), table  # the same paths, in document order
        assert len(a) == len(b)
        for raw in paths:
            assert (a[raw], a.span(raw)) == (b[raw], b.span(raw)), (table, raw)
        for key in ("name", "$ref", "type"):
            assert a.paths_with_key(key) == b.paths_with_key(key)
    assert expected.locs.get(("no", "such")) is got.locs.get(("no", "such")) is None


def outcome(load, text: str) -> LocatedDocument | list:
    try:
        return load(text, NAME)
    except ContractError as exc:
        return [p.format() for p in exc.problems]


def check(loader: SectionLoader, text: str) -> None:
    expected, got = outcome(load_yaml, text), outcome(loader.load, text)
    if isinstance(expected, list):
        assert got == expected
    else:
        assert isinstance(got, LocatedDocument)
        assert_same(expected, got)


SAMPLE = (SAMPLES / "payments-api.yaml").read_text(encoding="utf-8")

EDITS = [
    "lifetime",  # a value changes length in a section early in the file
    "insert",  # a line added inside a section
    "delete",  # a line removed
    "comment",  # a comment line at column 0 between sections
    "new-section",  # a top-level key added
    "drop-section",  # a top-level key removed
    "swap",  # two sections change places
    "unicode",  # characters outside ASCII before later sections
    "no-final-newline",
    "empty-value",  # a top-level key with nothing after it
    "block-scalar",  # a literal block with trailing blank lines
    "flow",  # a flow collection over several lines
    "broken",  # a syntax error inside one section
    "duplicate",  # a top-level key written twice
    "anchor",  # anchors and aliases: the whole parse only
    "tab-key",  # a top-level line that is not a plain key
]
WHOLE = ("duplicate", "anchor", "tab-key")  # the edits that send a document down the whole parse


def edit(text: str, how: str, rng: random.Random) -> str:
    lines = text.split("\n")
    tops = [i for i, line in enumerate(lines) if line[:1].isalpha()]
    at = rng.choice(tops[1:])
    if how == "lifetime":
        return text.replace("lifetime: 15m", rng.choice(["lifetime: 5m", "lifetime: 1h30m"]), 1)
    if how == "insert":
        i = rng.randrange(1, len(lines))
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        return "\n".join([*lines[:i], " " * indent + "# a note", *lines[i:]])
    if how == "delete":
        i = rng.choice([i for i, line in enumerate(lines) if line.startswith("    ")])
        return "\n".join(lines[:i] + lines[i + 1 :])
    if how == "comment":
        return "\n".join([*lines[:at], "# section notes", "", *lines[at:]])
    if how == "new-section":
        return "\n".join(
            [*lines[:at], "x-notes:", "  added: [1, 2.5, true, null, '3']", *lines[at:]]
        )
    if how == "drop-section":
        end = next((i for i in tops if i > at), len(lines))
        return "\n".join(lines[:at] + lines[end:])
    if how == "swap":
        a, b = tops[1], tops[2]
        end = next((i for i in tops if i > b), len(lines))
        return "\n".join(lines[:a] + lines[b:end] + lines[a:b] + lines[end:])
    if how == "unicode":
        return text.replace("title:", 'x-note: "Zahlungs-API — Übersicht 🔐"\ntitle:', 1)
    if how == "no-final-newline":
        return text.rstrip("\n")
    if how == "empty-value":
        return "\n".join([*lines[:at], "x-empty:", *lines[at:]])
    if how == "block-scalar":
        block = ["x-text: |+", "  line one", "", "  line two", "", ""]
        return "\n".join([*lines[:at], *block, *lines[at:]])
    if how == "flow":
        return "\n".join([*lines[:at], "x-flow: {a: [1,", "  2], b: 'c'}", *lines[at:]])
    if how == "broken":
        return "\n".join([*lines[:at], "x-bad: [1, 2", *lines[at:]])
    if how == "duplicate":
        return "\n".join([*lines[:at], lines[tops[1]].split(":")[0] + ": again", *lines[at:]])
    if how == "anchor":
        return "\n".join([*lines[:at], "x-a: &a {k: 1}", "x-b: *a", *lines[at:]])
    if how == "tab-key":
        return "\n".join([*lines[:at], "? complex", ": key", *lines[at:]])
    raise AssertionError(how)


@pytest.mark.parametrize("how", EDITS)
def test_each_kind_of_edit_loads_as_the_whole_parse(how: str) -> None:
    rng = random.Random(how)
    loader = SectionLoader()
    check(loader, SAMPLE)
    for _ in range(5):
        edited = edit(SAMPLE, how, rng)
        assert (cut(edited) is None) == (how in WHOLE), "the edit is not the kind it says"
        check(loader, edited)
        check(loader, SAMPLE)  # and back: the sections met before are moved back


def test_a_random_walk_of_edits_loads_as_the_whole_parse() -> None:
    """A history: each revision is the one before with a few edits of any kind."""
    rng = random.Random(18)
    loader = SectionLoader()
    text = SAMPLE
    for _ in range(150):
        how = rng.choice(EDITS)
        candidate = edit(text, how, rng)
        check(loader, candidate)
        if how not in ("broken", *WHOLE):
            text = candidate  # a valid document goes on to be edited further


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_sample_loads_as_the_whole_parse(path: Path) -> None:
    loader = SectionLoader()
    text = path.read_text(encoding="utf-8")
    check(loader, text)
    check(loader, "x-first: 1\n" + text)  # every section moved
    check(loader, text)


def test_unchanged_sections_are_parsed_once() -> None:
    loader = SectionLoader()
    loader.load(SAMPLE, NAME)
    sections = len(cut(SAMPLE) or [])
    assert sections > 5 and loader.parsed == sections
    loader.load(SAMPLE.replace("lifetime: 15m", "lifetime: 10m", 1), NAME)
    assert loader.parsed == sections + 1
    assert loader.reused == sections - 1


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: &x 2\nc: *x\n",  # an alias
        "a: !!str 1\n",  # a tag
        "a: 1\n<<: {b: 2}\n",  # a merge key
        "--- \na: 1\n",  # a document marker
        "a: 1\r\nb: 2\r\n",  # other line breaks
        "- a\n- b\n",  # not a mapping
        "a: 1\na: 2\n",  # a duplicate key
        "  a: 1\nb: 2\n",  # an indented start
        "# only a comment\n",
        "",
    ],
)
def test_what_cannot_be_cut_goes_to_the_whole_parse(text: str) -> None:
    assert cut(text) is None
    check(SectionLoader(), text)


def test_a_document_of_many_top_level_keys_goes_to_the_whole_parse() -> None:
    """Each section parsed alone costs a parser: past MAX_SECTIONS keys, one parse is cheaper."""
    many = "".join(f"k{i}: {i}\n" for i in range(neighbours.MAX_SECTIONS + 1))
    assert cut(many) is None
    assert cut("".join(f"k{i}: {i}\n" for i in range(neighbours.MAX_SECTIONS))) is not None
    check(SectionLoader(), many)


def test_words_that_look_like_node_properties_are_text() -> None:
    """Inside a word, ``&``, ``*`` and ``!`` are text (after a space they send the document
    down the whole parse, although a quoted ``"x & y"`` would be text too: the test is
    conservative)."""
    assert cut('a: "x & y"\n') is None
    text = 'a: "x&y"\nb: [a*b, c!]\nc: user@example.com\nd: "*"\n'
    assert cut(text) is not None
    check(SectionLoader(), text)


def test_a_log_is_the_same_with_and_without_the_section_loader(
    story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")

    def run() -> tuple[str, str]:
        out = []
        for fmt in ("json", "text"):
            result = CliRunner().invoke(main, ["log", "--repo", str(story.root), "--format", fmt])
            assert result.exit_code == 0, result.stderr
            out.append(result.stdout)
        return out[0], out[1]

    counted = {"parsed": 0, "reused": 0}
    load = SectionLoader.load

    def counting(self: SectionLoader, text: str, filename: str) -> LocatedDocument:
        before = self.reused
        doc = load(self, text, filename)
        counted["reused"] += self.reused - before
        return doc

    monkeypatch.setattr(SectionLoader, "load", counting)
    with_sections = run()
    assert counted["reused"] > 0
    monkeypatch.setattr(SectionLoader, "load", lambda self, text, name: load_yaml(text, name))
    assert run() == with_sections
    json.loads(with_sections[0])
    assert neighbours.cut  # the module under test is the one patched


def test_the_format_check_remembers_only_what_it_found_valid() -> None:
    """The fast format check answers at once for a top-level section it found valid in the
    revision before (the same object): across valid and invalid neighbours its answers are a
    fresh check's."""
    from workbench.contract.fastcheck import compile_validator
    from workbench.contract.loader import format_schema

    rng = random.Random(7)
    remembering = compile_validator(format_schema())
    loader = SectionLoader()
    breaks = [
        ("lifetime: 15m", "lifetime: forever"),  # not a duration
        ("status: active", "status: gone"),  # not a status
        ("version: 3.2.0", "version: [3]"),  # not a version
    ]
    answers = []
    for i in range(60):
        text = SAMPLE
        if i % 3:
            old, new = rng.choice(breaks)
            text = text.replace(old, new, 1)
        data = loader.load(text, NAME).data
        fresh = compile_validator(format_schema())(data)
        assert remembering(data) is fresh
        answers.append(fresh)
    assert True in answers and False in answers


def forget() -> None:
    """Drop what the checks remember of the sections they met (a fresh process's state)."""
    from workbench.contract import loader, model

    loader._fast_validator.cache_clear()
    loader._CLEAN = loader._CleanSchemas()
    loader._CLEAN_DURATIONS.clear()
    model._NORMALIZED.clear()


def test_validation_of_neighbours_is_a_fresh_validation() -> None:
    """The embedded schemas a revision shares with its neighbour are checked once (while the
    components they may refer to are the same too): a reference that stops resolving, a schema
    that stops being one and a dialect that changes are still found. The sections normalized
    once (durations in seconds) are the fresh normalization too."""
    from workbench.contract.loader import contract_from_document, validate_contract
    from workbench.contract.model import DURATION_FIELDS, _normalize_at

    edits = [
        ("    Payment:\n", "    Paid:\n"),  # components change: the endpoints' refs break
        ('$ref: "#/components/schemas/Payment"', '$ref: "#/components/schemas/Nope"'),
        ("currency: {type: string, enum", "currency: {type: strin, enum"),  # not a schema
        ("components:\n", "json_schema: {dialect: draft-07}\ncomponents:\n"),
        ("risk_score: {type: number", "risk_score: {type: [number, 3]"),
        ("lifetime: 15m", "lifetime: 20m"),  # durations: the normalized sections change
        ("lifetime: 15m", "lifetime: soon"),
        ("lifetime: 15m", "lifetime: PT1.5S"),  # the schema's pattern takes it; the loader not
    ]
    rng = random.Random(11)
    texts = []
    for _ in range(60):
        text = SAMPLE
        for old, new in rng.sample(edits, rng.randrange(0, 3)):
            text = text.replace(old, new, 1)
        texts.append(text)
    want = []
    for text in texts:  # each a fresh parse checked with nothing remembered
        forget()
        fresh = contract_from_document(load_yaml(text, NAME), text, NAME)
        want.append([p.format() for p in validate_contract(fresh)])
    forget()
    loader = SectionLoader()
    for text, expected in zip(texts, want, strict=True):
        shared = contract_from_document(loader.load(text, NAME), text, NAME)
        assert [p.format() for p in validate_contract(shared)] == expected
        normal = dict(shared.data)  # normalized field by field, as written before any memo
        for spec in DURATION_FIELDS:
            _normalize_at(normal, spec)
        assert strict(shared.norm, normal)
    assert {bool(w) for w in want} == {True, False}
    assert any("fractional" in p for w in want for p in w)
