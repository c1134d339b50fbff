"""What every artefact reader shares: located parsing (JSON held to JSON's own grammar), secret
masking and digests, and the builder that records, for every value of the contract it writes,
the line and column of the value in the original file.

A reader never prints or keeps a secret: values under keys such as ``secret``, ``clientSecret``,
``password``, ``hash`` or ``privateKey`` become a digest (``sha256:`` and 16 hex characters of a
domain-separated SHA-256), an ``env:`` reference, or ``masked`` (Keycloak exports already mask
client secrets as ``**********``). The contract's ``text`` is the original file with every such
value overwritten by ``*`` of the same length, so lines and columns stay true while no face (TUI,
reports, caches) can show the secret.
"""

from __future__ import annotations

import json
import re
from _thread import _local  # threading.local itself, without importing threading
from collections.abc import Iterator
from typing import Any

from workbench.contract.digest import sha256_hex
from workbench.contract.errors import ContractError, Problem
from workbench.contract.model import Contract
from workbench.contract.record import Record
from workbench.contract.textspan import common_prefix, common_suffix
from workbench.contract.yamlsrc import Loc, LocatedDocument, load_yaml
from workbench.sources.jsonedit import Index, reparse
from workbench.sources.jsonloc import JsonLocator, LazyLocs, SourceLocs

Path = tuple

MASK = "*"
KEYCLOAK_MASK = "**********"

# --- located parsing -----------------------------------------------------------------------------


def looks_like_json(text: str, name: str = "") -> bool:
    """JSON by content (a document that opens with ``{`` or ``[``), unless the file name says
    YAML: a YAML flow mapping is then read by YAML's rules."""
    if name.lower().endswith((".yaml", ".yml")):
        return False
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped[:1] in ("{", "[")


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_document(text: str, name: str) -> LocatedDocument:
    """Parse an artefact into located plain data, or raise :class:`ContractError`.

    JSON is checked against JSON's grammar first (YAML would accept a trailing comma, single
    quotes or comments); the values are JSON's, the positions come from the located YAML
    loader. YAML files go through the located loader alone.
    """
    if not looks_like_json(text, name):
        return load_yaml(text, name)
    last = getattr(_previous, "json", None)
    if last is not None and len(text) >= EDIT_FROM and len(last[0]) >= EDIT_FROM:
        edited = reparse(*last, text, _STRICT)
        if edited is not None:
            data, index = edited
            _previous.json = (text, data, index)
            locator = JsonLocator(text, index)
            return LocatedDocument(data, LazyLocs(locator), LazyLocs(locator, keys=True))  # type: ignore[arg-type]
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ContractError([_json_problem(text, name, exc)]) from None
    except _DuplicateKey:
        _located_duplicate(text, name)
        raise
    except RecursionError:
        raise ContractError([Problem(name, 1, 1, "JSON nesting is too deep")]) from None
    index = Index()
    if len(text) >= EDIT_FROM:
        _previous.json = (text, data, index)
    locator = JsonLocator(text, index)
    return LocatedDocument(data, LazyLocs(locator), LazyLocs(locator, keys=True))  # type: ignore[arg-type]


# A JSON text read after another (the next revision of a file, in a log) is read as an edit of
# it when both are this long (see jsonedit): the parts they share are the same objects.
EDIT_FROM = 64 << 10
_previous = _local()  # (text, document, index) of the long JSON text read last


def forget_json() -> None:
    """Make this thread's next JSON text be parsed whole (tests compare both ways)."""
    _previous.json = None


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


_STRICT = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _located_duplicate(text: str, name: str) -> None:
    """Find where a duplicate key is (the YAML loader refuses them with their position)."""
    try:
        load_yaml(_SURROGATE.sub(r"\\u003f", text), name)
    except ContractError:
        raise
    raise ContractError([Problem(name, 1, 1, "invalid JSON: duplicate key")])


def _json_problem(text: str, name: str, exc: json.JSONDecodeError) -> Problem:
    line, col, message = exc.lineno, exc.colno, exc.msg
    # A trailing comma shows up as "expecting a value/name" right before a closing bracket:
    # point at the comma itself and say so.
    before = text[: exc.pos].rstrip()
    after = text[exc.pos : exc.pos + 1]
    if before.endswith(",") and after in ("}", "]"):
        comma = len(before) - 1
        line = text.count("\n", 0, comma) + 1
        col = comma - (text.rfind("\n", 0, comma) + 1) + 1
        message = f"trailing comma before '{after}' (not allowed in JSON)"
    elif message.startswith("Expecting property name enclosed in double quotes"):
        message = "expected a property name in double quotes"
    return Problem(name, line, col, f"invalid JSON: {message}")


# --- secrets -------------------------------------------------------------------------------------

_NOT_SECRET = {
    "passwordpolicy",
    "passwordconnector",
    "enablepassworddb",
    "resetpasswordallowed",
    "passwordcredentialgrantallowed",
    "clientsecretcreationtime",
    "secretcreationtime",
    "clientauthenticatortype",
    "clientsecretbasic",
}
_SECRET_EXACT = {
    "hash",
    "bindpw",
    "pw",
    "token",
    "accesstoken",
    "refreshtoken",
    "apikey",
    "cookieencryptionkey",
    "encryptionkey",
    "hmackey",
    "signingkey",
    "secretdata",
    "credentialdata",
    "hashedsaltedvalue",
    "salt",
}
_SECRET_PARTS = ("secret", "password", "passwd", "privatekey")


def _norm_key(key: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def is_secret_key(key: Any, parent: Any = None) -> bool:
    """Whether a value under ``key`` is a credential (its name says so)."""
    if _secret_name(str(key)):
        return True
    # Keycloak user credentials carry the password (or OTP seed) in "value"
    return key == "value" and isinstance(parent, dict) and "type" in parent


_SECRET_NAMES: dict[str, bool] = {}


def _secret_name(key: str) -> bool:
    known = _SECRET_NAMES.get(key)
    if known is None:
        k = _norm_key(key)
        known = bool(k) and not (
            k in _NOT_SECRET or k.endswith(("env", "file", "path", "type", "time"))
        )
        known = known and (k in _SECRET_EXACT or any(part in k for part in _SECRET_PARTS))
        if len(_SECRET_NAMES) < 65536:
            _SECRET_NAMES[key] = known
    return known


_ENV_REF = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def digest(value: Any) -> str | None:
    """A secret as the model keeps it: ``env:NAME`` for an environment reference, ``masked``
    for an already masked export, else ``sha256:`` + 16 hex of a domain-separated hash.
    ``None`` for an empty value (no secret set)."""
    if value is None or value == "":
        return None
    text = str(value)
    env = _ENV_REF.match(text)
    if env:
        return f"env:{env.group(1)}"
    if set(text) == {"*"}:
        return "masked"
    return "sha256:" + sha256_hex(b"workbench-secret\x00" + text.encode())[:16]


def secret_values(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """``(path, value)`` of every secret scalar in a document (lists of strings included)."""
    stack: list[tuple[Path, Any]] = [(path, data)]
    while stack:
        where, node = stack.pop()
        if type(node) is dict:
            for key, value in node.items():
                kind = type(value)
                if kind is str:
                    if value and is_secret_key(key, node):
                        yield (*where, key), value
                elif kind is dict:
                    stack.append(((*where, key), value))
                elif kind is list:
                    if value and is_secret_key(key, node) and all(type(v) is str for v in value):
                        for i, v in enumerate(value):
                            if v:
                                yield (*where, key, i), v
                    else:
                        stack.append(((*where, key), value))
        elif type(node) is list:
            for i, item in enumerate(node):
                if type(item) in (dict, list):
                    stack.append(((*where, i), item))


# Every secret :func:`secret_values` finds (a key :func:`is_secret_key` accepts, with a
# non-empty string or list of strings) passes this test, so documents without one skip the walk.
# Plain substring tests first: a case-insensitive regex over megabytes is slow in Python.
_STEMS = (
    "secret",
    "passw",
    "privatekey",
    "private_key",
    "bindpw",
    "encryptionkey",
    "signingkey",
    "hmackey",
    "credentialdata",
    "hashedsaltedvalue",
)
_EXACT = (
    "hash",
    "pw",
    "token",
    "accesstoken",
    "access_token",
    "refreshtoken",
    "refresh_token",
    "apikey",
    "api_key",
    "salt",
    "value",
)
_EXACT_KEY = re.compile(
    r"[\"']?(?:" + "|".join(_EXACT) + r")[\"']?[ \t]*:\s*(?:\"[^\"]|\[\s*\"|[^\s\[{\"])"
)


def _maybe_secret(text: str) -> bool:
    """Whether ``text`` may hold a secret (see _STEMS). A text that differs from the last one
    this thread answered ``False`` for (the previous revision of a file) is searched only where
    they differ: a key that was not there before must touch the changed span."""
    last = getattr(_last_clean, "text", None)
    if last is not None and len(text) > _WINDOW_FROM and len(last) > _WINDOW_FROM:
        found = _has_secret_key(_changed_span(last, text))
    else:
        found = _has_secret_key(text)
    _last_clean.text = None if found or len(text) <= _WINDOW_FROM else text
    return found


_last_clean = _local()
_WINDOW_FROM = 64 << 10
_MARGIN = 64  # longer than any stem or key, with the quote and the character before it
_SEPARATORS = frozenset(" \t\r\n:\"'[")


def _changed_span(old: str, new: str) -> str:
    """The part of ``new`` that differs from ``old``, widened so that it holds every stem or
    key occurrence that touches a changed character: the character before it, the key, and
    what the key pattern reads after it (quotes, blanks, the colon, an array's bracket, the
    value's first character)."""
    size = min(len(old), len(new))
    start = common_prefix(new, old)
    end = common_suffix(new, old, size - start)  # equal at the end, not overlapping the start
    n = len(new)
    lo, hi = start, n - end
    while lo > 0 and new[lo - 1] in _SEPARATORS:
        lo -= 1
    lo = max(0, lo - _MARGIN)
    hi = min(n, hi + _MARGIN)
    while hi < n and new[hi] in _SEPARATORS:
        hi += 1
    return new[lo : hi + 1]


def _has_secret_key(text: str) -> bool:
    low = text.lower()
    if any(stem in low for stem in _STEMS):
        return True
    for key in _EXACT:
        at = low.find(key)
        while at >= 0:
            before = low[at - 1 : at] if at else " "
            if before in " \t\n\r\"'{," and _EXACT_KEY.match(low, at - (before in "\"'")):
                return True
            at = low.find(key, at + 1)
    return False


def mask_text(text: str, doc: LocatedDocument) -> tuple[str, list[str]]:
    """The text with every secret value overwritten by ``*`` (same length, so positions stay
    true), and the secrets found (for tests that prove none leaks)."""
    if not _maybe_secret(text):
        return text, []
    found = list(secret_values(doc.data))
    if not found:
        return text, []
    lines = text.split("\n")
    secrets = []
    for path, value in found:
        secrets.append(value)
        loc = doc.locs.get(path)
        if loc is None:
            continue
        _mask_at(lines, loc, value)
    return "\n".join(lines), secrets


_KEY_VALUE = re.compile(
    r"""(?P<key>"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z_$][\w.$-]*)[ \t]*:[ \t]*(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|\[[^\]\n]*\]|[^\s,{}\[\]#][^,{}\n#]*)"""
)


def might_hold_secrets(text: str) -> bool:
    """Whether a text has a key that may name a secret (no: it needs no masking)."""
    return _maybe_secret(text)


def mask_unreadable(text: str) -> str:
    """A document that cannot be read (invalid JSON, broken YAML) with the value of every
    ``key: value`` whose key names a secret overwritten by ``*`` (same length): what faces show
    of it, since there is no parsed document to find the secrets with."""
    if not _maybe_secret(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _maybe_secret(line):
            continue
        out, last = [], 0
        for m in _KEY_VALUE.finditer(line):
            key = m.group("key").strip("\"'")
            if not _secret_name(key):
                continue
            start, end = m.span("value")
            value = m.group("value")
            if value[:1] in ('"', "'"):
                start, end = start + 1, end - 1
            elif value[:1] == "[":
                inner = re.sub(
                    r'"((?:[^"\\]|\\.)*)"', lambda q: '"' + MASK * len(q.group(1)) + '"', value
                )
                out.append(line[last:start] + inner)
                last = end
                continue
            out.append(line[last:start] + MASK * (end - start))
            last = end
        if out:
            lines[i] = "".join(out) + line[last:]
    return "\n".join(lines)


def _mask_at(lines: list[str], loc: Loc, value: str) -> None:
    row, col = loc.line - 1, loc.column - 1
    if row >= len(lines):
        return
    line = lines[row]
    opener = line[col : col + 1]
    if opener in ('"', "'"):
        end = _closing_quote(line, col)
        start = col + 1
    elif opener in ("|", ">"):
        for r in range(row + 1, min(loc.end_line, len(lines))):
            body = lines[r]
            indent = len(body) - len(body.lstrip(" "))
            lines[r] = body[:indent] + MASK * (len(body) - indent)
        return
    else:
        start = col
        end = col + len(value) if line[col : col + len(value)] == value else len(line)
    lines[row] = line[:start] + MASK * max(0, end - start) + line[end:]
    # a quoted value folded over several lines: mask the continuation lines too
    for r in range(row + 1, min(loc.end_line, len(lines))):
        lines[r] = MASK * len(lines[r])


def _closing_quote(line: str, col: int) -> int:
    quote = line[col]
    i = col + 1
    while i < len(line):
        ch = line[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "'" and line[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return len(line)


# --- building a contract with locations ---------------------------------------------------------


class Builder(Record):
    """Records where every value of the contract being written comes from in the artefact.

    Only the artefact path is recorded; the position is looked up when somebody asks for it
    (see :class:`SourceLocs`), which for JSON artefacts means the text is scanned lazily.
    """

    __slots__ = ("doc", "keys", "trees", "values")
    doc: LocatedDocument
    values: dict[Path, Path]  # contract path -> artefact path
    keys: dict[Path, Path]  # contract path -> artefact key path
    trees: dict[Path, Path]  # subtrees mapped path for path

    def __init__(
        self,
        doc: LocatedDocument,
        values: dict[Path, Path] | None = None,
        keys: dict[Path, Path] | None = None,
        trees: dict[Path, Path] | None = None,
    ):
        self.doc = doc
        self.values = dict() if values is None else values
        self.keys = dict() if keys is None else keys
        self.trees = dict() if trees is None else trees

    def at(self, out: Path, src: Path | None) -> None:
        """Contract path ``out`` holds the value found at ``src`` in the artefact."""
        if src is None:
            return
        self.values[out] = src
        self.keys[out] = src

    def key_at(self, out: Path, src: Path) -> None:
        """The line a reader looks at for ``out`` is the key (else the value) at ``src``."""
        self.keys[out] = src

    def move(self, old: Path, new: Path) -> None:
        """The value recorded at ``old`` now sits at ``new`` (a list was re-indexed)."""
        for table in (self.values, self.keys):
            src = table.pop(old, None)
            if src is not None:
                table.setdefault(new, src)

    def tree_at(self, out: Path, src: Path) -> None:
        """Everything under ``out`` sits at the same relative path under ``src``."""
        self.trees[out] = src
        self.at(out, src)

    @property
    def locs(self) -> SourceLocs:
        return SourceLocs(self.values, self.doc.locs, trees=self.trees)

    @property
    def key_locs(self) -> SourceLocs:
        return SourceLocs(self.keys, self.doc.locs, self.doc.key_locs, trees=self.trees)

    def get(self, src: Path, default: Any = None) -> Any:
        node: Any = self.doc.data
        for key in src:
            if (isinstance(node, dict) and key in node) or (
                isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
            ):
                node = node[key]
            else:
                return default
        return node

    def has(self, src: Path) -> bool:
        sentinel = object()
        return self.get(src, sentinel) is not sentinel

    def strings(self, out: Path, src: Path) -> list[str]:
        """A list of strings at ``src`` (deduplicated, order kept), each element located."""
        raw = self.get(src)
        values: list[str] = []
        if not isinstance(raw, list):
            return values
        self.at(out, src)
        for i, item in enumerate(raw):
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                continue
            text = str(item)
            if text in values:
                continue
            self.at((*out, len(values)), (*src, i))
            values.append(text)
        return values

    def contract(self, source: str, text: str, data: dict) -> Contract:
        """The finished contract: the masked artefact text, the data and its locations."""
        self.values.setdefault((), ())
        masked, _ = mask_text(text, self.doc)
        return Contract(source, masked, data, self.locs, self.key_locs)  # type: ignore[arg-type]


def as_bool(value: Any, default: bool | None = None) -> bool | None:
    """Booleans as artefacts write them: true/false, "true"/"false" (Keycloak attributes)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return default


def as_int(value: Any, default: int | None = None) -> int | None:
    """Integers as artefacts write them: 300, "300" (Keycloak attributes)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def problem(b: Builder, source: str, src: Path, message: str) -> ContractError:
    """A located error at ``src`` of the artefact."""
    return ContractError([b.doc.problem(source, src, message)])
