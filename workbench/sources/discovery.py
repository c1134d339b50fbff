"""OpenID Connect Discovery 1.0 (section 3) and OAuth 2.0 Authorization Server Metadata (RFC 8414
section 2): one JSON object describing one authorization server.

Effective values, not text: a field that is omitted means its default, so writing the default
explicitly is no change.

- ``grant_types_supported`` omitted means ``["authorization_code", "implicit"]`` (both specs).
  The implicit grant is only usable with a response type that returns something from the
  authorization endpoint (``token``, ``id_token``), so an *omitted* field on a server whose
  response types are all ``code`` does not count as offering the implicit grant.
- ``response_modes_supported`` omitted means ``["query", "fragment"]``.
- ``token_endpoint_auth_methods_supported`` omitted means ``["client_secret_basic"]``, and so
  do the revocation and introspection methods of RFC 8414 when those endpoints exist.
- ``code_challenge_methods_supported`` omitted means the server does not support PKCE
  (RFC 8414 section 2); listed methods say nothing about whether PKCE is enforced.
- ``require_pushed_authorization_requests`` (RFC 9126), ``require_signed_request_object`` (RFC
  9101), ``authorization_response_iss_parameter_supported`` (RFC 9207) and
  ``tls_client_certificate_bound_access_tokens`` (RFC 8705) default to false.
- OpenID Connect only: ``claims_parameter_supported``, ``request_parameter_supported`` and
  ``require_request_uri_registration`` default to false, ``request_uri_parameter_supported`` to
  true; the logout flags (front-channel, back-channel) to false. Plain RFC 8414 metadata that
  omits them says nothing about them.

Response types are sets of space-separated values whose order does not matter (RFC 6749
section 3.1.1): ``id_token code`` is ``code id_token``.
"""

from __future__ import annotations

from typing import Any

from workbench.contract.model import Contract
from workbench.sources.base import Builder, as_bool, problem
from workbench.sources.kinds import slug

GRANT_NAMES = {
    "authorization_code": "authorization_code",
    "implicit": "implicit",
    "password": "password",
    "client_credentials": "client_credentials",
    "refresh_token": "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code": "device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange": "token_exchange",
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "jwt_bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer": "saml2_bearer",
    "urn:openid:params:grant-type:ciba": "ciba",
    "urn:ietf:params:oauth:grant-type:uma-ticket": "uma_ticket",
    "urn:ietf:params:oauth:grant-type:pre-authorized_code": "pre_authorized_code",
}

ENDPOINTS = {
    "authorization_endpoint": "authorization",
    "token_endpoint": "token",
    "userinfo_endpoint": "userinfo",
    "registration_endpoint": "registration",
    "introspection_endpoint": "introspection",
    "revocation_endpoint": "revocation",
    "end_session_endpoint": "end_session",
    "device_authorization_endpoint": "device_authorization",
    "pushed_authorization_request_endpoint": "pushed_authorization_request",
    "backchannel_authentication_endpoint": "backchannel_authentication",
    "check_session_iframe": "check_session",
}

# (metadata field, server flag, default when omitted, whether the default is OpenID Connect's
# only). RFC 9126, RFC 9101, RFC 9207 and RFC 8705 give their flags a default of false for
# every authorization server; the request and logout flags are defined by OpenID Connect.
FLAGS = (
    ("request_parameter_supported", "request_parameter", False, True),
    ("request_uri_parameter_supported", "request_uri_parameter", True, True),
    ("require_request_uri_registration", "require_request_uri_registration", False, True),
    ("claims_parameter_supported", "claims_parameter", False, True),
    ("frontchannel_logout_supported", "frontchannel_logout", False, True),
    ("backchannel_logout_supported", "backchannel_logout", False, True),
    (
        "require_pushed_authorization_requests",
        "require_pushed_authorization_requests",
        False,
        False,
    ),
    ("require_signed_request_object", "require_signed_request_object", False, False),
    (
        "authorization_response_iss_parameter_supported",
        "authorization_response_iss_parameter",
        False,
        False,
    ),
    (
        "tls_client_certificate_bound_access_tokens",
        "tls_client_certificate_bound_access_tokens",
        False,
        False,
    ),
)

# Fields the reader maps to the contract, and display-only ones no client depends on; every
# other field lands in server.other, where a change is reported for review.
_READ = frozenset(
    {
        "issuer",
        "jwks_uri",
        "mtls_endpoint_aliases",
        "scopes_supported",
        "claims_supported",
        "acr_values_supported",
        "subject_types_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "code_challenge_methods_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        *(field for field, *_ in FLAGS),
    }
)
_DISPLAY = frozenset(
    {
        "service_documentation",
        "op_policy_uri",
        "op_tos_uri",
        "ui_locales_supported",
        "claims_locales_supported",
        "display_values_supported",
    }
)

DEFAULT_GRANTS = ["authorization_code", "implicit"]
DEFAULT_RESPONSE_MODES = ["query", "fragment"]
DEFAULT_AUTH_METHODS = ["client_secret_basic"]

_RT_ORDER = {"code": 0, "id_token": 1, "token": 2}


def response_type(value: str) -> str:
    """One response type with its parts in a fixed order (``id_token code`` -> ``code id_token``)."""
    parts = sorted(set(value.split()), key=lambda p: (_RT_ORDER.get(p, 9), p))
    return " ".join(parts)


def grant_name(value: str) -> str:
    return GRANT_NAMES.get(value, value)


def uses_front_channel(types: list[str]) -> bool:
    """Whether a response type returns tokens from the authorization endpoint (implicit)."""
    return any(("token" in t.split() or "id_token" in t.split()) for t in types)


def algorithm_family(field: str) -> str | None:
    """``id_token_signing_alg_values_supported`` -> ``id_token_signing``;
    ``id_token_encryption_enc_values_supported`` -> ``id_token_encryption_enc``."""
    if not field.endswith("_values_supported"):
        return None
    base = field[: -len("_values_supported")]
    if base.endswith("_signing_alg"):
        return base[: -len("_alg")]
    if base.endswith(("_alg", "_enc")):
        return base
    return None


def read(b: Builder, source: str, text: str, kind: str, contract_id: str | None) -> Contract:
    doc = b.doc.data
    if not isinstance(doc, dict):
        raise problem(b, source, (), "a metadata document is a JSON object of fields")
    issuer = doc.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise problem(
            b,
            source,
            ("issuer",) if "issuer" in doc else (),
            "no issuer: metadata must name its issuer (RFC 8414 section 2, "
            "OpenID Connect Discovery 1.0 section 3)",
        )
    oidc = kind == "oidc-discovery"
    idp_out = ("identity_providers", 0)
    idp: dict[str, Any] = {"id": "provider", "issuer": issuer}
    b.at(("identity_providers",), ())
    b.at(idp_out, ())
    b.at((*idp_out, "issuer"), ("issuer",))
    if isinstance(doc.get("jwks_uri"), str):
        idp["jwks_uri"] = doc["jwks_uri"]
        b.at((*idp_out, "jwks_uri"), ("jwks_uri",))
    idp["protocols"] = ["oidc", "oauth2"] if oidc else ["oauth2"]

    endpoints: dict[str, str] = {}
    for field, value in doc.items():
        name = ENDPOINTS.get(field)
        if name is None and field.endswith("_endpoint") and field not in ENDPOINTS:
            name = field[: -len("_endpoint")]
        if name and isinstance(value, str) and value:
            endpoints[name] = value
            b.at((*idp_out, "endpoints", name), (field,))
    if endpoints:
        idp["endpoints"] = endpoints
    aliases = doc.get("mtls_endpoint_aliases")
    if isinstance(aliases, dict):
        mtls: dict[str, str] = {}
        b.at((*idp_out, "mtls_endpoints"), ("mtls_endpoint_aliases",))
        for field, value in aliases.items():
            name = ENDPOINTS.get(field) or field.removesuffix("_endpoint")
            if isinstance(value, str) and value:
                mtls[name] = value
                b.at((*idp_out, "mtls_endpoints", name), ("mtls_endpoint_aliases", field))
        if mtls:
            idp["mtls_endpoints"] = mtls

    for field, out in (
        ("scopes_supported", "scopes"),
        ("claims_supported", "claims"),
        ("acr_values_supported", "acr_values"),
    ):
        values = b.strings((*idp_out, out), (field,))
        if field in doc:
            idp[out] = values
    subjects = [s for s in b.strings((*idp_out, "subject_types"), ("subject_types_supported",))]
    if subjects:
        idp["subject_types"] = [s for s in subjects if s in ("public", "pairwise")]

    algorithms: dict[str, list[str]] = {}
    for field in doc:
        family = algorithm_family(str(field))
        if family is not None and isinstance(doc[field], list):
            algorithms[family] = b.strings((*idp_out, "algorithms", family), (field,))
    if algorithms:
        idp["algorithms"] = dict(sorted(algorithms.items()))
        b.at((*idp_out, "algorithms"), ())

    for endpoint, field, out in (
        (
            "revocation_endpoint",
            "revocation_endpoint_auth_methods_supported",
            "revocation_authentication",
        ),
        (
            "introspection_endpoint",
            "introspection_endpoint_auth_methods_supported",
            "introspection_authentication",
        ),
    ):
        if field in doc:
            idp[out] = b.strings((*idp_out, out), (field,))
        elif endpoint in doc:
            idp[out] = list(DEFAULT_AUTH_METHODS)

    data: dict[str, Any] = {
        "format": 1.1,
        "contract": contract_id or slug(_host_path(issuer), "authorization-server"),
        "title": "OpenID Connect discovery document" if oidc else "Authorization server metadata",
        "status": "active",
        "artefact": {"kind": kind},
        "identity_providers": [idp],
    }

    response_types: list[str] | None = None
    if "response_types_supported" in doc:
        raw = b.strings(("response_types",), ("response_types_supported",))
        response_types = _dedupe(response_type(v) for v in raw if response_type(v))
        _relocate(b, ("response_types",), raw, response_types, response_type)
        data["response_types"] = response_types

    if "grant_types_supported" in doc:
        raw = b.strings(("grants",), ("grant_types_supported",))
        grants = _dedupe(grant_name(g) for g in raw)
        _relocate(b, ("grants",), raw, grants, grant_name)
    else:
        grants = list(DEFAULT_GRANTS)
        if response_types is not None and not uses_front_channel(response_types):
            grants.remove("implicit")  # nothing could use it: no token from the front channel
    data["grants"] = grants

    if "response_modes_supported" in doc:
        data["response_modes"] = b.strings(("response_modes",), ("response_modes_supported",))
    else:
        data["response_modes"] = list(DEFAULT_RESPONSE_MODES)

    if "code_challenge_methods_supported" in doc:
        methods = b.strings(("pkce", "methods"), ("code_challenge_methods_supported",))
        data["pkce"] = {"methods": [m for m in methods if m in ("S256", "plain")]}
        b.at(("pkce",), ("code_challenge_methods_supported",))
    else:
        data["pkce"] = {"required": False, "methods": []}

    if "token_endpoint_auth_methods_supported" in doc:
        data["client_authentication"] = b.strings(
            ("client_authentication",), ("token_endpoint_auth_methods_supported",)
        )
    else:
        data["client_authentication"] = list(DEFAULT_AUTH_METHODS)

    server: dict[str, Any] = {}
    for field, flag, default, oidc_only in FLAGS:
        value = as_bool(doc.get(field))
        if value is not None:
            server[flag] = value
            b.at(("server", flag), (field,))
        elif oidc or not oidc_only:
            server[flag] = default
    other: dict[str, Any] = {}
    for field, value in doc.items():
        if field in _READ or field in _DISPLAY or field in ENDPOINTS or field.endswith("_endpoint"):
            continue
        if algorithm_family(field) is not None:
            continue
        if isinstance(value, str | bool | int | float) and not isinstance(value, float):
            other[field] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            other[field] = sorted(set(value))
        else:
            continue
        b.at(("server", "other", field), (field,))
    if other:
        server["other"] = other
    if server:
        data["server"] = server

    data["identity_providers"] = [idp]
    return b.contract(source, text, data)


def _dedupe(values) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _relocate(b: Builder, out: tuple, raw: list[str], mapped: list[str], fn) -> None:
    """After mapping (and deduplicating) a located list, move each location to its new index."""
    moved = [(i, mapped.index(fn(v))) for i, v in enumerate(raw) if fn(v) in mapped]
    staged = {}
    for i, _ in moved:
        staged[i] = (b.values.pop((*out, i), None), b.keys.pop((*out, i), None))
    for i, j in moved:
        value, key = staged[i]
        if value is not None:
            b.values.setdefault((*out, j), value)
        if key is not None:
            b.keys.setdefault((*out, j), key)


def _host_path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.rstrip("/")
