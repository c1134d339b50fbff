"""Readers for the authentication artefacts teams already keep: each turns one file into the
contract model the engine judges, with every value located in the original file.

::

    contract = load_artefact("realm-export.json")          # kind detected by content
    contract = load_artefact(".well-known/openid-configuration", kind="oidc-discovery")
    text = to_contract_yaml(contract)                       # format v1.1, judges the same
    contract = load_document_bytes(blob, "HEAD:realms/customers.json")  # a contract or an artefact

Kinds: ``oidc-discovery``, ``rfc8414``, ``openapi``, ``keycloak-realm``, ``dex-config``;
``contract`` is the workbench's own format (loaded by :mod:`workbench.contract`); ``auto``
detects by content. Unreadable files raise :class:`ContractError` with file:line:col.

The names below are imported from their modules on first use: the command line reads
``KINDS``/``CHOICES`` (from :mod:`workbench.sources.kinds`) without loading any reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.sources.export import to_contract_yaml
    from workbench.sources.kinds import CHOICES, KINDS, LABELS, NAMES, artefact_id, detect
    from workbench.sources.loading import (
        check_document_text,
        detect_text,
        import_artefact,
        kind_of,
        load_artefact,
        load_artefact_bytes,
        load_artefact_text,
        load_document,
        load_document_bytes,
        load_document_text,
        validate_document,
    )

_LOADING = "workbench.sources.loading"
_KINDS = "workbench.sources.kinds"
_LAZY: dict[str, str] = {
    "CHOICES": _KINDS,
    "KINDS": _KINDS,
    "LABELS": _KINDS,
    "NAMES": _KINDS,
    "artefact_id": _KINDS,
    "check_document_text": _LOADING,
    "detect": _KINDS,
    "detect_text": _LOADING,
    "import_artefact": _LOADING,
    "kind_of": _LOADING,
    "load_artefact": _LOADING,
    "load_artefact_bytes": _LOADING,
    "load_artefact_text": _LOADING,
    "load_document": _LOADING,
    "load_document_bytes": _LOADING,
    "load_document_text": _LOADING,
    "validate_document": _LOADING,
    "to_contract_yaml": "workbench.sources.export",
}


__getattr__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "CHOICES",
    "KINDS",
    "LABELS",
    "NAMES",
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
    "to_contract_yaml",
    "validate_document",
]
