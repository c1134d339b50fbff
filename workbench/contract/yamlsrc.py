"""Safe YAML loading that keeps the line and column of every value.

We compose the YAML node tree (no tags are ever executed) and build plain Python values from it
ourselves, recording where each one came from. Along the way we refuse what PyYAML would accept
silently: duplicate mapping keys, non-scalar keys, and alias expansion large enough to be an
attack (a "billion laughs" document).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from workbench.contract.errors import ContractError, Problem

try:  # the libyaml parser is several times faster; fall back to pure Python where missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 8 * 1024 * 1024
MAX_EXPANDED_NODES = 2_000_000

Path = tuple  # a path into the loaded data: str keys and int list indices


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value sits in its file: 1-based line/column of its start, and its last line."""

    line: int
    column: int
    end_line: int

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column}


@dataclass(slots=True)
class LocatedDocument:
    """Plain data (dict/list/str/int/float/bool/None) plus a location for every node."""

    data: Any
    locs: dict[Path, Loc]  # value locations
    key_locs: dict[Path, Loc]  # locations of the mapping keys that lead to a value

    def nearest(self, raw: Path) -> Loc | None:
        """The location of ``raw``, or of its nearest located ancestor."""
        return nearest_loc(self.locs, raw)

    def problem(self, source: str, raw: Path, message: str, severity: str = "error") -> Problem:
        """A problem at the key leading to ``raw`` (else its value or nearest ancestor)."""
        loc = self.key_locs.get(raw) or self.nearest(raw)
        line, col = (loc.line, loc.column) if loc else (1, 1)
        return Problem(source, line, col, message, format_json_path(raw), severity)


def nearest_loc(locs: dict[Path, Loc], raw: Path) -> Loc | None:
    """``locs[raw]``, or the location of the nearest ancestor of ``raw`` that has one."""
    while True:
        found = locs.get(raw)
        if found is not None or not raw:
            return found
        raw = raw[:-1]


_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_constructor = SafeConstructor()

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_KNOWN_SCALAR = {INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, STR_TAG, TIMESTAMP_TAG}


def _loc(node: Node, lines: list[str] | None = None) -> Loc:
    """The node's start and its last line of content.

    A block node's end mark sits where the next token starts: column 0 of the line after it, or
    the indented next sibling key. Then the node ends on an earlier line: the last one before that
    token that is not blank or a comment.
    """
    start, end = node.start_mark, node.end_mark
    end_line = end.line + 1
    if end.line > start.line:
        if end.column == 0 or (
            lines is not None
            and end.line < len(lines)
            and not lines[end.line][: end.column].strip()
        ):
            end_line = end.line
        if lines is not None:
            while end_line > start.line + 1 and end_line <= len(lines):
                content = lines[end_line - 1].strip()
                if content and not content.startswith("#"):
                    break
                end_line -= 1
    return Loc(start.line + 1, start.column + 1, end_line)


class _Builder:
    def __init__(self, filename: str, lines: list[str] | None = None):
        self.filename = filename
        self.lines = lines
        self.locs: dict[Path, Loc] = {}
        self.key_locs: dict[Path, Loc] = {}

    def fail(self, node: Node, message: str, path: Path = ()) -> ContractError:
        loc = _loc(node)
        return ContractError(
            [Problem(self.filename, loc.line, loc.column, message, format_json_path(path))]
        )

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        tag = node.tag
        value = node.value
        if tag == STR_TAG:
            return value
        if tag == INT_TAG:
            try:
                return int(value)
            except ValueError:
                return _constructor.construct_yaml_int(node)
        if tag == BOOL_TAG:
            return _BOOL[value.lower()]
        if tag == NULL_TAG:
            return None
        if tag == FLOAT_TAG:
            return _constructor.construct_yaml_float(node)
        if tag == TIMESTAMP_TAG:
            return value  # keep dates as ISO text, as JSON Schema's "date" format expects
        raise self.fail(node, f"unsupported YAML tag {tag!r} (contracts use plain values)", path)

    def build(self, node: Node, path: Path) -> Any:
        self.locs[path] = _loc(node, self.lines)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != SEQ_TAG:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}", path)
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != MAP_TAG:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}", path)
            return self.mapping(node, path)
        raise self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    def mapping(self, node: MappingNode, path: Path) -> dict:
        result: dict[str, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                self._merge(result, merged, value_node, path)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain scalars", path)
            key = key_node.value
            if key in result and key not in merged:
                first = self.key_locs.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                raise self.fail(key_node, f"duplicate key {key!r}{where}", (*path, key))
            merged.discard(key)
            child = (*path, key)
            self.key_locs[child] = _loc(key_node)
            result[key] = self.build(value_node, child)
        return result

    def _merge(self, result: dict, merged: set[str], value_node: Node, path: Path) -> None:
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.fail(
                    source, "a merge key '<<' needs a mapping or list of mappings", path
                )
            for key, value in self.mapping(source, path).items():
                if key not in result:
                    result[key] = value
                    merged.add(key)


def decode_source(raw: bytes, filename: str) -> str:
    """Bytes to text, refusing binary and non-UTF-8 input with a positioned problem."""
    if len(raw) > MAX_BYTES:
        raise ContractError(
            [
                Problem(
                    filename,
                    1,
                    1,
                    f"file is {len(raw) / 1e6:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MB "
                    "limit for a contract",
                )
            ]
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position(raw, nul)
        raise ContractError([Problem(filename, line, col, "binary file (NUL byte), not YAML")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise ContractError(
            [Problem(filename, line, col, f"not UTF-8: byte 0x{raw[exc.start]:02x} is invalid")]
        ) from None
    return text.removeprefix("\ufeff")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def load_yaml(text: str, filename: str) -> LocatedDocument:
    """Parse one YAML document into located plain data, or raise :class:`ContractError`."""
    # Composing and building create hundreds of thousands of small acyclic objects; the cyclic
    # garbage collector would rescan the growing heap again and again (3-4x the parse time on
    # large contracts), so it pauses while we build.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_yaml(text, filename)
    finally:
        if enabled:
            gc.enable()


def _load_yaml(text: str, filename: str) -> LocatedDocument:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = str(exc.problem or exc.context or "invalid YAML")
        ctx = exc.context_mark
        same_place = (
            ctx is not None
            and mark is not None
            and (ctx.line, ctx.column)
            == (
                mark.line,
                mark.column,
            )
        )
        if exc.context and exc.problem and ctx is not None and not same_place:
            message += f" ({exc.context} started at {ctx.line + 1}:{ctx.column + 1})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            message = "a tab character: YAML indents with spaces only"
        raise ContractError([Problem(filename, line, col, f"invalid YAML: {message}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        raise ContractError(
            [Problem(filename, line, col, f"control character U+{char:04X} is not allowed in YAML")]
        ) from None
    except yaml.YAMLError as exc:
        raise ContractError([Problem(filename, 1, 1, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise ContractError([Problem(filename, 1, 1, "YAML nesting is too deep")]) from None
    if node is None:
        raise ContractError(
            [Problem(filename, 1, 1, "empty document: expected a contract mapping")]
        )
    builder = _Builder(filename, text.split("\n"))
    try:
        _check_expansion(node, filename)
        data = builder.build(node, ())
    except RecursionError:
        raise ContractError([Problem(filename, 1, 1, "YAML nesting is too deep")]) from None
    return LocatedDocument(data, builder.locs, builder.key_locs)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _check_expansion(root: Node, filename: str) -> None:
    """Refuse documents whose aliases expand past the limit, before building anything.

    Sizes are computed once per distinct node, so a billion-laughs document costs microseconds;
    the problem names the top-level entry that expands the most.
    """
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1
        sizes[id(node)] = total
        return total

    if size(root) <= MAX_EXPANDED_NODES:
        return
    culprit, path = root, ()
    if isinstance(root, MappingNode) and root.value:
        key, culprit = max(root.value, key=lambda kv: size(kv[1]))
        path = (key.value,) if isinstance(key, ScalarNode) else ()
    loc = _loc(culprit)
    raise ContractError(
        [
            Problem(
                filename,
                loc.line,
                loc.column,
                f"aliases expand this value to {size(culprit):,} values, over the limit of "
                f"{MAX_EXPANDED_NODES:,} (a YAML alias bomb?)",
                format_json_path(path),
            )
        ]
    )


def format_json_path(path: Path) -> str:
    """``("tokens", "access_token", "audience", 0)`` -> ``tokens.access_token.audience[0]``."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + str(part))
    return "".join(out)
