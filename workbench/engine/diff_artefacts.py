"""The format v1.1 fields of the semantic diff: what real artefacts hold beyond format v1.

Authorization server endpoints and advertised values, response types and modes, named security
schemes (OpenAPI), registered clients, upstream identity providers and server settings. The
field specs plug into :mod:`workbench.engine.diff` (``extend_fields``); the comparisons that
need more than "equal or not" live here:

- redirect URIs, post-logout redirect URIs and web origins are compared by what they *match*:
  an exact URI replaced by a wildcard pattern that still covers it removes nothing;
- a client's token settings are compared as effective values: a client that does not override
  the realm's access token lifespan inherits it, so writing the inherited value explicitly is
  no change;
- a security scheme renamed with an identical definition is a rename, and endpoint security
  requirements naming it follow the rename (see ``_Differ.security``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from workbench.contract.paths import join
from workbench.engine.members import indexed, members, pair_renames

if TYPE_CHECKING:  # pragma: no cover
    from workbench.engine.diff import _F, _Differ

Raw = tuple
FieldFn = Callable[..., None]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# --- wildcard matching --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in text.split("*")]
    return re.compile("(?s)" + ".*".join(parts), re.IGNORECASE if "://" not in text else 0)


def covers(pattern: str, value: str) -> bool:
    """Whether ``pattern`` (``*`` matches any run of characters) matches everything ``value``
    matches. A ``*`` in ``value`` stands for any text, so only a ``*`` of the pattern can
    consume it: ``https://app.example.com/*`` covers ``https://app.example.com/cb`` and
    ``https://app.example.com/cb/*``, but not ``https://*.example.com/cb``."""
    if pattern == value:
        return True
    if "*" not in pattern:
        return False
    probe = value.replace("*", "\x00")
    return _pattern(pattern).fullmatch(probe) is not None


def covered(value: str, patterns: list[str]) -> str | None:
    """The first of ``patterns`` that covers ``value``, or ``None``."""
    for pattern in patterns:
        if covers(pattern, value):
            return pattern
    return None


def _strings(value: Any) -> list[str]:
    return [str(v) for v in _list(value)]


def uri_set(topic: str) -> FieldFn:
    """A set of URI patterns compared by what they match."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o_list, n_list = _strings(o), _strings(n)
        if sorted(set(o_list)) == sorted(set(n_list)):
            return
        ctx["old_set"] = sorted(set(o_list))
        ctx["new_set"] = sorted(set(n_list))
        for i, uri in enumerate(o_list):
            if uri in n_list:
                continue
            still = covered(uri, n_list)
            if still is None:
                d.removed(topic, join(path, uri, select=True), uri, (*o_raw, i), n_raw, **ctx)
        for i, uri in enumerate(n_list):
            if uri in o_list:
                continue
            before = covered(uri, o_list)
            if before is None:
                d.added(topic, join(path, uri, select=True), uri, (*n_raw, i), o_raw, **ctx)

    return compare


# --- maps of URLs and of algorithm families -----------------------------------------------------


def _names(o: dict, n: dict) -> list:
    """The keys of both maps, the old map's first."""
    return list(o) + [k for k in n if k not in o]


def value_map(topic: str, label: str, *, lists_as_sets: bool = False, **extra: Any) -> FieldFn:
    """A map of names to values, each compared as a value (as a set where both sides hold a
    list and ``lists_as_sets``); the name goes in the context as ``label``."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        for name in _names(o, n):
            ov, nv = o.get(name), n.get(name)
            both_lists = isinstance(ov, list) and isinstance(nv, list)
            walk = d.sets if lists_as_sets and both_lists else d.value
            p, orr, nrr = join(path, name), (*o_raw, name), (*n_raw, name)
            walk(topic, p, ov, nv, orr, nrr, **{label: name}, **extra, **ctx)

    return compare


def url_map(topic: str, **extra: Any) -> FieldFn:
    """A map of names to URLs (endpoints): each name added, removed or moved."""
    return value_map(topic, "field", **extra)


def family_sets(topic: str) -> FieldFn:
    """A map of names to sets (algorithm families): set differences per family."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        for family in _names(o, n):
            d.sets(
                topic,
                join(path, family),
                o.get(family),
                n.get(family),
                (*o_raw, family),
                (*n_raw, family),
                family=family,
                family_gone=family not in n,
                family_new=family not in o,
                **ctx,
            )

    return compare


def keyed(topic: str, key_field: str, spec: dict) -> FieldFn:
    """A list of mappings identified by ``key_field`` (clients by id, providers by id)."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        d.keyed(topic, key_field, spec, path, o, n, o_raw, n_raw)

    return compare


def keyed_clients(spec: dict) -> FieldFn:
    """Clients by id; a client that changes protocol (OpenID Connect to SAML) is one finding,
    not a cascade of every setting that only one of the protocols has."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        def both(key: str, p: str, item: dict, other: dict, orr: Raw, nrr: Raw) -> None:
            protocols = item.get("protocol", "oidc"), other.get("protocol", "oidc")
            if protocols[0] != protocols[1]:
                orp, nrp = (*orr, "protocol"), (*nrr, "protocol")
                d.value("client.protocol", join(p, "protocol"), *protocols, orp, nrp, owner=key)
                return
            d.fields(spec, p, item, other, orr, nrr, owner=key)

        d.members(
            ("client.removed", "client.added"),
            path,
            indexed(o, "id", required=False),
            indexed(n, "id", required=False),
            o_raw,
            n_raw,
            both,
            tag=lambda key: {"owner": key},
            select=True,
        )

    return compare


def named_sets(topic: str) -> FieldFn:
    """A map of names to sets where only names on both sides are compared (the names themselves
    come and go with another field, e.g. ``scope_claims`` with ``scopes``)."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        for name in o:
            if name in n:
                d.sets(
                    topic,
                    join(path, name),
                    o[name],
                    n[name],
                    (*o_raw, name),
                    (*n_raw, name),
                    owner=name,
                )

    return compare


def digest_map(topic: str) -> FieldFn:
    """A map of names to secret digests (local accounts): added, removed, changed."""
    return value_map(topic, "account")


def setting_map(topic: str) -> FieldFn:
    """A map of free-form settings (connector configuration): each key compared as a value."""
    return value_map(topic, "setting", lists_as_sets=True)


# --- a client's token settings, against what it inherits -----------------------------------------

# Where a client's token setting comes from when the client does not override it.
_INHERITED: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("refresh_token", "idle_lifetime"): (
        ("tokens", "refresh_token", "idle_lifetime"),
        ("sessions", "idle_timeout"),
    ),
    ("refresh_token", "absolute_lifetime"): (
        ("tokens", "refresh_token", "absolute_lifetime"),
        ("sessions", "absolute_timeout"),
    ),
}
CLIENT_TOKEN_VALUES = ("lifetime", "idle_lifetime", "absolute_lifetime", "sender_constraint")
CLIENT_TOKEN_SETS = ("signing_algorithms", "encryption_algorithms")


def inherited(norm: dict, kind: str, field: str) -> Any:
    """What a client gets for ``tokens.<kind>.<field>`` when it does not override it."""
    for where in _INHERITED.get((kind, field), (("tokens", kind, field),)):
        node: Any = norm
        for key in where:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return node
    if field == "signing_algorithms":
        alg = _dict(norm.get("server")).get("signing_algorithm")
        if alg and kind in ("access_token", "id_token", "refresh_token"):
            return [alg]
    if field == "sender_constraint":
        return "none"
    return None


def client_tokens(
    d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
) -> None:
    o, n = _dict(o), _dict(n)
    for kind in _names(o, n):
        ot, nt = _dict(o.get(kind)), _dict(n.get(kind))
        kp = join(path, kind)
        for field in CLIENT_TOKEN_VALUES + CLIENT_TOKEN_SETS:
            ov, nv = ot.get(field), nt.get(field)
            if ov == nv:
                continue
            o_eff = ov if ov is not None else inherited(d.on, kind, field)
            n_eff = nv if nv is not None else inherited(d.nn, kind, field)
            if field in CLIENT_TOKEN_SETS:
                o_eff = sorted(map(str, _list(o_eff))) or None
                n_eff = sorted(map(str, _list(n_eff))) or None
            if o_eff == n_eff:
                continue
            kind_word = "added" if o_eff is None else "removed" if n_eff is None else "changed"
            topic = (
                "client.token.algorithms" if field in CLIENT_TOKEN_SETS else f"client.token.{field}"
            )
            d.emit(
                topic,
                kind_word,
                join(kp, field),
                o_eff,
                n_eff,
                old_raw=(*o_raw, kind, field) if ov is not None else None,
                new_raw=(*n_raw, kind, field) if nv is not None else None,
                old_at=(*o_raw, kind, field),
                new_at=(*n_raw, kind, field),
                token=kind,
                field=field,
                inherited_old=ov is None,
                inherited_new=nv is None,
                **ctx,
            )


def client_credential(topic: str) -> FieldFn:
    """A client's authentication method or secret, compared only while the client stays what it
    was: a client turning public, confidential or bearer-only is one finding (its own rule),
    and a secret that goes with a changed authentication method is part of that change."""

    def compare(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        old_client, new_client = _parent(d.on, o_raw), _parent(d.nn, n_raw)
        for flag in ("public", "bearer_only"):
            if bool(old_client.get(flag)) != bool(new_client.get(flag)):
                return
        if o_raw[-1] == "secret" and old_client.get("authentication") != new_client.get(
            "authentication"
        ):
            return
        d.value(topic, path, o, n, o_raw, n_raw, field=o_raw[-1], **ctx)

    return compare


def _parent(norm: dict, raw: Raw) -> dict:
    node: Any = norm
    for key in raw[:-1]:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return {}
    return node if isinstance(node, dict) else {}


def upstream_grants(
    d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
) -> None:
    """The grants a connector allows; without a list of its own, every grant of the server that
    signs a user in (the server's grant changes are judged on their own)."""

    def effective(norm: dict, value: Any) -> list:
        if value is not None:
            return _list(value)
        return [g for g in _list(norm.get("grants")) if g != "client_credentials"]

    d.sets("upstream.grants", path, effective(d.on, o), effective(d.nn, n), o_raw, n_raw, **ctx)


# --- security schemes ---------------------------------------------------------------------------


def _definition(scheme: Any) -> Any:
    """A scheme without its prose, for rename pairing."""
    if not isinstance(scheme, dict):
        return scheme
    return {k: v for k, v in scheme.items() if k != "description"}


def security_schemes(
    d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
) -> None:
    o, n = _dict(o), _dict(n)
    removed = [s for s in o if s not in n]
    added = [s for s in n if s not in o]
    renames = pair_renames(removed, added, lambda a, b: _definition(o[a]) == _definition(n[b]))
    d.scheme_renames = renames
    for a, b in renames.items():
        d.emit(
            "scheme.renamed",
            "changed",
            join(path, a),
            a,
            b,
            old_raw=(*o_raw, a),
            new_raw=(*n_raw, b),
            owner=b,
        )
    old_used = _used_schemes(d.on)
    new_used = _used_schemes(d.nn)
    for name in removed:
        if name not in renames:
            d.removed(
                "scheme.removed",
                join(path, name),
                name,
                (*o_raw, name),
                n_raw,
                owner=name,
                used=name in old_used,
                type=_dict(o[name]).get("type"),
            )
    for name in added:
        if name not in renames.values():
            d.added(
                "scheme.added",
                join(path, name),
                name,
                (*n_raw, name),
                o_raw,
                owner=name,
                used=name in new_used,
                type=_dict(n[name]).get("type"),
            )
    for a, b in [(s, s) for s in o if s in n] + list(renames.items()):
        d.fields(
            SCHEME_FIELDS,
            join(path, b),
            o[a],
            n[b],
            (*o_raw, a),
            (*n_raw, b),
            owner=b,
            used=b in new_used or a in old_used,
        )


def _used_schemes(norm: dict) -> set[str]:
    used: set[str] = set()
    for ep in _dict(norm.get("endpoints")).values():
        for req in _list(_dict(ep).get("security")):
            used.update(str(k) for k in _dict(req))
    return used


def flows(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
    d.members(
        ("scheme.flow.removed", "scheme.flow.added"),
        path,
        members(o),
        members(n),
        o_raw,
        n_raw,
        lambda flow, *sides: d.fields(FLOW_FIELDS, *sides, flow=flow, **ctx),
        tag=lambda flow: {"flow": flow, **ctx},
        shown=lambda flow, _: flow,
    )


def flow_scopes(d: _Differ, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
    d.members(
        ("scheme.flow.scope", "scheme.flow.scope"),
        path,
        members(o),
        members(n),
        o_raw,
        n_raw,
        lambda scope, *sides: d.text(*sides, **ctx),
        tag=lambda scope: {"scope": scope, **ctx},
        shown=lambda scope, _: scope,
    )


def renamed_requirements(value: Any, renames: dict[str, str]) -> Any:
    """Security requirements with old scheme names replaced by their new names."""
    if not renames or not isinstance(value, list):
        return value
    return [
        {renames.get(k, k): v for k, v in req.items()} if isinstance(req, dict) else req
        for req in value
    ]


# --- the specs ----------------------------------------------------------------------------------

SCHEME_FIELDS: dict[str, _F] = {}
FLOW_FIELDS: dict[str, _F] = {}


def extend_fields(contract_fields: dict, idp_fields: dict, token_fields: dict) -> None:
    """Add the v1.1 fields to the differ's specs (called once by :mod:`workbench.engine.diff`)."""
    from workbench.engine.diff import _F, SKIP, TEXT, N, S, V

    def fn(compare: FieldFn) -> _F:
        return _F("fn", "fn", spec=compare)  # type: ignore[arg-type]

    FLOW_FIELDS.update(
        {
            "authorization_url": V("scheme.flow.url"),
            "token_url": V("scheme.flow.url"),
            "refresh_url": V("scheme.flow.url"),
            "device_authorization_url": V("scheme.flow.url"),
            "scopes": fn(flow_scopes),
        }
    )
    SCHEME_FIELDS.update(
        {
            "type": V("scheme.type"),
            "description": TEXT(),
            "in": V("scheme.location"),
            "name": V("scheme.parameter"),
            "scheme": V("scheme.http_scheme"),
            "bearer_format": V("scheme.bearer_format"),
            "open_id_connect_url": V("scheme.url"),
            "oauth2_metadata_url": V("scheme.url"),
            "deprecated": V("scheme.deprecated", False),
            "flows": fn(flows),
        }
    )
    idp_fields.update(
        {
            "endpoints": fn(url_map("idp.endpoint")),
            "mtls_endpoints": fn(url_map("idp.endpoint", mtls=True)),
            "scopes": S("idp.scopes"),
            "claims": S("idp.claims"),
            "acr_values": S("idp.acr_values"),
            "subject_types": S("idp.subject_types"),
            "algorithms": fn(family_sets("idp.algorithms")),
            "revocation_authentication": S("idp.endpoint_auth"),
            "introspection_authentication": S("idp.endpoint_auth"),
        }
    )
    token_fields.update(
        {
            "max_reuse": V("token.max_reuse", 0),
        }
    )
    client_pkce = {
        "required": V("client.pkce.required", False),
        "methods": S("client.pkce.methods"),
    }
    client_fields = {
        "name": TEXT(),
        "description": TEXT(),
        "enabled": V("client.enabled", True),
        "protocol": V("client.protocol", "oidc"),
        "public": V("client.public", False),
        "bearer_only": V("client.bearer_only", False),
        "authentication": fn(client_credential("client.authentication")),
        "secret": fn(client_credential("client.secret")),
        "grants": S("client.grants"),
        "pkce": N(client_pkce),
        "redirect_uris": fn(uri_set("client.redirect_uri")),
        "post_logout_redirect_uris": fn(uri_set("client.post_logout_redirect_uri")),
        "web_origins": fn(uri_set("client.web_origin")),
        "consent_required": V("client.consent_required", False),
        "full_scope": V("client.full_scope"),
        "default_scopes": S("client.default_scopes"),
        "optional_scopes": S("client.optional_scopes"),
        "claims": S("client.claims"),
        "audience": S("client.audience"),
        "subject_type": V("client.subject_type", "public"),
        "mfa": S("client.mfa"),
        "trusted_peers": S("client.trusted_peers"),
        "require_par": V("client.require_par", False),
        "roles": S("client.roles"),
        "settings": fn(setting_map("client.setting")),
        "tokens": fn(client_tokens),
    }
    upstream_fields = {
        "type": V("upstream.type"),
        "name": TEXT(),
        "enabled": V("upstream.enabled", True),
        "issuer": V("upstream.issuer"),
        "client_id": V("upstream.client_id"),
        "secret": V("upstream.secret"),
        "trust_email": V("upstream.trust_email", False),
        "grants": fn(upstream_grants),
        "accounts": fn(digest_map("upstream.account")),
        "settings": fn(setting_map("upstream.setting")),
    }
    server_fields: dict[str, _F] = {
        "realm": V("server.realm"),
        "ssl_required": V("server.ssl_required"),
        "signing_algorithm": V("server.signing_algorithm"),
        "password_policy": fn(setting_map("server.password_policy")),
        "lockout": fn(setting_map("server.lockout")),
        "other": fn(setting_map("server.other")),
        "password_grant_connector": V("server.password_grant_connector"),
        "cors_origins": fn(uri_set("server.cors_origin")),
        "key_rotation_period": V("key.rotation_period"),
        "auth_request_lifetime": V("server.lifetime"),
        "device_code_lifetime": V("server.lifetime"),
        "otp": N(
            {
                "type": V("server.otp"),
                "algorithm": V("server.otp"),
                "digits": V("server.otp"),
                "period": V("server.otp"),
                "look_ahead": V("server.otp"),
            }
        ),
        "webauthn": N(
            {
                "user_verification": V("server.webauthn"),
                "attestation": V("server.webauthn"),
                "attachment": V("server.webauthn"),
                "resident_key": V("server.webauthn"),
                "signature_algorithms": S("server.webauthn.algorithms"),
            }
        ),
    }
    for flag in SERVER_FLAGS:
        server_fields[flag] = V("server.flag")

    ordered = {}
    for key, spec in contract_fields.items():
        if key == "grants":
            ordered["artefact"] = SKIP
            ordered[key] = spec
            ordered["response_types"] = S("response_type")
            ordered["response_modes"] = S("response_mode")
            continue
        if key == "redirect_uris":
            ordered[key] = fn(uri_set("redirect_uri"))
            continue
        if key == "scopes":
            ordered[key] = spec
            ordered["scope_claims"] = fn(named_sets("scope.claims"))
            ordered["roles"] = S("role")
            ordered["default_roles"] = S("role.default")
            continue
        if key == "errors":
            ordered["server"] = N(server_fields)
            ordered["clients"] = fn(keyed_clients(client_fields))
            ordered["upstream_providers"] = fn(keyed("upstream", "id", upstream_fields))
            ordered["security_schemes"] = fn(security_schemes)
        ordered[key] = spec
    contract_fields.clear()
    contract_fields.update(ordered)


# Boolean server settings, each judged by the server-flag rule (see engine/rules/servers.py).
SERVER_FLAGS = (
    "brute_force_protection",
    "registration_allowed",
    "verify_email",
    "remember_me",
    "reset_password_allowed",
    "login_with_email",
    "request_parameter",
    "request_uri_parameter",
    "require_request_uri_registration",
    "claims_parameter",
    "require_pushed_authorization_requests",
    "require_signed_request_object",
    "authorization_response_iss_parameter",
    "tls_client_certificate_bound_access_tokens",
    "frontchannel_logout",
    "backchannel_logout",
    "skip_approval_screen",
    "always_show_login_screen",
    "password_db",
    "events",
    "admin_events",
    "duplicate_emails_allowed",
    "edit_username_allowed",
)
