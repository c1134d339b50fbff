"""Recognizing contracts cheaply, and their identity fields, without the full loader.

Discovery and history listings look at many blobs; parsing each fully (with validation) would
cost milliseconds apiece. A contract is a YAML mapping with top-level ``contract`` and
``version`` keys; block-style files (all real ones) are recognized with a regular expression,
and only unusual files (flow style, quoted keys with odd spacing) fall back to a YAML parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import decode_source, load_yaml

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
    """The identity of a contract file: what a listing shows before any full load."""

    id: str
    version: str
    title: str = ""
    status: str = ""


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


def sniff(raw: bytes) -> ContractMeta | None:
    """The identity of ``raw`` if it looks like a contract, else ``None``; never raises.

    A file whose identity fields cannot be read cheaply (or whose YAML is broken around them)
    is still recognized when it has both keys, with whatever could be read.
    """
    if b"contract" not in raw or b"version" not in raw:
        return None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
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
            return ContractMeta(
                values["contract"] or "",
                values["version"] or "",
                values["title"] or "",
                values["status"] or "",
            )
        parsed = _parse(raw)
        if parsed is not None:
            return parsed
        return ContractMeta(*(v or "" for v in (values[k] for k in FIELDS)))
    if raw.lstrip()[:1] in (b"{", b"-", b"%") or b"{" in raw or b"<<" in raw:
        # flow style, a document marker or a merge key (``<<: *identity``): the real parser
        return _parse(raw)
    return None


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


def _parse(raw: bytes) -> ContractMeta | None:
    try:  # the one located loader: its limits (aliases, depth, size) hold here too
        data = load_yaml(decode_source(raw, "blob"), "blob").data
    except ContractError:
        return None
    if not isinstance(data, dict) or "contract" not in data or "version" not in data:
        return None

    def text(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value).strip()

    return ContractMeta(text("contract"), text("version"), text("title"), text("status"))
