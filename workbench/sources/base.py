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

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from workbench.contract.errors import ContractError, Problem
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import Loc, LocatedDocument, load_yaml

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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError([_json_problem(text, name, exc)]) from None
    except RecursionError:
        raise ContractError([Problem(name, 1, 1, "JSON nesting is too deep")]) from None
    try:
        doc = load_yaml(text, name)
    except ContractError:
        # YAML refuses escaped UTF-16 surrogate pairs that JSON accepts; the same-length
        # replacement keeps every position, and the values come from JSON anyway.
        patched = _SURROGATE.sub(r"\\u003f", text)
        if patched == text:
            raise
        doc = load_yaml(patched, name)
    doc.data = data
    return doc


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
    k = _norm_key(key)
    if not k or k in _NOT_SECRET or k.endswith(("env", "file", "path", "type", "time")):
        return False
    if k in _SECRET_EXACT or any(part in k for part in _SECRET_PARTS):
        return True
    # Keycloak user credentials carry the password (or OTP seed) in "value"
    return k == "value" and isinstance(parent, dict) and "type" in parent and "value" in parent


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
    return "sha256:" + hashlib.sha256(b"workbench-secret\x00" + text.encode()).hexdigest()[:16]


def secret_values(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """``(path, value)`` of every secret scalar in a document (lists of strings included)."""
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, key)
            if is_secret_key(key, data):
                if isinstance(value, str) and value:
                    yield child, value
                    continue
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    for i, v in enumerate(value):
                        if v:
                            yield (*child, i), v
                    continue
            if isinstance(value, dict | list):
                yield from secret_values(value, child)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(item, dict | list):
                yield from secret_values(item, (*path, i))


def mask_text(text: str, doc: LocatedDocument) -> tuple[str, list[str]]:
    """The text with every secret value overwritten by ``*`` (same length, so positions stay
    true), and the secrets found (for tests that prove none leaks)."""
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


@dataclass
class Builder:
    """Records where every value of the contract being written comes from in the artefact."""

    doc: LocatedDocument
    locs: dict[Path, Loc] = field(default_factory=dict)
    key_locs: dict[Path, Loc] = field(default_factory=dict)

    def at(self, out: Path, src: Path | None) -> None:
        """Contract path ``out`` holds the value found at ``src`` in the artefact."""
        if src is None:
            return
        loc = self.doc.locs.get(src)
        if loc is not None:
            self.locs[out] = loc
        key = self.doc.key_locs.get(src)
        if key is not None:
            self.key_locs[out] = key

    def tree(self, out: Path, src: Path, value: Any) -> None:
        """``value`` (copied as is from ``src``) and everything inside it."""
        self.at(out, src)
        if isinstance(value, dict):
            for key, child in value.items():
                self.tree((*out, key), (*src, key), child)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                self.tree((*out, i), (*src, i), child)

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
        root = self.doc.locs.get(())
        if root is not None:
            self.locs.setdefault((), root)
        masked, _ = mask_text(text, self.doc)
        return Contract(source, masked, data, self.locs, self.key_locs)


def slug(text: str, fallback: str = "artefact") -> str:
    """A contract id from free text: lower case, runs of other characters as one dash."""
    out = re.sub(r"[^A-Za-z0-9_.:-]+", "-", text.strip()).strip("-._:").lower()
    return out or fallback


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
