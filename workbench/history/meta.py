"""Recognizing contracts and artefacts cheaply, and their identity fields, without the full
loader: :func:`sniff` is the one content sniffer of the history layer (listings, logs, walks,
the commit gate).

Discovery and history listings look at many blobs; parsing each fully (with validation) would
cost milliseconds apiece. A contract is a YAML mapping with top-level ``contract`` and
``version`` keys; block-style files (all real ones) are recognized with a regular expression,
and only unusual files (flow style, quoted keys with odd spacing) fall back to a parse.

An artefact (an OpenID Connect discovery document, RFC 8414 metadata, an OpenAPI description, a
Keycloak realm export, a Dex configuration) is recognised by its top-level keys, as
:func:`workbench.sources.detect` names them: a YAML file's keys are read at column 0, a JSON
file is parsed (C speed), and a JSON file that does not parse (a trailing comma) or is too big
is recognised by its keys in the text, so that a broken revision is still listed, with its
located error, and never silently dropped.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from workbench.contract.errors import ContractError
from workbench.contract.textspan import common_prefix, common_suffix
from workbench.sources.kinds import DEX, KEYCLOAK, METADATA, OIDC_ONLY, detect

FIELDS = ("contract", "version", "title", "status")
_TOP = re.compile(
    rb"""^(?P<q>["']?)(?P<key>contract|version|title|status)(?P=q)[ \t]*:(?:[ \t]+(?P<val>.*?))?[ \t]*\r?$""",
    re.M,
)
_PLAIN = re.compile(
    r"""^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^#'"\[\]{}>|&*!%@`][^#]*?))\s*(?:#.*)?$"""
)


@dataclass(frozen=True, slots=True)
class ContractMeta:
    """The identity of a contract or artefact file: what a listing shows before any full load.

    ``kind`` is ``contract`` or the artefact kind. An artefact has no id of its own (its ``id``
    is empty): it is named by its path (:meth:`id_at`); ``version`` is an OpenAPI description's
    SemVer ``info.version``, else empty.
    """

    id: str
    version: str
    title: str = ""
    status: str = ""
    kind: str = "contract"

    @property
    def artefact(self) -> bool:
        return self.kind != "contract"

    def id_at(self, path: str) -> str:
        """The id of the document at ``path``: a contract's own, an artefact's path."""
        if not self.artefact:
            return self.id
        from workbench.sources.loading import artefact_id

        return artefact_id(path)

    def kind_at(self, path: str) -> str:
        """The kind at ``path``: a metadata document named ``openid-configuration`` (or
        ``oauth-authorization-server``) is the kind its name says, as the reader decides."""
        if self.kind in ("oidc-discovery", "rfc8414"):
            lowered = path.lower()
            if "oauth-authorization-server" in lowered:
                return "rfc8414"
            if "openid-configuration" in lowered:
                return "oidc-discovery"
        return self.kind


def _scalar(raw: bytes | None) -> str | None:
    """A plain or simply-quoted one-line YAML scalar, or ``None`` when it needs a real parser."""
    if raw is None:
        return ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    m = _PLAIN.match(text)
    if m is None:
        return None
    if m.group(1) is not None:
        if "\\" in m.group(1):
            return None
        return m.group(1)
    if m.group(2) is not None:
        return m.group(2).replace("''", "'")
    return m.group(3)


def sniff(raw: bytes, path: str = "") -> ContractMeta | None:
    """The identity of ``raw`` if it looks like a contract or an artefact, else ``None``;
    never raises. ``path`` (the file's name) only decides between OpenID Connect discovery and
    RFC 8414 metadata for a document that could be either.

    A file whose identity fields cannot be read cheaply (or whose YAML is broken around them)
    is still recognized when it has both keys, with whatever could be read.
    """
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    data: Any = _UNPARSED
    if _find(raw, b"contract") >= 0 and b"version" in raw:
        meta, data = _sniff_contract(raw)
        if meta is not None:
            return meta
    if not any(marker in raw for marker in _MARKERS):
        return None
    return _sniff_artefact(raw, path, data)


_UNPARSED = object()


def _sniff_contract(raw: bytes) -> tuple[ContractMeta | None, Any]:
    """A contract's identity (and the data when the file had to be parsed)."""
    found = _fast_fields(raw, 4096) if len(raw) > 4096 else None
    if found is None:
        found = _fast_fields(raw, len(raw))
    if found is None:
        found = {}
        for m in _TOP.finditer(raw):
            found.setdefault(m.group("key").decode(), m.group("val"))
    if "contract" in found and "version" in found:
        values = {k: _scalar(found.get(k)) for k in FIELDS}
        if all(v is not None for v in values.values()):
            meta = ContractMeta(
                values["contract"] or "",
                values["version"] or "",
                values["title"] or "",
                values["status"] or "",
            )
            return meta, _UNPARSED
        data = _parse(raw)
        parsed = _contract_meta(data)
        if parsed is not None:
            return parsed, data
        return ContractMeta(*(v or "" for v in (values[k] for k in FIELDS))), data
    if raw.lstrip()[:1] in (b"{", b"[", b"-", b"%") or b"{" in raw or b"<<" in raw:
        # flow style, JSON, a document marker or a merge key (``<<: *identity``): parse
        data = _parse(raw)
        return _contract_meta(data), data
    return None, _UNPARSED


def _fast_fields(raw: bytes, limit: int) -> dict[str, bytes | None] | None:
    """The identity fields of a block-style file by plain substring search (microseconds);
    ``None`` when ``contract`` or ``version`` is not written as ``key: value`` at column 0
    within the first ``limit`` bytes."""
    found: dict[str, bytes | None] = {}
    for key in _KEYS:
        if raw.startswith(key):
            start = len(key)
        else:
            at = raw.find(b"\n" + key, 0, limit)
            if at < 0:
                continue
            start = at + 1 + len(key)
        end = raw.find(b"\n", start)
        value = raw[start : end if end >= 0 else len(raw)].strip()
        found[key[:-1].decode()] = value or None
    if "contract" not in found or "version" not in found:
        return None
    return found


_KEYS = tuple(f"{name}:".encode() for name in FIELDS)


def _parse(raw: bytes) -> Any:
    """The data of a document, ``None`` when it cannot be parsed: JSON by the JSON parser
    (C speed, also for a 2 MB description), anything else by the one located loader, whose
    limits (aliases, depth, size) hold here too."""
    if _looks_like_json(raw) and len(raw) <= MAX_PARSE:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            pass  # YAML's flow style is looser than JSON: let the YAML parser try
    from workbench.contract.yamlsrc import decode_source, load_yaml  # PyYAML: when sniffing

    try:
        return load_yaml(decode_source(raw, "blob"), "blob").data
    except ContractError:
        return None


def _contract_meta(data: Any) -> ContractMeta | None:
    if not isinstance(data, dict) or "contract" not in data or "version" not in data:
        return None

    def text(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value).strip()

    return ContractMeta(text("contract"), text("version"), text("title"), text("status"))


# --- artefacts -------------------------------------------------------------------------------

MAX_PARSE = 16 << 20  # JSON bigger than this is recognised by its keys in the text alone
_MARKERS = (b"openapi", b"swagger", b"realm", b"issuer")

# What sniff needs to find in a file before it looks any further, for callers that rule files
# out in bulk (``git grep``): a contract holds every one of CONTRACT_WORDS, an artefact at least
# one of ARTEFACT_WORDS. A file with neither is never a contract or an artefact.
CONTRACT_WORDS: tuple[str, ...] = ("contract", "version")
ARTEFACT_WORDS: tuple[str, ...] = tuple(m.decode() for m in _MARKERS)
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_YAML_KEY = re.compile(
    rb"""^(?P<q>["']?)(?P<key>[A-Za-z_$][\w.$-]*)(?P=q)[ \t]*:(?:[ \t]+(?P<val>[^\r\n]*?))?[ \t]*\r?$""",
    re.M,
)
_JSON_KEYS = {
    key: re.compile(rb'"' + key.encode() + rb'"\s*:')
    for key in ("openapi", "swagger", "realm", "issuer", "oauth2", *DEX, *KEYCLOAK, *METADATA)
}
_JSON_KEYS.update({key: re.compile(rb'"' + key.encode() + rb'"\s*:') for key in OIDC_ONLY})
_JSON_STRING = re.compile(
    rb'"(openapi|realm|displayName|issuer|title|version)"\s*:\s*"((?:[^"\\]|\\.)*)"'
)


def _looks_like_json(raw: bytes) -> bool:
    return raw.lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def _sniff_artefact(raw: bytes, path: str, data: Any) -> ContractMeta | None:
    """An artefact's identity, from its data (parsed here when it is JSON), its top-level YAML
    keys, or, for JSON that does not parse or is too big, the keys written in its text."""
    if _looks_like_json(raw):
        if data is _UNPARSED and len(raw) > HEAD_FROM:
            data = _openapi_head(raw)
        if data is _UNPARSED:
            data = _parse(raw) if len(raw) <= MAX_PARSE else None
        if isinstance(data, list) and len(data) == 1:
            data = data[0]  # a Keycloak export of one realm, as a list
        if isinstance(data, dict):
            return _artefact_meta(detect(data, path), data)
        return _from_json_text(raw, path)  # broken or huge: the keys it writes
    keys = _yaml_top_keys(raw)
    kind = detect(keys, path)
    if kind in (None, "contract"):
        return None
    info = _yaml_block(raw, b"info") if kind == "openapi" else {}
    return _artefact_meta(kind, {**keys, "info": info})


HEAD_FROM = 256 << 10  # a JSON document bigger than this is first read from its head
HEAD = 64 << 10
_WS = re.compile(r"[ \t\n\r]*")


def _openapi_head(raw: bytes) -> Any:
    """The ``openapi`` and ``info`` members of a large OpenAPI description, read from the head
    of the text, or ``_UNPARSED`` when that cannot give what parsing all of it would.

    A description opens with ``openapi`` and ``info`` (a few hundred bytes); its identity needs
    nothing else (an ``openapi`` string makes it one, whatever else it holds), so decoding the
    megabytes of ``paths`` that follow would only be thrown away. The answer is the parse's:
    the members are decoded by the JSON decoder, and the rest of the text must not spell either
    key again (JSON keeps the last of duplicate keys; a key can be respelled only with a
    ``\\u`` escape, so a rest holding one is parsed). Of a document whose rest is broken, it is
    the identity its head declares (parsing would fall back to its text's keys)."""
    cut = raw.rfind(b"\n", 0, HEAD)
    if cut < 0:
        return _UNPARSED
    try:
        text = raw[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return _UNPARSED
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "{":
        return _UNPARSED
    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    try:
        while "openapi" not in found or "info" not in found:
            if text[pos : pos + 1] != '"':
                return _UNPARSED
            key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] != ":":
                return _UNPARSED
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            value, pos = decoder.raw_decode(text, pos)
            if key in found or key in ("contract", "swagger"):
                return _UNPARSED  # a duplicate (the last one counts), or more than a head
            found[key] = value
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] != ",":
                return _UNPARSED  # the document ends here: small enough to parse
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    except (ValueError, RecursionError):
        return _UNPARSED
    if not isinstance(found["openapi"], str):
        return _UNPARSED
    rest = len(text[:pos].encode("utf-8"))
    if _find(raw, b'"openapi"', rest) >= 0 or _find(raw, b'"info"', rest) >= 0:
        return _UNPARSED
    escape = raw.find(b"\\", rest)  # one byte: a fast scan
    for _ in range(256):
        if escape < 0:
            return {"openapi": found["openapi"], "info": found["info"]}
        if raw[escape + 1 : escape + 2] == b"u":
            return _UNPARSED
        escape = raw.find(b"\\", escape + 2)
    return _UNPARSED


def _artefact_meta(kind: str | None, data: dict) -> ContractMeta | None:
    if kind in (None, "contract"):
        return None
    title = version = ""
    if kind == "openapi":
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        title = _text(info.get("title"))
        label = _text(info.get("version"))
        version = label if _SEMVER.match(label) else ""
    elif kind == "keycloak-realm":
        title = _text(data.get("displayName")) or _text(data.get("realm"))
    else:
        title = _text(data.get("issuer"))
    return ContractMeta("", version, title, "", kind)


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _yaml_top_keys(raw: bytes) -> dict[str, Any]:
    """The keys written at column 0 of a block-style YAML file, with their one-line values."""
    keys: dict[str, Any] = {}
    for m in _YAML_KEY.finditer(raw):
        key = m.group("key").decode("utf-8", "replace")
        if key not in keys:
            keys[key] = _value(m.group("val"))
    return keys


def _value(raw: bytes | None) -> Any:
    if raw is None:
        return {}  # a nested block
    value = _scalar(raw)
    return value if value is not None else raw.decode("utf-8", "replace")


def _yaml_block(raw: bytes, key: bytes) -> dict[str, Any]:
    """The one-line values directly under a top-level mapping ``key`` (``info``)."""
    m = re.search(
        rb"^" + key + rb"[ \t]*:[ \t]*\r?\n((?:(?:[ \t]+[^\r\n]*|[ \t]*)\r?\n)*)", raw, re.M
    )
    if m is None:
        return {}
    body = m.group(1)
    indent = re.match(rb"[ \t]+", body.lstrip(b"\r\n"))
    if indent is None:
        return {}
    pad = indent.group(0)
    out: dict[str, Any] = {}
    for line in body.splitlines():
        if not line.startswith(pad) or line[len(pad) : len(pad) + 1] in (b" ", b"\t"):
            continue
        inner = _YAML_KEY.match(line[len(pad) :])
        if inner is not None:
            out.setdefault(
                inner.group("key").decode("utf-8", "replace"), _value(inner.group("val"))
            )
    return out


def _from_json_text(raw: bytes, path: str) -> ContractMeta | None:
    """A JSON artefact that cannot be parsed here, by the keys its text writes (any depth:
    good enough to list it, with the reader's located error when it is loaded)."""
    head = raw[: 1 << 20]
    present = {key: True for key, rx in _JSON_KEYS.items() if rx.search(head)}
    strings: dict[str, Any] = {}
    for m in _JSON_STRING.finditer(head):
        strings.setdefault(m.group(1).decode(), m.group(2).decode("utf-8", "replace"))
    data: dict[str, Any] = {**present, **strings}
    data["info"] = {"title": strings.get("title", ""), "version": strings.get("version", "")}
    return _artefact_meta(detect(data, path), data)


# --- searching a revision of a large document -----------------------------------------------
#
# A listing sniffs every revision of a history, and each is the last one with a few lines
# changed. Looking for a word through megabytes of JSON costs milliseconds (its quotes and
# letters are everywhere), so the occurrences found in the last large document are kept, and
# the next document is searched only where it differs from that one (between the text both
# begin with and the text both end with): the answer is the plain search's.

SHARE_FROM = HEAD_FROM  # documents smaller than this are searched whole
_MAX_KEPT = 64  # a word found more often than this in a document is searched for afresh
_seen = threading.local()  # per thread: (the last large document, {word: its occurrences})


def _find(raw: bytes, word: bytes, start: int = 0) -> int:
    """``raw.find(word, start)``, from the occurrences of ``word`` in the last large document
    searched and a search of what differs from it (see above)."""
    if len(raw) < SHARE_FROM:
        return raw.find(word, start)
    last = getattr(_seen, "last", None)
    if last is None or last[0] is not raw:
        found: dict[bytes, list[int] | None] = {}
        if last is not None:
            found = _carried(last[0], raw, last[1])
        last = _seen.last = (raw, found)
    places = last[1].get(word, ...)
    if places is ...:
        places = last[1][word] = _all(raw, word, 0, len(raw))
    if places is None:
        return raw.find(word, start)
    for at in places:
        if at >= start:
            return at
    return -1


def _all(raw: bytes, word: bytes, start: int, end: int) -> list[int] | None:
    """Every start of ``word`` in ``raw[start:end]`` (``None``: more than ``_MAX_KEPT``)."""
    places: list[int] = []
    at = raw.find(word, start, end)
    while at >= 0:
        if len(places) == _MAX_KEPT:
            return None
        places.append(at)
        at = raw.find(word, at + 1, end)
    return places


def _carried(old: bytes, new: bytes, seen: dict) -> dict[bytes, list[int] | None]:
    """The occurrences of each word ``seen`` in ``old``, found in ``new``: those inside the
    text both begin with, those inside the text both end with (moved by the change of
    length), and a search of the rest."""
    prefix = common_prefix(old, new)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    moved = len(new) - len(old)
    carried: dict[bytes, list[int] | None] = {}
    for word, places in seen.items():
        if places is None:
            continue
        n = len(word)
        head = [at for at in places if at + n <= prefix]
        tail = [at + moved for at in places if at >= len(old) - suffix]
        # the starts left: after those wholly in the prefix, before those wholly in the suffix
        middle = _all(new, word, max(0, prefix - n + 1), len(new) - suffix + n - 1)
        if middle is None or len(head) + len(middle) + len(tail) > _MAX_KEPT:
            continue
        middle = [at for at in middle if at < len(new) - suffix]
        carried[word] = head + middle + tail
    return carried
