"""Dex configuration files (YAML).

Defaults applied when a field is absent, as of Dex v2.43 (``server.go``, ``cmd/dex/config.go``):

- ``oauth2.responseTypes``: ``[code]``. The grants Dex offers are ``authorization_code``,
  ``refresh_token``, device code, token exchange and ``client_credentials``, plus ``implicit``
  when a response type returns a token from the authorization endpoint and ``password`` when a
  ``passwordConnector`` is set; ``oauth2.grantTypes`` narrows that list (names Dex does not
  support are ignored, as Dex ignores them).
- ``oauth2.pkce``: not enforced, methods ``S256`` and ``plain``.
- ``expiry``: ID tokens (and the access tokens Dex issues with them) 24 h, signing keys rotated
  every 6 h, authorization requests 24 h, device requests 5 min.
- ``expiry.refreshTokens``: rotation on, reuse interval 0, and no idle or absolute limit.
- ``sessions`` (when present): absolute lifetime 24 h, idle 1 h.

Durations use Go's syntax (``90m``, ``2160h``, ``1h30m``, ``500ms``); sub-second remainders round
up to whole seconds. Secrets (``secret``, ``clientSecret``, ``bindPW``, password ``hash``es,
``cookieEncryptionKey``) appear only as digests; ``secretEnv`` becomes an ``env:`` reference.
"""

from __future__ import annotations

import math
import re
from typing import Any

from workbench.contract.errors import ContractError
from workbench.contract.model import Contract
from workbench.sources.base import Builder, as_bool, digest, is_secret_key, problem
from workbench.sources.discovery import GRANT_NAMES, response_type
from workbench.sources.kinds import slug

SUPPORTED_GRANTS = (
    "authorization_code",
    "refresh_token",
    "device_code",
    "token_exchange",
    "client_credentials",
)
DEFAULTS = {
    "idTokens": 24 * 3600,
    "signingKeys": 6 * 3600,
    "authRequests": 24 * 3600,
    "deviceRequests": 5 * 60,
}
MFA_TYPES = {"totp": "totp", "webauthn": "webauthn"}

_GO = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration(value: Any) -> int | None:
    """Seconds of a Go duration (``"1h30m"``, ``"2160h"``, ``"500ms"``), ``None`` if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in ("0", ""):
        return 0 if text == "0" else None
    pos, total = 0, 0.0
    for m in _GO.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        return None
    return math.ceil(total - 1e-9)


class _Dex:
    def __init__(self, b: Builder, source: str):
        self.b = b
        self.source = source
        self.d: dict = b.doc.data

    def duration(self, src: tuple, default: int | None) -> int | None:
        value = self.b.get(src)
        if value is None:
            return default
        seconds = go_duration(value)
        if seconds is None:
            raise problem(
                self.b,
                self.source,
                src,
                f"{value!r} is not a Go duration (for example 10m, 24h, 1h30m)",
            )
        return seconds


def read(b: Builder, source: str, text: str, contract_id: str | None) -> Contract:
    d = b.doc.data
    if not isinstance(d, dict):
        raise problem(b, source, (), "a Dex configuration is a mapping of settings")
    issuer = d.get("issuer")
    if not isinstance(issuer, str) or "://" not in issuer:
        raise problem(
            b,
            source,
            ("issuer",) if "issuer" in d else (),
            "no issuer URL: Dex needs one to sign tokens",
        )
    D = _Dex(b, source)
    oauth2 = d.get("oauth2") if isinstance(d.get("oauth2"), dict) else {}
    data: dict[str, Any] = {
        "format": 1.1,
        "contract": contract_id or slug(issuer.split("://", 1)[1].rstrip("/"), "dex"),
        "title": "Dex configuration",
        "status": "active",
        "artefact": {"kind": "dex-config"},
        "identity_providers": [{"id": "dex", "issuer": issuer, "protocols": ["oidc", "oauth2"]}],
    }
    b.at(("identity_providers", 0), ())
    b.at(("identity_providers", 0, "issuer"), ("issuer",))

    # --- response types and grants --------------------------------------------------------
    if "responseTypes" in oauth2:
        raw = b.strings(("response_types",), ("oauth2", "responseTypes"))
        types = []
        for value in raw:
            norm = response_type(value)
            if norm and norm not in types:
                types.append(norm)
    else:
        types = ["code"]
    data["response_types"] = types
    password_connector = oauth2.get("passwordConnector")
    offered = list(SUPPORTED_GRANTS)
    if any("token" in t.split() for t in types):
        offered.append("implicit")
    if isinstance(password_connector, str) and password_connector:
        offered.append("password")
    if isinstance(oauth2.get("grantTypes"), list):
        listed = [GRANT_NAMES.get(str(g), str(g)) for g in oauth2["grantTypes"]]
        grants = [g for g in offered if g in listed]
        b.at(("grants",), ("oauth2", "grantTypes"))
        for n, grant in enumerate(grants):
            for i, g in enumerate(oauth2["grantTypes"]):
                if GRANT_NAMES.get(str(g), str(g)) == grant:
                    b.at(("grants", n), ("oauth2", "grantTypes", i))
    else:
        grants = offered
        where = ("oauth2",) if "oauth2" in d else ("issuer",)
        b.at(("grants",), where)
        for n, grant in enumerate(grants):
            if grant == "implicit" and "responseTypes" in oauth2:
                b.at(("grants", n), ("oauth2", "responseTypes"))
            elif grant == "password":
                b.at(("grants", n), ("oauth2", "passwordConnector"))
            else:
                b.at(("grants", n), where)
    data["grants"] = grants

    pkce_raw = oauth2.get("pkce") if isinstance(oauth2.get("pkce"), dict) else {}
    methods = pkce_raw.get("codeChallengeMethodsSupported")
    data["pkce"] = {
        "required": as_bool(pkce_raw.get("enforce"), False),
        "methods": [str(m) for m in methods if m in ("S256", "plain")]
        if isinstance(methods, list) and methods
        else ["S256", "plain"],
    }
    if pkce_raw:
        b.at(("pkce",), ("oauth2", "pkce"))
        if "enforce" in pkce_raw:
            b.at(("pkce", "required"), ("oauth2", "pkce", "enforce"))
        if isinstance(methods, list):
            b.strings(("pkce", "methods"), ("oauth2", "pkce", "codeChallengeMethodsSupported"))

    clients, public_clients = _clients(D)
    data["client_authentication"] = ["client_secret_basic", "client_secret_post"] + (
        ["none"] if public_clients else []
    )

    # --- tokens ------------------------------------------------------------------------------
    tokens: dict[str, Any] = {
        "id_token": {
            "format": "jwt",
            "lifetime": D.duration(("expiry", "idTokens"), DEFAULTS["idTokens"]),
        },
    }
    b.at(("tokens", "id_token", "lifetime"), ("expiry", "idTokens"))
    refresh_src = ("expiry", "refreshTokens")
    refresh: dict[str, Any] = {
        "format": "opaque",
        "rotation": not as_bool(b.get((*refresh_src, "disableRotation")), False),
        "reuse_grace": D.duration((*refresh_src, "reuseInterval"), 0) or 0,
    }
    b.at(("tokens", "refresh_token", "rotation"), (*refresh_src, "disableRotation"))
    b.at(("tokens", "refresh_token", "reuse_grace"), (*refresh_src, "reuseInterval"))
    for key, field in (
        ("validIfNotUsedFor", "idle_lifetime"),
        ("absoluteLifetime", "absolute_lifetime"),
    ):
        seconds = D.duration((*refresh_src, key), None)
        if seconds:  # 0 or absent: no limit
            refresh[field] = seconds
            b.at(("tokens", "refresh_token", field), (*refresh_src, key))
    tokens["refresh_token"] = refresh
    data["tokens"] = tokens

    sessions_raw = d.get("sessions")
    if isinstance(sessions_raw, dict):
        sessions: dict[str, Any] = {
            "idle_timeout": D.duration(("sessions", "validIfNotUsedFor"), 3600),
            "absolute_timeout": D.duration(("sessions", "absoluteLifetime"), 24 * 3600),
            "cookie": {"name": str(sessions_raw.get("cookieName") or "dex_session")},
        }
        b.at(("sessions",), ("sessions",))
        b.at(("sessions", "idle_timeout"), ("sessions", "validIfNotUsedFor"))
        b.at(("sessions", "absolute_timeout"), ("sessions", "absoluteLifetime"))
        b.at(("sessions", "cookie", "name"), ("sessions", "cookieName"))
        data["sessions"] = sessions

    mfa = _mfa(D, clients)
    if mfa:
        data["mfa"] = mfa

    # --- server settings -------------------------------------------------------------------
    server: dict[str, Any] = {
        "skip_approval_screen": as_bool(oauth2.get("skipApprovalScreen"), False),
        "always_show_login_screen": as_bool(oauth2.get("alwaysShowLoginScreen"), False),
        "password_db": as_bool(d.get("enablePasswordDB"), False),
        "key_rotation_period": D.duration(("expiry", "signingKeys"), DEFAULTS["signingKeys"]),
        "auth_request_lifetime": D.duration(("expiry", "authRequests"), DEFAULTS["authRequests"]),
        "device_code_lifetime": D.duration(
            ("expiry", "deviceRequests"), DEFAULTS["deviceRequests"]
        ),
    }
    if isinstance(password_connector, str) and password_connector:
        server["password_grant_connector"] = password_connector
        b.at(("server", "password_grant_connector"), ("oauth2", "passwordConnector"))
    for field, src in (
        ("skip_approval_screen", ("oauth2", "skipApprovalScreen")),
        ("always_show_login_screen", ("oauth2", "alwaysShowLoginScreen")),
        ("password_db", ("enablePasswordDB",)),
        ("key_rotation_period", ("expiry", "signingKeys")),
        ("auth_request_lifetime", ("expiry", "authRequests")),
        ("device_code_lifetime", ("expiry", "deviceRequests")),
    ):
        b.at(("server", field), src)
    web = d.get("web") if isinstance(d.get("web"), dict) else {}
    if isinstance(web.get("allowedOrigins"), list):
        server["cors_origins"] = b.strings(("server", "cors_origins"), ("web", "allowedOrigins"))
    data["server"] = server

    upstream = _connectors(D, grants)
    local = _password_db(D)
    if local is not None:
        upstream.append(local)
    if upstream:
        data["upstream_providers"] = upstream
    if clients:
        data["clients"] = clients
        b.at(("clients",), ("staticClients",))
    return b.contract(source, text, data)


def _clients(D: _Dex) -> tuple[list[dict[str, Any]], bool]:
    b = D.b
    raw = D.d.get("staticClients")
    out: list[dict[str, Any]] = []
    any_public = False
    if not isinstance(raw, list):
        return out, any_public
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            continue
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            env = c.get("idEnv")
            if isinstance(env, str) and env:
                cid = f"env:{env}"
            else:
                raise problem(b, D.source, ("staticClients", i), "a static client needs an id")
        src, at = ("staticClients", i), ("clients", len(out))
        b.at(at, src)
        b.key_at(at, (*src, "id"))
        b.at((*at, "id"), (*src, "id"))
        public = as_bool(c.get("public"), False)
        any_public = any_public or bool(public)
        client: dict[str, Any] = {"id": cid}
        if isinstance(c.get("name"), str) and c["name"]:
            client["name"] = c["name"]
            b.at((*at, "name"), (*src, "name"))
        client["public"] = public
        b.at((*at, "public"), (*src, "public"))
        client["authentication"] = "none" if public else "client_secret_basic"
        if not public:
            secret = digest(c.get("secret"))
            if secret is None and isinstance(c.get("secretEnv"), str):
                secret = f"env:{c['secretEnv']}"
            if secret is not None:
                client["secret"] = secret
                b.at((*at, "secret"), (*src, "secret") if "secret" in c else (*src, "secretEnv"))
        client["redirect_uris"] = b.strings((*at, "redirect_uris"), (*src, "redirectURIs"))
        if isinstance(c.get("trustedPeers"), list):
            client["trusted_peers"] = b.strings((*at, "trusted_peers"), (*src, "trustedPeers"))
        if isinstance(c.get("mfaChain"), list):
            client["mfa"] = b.strings((*at, "mfa"), (*src, "mfaChain"))
        out.append(client)
    return out, any_public


def _mfa(D: _Dex, clients: list[dict[str, Any]]) -> dict[str, Any]:
    raw = D.d.get("mfa")
    if not isinstance(raw, dict):
        return {}
    b = D.b
    methods: list[str] = []
    for i, auth in enumerate(raw.get("authenticators") or []):
        if isinstance(auth, dict):
            kind = MFA_TYPES.get(str(auth.get("type", "")).lower())
            if kind and kind not in methods:
                b.at(("mfa", "methods", len(methods)), ("mfa", "authenticators", i))
                methods.append(kind)
    chain = raw.get("defaultMFAChain")
    mfa: dict[str, Any] = {
        "required": bool(chain) if isinstance(chain, list) else False,
        "methods": methods,
    }
    b.at(("mfa",), ("mfa",))
    b.at(("mfa", "required"), ("mfa", "defaultMFAChain"))
    return mfa


def _connectors(D: _Dex, grants: list[str]) -> list[dict[str, Any]]:
    b = D.b
    out: list[dict[str, Any]] = []
    user_grants = [g for g in grants if g != "client_credentials"]
    raw = D.d.get("connectors")
    if not isinstance(raw, list):
        return out
    for i, conn in enumerate(raw):
        if not isinstance(conn, dict):
            continue
        cid = conn.get("id")
        if not isinstance(cid, str) or not cid:
            raise problem(b, D.source, ("connectors", i), "a connector needs an id")
        src, at = ("connectors", i), ("upstream_providers", len(out))
        b.at(at, src)
        b.key_at(at, (*src, "id"))
        b.at((*at, "id"), (*src, "id"))
        entry: dict[str, Any] = {"id": cid, "type": str(conn.get("type") or "")}
        b.at((*at, "type"), (*src, "type"))
        if isinstance(conn.get("name"), str) and conn["name"]:
            entry["name"] = conn["name"]
            b.at((*at, "name"), (*src, "name"))
        config = conn.get("config") if isinstance(conn.get("config"), dict) else {}
        if isinstance(config.get("issuer"), str) and "://" in config["issuer"]:
            entry["issuer"] = config["issuer"]
            b.at((*at, "issuer"), (*src, "config", "issuer"))
        if isinstance(config.get("clientID"), str):
            entry["client_id"] = config["clientID"]
            b.at((*at, "client_id"), (*src, "config", "clientID"))
        secret = digest(config.get("clientSecret"))
        if secret:
            entry["secret"] = secret
            b.at((*at, "secret"), (*src, "config", "clientSecret"))
        if isinstance(conn.get("grantTypes"), list):
            listed = [GRANT_NAMES.get(str(g), str(g)) for g in conn["grantTypes"]]
            entry["grants"] = [g for g in user_grants if g in listed]
            b.at((*at, "grants"), (*src, "grantTypes"))
        settings: dict[str, Any] = {}
        for key, value, where in _flatten(config, ()):
            if key in ("issuer", "clientID", "clientSecret"):
                continue
            if is_secret_key(where[-1], None):
                value = digest(value) if isinstance(value, str) else None
                if value is None:
                    continue
            if isinstance(value, bool | int | str):
                settings[key] = value
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                settings[key] = list(dict.fromkeys(value))
            else:
                continue
            b.at((*at, "settings", key), (*src, "config", *where))
        if settings:
            entry["settings"] = settings
            b.at((*at, "settings"), (*src, "config"))
        out.append(entry)
    return out


def _flatten(config: dict, prefix: tuple) -> list[tuple[str, Any, tuple]]:
    """Connector settings as dotted keys (``userSearch.baseDN``), sorted."""
    out: list[tuple[str, Any, tuple]] = []
    for key in sorted(config, key=str):
        value = config[key]
        where = (*prefix, key)
        if isinstance(value, dict):
            out.extend(_flatten(value, where))
        else:
            out.append((".".join(map(str, where)), value, where))
    return out


def _password_db(D: _Dex) -> dict[str, Any] | None:
    b = D.b
    enabled = as_bool(D.d.get("enablePasswordDB"), False)
    raw = D.d.get("staticPasswords")
    if not enabled and not isinstance(raw, list):
        return None
    at = (
        "upstream_providers",
        len(D.d.get("connectors") or []) if isinstance(D.d.get("connectors"), list) else 0,
    )
    entry: dict[str, Any] = {"id": "local", "type": "password-db", "enabled": bool(enabled)}
    b.at(at, ("enablePasswordDB",) if "enablePasswordDB" in D.d else ("staticPasswords",))
    b.at((*at, "enabled"), ("enablePasswordDB",))
    accounts: dict[str, str] = {}
    for i, user in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(user, dict):
            continue
        name = user.get("email") or user.get("username")
        if not isinstance(name, str) or not name:
            continue
        hashed = digest(user.get("hash"))
        if hashed is None and isinstance(user.get("hashFromEnv"), str):
            hashed = f"env:{user['hashFromEnv']}"
        if hashed is None:
            raise problem(
                b, D.source, ("staticPasswords", i), f"static password {name!r} has no hash"
            )
        accounts[name] = hashed
        b.at((*at, "accounts", name), ("staticPasswords", i))
        b.key_at((*at, "accounts", name), ("staticPasswords", i))
    entry["accounts"] = accounts
    return entry


__all__ = ["ContractError", "go_duration", "read"]
