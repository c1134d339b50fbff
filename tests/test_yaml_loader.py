"""The located loader: same data as PyYAML, positions that point at the text, every limit."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.contract import ContractError, validate_file, yamlsrc
from workbench.contract.yamlsrc import (
    MAX_ALIAS_VALUES,
    LocTable,
    load_file,
    load_yaml,
    paths_with_key,
    read_bytes,
    read_source,
)

# --- same data as PyYAML, positions where PyYAML's composer puts the nodes ---------------------

_keys = st.text(min_size=0, max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=True)
    | st.text(max_size=30)
)
_data = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)
_dump_options = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([None, True, False]),
        "allow_unicode": st.booleans(),
        "width": st.sampled_from([20, 80, 1000]),
        "line_break": st.sampled_from(["\n", "\r\n"]),
        "indent": st.sampled_from([2, 4]),
        "sort_keys": st.booleans(),
    }
)


def _marks(node: yaml.Node, path: tuple, out: dict, keys: dict) -> None:
    """Raw path -> the composer's start mark, for every node (and every mapping key)."""
    out[path] = node.start_mark
    if isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _marks(child, (*path, i), out, keys)
    elif isinstance(node, yaml.MappingNode):
        for key_node, child in node.value:
            keys[(*path, key_node.value)] = key_node.start_mark
            _marks(child, (*path, key_node.value), out, keys)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_data, _dump_options)
def test_same_data_as_pyyaml_and_positions_of_every_node(data, options) -> None:
    text = yaml.safe_dump(data, **options)
    doc = load_yaml(text, "x.yaml")
    assert _same(doc.data, yaml.safe_load(text))
    marks: dict = {}
    key_marks: dict = {}
    _marks(yaml.compose(text, Loader=yaml.SafeLoader), (), marks, key_marks)
    assert set(doc.locs) == set(marks)
    assert set(doc.key_locs) == set(key_marks)
    for raw, mark in marks.items():
        loc = doc.locs[raw]
        assert (loc.line, loc.column) == (mark.line + 1, mark.column + 1), raw
        assert loc.end_line >= loc.line
    for raw, mark in key_marks.items():
        loc = doc.key_locs[raw]
        assert (loc.line, loc.column) == (mark.line + 1, mark.column + 1), raw


_json_data = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(_json_data, st.sampled_from([None, 1, 2, "\t"]))
def test_json_gives_json_data_and_positions_at_the_value_text(data, indent) -> None:
    text = json.dumps(data, indent=indent)
    doc = load_yaml(text, "x.json")
    assert _same(doc.data, json.loads(text))
    lines = text.split("\n")
    for raw in doc.locs:
        node = doc.data
        for part in raw:
            node = node[part]
        loc = doc.locs[raw]
        at = lines[loc.line - 1][loc.column - 1 :]
        if isinstance(node, dict):
            assert at.startswith("{")
        elif isinstance(node, list):
            assert at.startswith("[")
        else:
            assert at.startswith(json.dumps(node)), (raw, at)


def test_timestamps_stay_text_and_keys_stay_as_written() -> None:
    doc = load_yaml("d: 2024-02-29\n1: one\ntrue: yes\n~: null\n", "x")
    assert doc.data == {"d": "2024-02-29", "1": "one", "true": True, "~": None}


def test_yaml_1_1_numbers_resolve_as_pyyaml_does() -> None:
    text = "a: 0b101\nb: 0x1F\nc: 017\nd: 1_000\ne: 1:30\nf: .inf\ng: -.5\nh: 1.0e+3\ni: 1e5\n"
    assert load_yaml(text, "x").data == yaml.safe_load(text)
    assert load_yaml("a: 0_10\n", "x").data == {"a": 8}  # YAML 1.1 octal, not Python's 10


# --- tags, integers, depth ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: !!int notanint\n", (1, 4), "'notanint' is not an integer"),
        ("a: !!int 1.5\n", (1, 4), "'1.5' is not an integer"),
        ("a: !!float notafloat\n", (1, 4), "'notafloat' is not a number"),
        ("a: !!float infinity\n", (1, 4), "'infinity' is not a number"),
        ("a: !!bool maybe\n", (1, 4), "'maybe' is not a boolean"),
        ("a: !!null x\n", (1, 4), "'x' is not null"),
        ("a:\n  - !!binary aGk=\n", (2, 5), "unsupported YAML tag"),
        ("a: !custom 1\n", (1, 4), "unsupported YAML tag '!custom'"),
        ("a: !!set {x}\n", (1, 4), "unsupported YAML tag 'tag:yaml.org,2002:set'"),
        ("a: " + "7" * 101 + "\n", (1, 4), "integer of 101 characters"),
        ("a: !!int " + "7" * 5000 + "\n", (1, 4), "integer of 5,000 characters"),
        ("a: =\n", (1, 4), "unsupported YAML tag 'tag:yaml.org,2002:value'"),
        ("? [a]\n: 1\n", (1, 3), "mapping keys must be plain scalars"),
        ("a: 1\n? {b: 1}\n: 2\n", (2, 3), "mapping keys must be plain scalars"),
    ],
)
def test_refusals_are_located(text: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(ContractError) as info:
        load_yaml(text, "x.yaml")
    problem = info.value.first
    assert (problem.line, problem.column) == where, problem.format()
    assert message in problem.message


def test_explicit_core_tags_with_good_values_are_accepted() -> None:
    text = "a: !!int '12'\nb: !!float 1\nc: !!bool yes\nd: !!str 12\ne: !!null ''\n"
    assert load_yaml(text, "x").data == {"a": 12, "b": 1.0, "c": True, "d": "12", "e": None}


def test_the_nesting_limit_is_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_DEPTH", 3)
    load_yaml("a:\n  b: [1]\n", "x")  # depth 3: the limit
    with pytest.raises(ContractError) as info:
        load_yaml("a:\n  b:\n    - [1]\n", "x")
    assert info.value.first.format() == (
        "x:3:7: error: maximum nesting depth of 3 exceeded (at a.b[0])"
    )


def test_a_thousand_levels_are_refused_without_recursion() -> None:
    text = "x: " + "[" * 3000 + "]" * 3000 + "\n"
    with pytest.raises(ContractError) as info:
        load_yaml(text, "x")
    assert (info.value.first.line, info.value.first.column) == (1, 1003)
    assert "maximum nesting depth" in info.value.first.message


# --- aliases -----------------------------------------------------------------------------------


def _bomb(copies: int, width: int) -> str:
    """components.schemas.Wide holds ``copies`` aliases of a ``width``-item list."""
    items = ", ".join(["x"] * (width - 1))
    lines = [
        "contract: c",
        "components:",
        "  schemas:",
        f"    Base: &base {{type: object, x-items: [{items}]}}",
        "    Wide:",
        "      allOf:",
    ]
    lines += ["        - *base"] * copies
    return "\n".join(lines) + "\n"


def test_aliases_just_under_the_limit_load() -> None:
    per_alias = 1 + 2 + 99  # the mapping, its two values, the list's other items
    copies = MAX_ALIAS_VALUES // per_alias
    doc = load_yaml(_bomb(copies, 100), "x")
    wide = doc.data["components"]["schemas"]["Wide"]["allOf"]
    assert len(wide) == copies and wide[0] == doc.data["components"]["schemas"]["Base"]
    assert wide[0] is not wide[1]  # copies, not shared objects


def test_aliases_over_the_limit_are_refused_at_the_section_that_expands() -> None:
    per_alias = 1 + 2 + 99
    copies = MAX_ALIAS_VALUES // per_alias + 1
    with pytest.raises(ContractError) as info:
        load_yaml(_bomb(copies, 100), "x")
    problem = info.value.first
    assert (problem.line, problem.column) == (7, 9), problem.format()
    assert problem.json_path == "components.schemas.Wide.allOf"
    assert "aliases expand this value to" in problem.message


def test_billion_laughs_is_refused_at_once() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij", strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ContractError) as info:
        load_yaml("\n".join(lines) + "\n", "x")
    assert (info.value.first.line, info.value.first.column) == (10, 4)


def test_alias_and_merge_locations_point_at_the_written_text() -> None:
    text = (
        "x-base: &base\n"
        "  format: jwt\n"
        "  lifetime: 15m\n"
        "tokens:\n"
        "  access:\n"
        "    <<: *base\n"
        "    lifetime: 5m\n"
        "  refresh: *base\n"
    )
    doc = load_yaml(text, "x")
    assert doc.data["tokens"] == {
        "access": {"format": "jwt", "lifetime": "5m"},
        "refresh": {"format": "jwt", "lifetime": "15m"},
    }
    locs, keys = doc.locs, doc.key_locs
    assert locs[("tokens", "access", "format")].line == 2  # merged: where the anchor wrote it
    assert locs[("tokens", "access", "lifetime")].line == 7  # written here wins
    assert keys[("tokens", "refresh")].line == 8  # the alias's own key
    assert locs[("tokens", "refresh", "lifetime")].line == 3
    assert list(doc.data["tokens"]["access"]) == ["format", "lifetime"]


def test_merge_sources_first_wins_and_explicit_keys_win() -> None:
    text = "a: &a {k: 1, m: 1}\nb: &b {k: 2, n: 2}\nc:\n  m: 0\n  <<: [*a, *b]\n"
    assert load_yaml(text, "x").data["c"] == yaml.safe_load(text)["c"] == {"m": 0, "k": 1, "n": 2}


# --- locations table -----------------------------------------------------------------------------


def test_location_tables_read_like_dicts() -> None:
    doc = load_yaml("a:\n  - {$ref: x}\n  - b: {$ref: y}\n", "x")
    assert isinstance(doc.locs, LocTable)
    assert ("a", 1, "b") in doc.locs and ("a", 1, "c") not in doc.locs
    assert ("a", 5) not in doc.locs and ("a", -1) not in doc.locs and ("a", "0") not in doc.locs
    assert doc.locs.get(("nope",)) is None
    assert ("a", 0) not in doc.key_locs and ("a",) in doc.key_locs
    assert paths_with_key(doc.key_locs, "$ref") == [("a", 0, "$ref"), ("a", 1, "b", "$ref")]
    assert list(doc.locs)[:3] == [(), ("a",), ("a", 0)]
    assert len(doc.locs) == 7 and len(doc.key_locs) == 4
    with pytest.raises(KeyError):
        doc.locs[("zzz",)]


def test_line_breaks_count_as_libyaml_counts_them() -> None:
    text = "a: 1\r\nb: 'x\u2028y'\rc: 3\n"
    doc = load_yaml(text, "x")
    assert doc.data == yaml.safe_load(text) == {"a": 1, "b": "x\u2028y", "c": 3}
    assert (doc.locs[("c",)].line, doc.locs[("c",)].column) == (4, 4)


# --- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"a": 1,}', (1, 9), "trailing comma before '}'"),
        ('{\n  "a": [1, 2,]\n}', (2, 14), "trailing comma before ']'"),
        ("{'a': 1}", (1, 2), "expected a double-quoted key"),
        ('{"a": 1}\n// done\n', (2, 1), "extra data after the JSON document"),
        ('{"a": NaN}', (1, 7), "NaN is not a JSON number"),
        ('{\n  // c\n  "a": 1}', (2, 3), "expected a double-quoted key"),
        ("[\n  1,\n  /* c */ 2]", (3, 3), "comments are not allowed in JSON"),
        ('{"a": 1, "a": 2}', (1, 10), "duplicate key 'a' (first at line 1)"),
        ('{"a": "x\ty"}', (1, 9), "control character U+0009"),
        ('{"a": ' + "1" * 5000 + "}", (1, 7), "integer of 5,000 characters"),
        ("[" * 1001 + "]" * 1001, (1, 1001), "maximum nesting depth of 1000 exceeded"),
        ('{"a": 1', (1, 8), "expected ',' or '}', found the end of the file"),
        ("", (1, 1), "empty document"),
        ('{"a": True}', (1, 7), "expected a value"),
        ("[-Infinity]", (1, 2), "-Infinity is not a JSON number"),
    ],
)
def test_json_errors_are_located(text: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(ContractError) as info:
        load_yaml(text, "artefact.json")
    problem = info.value.first
    assert (problem.line, problem.column) == where, problem.format()
    assert problem.message.startswith("invalid JSON: ")
    assert message in problem.message, problem.message


def test_json_contract_file_validates(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_contracts" / "payments-api.yaml"
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    target = tmp_path / "payments-api.json"
    target.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    assert [p for p in validate_file(target) if p.severity == "error"] == []
    target.write_text(json.dumps(data, indent=2, default=str)[:-2] + ",\n}", encoding="utf-8")
    (problem,) = validate_file(target)
    assert "trailing comma" in problem.message


# --- files ---------------------------------------------------------------------------------------


def _in_thread(fn, timeout: float = 20):
    """Run ``fn`` in a daemon thread; fail (never hang) if it does not return in time."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "the read blocked"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "contract.yaml"
    os.mkfifo(fifo)
    problems = _in_thread(lambda: validate_file(fifo))
    assert [p.format() for p in problems] == [
        f"{fifo}:1:1: error: not a regular file (a named pipe): refused"
    ]
    with pytest.raises(ContractError):
        _in_thread(lambda: load_file(fifo))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_validate_on_a_fifo_exits_1_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    assert "not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused() -> None:
    problems = _in_thread(lambda: validate_file("/dev/zero"))
    assert [p.message for p in problems] == ["not a regular file (a device): refused"]


def test_the_size_is_checked_before_reading(tmp_path: Path) -> None:
    sparse = tmp_path / "huge.yaml"
    try:
        with sparse.open("wb") as fh:
            fh.truncate(64 * 1024**3)  # 64 GiB of nothing: reading it would never end
    except OSError:
        pytest.skip("this file system has no sparse files")
    with pytest.raises(ContractError) as info:
        _in_thread(lambda: read_source(sparse))
    assert "over the 8 MB limit" in info.value.first.message
    with pytest.raises(ContractError):
        read_bytes(tmp_path)  # a directory


# --- every reader goes through the one loader ----------------------------------------------------

BAD_TAG = "x-limit: !!int notanint\n"


def test_settings_file_bad_tag_is_located(tmp_path: Path) -> None:
    from workbench.config import load_config

    (tmp_path / ".workbench.yaml").write_text("security:\n  " + BAD_TAG, encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_config(tmp_path)
    assert info.value.first.format().endswith(
        ":2:12: error: 'notanint' is not an integer (at security.x-limit)"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_settings_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    from workbench.config import load_config

    os.mkfifo(tmp_path / ".workbench.yaml")
    with pytest.raises(ContractError) as info:
        _in_thread(lambda: load_config(tmp_path))
    assert "not a regular file" in info.value.first.message


def test_ignore_file_bad_tag_is_located(tmp_path: Path) -> None:
    from workbench.engine.ignore import load_ignores

    path = tmp_path / ".workbench-ignore.yaml"
    path.write_text("ignore:\n  - rule: !!bool maybe\n", encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_ignores(path)
    assert (
        info.value.first.format()
        == f"{path}:2:11: error: 'maybe' is not a boolean (at ignore[0].rule)"
    )


def test_record_bad_tag_is_located(tmp_path: Path) -> None:
    from workbench.amendment.record import load_record

    path = tmp_path / "1.0.0.yaml"
    path.write_text("contract: c\nversion: !!float notafloat\n", encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_record(path)
    assert (
        info.value.first.format() == f"{path}:2:10: error: 'notafloat' is not a number (at version)"
    )


def test_tui_settings_bad_values_are_problems_not_tracebacks(tmp_path: Path) -> None:
    from workbench.tui.settings import load_settings

    path = tmp_path / "settings.yaml"
    path.write_text("context: " + "9" * 5000 + "\n", encoding="utf-8")
    settings_ = load_settings(path)
    assert settings_.problems == [
        f"{path}:1:10: error: integer of 5,000 characters is longer than the limit of 100 "
        "(at context)"
    ]


def test_bump_refuses_an_alias_bomb_quickly() -> None:
    from workbench.amendment.bump import BumpError, set_version_text

    text = "version: 1.0.0\n" + _bomb(MAX_ALIAS_VALUES, 100)
    with pytest.raises(BumpError, match="aliases expand this value"):
        set_version_text(text, "2.0.0")


def test_sniffing_a_blob_obeys_the_limits() -> None:
    from workbench.history.meta import sniff

    items = ", ".join(["x"] * 999)
    aliases = ", ".join(["*a"] * (MAX_ALIAS_VALUES // 1000 + 1))
    bomb = f"{{contract: c, version: '1.0.0', a: &a [{items}], b: [{aliases}]}}"
    assert sniff(bomb.encode()) is None  # refused by the loader, not expanded
    assert sniff(b"{contract: c, version: '1.0.0'}").version == "1.0.0"


def test_a_valid_contract_is_validated_without_importing_jsonschema() -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_contracts" / "payments-api.yaml"
    invalid = Path(__file__).resolve().parent / "invalid" / "13-unknown-field.yaml"
    code = (
        "import sys\n"
        "from workbench.contract import validate_file\n"
        "assert not [p for p in validate_file(sys.argv[1]) if p.severity == 'error']\n"
        "print('jsonschema' in sys.modules)\n"
        "validate_file(sys.argv[2])\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(sample), str(invalid)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["False", "True"]  # imported only to explain a problem


_fragments = st.sampled_from(
    ["a", "b", "x-1", "<<", "- ", ": ", "? ", "\n", "\n  ", "\n    ", "[", "]", "{", "}", ", ",
     "&a ", "*a", "&b ", "*b", "!!int ", "!!str ", "!!map ", "!!seq ", "!!float ", "!custom ",
     "'q'", '"d"', "|\n  t", ">\n  f", "# c", "---\n", "...\n", "1", "0x1", "1.5", "~", "yes",
     "2024-02-29", "\t", "%YAML 1.1\n", "@", "`"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_fragments, max_size=40).map("".join))
def test_any_text_loads_or_gives_located_problems(text: str) -> None:
    """No input, however broken, escapes as anything but a ContractError with a position."""
    try:
        doc = load_yaml(text, "x.yaml")
    except ContractError as exc:
        assert exc.problems and all(p.line >= 1 and p.column >= 1 for p in exc.problems)
        return
    for raw in doc.locs:  # every location can be made
        assert doc.locs[raw].line >= 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[],:"0123456789.-eE tfnrul\\\n', max_size=60))
def test_any_text_as_json_loads_or_gives_located_problems(text: str) -> None:
    try:
        doc = load_yaml(text, "x.json")
    except ContractError as exc:
        assert exc.problems[0].message.startswith("invalid JSON")
        return
    assert _same(doc.data, json.loads(text))
