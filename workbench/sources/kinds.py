"""The kinds of document the workbench reads, without importing any reader (the command line
builds its ``--from`` option from these at start-up)."""

from __future__ import annotations

KINDS: tuple[str, ...] = ("oidc-discovery", "rfc8414", "openapi", "keycloak-realm", "dex-config")
"""The artefact kinds, each read by one module of :mod:`workbench.sources`."""

CHOICES: tuple[str, ...] = ("auto", "contract", *KINDS)
"""What ``--from`` accepts: ``auto`` detects by content, ``contract`` is the workbench's own
format."""

NAMES: dict[str, str] = {
    "oidc-discovery": "an OpenID Connect discovery document",
    "rfc8414": "RFC 8414 authorization server metadata",
    "openapi": "an OpenAPI description",
    "keycloak-realm": "a Keycloak realm export",
    "dex-config": "a Dex configuration",
    "contract": "a workbench contract",
}

LABELS: dict[str, str] = {
    "contract": "contract",
    "oidc-discovery": "OIDC discovery",
    "rfc8414": "RFC 8414",
    "openapi": "OpenAPI",
    "keycloak-realm": "Keycloak realm",
    "dex-config": "Dex config",
}
"""Short names for listings (the TUI's contract list, ``workbench log``)."""
