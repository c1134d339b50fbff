"""The kinds of document the workbench reads and how each is recognised, without importing any
reader: the command line builds its ``--from`` option from these at start-up, and the history
layer's sniffer recognises artefacts with :func:`detect` (and the keys below) without parsing
them into contracts."""

from __future__ import annotations

import re
from typing import Any

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

# The top-level keys that say what a document is (see detect).
OIDC_ONLY = (
    "userinfo_endpoint",
    "id_token_signing_alg_values_supported",
    "subject_types_supported",
    "claims_supported",
    "end_session_endpoint",
    "check_session_iframe",
    "frontchannel_logout_supported",
    "backchannel_logout_supported",
    "claims_parameter_supported",
    "request_parameter_supported",
)
METADATA = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "grant_types_supported",
)
DEX = ("storage", "staticClients", "connectors", "enablePasswordDB", "staticPasswords", "expiry")
KEYCLOAK = (
    "clients",
    "accessTokenLifespan",
    "ssoSessionIdleTimeout",
    "sslRequired",
    "clientScopes",
    "defaultSignatureAlgorithm",
    "identityProviders",
    "authenticationFlows",
)


def detect(data: Any, name: str = "") -> str | None:
    """The kind of a parsed document by what it holds (``None`` when nothing fits)."""
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]  # a Keycloak export of a single realm as a list
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("openapi"), str) or "swagger" in data:
        return "openapi"
    if isinstance(data.get("realm"), str) and any(k in data for k in KEYCLOAK):
        return "keycloak-realm"
    if ("issuer" in data and any(k in data for k in DEX)) or (
        "oauth2" in data and "issuer" in data
    ):
        return "dex-config"
    if "issuer" in data and any(k in data for k in METADATA):
        lowered = name.lower()
        if "oauth-authorization-server" in lowered:
            return "rfc8414"
        if "openid-configuration" in lowered or any(k in data for k in OIDC_ONLY):
            return "oidc-discovery"
        return "rfc8414"
    if "contract" in data and ("title" in data or "status" in data):
        return "contract"
    return None


def slug(text: str, fallback: str = "artefact") -> str:
    """A contract id from free text: lower case, runs of other characters as one dash."""
    out = re.sub(r"[^A-Za-z0-9_.:-]+", "-", text.strip()).strip("-._:").lower()
    return out or fallback


def artefact_id(path: str) -> str:
    """The identity of an artefact in a repository: its repository path without the extension,
    as a contract id (``realms/customers.json`` is ``realms-customers``).

    An artefact names no contract id of its own, and what it does name (the issuer, the realm,
    the API's title) is what its amendments change; the path is what stays put, and it is
    unique in the repository. Amendment records and ignore entries use this id.
    """
    rel = path.replace("\\", "/").lstrip("./")
    for suffix in (".json", ".yaml", ".yml"):
        if rel.lower().endswith(suffix):
            rel = rel[: -len(suffix)]
            break
    return slug(rel.replace("/", "-"), "artefact")
