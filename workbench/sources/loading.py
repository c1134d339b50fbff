"""Reading a document into a located :class:`Contract`: artefacts through their readers, the
workbench's own contracts through :mod:`workbench.contract`, and ``auto`` deciding which by
content (see :mod:`workbench.sources`).

:func:`load_document_bytes` is the one loader of "a contract or an artefact" that history, the
command line and the commit gate share: it parses once, detects, and hands the parsed document
to the contract loader or to the artefact's reader.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import (
    checked,
    contract_from_document,
    load_contract_text,
    read_source,
    validate_contract,
)
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import LocatedDocument, decode_source
from workbench.sources.base import Builder, looks_like_json, parse_document
from workbench.sources.jsonloc import PrefixedLocs
from workbench.sources.kinds import CHOICES, KINDS, artefact_id, detect, slug
from workbench.sources.kinds import NAMES as _NAMES

Parse = Callable[[str, str], LocatedDocument]  # (text, source name) -> the parsed document

__all__ = [
    "CHOICES",
    "KINDS",
    "artefact_id",
    "check_document_text",
    "detect",
    "detect_text",
    "import_artefact",
    "kind_of",
    "load_artefact",
    "load_artefact_bytes",
    "load_artefact_text",
    "load_document",
    "load_document_bytes",
    "load_document_text",
    "validate_document",
]


def detect_text(text: str, name: str = "") -> str | None:
    """The kind of a file's text (``None`` when unreadable or when nothing fits)."""
    try:
        doc = parse_document(text, name)
    except ContractError:
        return None
    return detect(doc.data, name)


def _contract_id(source: str) -> str | None:
    """A stable id for an artefact: its file name (the same across revisions of one file)."""
    stem = Path(source.split(":", 1)[-1] if ":" in source else source).name
    for suffix in (".json", ".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return slug(stem) if stem else None


def load_artefact_text(
    text: str, source: str, kind: str = "auto", *, contract_id: str | None = None
) -> Contract:
    """Read artefact text into a located :class:`Contract`; raise :class:`ContractError`."""
    if kind not in CHOICES:
        raise ValueError(f"unknown artefact kind {kind!r} (one of {', '.join(CHOICES)})")
    if kind == "contract":
        return load_contract_text(text, source)
    # Reading builds many small acyclic objects; the cyclic collector would rescan the growing
    # heap again and again (as in the located YAML loader), so it pauses while we read.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(text, source, kind, contract_id)
    finally:
        if enabled:
            gc.enable()


def _read(text: str, source: str, kind: str, contract_id: str | None) -> Contract:
    doc = parse_document(text, source)
    found = detect(doc.data, source)
    if kind == "auto":
        if found is None:
            raise ContractError([_unrecognised(source)])
        if found == "contract":
            return load_contract_text(text, source)
        kind = found
    return _build(doc, text, source, kind, found, contract_id)


def _unrecognised(source: str) -> Problem:
    return Problem(
        source,
        1,
        1,
        "not a recognised artefact (an OpenID Connect discovery document, RFC 8414 metadata, "
        "an OpenAPI 3 description, a Keycloak realm export, a Dex configuration or a "
        "contract); name the kind with --from",
    )


def _build(
    doc: LocatedDocument,
    text: str,
    source: str,
    kind: str,
    found: str | None,
    contract_id: str | None,
) -> Contract:
    """The contract of an artefact of ``kind`` (``found`` is what its content reads as)."""
    if found not in (None, kind) and {found, kind} != {"oidc-discovery", "rfc8414"}:
        raise ContractError(
            [Problem(source, 1, 1, f"not {_NAMES[kind]}: this file reads as {_NAMES[found]}")]
        )
    if isinstance(doc.data, list) and kind == "keycloak-realm":
        if len(doc.data) != 1:
            raise ContractError(
                [Problem(source, 1, 1, "several realms in one file: export one realm per file")]
            )
        doc.data = doc.data[0]
        doc.locs = PrefixedLocs(doc.locs, (0,))  # type: ignore[assignment]
        doc.key_locs = PrefixedLocs(doc.key_locs, (0,))  # type: ignore[assignment]
    b = Builder(doc)
    cid = contract_id or _contract_id(source)
    # one reader module per kind, imported when a document of that kind is read
    if kind in ("oidc-discovery", "rfc8414"):
        from workbench.sources import discovery

        return discovery.read(b, source, text, kind, cid)
    if kind == "openapi":
        from workbench.sources import openapi

        return openapi.read(b, source, text, cid)
    if kind == "keycloak-realm":
        from workbench.sources import keycloak

        return keycloak.read(b, source, text, cid)
    from workbench.sources import dex

    return dex.read(b, source, text, cid)


def load_artefact_bytes(
    raw: bytes, source: str, kind: str = "auto", *, contract_id: str | None = None
) -> Contract:
    """Read an artefact from bytes (a git blob, say)."""
    return load_artefact_text(decode_source(raw, source), source, kind, contract_id=contract_id)


def load_artefact(
    path_or_text: str | Path,
    kind: str = "auto",
    *,
    source: str | None = None,
    contract_id: str | None = None,
) -> Contract:
    """Read an artefact from a file path (or from text, when given a string that is not an
    existing path and looks like a document)."""
    if (isinstance(path_or_text, str) and "\n" in path_or_text) or (
        isinstance(path_or_text, str)
        and looks_like_json(path_or_text)
        and not Path(path_or_text).exists()
    ):
        return load_artefact_text(
            str(path_or_text), source or "<text>", kind, contract_id=contract_id
        )
    name = source or str(path_or_text)
    return load_artefact_text(read_source(path_or_text, name), name, kind, contract_id=contract_id)


def import_artefact(path: str | Path, kind: str = "auto") -> str:
    """``workbench import``: the artefact at ``path`` as format v1.1 contract text.

    The text is read back through the contract loader before it is returned, so what is written
    always loads and validates; an artefact that cannot be read raises :class:`ContractError`.
    """
    from workbench.sources.export import to_contract_yaml

    contract = load_artefact(path, kind)
    if contract.data.get("artefact") is None:
        raise ContractError(
            [Problem(str(path), 1, 1, "already a workbench contract: there is nothing to import")]
        )
    text = to_contract_yaml(contract, source=Path(path).name)
    load_contract_text(text, f"{contract.id}.yaml")  # the promise: it loads and validates
    return text


# --- a contract or an artefact ---------------------------------------------------------------


def kind_of(contract: Contract) -> str:
    """What a loaded document was: ``contract`` or its artefact kind."""
    artefact = contract.data.get("artefact") if isinstance(contract.data, dict) else None
    kind = artefact.get("kind") if isinstance(artefact, dict) else None
    return kind if isinstance(kind, str) and kind in KINDS else "contract"


def _decide(
    text: str, source: str, kind: str, parse: Parse | None = None
) -> tuple[str, LocatedDocument | None, str | None]:
    """``(kind, parsed document, kind the content reads as)``; the document is ``None`` when
    ``kind`` is ``contract`` (the contract loader parses it). ``parse`` stands for
    :func:`parse_document` (with the same answers: a history's loader of neighbouring
    revisions)."""
    if kind not in CHOICES:
        raise ValueError(f"unknown document kind {kind!r} (one of {', '.join(CHOICES)})")
    if kind == "contract":
        return kind, None, None
    doc = (parse or parse_document)(text, source)
    found = detect(doc.data, source)
    if kind != "auto":
        return kind, doc, found
    data = doc.data
    if found == "contract" or (isinstance(data, dict) and "contract" in data and found is None):
        return "contract", doc, found
    if found is None:
        if looks_like_json(text, source):
            raise ContractError([_unrecognised(source)])
        # YAML that is nothing recognisable: judged as the workbench's own format, whose
        # errors say what a contract needs
        return "contract", doc, found
    return found, doc, found


def _as_contract(doc: LocatedDocument | None, text: str, source: str) -> Contract:
    """An unvalidated contract from the document already parsed (JSON contracts are parsed
    again by the contract loader, whose JSON reader locates values eagerly)."""
    if doc is None or looks_like_json(text, source):
        from workbench.contract.loader import parse_contract_text

        return parse_contract_text(text, source)
    return contract_from_document(doc, text, source)


def load_document_text(
    text: str,
    source: str,
    kind: str = "auto",
    *,
    contract_id: str | None = None,
    parse: Parse | None = None,
) -> Contract:
    """A contract or an artefact from its text, parsed once; raise :class:`ContractError`.

    ``kind``: ``auto`` (by content: a YAML document that is nothing else is read as a
    contract, so its problems are a contract's), ``contract`` or an artefact kind.
    ``contract_id`` names an artefact (see :func:`artefact_id`); contracts carry their own.
    """
    enabled = gc.isenabled()
    gc.disable()  # reading builds only acyclic objects (see load_artefact_text)
    try:
        kind, doc, found = _decide(text, source, kind, parse)
        if kind == "contract":
            return checked(_as_contract(doc, text, source))
        assert doc is not None
        return _build(doc, text, source, kind, found, contract_id)
    finally:
        if enabled:
            gc.enable()


def load_document_bytes(
    raw: bytes,
    source: str,
    kind: str = "auto",
    *,
    contract_id: str | None = None,
    parse: Parse | None = None,
) -> Contract:
    """A contract or an artefact from bytes (a git blob, a file): see
    :func:`load_document_text`."""
    return load_document_text(
        decode_source(raw, source), source, kind, contract_id=contract_id, parse=parse
    )


def load_document(
    path: str | Path,
    kind: str = "auto",
    *,
    display: str | None = None,
    contract_id: str | None = None,
) -> Contract:
    """A contract or an artefact from a file (see :func:`load_document_text`)."""
    name = display or str(path)
    return load_document_text(read_source(path, name), name, kind, contract_id=contract_id)


def check_document_text(
    text: str, source: str, kind: str = "auto", *, contract_id: str | None = None
) -> tuple[Contract | None, list[Problem]]:
    """A document and every problem it has (errors and warnings, by position); the contract
    is ``None`` when there is an error. Never raises for bad input: what ``validate`` prints
    and what the checklist's schema-clarity step lists. An artefact's problems are its
    reader's (invalid JSON, a value of the wrong type, a file that is another kind)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        kind, doc, found = _decide(text, source, kind)
        if kind == "contract":
            contract = _as_contract(doc, text, source)
            problems = validate_contract(contract)
            failed = any(p.severity == "error" for p in problems)
            return (None if failed else contract), problems
        assert doc is not None
        return _build(doc, text, source, kind, found, contract_id), []
    except ContractError as exc:
        return None, exc.problems
    finally:
        if enabled:
            gc.enable()


def validate_document(
    path: str | Path, kind: str = "auto", *, display: str | None = None
) -> list[Problem]:
    """Every problem of one file read as ``kind`` (see :func:`check_document_text`); never
    raises for bad input."""
    name = display or str(path)
    try:
        text = read_source(path, name)
    except ContractError as exc:
        return exc.problems
    return check_document_text(text, name, kind)[1]
