"""Keycloak realm exports (JSON, ``RealmRepresentation``).

Exports are noisy: internal ``id``s regenerate on every export, arrays come back in another
order, and defaults appear or disappear between Keycloak versions. The reader therefore keys
everything by its natural key (``clientId``, scope ``name``, broker ``alias``), compares lists
as sets, ignores ids, and applies the defaults Keycloak applies when a field is absent (as of
Keycloak 24-26):

- realm: access token lifespan 5 min (15 min for the implicit flow), authorization code 60 s,
  SSO session idle 30 min and max 10 h, offline session idle 30 days with no maximum unless
  enabled (then 60 days), refresh token revocation off (reuse 0), SSL required for external
  requests, brute-force protection off, registration off, RS256 as the default signature
  algorithm, TOTP with HmacSHA1, 6 digits and 30 s, WebAuthn with ES256 and RS256;
- client: enabled, confidential, standard flow on and every other flow off, refresh tokens on,
  full scope allowed, consent not required; PKCE not enforced (then both S256 and plain are
  accepted); no post-logout redirect URIs unless listed (``+`` means the redirect URIs).

Effective values: relative redirect URIs resolve against the client's ``rootUrl``; ``+`` in
web origins means the origins of the redirect URIs; a client's token settings are written only
where they differ from what it inherits from the realm (an explicit override equal to the realm
value is no override), and a client session idle or max longer than the realm's SSO session is
capped by it, as Keycloak does. Client secrets never reach the model: exports mask them
(``**********``); then the secret's creation time stands in for it, so a regenerated secret
still reads as changed.

Multi-factor authentication comes from the browser flow: an OTP or WebAuthn step that is
REQUIRED all the way up makes MFA required; a conditional one makes it available (required for
everyone only when ``CONFIGURE_TOTP`` is a default required action).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from workbench.contract.model import Contract
from workbench.sources.base import Builder, as_bool, as_int, digest, is_secret_key, problem
from workbench.sources.kinds import slug

REALM_DEFAULTS: dict[str, Any] = {
    "accessTokenLifespan": 300,
    "accessTokenLifespanForImplicitFlow": 900,
    "accessCodeLifespan": 60,
    "ssoSessionIdleTimeout": 1800,
    "ssoSessionMaxLifespan": 36000,
    "offlineSessionIdleTimeout": 2592000,
    "offlineSessionMaxLifespanEnabled": False,
    "offlineSessionMaxLifespan": 5184000,
    "clientSessionIdleTimeout": 0,
    "clientSessionMaxLifespan": 0,
    "revokeRefreshToken": False,
    "refreshTokenMaxReuse": 0,
    "sslRequired": "external",
    "bruteForceProtected": False,
    "registrationAllowed": False,
    "verifyEmail": False,
    "rememberMe": False,
    "resetPasswordAllowed": False,
    "loginWithEmailAllowed": True,
    "eventsEnabled": False,
    "adminEventsEnabled": False,
    "duplicateEmailsAllowed": False,
    "editUsernameAllowed": False,
    "permanentLockout": False,
    "failureFactor": 30,
    "waitIncrementSeconds": 60,
    "maxFailureWaitSeconds": 900,
    "defaultSignatureAlgorithm": "RS256",
    "otpPolicyType": "totp",
    "otpPolicyAlgorithm": "HmacSHA1",
    "otpPolicyDigits": 6,
    "otpPolicyPeriod": 30,
    "otpPolicyLookAheadWindow": 1,
    "webAuthnPolicySignatureAlgorithms": ["ES256", "RS256"],
    "webAuthnPolicyUserVerificationRequirement": "not specified",
    "webAuthnPolicyAttestationConveyancePreference": "not specified",
    "webAuthnPolicyAuthenticatorAttachment": "not specified",
    "webAuthnPolicyRequireResidentKey": "not specified",
    "oauth2DeviceCodeLifespan": 600,
    "browserFlow": "browser",
}

# The realm's token lifetimes: the token, its format and the realm setting that sets it.
REALM_LIFETIMES = (
    ("access_token", "jwt", "accessTokenLifespan"),
    ("implicit_access_token", "jwt", "accessTokenLifespanForImplicitFlow"),
    ("authorization_code", "opaque", "accessCodeLifespan"),
)

SERVER_FLAGS = (
    ("eventsEnabled", "events"),
    ("adminEventsEnabled", "admin_events"),
    ("duplicateEmailsAllowed", "duplicate_emails_allowed"),
    ("editUsernameAllowed", "edit_username_allowed"),
    ("bruteForceProtected", "brute_force_protection"),
    ("registrationAllowed", "registration_allowed"),
    ("verifyEmail", "verify_email"),
    ("rememberMe", "remember_me"),
    ("resetPasswordAllowed", "reset_password_allowed"),
    ("loginWithEmailAllowed", "login_with_email"),
)

AUTHENTICATORS = {
    "client-secret": "client_secret_basic",
    "client-jwt": "private_key_jwt",
    "client-secret-jwt": "client_secret_jwt",
    "client-x509": "tls_client_auth",
}

# Mappers that write a fixed claim (no claim.name in their config).
MAPPER_CLAIMS = {
    "oidc-full-name-mapper": "name",
    "oidc-address-mapper": "address",
    "oidc-allowed-origins-mapper": "allowed-origins",
    "oidc-acr-mapper": "acr",
    "oidc-sub-mapper": "sub",
    "oidc-amr-mapper": "amr",
    "oidc-auth-time-mapper": "auth_time",
    "oidc-nonce-backwards-compatible-mapper": "nonce",
    "oidc-session-state-mapper": "session_state",
    "oidc-usermodel-realm-role-mapper": "realm_access.roles",
    "oidc-usermodel-client-role-mapper": "resource_access.${client_id}.roles",
}
MFA_AUTHENTICATORS = {
    "auth-otp-form": "otp",
    "webauthn-authenticator": "webauthn",
    "webauthn-authenticator-passwordless": "passkey",
    "auth-recovery-authn-code-form": "recovery_code",
}

# Keycloak's own browser flow when an export has none: conditional OTP.
DEFAULT_BROWSER_MFA = (["otp"], False)


class _Realm:
    def __init__(self, b: Builder, source: str):
        self.b = b
        self.source = source
        self.r: dict = b.doc.data

    def value(self, key: str) -> Any:
        v = self.r.get(key)
        return REALM_DEFAULTS.get(key) if v is None else v

    def put(self, node: dict, out: tuple, key: str, value: Any, src_key: str | None) -> None:
        node[key] = value
        if src_key is not None and src_key in self.r:
            self.b.at((*out, key), (src_key,))

    def seconds(self, key: str) -> int | None:
        return as_int(self.value(key))


def read(b: Builder, source: str, text: str, contract_id: str | None) -> Contract:
    realm = b.doc.data
    if not isinstance(realm, dict) or not isinstance(realm.get("realm"), str):
        raise problem(b, source, (), "a Keycloak realm export is an object with a 'realm' name")
    R = _Realm(b, source)
    name = realm["realm"]
    data: dict[str, Any] = {
        "format": 1.1,
        "contract": contract_id or slug(name, "realm"),
        "title": str(realm.get("displayName") or name),
        "status": "active" if realm.get("enabled", True) is not False else "retired",
        "artefact": {"kind": "keycloak-realm", "name": name},
    }
    b.at(("title",), ("displayName",) if "displayName" in realm else ("realm",))
    b.at(("artefact", "name"), ("realm",))

    attributes = realm.get("attributes") if isinstance(realm.get("attributes"), dict) else {}
    frontend = attributes.get("frontendUrl")
    if isinstance(frontend, str) and "://" in frontend:
        data["identity_providers"] = [
            {
                "id": "keycloak",
                "issuer": f"{frontend.rstrip('/')}/realms/{name}",
                "protocols": ["oidc", "oauth2", "saml"],
            }
        ]
        b.at(("identity_providers", 0, "issuer"), ("attributes", "frontendUrl"))

    clients_raw = realm.get("clients") if isinstance(realm.get("clients"), list) else []
    clients: list[dict[str, Any]] = []
    for i, c in enumerate(clients_raw):
        if _is_client(c):
            clients.append(_client(R, ("clients", i), ("clients", len(clients)), c))

    # --- tokens and sessions ------------------------------------------------------------
    tokens: dict[str, Any] = {}
    for kind, token_format, setting in REALM_LIFETIMES:
        token: dict[str, Any] = {"format": token_format}
        R.put(token, ("tokens", kind), "lifetime", R.seconds(setting), setting)
        tokens[kind] = token

    refresh: dict[str, Any] = {"format": "opaque"}
    rotation = as_bool(R.value("revokeRefreshToken"), False)
    R.put(refresh, ("tokens", "refresh_token"), "rotation", rotation, "revokeRefreshToken")
    if rotation:
        R.put(
            refresh,
            ("tokens", "refresh_token"),
            "max_reuse",
            as_int(R.value("refreshTokenMaxReuse"), 0),
            "refreshTokenMaxReuse",
        )
    sso_idle, sso_max = R.seconds("ssoSessionIdleTimeout"), R.seconds("ssoSessionMaxLifespan")
    client_idle, client_max = (
        R.seconds("clientSessionIdleTimeout"),
        R.seconds("clientSessionMaxLifespan"),
    )
    if client_idle:
        R.put(
            refresh,
            ("tokens", "refresh_token"),
            "idle_lifetime",
            min(client_idle, sso_idle or client_idle),
            "clientSessionIdleTimeout",
        )
    if client_max:
        R.put(
            refresh,
            ("tokens", "refresh_token"),
            "absolute_lifetime",
            min(client_max, sso_max or client_max),
            "clientSessionMaxLifespan",
        )
    tokens["refresh_token"] = refresh

    offline: dict[str, Any] = {"format": "opaque"}
    R.put(
        offline,
        ("tokens", "offline_refresh_token"),
        "idle_lifetime",
        R.seconds("offlineSessionIdleTimeout"),
        "offlineSessionIdleTimeout",
    )
    if as_bool(R.value("offlineSessionMaxLifespanEnabled"), False):
        R.put(
            offline,
            ("tokens", "offline_refresh_token"),
            "absolute_lifetime",
            R.seconds("offlineSessionMaxLifespan"),
            "offlineSessionMaxLifespan",
        )
    tokens["offline_refresh_token"] = offline
    data["tokens"] = tokens

    sessions: dict[str, Any] = {}
    R.put(sessions, ("sessions",), "idle_timeout", sso_idle, "ssoSessionIdleTimeout")
    R.put(sessions, ("sessions",), "absolute_timeout", sso_max, "ssoSessionMaxLifespan")
    data["sessions"] = sessions

    # --- MFA ---------------------------------------------------------------------------
    methods, required, where = _browser_mfa(R)
    otp_type = str(R.value("otpPolicyType"))
    named = sorted({otp_type if m == "otp" else m for m in methods})
    data["mfa"] = {"required": required, "methods": named}
    flows_src = ("authenticationFlows",) if "authenticationFlows" in realm else ()
    b.at(("mfa",), where.get("flow", flows_src))
    b.at(("mfa", "required"), where.get("flow", flows_src))
    for k, method in enumerate(named):
        b.at(("mfa", "methods", k), where.get("otp" if method == otp_type else method, flows_src))

    # --- server settings ---------------------------------------------------------------
    server: dict[str, Any] = {"realm": name}
    b.at(("server", "realm"), ("realm",))
    ssl = str(R.value("sslRequired")).lower()
    R.put(
        server,
        ("server",),
        "ssl_required",
        ssl if ssl in ("none", "external", "all") else "external",
        "sslRequired",
    )
    R.put(
        server,
        ("server",),
        "signing_algorithm",
        str(R.value("defaultSignatureAlgorithm")),
        "defaultSignatureAlgorithm",
    )
    for key, flag in SERVER_FLAGS:
        R.put(server, ("server",), flag, as_bool(R.value(key), False), key)
    # the lockout settings (they act only while brute-force protection is on)
    lockout = {}
    for key, field in (
        ("failureFactor", "max_failures"),
        ("permanentLockout", "permanent"),
        ("waitIncrementSeconds", "wait_increment"),
        ("maxFailureWaitSeconds", "max_wait"),
    ):
        value = R.value(key)
        lockout[field] = as_bool(value, False) if field == "permanent" else as_int(value, 0)
        if key in realm:
            b.at(("server", "lockout", field), (key,))
    server["lockout"] = lockout
    policy = _password_policy(realm.get("passwordPolicy"))
    if policy:
        server["password_policy"] = policy
        b.at(("server", "password_policy"), ("passwordPolicy",))
    R.put(
        server,
        ("server",),
        "device_code_lifetime",
        R.seconds("oauth2DeviceCodeLifespan"),
        "oauth2DeviceCodeLifespan",
    )
    otp = {
        "type": otp_type,
        "algorithm": str(R.value("otpPolicyAlgorithm")),
        "digits": as_int(R.value("otpPolicyDigits"), 6),
        "period": as_int(R.value("otpPolicyPeriod"), 30),
        "look_ahead": as_int(R.value("otpPolicyLookAheadWindow"), 1),
    }
    for key, src in (
        ("type", "otpPolicyType"),
        ("algorithm", "otpPolicyAlgorithm"),
        ("digits", "otpPolicyDigits"),
        ("period", "otpPolicyPeriod"),
        ("look_ahead", "otpPolicyLookAheadWindow"),
    ):
        if src in realm:
            b.at(("server", "otp", key), (src,))
    server["otp"] = otp
    algs = R.value("webAuthnPolicySignatureAlgorithms")
    webauthn = {
        "user_verification": str(R.value("webAuthnPolicyUserVerificationRequirement")),
        "attestation": str(R.value("webAuthnPolicyAttestationConveyancePreference")),
        "attachment": str(R.value("webAuthnPolicyAuthenticatorAttachment")),
        "resident_key": str(R.value("webAuthnPolicyRequireResidentKey")),
        "signature_algorithms": sorted({str(a) for a in algs}) if isinstance(algs, list) else [],
    }
    for key, src in (
        ("user_verification", "webAuthnPolicyUserVerificationRequirement"),
        ("attestation", "webAuthnPolicyAttestationConveyancePreference"),
        ("attachment", "webAuthnPolicyAuthenticatorAttachment"),
        ("resident_key", "webAuthnPolicyRequireResidentKey"),
        ("signature_algorithms", "webAuthnPolicySignatureAlgorithms"),
    ):
        if src in realm:
            b.at(("server", "webauthn", key), (src,))
    server["webauthn"] = webauthn
    other = _realm_other(R)
    if other:
        server["other"] = other
    data["server"] = server

    # --- scopes, brokers, clients ---------------------------------------------------------
    scopes, scope_claims = _client_scopes(R)
    if scopes:
        data["scopes"] = scopes
        data["scope_claims"] = scope_claims
    roles, default_roles = _roles(R)
    if roles is not None:
        data["roles"] = roles
    if default_roles is not None:
        data["default_roles"] = default_roles
    upstream = _brokers(R) + _federation(R)
    if upstream:
        data["upstream_providers"] = upstream
    if clients:
        data["clients"] = clients
        b.at(("clients",), ("clients",))
    return b.contract(source, text, data)


def _is_client(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("clientId"), str)


# --- clients ------------------------------------------------------------------------------------


def _attr(client: dict, key: str) -> Any:
    attributes = client.get("attributes")
    return attributes.get(key) if isinstance(attributes, dict) else None


def _client(R: _Realm, src: tuple, at: tuple, c: dict) -> dict[str, Any]:
    b = R.b
    out: dict[str, Any] = {"id": c["clientId"]}
    for key in ("name", "description"):
        if isinstance(c.get(key), str) and c[key]:
            out[key] = c[key]
    out["enabled"] = as_bool(c.get("enabled"), True)
    protocol = "saml" if c.get("protocol") == "saml" else "oidc"
    out["protocol"] = protocol
    public = as_bool(c.get("publicClient"), False)
    bearer_only = as_bool(c.get("bearerOnly"), False)
    out["public"] = public
    if bearer_only:
        out["bearer_only"] = True
    if protocol == "oidc":
        if public:
            out["authentication"] = "none"
        else:
            kind = str(c.get("clientAuthenticatorType") or "client-secret")
            out["authentication"] = AUTHENTICATORS.get(
                kind, slug(kind, "client-secret").replace("-", "_")
            )
            if kind in ("client-secret", "client-secret-jwt"):
                secret = digest(c.get("secret"))
                if secret == "masked":
                    created = _attr(c, "client.secret.creation.time")
                    secret = digest(f"keycloak-secret-created:{created}") if created else "masked"
                if secret is not None:
                    out["secret"] = secret
    # flows
    grants: list[str] = []  # as configured; a bearer-only client uses none of them
    if protocol == "oidc":
        if as_bool(c.get("standardFlowEnabled"), True):
            grants.append("authorization_code")
        if as_bool(c.get("implicitFlowEnabled"), False):
            grants.append("implicit")
        if as_bool(c.get("directAccessGrantsEnabled"), False):
            grants.append("password")
        if as_bool(c.get("serviceAccountsEnabled"), False) and not public:
            grants.append("client_credentials")
        if as_bool(_attr(c, "oauth2.device.authorization.grant.enabled"), False):
            grants.append("device_code")
        if as_bool(_attr(c, "oidc.ciba.grant.enabled"), False):
            grants.append("ciba")
        if as_bool(_attr(c, "standard.token.exchange.enabled"), False):
            grants.append("token_exchange")
        refreshing = {"authorization_code", "password", "device_code", "ciba"} & set(grants)
        if as_bool(_attr(c, "use.refresh.tokens"), True) and (
            refreshing
            or (
                "client_credentials" in grants
                and as_bool(_attr(c, "client_credentials.use_refresh_token"), False)
            )
        ):
            grants.append("refresh_token")
    out["grants"] = grants
    if "authorization_code" in grants:
        method = _attr(c, "pkce.code.challenge.method")
        if method in ("S256", "plain"):
            out["pkce"] = {"required": True, "methods": [method]}
        else:
            out["pkce"] = {"required": False, "methods": ["S256", "plain"]}
    root = c.get("rootUrl") if isinstance(c.get("rootUrl"), str) else ""
    redirects = _uris(c.get("redirectUris"), root)
    if protocol == "oidc" or redirects:
        out["redirect_uris"] = redirects
    post_logout = _attr(c, "post.logout.redirect.uris")
    if isinstance(post_logout, str) and post_logout.strip():
        listed = [p for p in post_logout.split("##") if p]
        expanded: list[str] = []
        for p in listed:
            for uri in redirects if p == "+" else [_resolve(p, root)]:
                if uri not in expanded:
                    expanded.append(uri)
        out["post_logout_redirect_uris"] = expanded
    elif protocol == "oidc" and grants:
        out["post_logout_redirect_uris"] = []
    origins = c.get("webOrigins")
    if isinstance(origins, list) and protocol == "oidc":
        web: list[str] = []
        for o in origins:
            for origin in _origins(redirects) if o == "+" else [str(o).rstrip("/")]:
                if origin and origin not in web:
                    web.append(origin)
        out["web_origins"] = web
    out["consent_required"] = as_bool(c.get("consentRequired"), False)
    out["full_scope"] = as_bool(c.get("fullScopeAllowed"), True)
    for key, field in (
        ("defaultClientScopes", "default_scopes"),
        ("optionalClientScopes", "optional_scopes"),
    ):
        if isinstance(c.get(key), list):
            out[field] = sorted({str(s) for s in c[key]})
    claims, audience, pairwise = _mappers(c.get("protocolMappers"))
    if claims:
        out["claims"] = claims
    if audience:
        out["audience"] = audience
    if pairwise:
        out["subject_type"] = "pairwise"
    if as_bool(_attr(c, "require.pushed.authorization.requests"), False):
        out["require_par"] = True
    client_roles = (
        (R.r.get("roles") or {}).get("client") if isinstance(R.r.get("roles"), dict) else None
    )
    if isinstance(client_roles, dict) and isinstance(client_roles.get(c["clientId"]), list):
        out["roles"] = sorted(
            {
                str(r["name"])
                for r in client_roles[c["clientId"]]
                if isinstance(r, dict) and "name" in r
            }
        )
    tokens = _client_tokens(R, c)
    if tokens:
        out["tokens"] = tokens
    settings = _client_settings(c)
    if settings:
        out["settings"] = settings
    _locate_client(b, src, at, c, out)
    return out


_FIELD_KEYS = (
    ("id", "clientId"),
    ("name", "name"),
    ("description", "description"),
    ("enabled", "enabled"),
    ("protocol", "protocol"),
    ("public", "publicClient"),
    ("bearer_only", "bearerOnly"),
    ("authentication", "clientAuthenticatorType"),
    ("secret", "secret"),
    ("consent_required", "consentRequired"),
    ("full_scope", "fullScopeAllowed"),
    ("default_scopes", "defaultClientScopes"),
    ("optional_scopes", "optionalClientScopes"),
    ("claims", "protocolMappers"),
    ("audience", "protocolMappers"),
    ("subject_type", "protocolMappers"),
    ("web_origins", "webOrigins"),
    ("redirect_uris", "redirectUris"),
)
_GRANT_KEYS = {
    "authorization_code": ("standardFlowEnabled",),
    "implicit": ("implicitFlowEnabled",),
    "password": ("directAccessGrantsEnabled",),
    "client_credentials": ("serviceAccountsEnabled",),
    "device_code": ("attributes", "oauth2.device.authorization.grant.enabled"),
    "ciba": ("attributes", "oidc.ciba.grant.enabled"),
    "token_exchange": ("attributes", "standard.token.exchange.enabled"),
    "refresh_token": ("attributes", "use.refresh.tokens"),
}


def _locate_client(b: Builder, src: tuple, at: tuple, c: dict, client: dict) -> None:
    """Point every written client field at the export's line for it (the client itself where
    the value is a default)."""
    b.at(at, src)
    b.key_at(at, (*src, "clientId"))
    for field, key in _FIELD_KEYS:
        if field in client:
            b.at((*at, field), (*src, key) if key in c else src)
    for n, grant in enumerate(client.get("grants", [])):
        where = (*src, *_GRANT_KEYS.get(grant, ()))
        b.at((*at, "grants", n), where if b.has(where) else src)
    b.at((*at, "grants"), src)
    attrs = (*src, "attributes")
    if "pkce" in client:
        where = (*attrs, "pkce.code.challenge.method")
        for sub in (("pkce",), ("pkce", "required"), ("pkce", "methods")):
            b.at((*at, *sub), where if b.has(where) else src)
    if "post_logout_redirect_uris" in client:
        where = (*attrs, "post.logout.redirect.uris")
        b.at((*at, "post_logout_redirect_uris"), where if b.has(where) else src)
    if "require_par" in client:
        b.at((*at, "require_par"), (*attrs, "require.pushed.authorization.requests"))
    if "settings" in client:
        b.at((*at, "settings"), attrs)
        for key in client["settings"]:
            b.at((*at, "settings", key), (*attrs, key))
    for kind, fields in (client.get("tokens") or {}).items():
        for field in fields:
            key = _TOKEN_ATTRS.get((kind, field))
            if key and b.has((*attrs, key)):
                b.at((*at, "tokens", kind, field), (*attrs, key))
                b.at((*at, "tokens", kind), (*attrs, key))
            elif field == "sender_constraint":
                b.at((*at, "tokens", kind, field), attrs)
    redirects = c.get("redirectUris") if isinstance(c.get("redirectUris"), list) else []
    root = c.get("rootUrl") if isinstance(c.get("rootUrl"), str) else ""
    for n, uri in enumerate(client.get("redirect_uris", [])):
        for i, item in enumerate(redirects):
            if isinstance(item, str) and _resolve(item, root) == uri:
                b.at((*at, "redirect_uris", n), (*src, "redirectUris", i))
                break
    origins = c.get("webOrigins") if isinstance(c.get("webOrigins"), list) else []
    for n, origin in enumerate(client.get("web_origins", [])):
        for i, item in enumerate(origins):
            if str(item).rstrip("/") == origin or item == "+":
                b.at((*at, "web_origins", n), (*src, "webOrigins", i))
                if item != "+":
                    break


def _client_tokens(R: _Realm, c: dict) -> dict[str, Any]:
    """Per-client token settings that differ from what the client inherits from the realm."""
    tokens: dict[str, dict[str, Any]] = {}

    def put(kind: str, field: str, value: Any, inherited: Any) -> None:
        if value is None or value == inherited:
            return
        tokens.setdefault(kind, {})[field] = value

    def seconds(key: str) -> int | None:
        value = as_int(_attr(c, key))
        return value if value and value > 0 else None

    sso_idle, sso_max = R.seconds("ssoSessionIdleTimeout"), R.seconds("ssoSessionMaxLifespan")
    realm_client_idle = R.seconds("clientSessionIdleTimeout") or None
    realm_client_max = R.seconds("clientSessionMaxLifespan") or None
    put(
        "access_token",
        "lifetime",
        seconds("access.token.lifespan"),
        R.seconds("accessTokenLifespan"),
    )
    idle, inherited_idle = seconds("client.session.idle.timeout"), realm_client_idle or sso_idle
    if idle is not None and sso_idle:
        idle = min(idle, sso_idle)
    put("refresh_token", "idle_lifetime", idle, inherited_idle)
    life, inherited_life = seconds("client.session.max.lifespan"), realm_client_max or sso_max
    if life is not None and sso_max:
        life = min(life, sso_max)
    put("refresh_token", "absolute_lifetime", life, inherited_life)
    put(
        "offline_refresh_token",
        "idle_lifetime",
        seconds("client.offline.session.idle.timeout"),
        R.seconds("offlineSessionIdleTimeout"),
    )
    offline_max = (
        R.seconds("offlineSessionMaxLifespan")
        if as_bool(R.value("offlineSessionMaxLifespanEnabled"), False)
        else None
    )
    put(
        "offline_refresh_token",
        "absolute_lifetime",
        seconds("client.offline.session.max.lifespan"),
        offline_max,
    )
    default_alg = [str(R.value("defaultSignatureAlgorithm"))]
    for key, kind, inherited in (
        ("access.token.signed.response.alg", "access_token", default_alg),
        ("id.token.signed.response.alg", "id_token", default_alg),
        ("user.info.response.signature.alg", "userinfo", None),
        ("request.object.signature.alg", "request_object", None),
        ("token.endpoint.auth.signing.alg", "client_assertion", None),
        ("authorization.signed.response.alg", "authorization_response", None),
    ):
        alg = _attr(c, key)
        if isinstance(alg, str) and alg and alg != "any":
            put(kind, "signing_algorithms", [alg], inherited)
    enc_alg, enc = (
        _attr(c, "id.token.encrypted.response.alg"),
        _attr(c, "id.token.encrypted.response.enc"),
    )
    if isinstance(enc_alg, str) and enc_alg:
        put("id_token", "encryption_algorithms", sorted({enc_alg, *([enc] if enc else [])}), None)
    if as_bool(_attr(c, "tls.client.certificate.bound.access.tokens"), False):
        put("access_token", "sender_constraint", "mtls", "none")
    elif as_bool(_attr(c, "dpop.bound.access.tokens"), False):
        put("access_token", "sender_constraint", "dpop", "none")
    return tokens


_TOKEN_ATTRS = {
    ("access_token", "lifetime"): "access.token.lifespan",
    ("refresh_token", "idle_lifetime"): "client.session.idle.timeout",
    ("refresh_token", "absolute_lifetime"): "client.session.max.lifespan",
    ("offline_refresh_token", "idle_lifetime"): "client.offline.session.idle.timeout",
    ("offline_refresh_token", "absolute_lifetime"): "client.offline.session.max.lifespan",
    ("access_token", "signing_algorithms"): "access.token.signed.response.alg",
    ("id_token", "signing_algorithms"): "id.token.signed.response.alg",
    ("userinfo", "signing_algorithms"): "user.info.response.signature.alg",
    ("request_object", "signing_algorithms"): "request.object.signature.alg",
    ("client_assertion", "signing_algorithms"): "token.endpoint.auth.signing.alg",
    ("authorization_response", "signing_algorithms"): "authorization.signed.response.alg",
    ("id_token", "encryption_algorithms"): "id.token.encrypted.response.alg",
    ("access_token", "sender_constraint"): "tls.client.certificate.bound.access.tokens",
}


def _resolve(uri: str, root: str) -> str:
    uri = uri.strip()
    if root and uri.startswith("/"):
        return root.rstrip("/") + uri
    return uri


def _uris(value: Any, root: str) -> list[str]:
    out: list[str] = []
    if not isinstance(value, list):
        return out
    for item in value:
        if not isinstance(item, str) or not item.strip():
            continue
        uri = _resolve(item, root)
        if uri not in out:
            out.append(uri)
    return out


def _origins(uris: list[str]) -> list[str]:
    """The web origins ``+`` stands for: the origin of every absolute redirect URI."""
    out: list[str] = []
    for uri in uris:
        if uri == "*":
            continue
        try:
            parts = urlsplit(uri.replace("*", "x"))
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.netloc:
            netloc = uri.split("://", 1)[1].split("/", 1)[0]
            origin = f"{parts.scheme}://{netloc}"
            if origin not in out:
                out.append(origin)
    return out


def _mappers(value: Any) -> tuple[list[str], list[str], bool]:
    """Claims a client's (or scope's) protocol mappers add to tokens, audiences they add, and
    whether subjects are pairwise."""
    claims: set[str] = set()
    audience: set[str] = set()
    pairwise = False
    for mapper in value if isinstance(value, list) else []:
        if not isinstance(mapper, dict):
            continue
        kind = str(mapper.get("protocolMapper") or "")
        config = mapper.get("config") if isinstance(mapper.get("config"), dict) else {}
        if kind == "oidc-sha256-pairwise-sub-mapper":
            pairwise = True
            continue
        in_tokens = any(
            as_bool(config.get(k), False)
            for k in ("access.token.claim", "id.token.claim", "userinfo.token.claim")
        )
        if kind == "oidc-audience-mapper":
            if as_bool(config.get("access.token.claim"), False):
                for key in ("included.client.audience", "included.custom.audience"):
                    if isinstance(config.get(key), str) and config[key]:
                        audience.add(config[key])
            continue
        if mapper.get("protocol") == "saml":
            name = config.get("attribute.name") or config.get("friendly.name")
            if isinstance(name, str) and name:
                claims.add(name)
            continue
        if not in_tokens:
            continue
        name = config.get("claim.name") or MAPPER_CLAIMS.get(kind)
        if isinstance(name, str) and name:
            claims.add(name)
    return sorted(claims), sorted(audience), pairwise


def _client_scopes(R: _Realm) -> tuple[dict[str, str], dict[str, list[str]]]:
    scopes: dict[str, str] = {}
    claims: dict[str, list[str]] = {}
    raw = R.r.get("clientScopes")
    if not isinstance(raw, list):
        return scopes, claims
    R.b.at(("scopes",), ("clientScopes",))
    R.b.at(("scope_claims",), ("clientScopes",))
    for i, scope in enumerate(raw):
        if not isinstance(scope, dict) or not isinstance(scope.get("name"), str):
            continue
        name = scope["name"]
        scopes[name] = str(scope.get("description") or "")
        R.b.at(("scopes", name), ("clientScopes", i))
        R.b.key_at(("scopes", name), ("clientScopes", i, "name"))
        found, _, _ = _mappers(scope.get("protocolMappers"))
        claims[name] = found
        R.b.at(("scope_claims", name), ("clientScopes", i, "protocolMappers"))
    return dict(sorted(scopes.items())), dict(sorted(claims.items()))


def _brokers(R: _Realm) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    raw = R.r.get("identityProviders")
    if not isinstance(raw, list):
        return out
    for i, idp in enumerate(raw):
        if not isinstance(idp, dict) or not isinstance(idp.get("alias"), str):
            continue
        src = ("identityProviders", i)
        o = ("upstream_providers", len(out))
        R.b.at(o, src)
        R.b.at((*o, "id"), (*src, "alias"))
        entry: dict[str, Any] = {"id": idp["alias"], "type": str(idp.get("providerId") or "oidc")}
        if isinstance(idp.get("displayName"), str) and idp["displayName"]:
            entry["name"] = idp["displayName"]
        entry["enabled"] = as_bool(idp.get("enabled"), True)
        entry["trust_email"] = as_bool(idp.get("trustEmail"), False)
        for key, field in (
            ("enabled", "enabled"),
            ("trustEmail", "trust_email"),
            ("providerId", "type"),
        ):
            if key in idp:
                R.b.at((*o, field), (*src, key))
        config = idp.get("config") if isinstance(idp.get("config"), dict) else {}
        issuer = config.get("issuer")
        if isinstance(issuer, str) and "://" in issuer:
            entry["issuer"] = issuer
            R.b.at((*o, "issuer"), (*src, "config", "issuer"))
        if isinstance(config.get("clientId"), str):
            entry["client_id"] = config["clientId"]
            R.b.at((*o, "client_id"), (*src, "config", "clientId"))
        secret = digest(config.get("clientSecret"))
        if secret:
            entry["secret"] = secret
            R.b.at((*o, "secret"), (*src, "config", "clientSecret"))
        settings: dict[str, Any] = {}
        for key in sorted(config):
            if key in ("issuer", "clientId", "clientSecret") or (
                key.lower().endswith("url") and key != "jwksUrl"
            ):
                continue
            value = config[key]
            if isinstance(value, str | bool | int) and not (isinstance(value, str) and not value):
                settings[key] = value
                R.b.at((*o, "settings", key), (*src, "config", key))
        for key in (
            "firstBrokerLoginFlowAlias",
            "postBrokerLoginFlowAlias",
            "linkOnly",
            "storeToken",
            "addReadTokenRoleOnCreate",
            "hideOnLogin",
        ):
            if key in idp and isinstance(idp[key], str | bool):
                settings[key] = idp[key]
                R.b.at((*o, "settings", key), (*src, key))
        if settings:
            entry["settings"] = settings
        out.append(entry)
    return out


# Client attributes the reader models elsewhere, and display-only ones nobody depends on.
_READ_ATTRIBUTES = frozenset(
    {
        "client.secret.creation.time",
        "client_credentials.use_refresh_token",
        "dpop.bound.access.tokens",
        "id.token.encrypted.response.alg",
        "id.token.encrypted.response.enc",
        "oauth2.device.authorization.grant.enabled",
        "oidc.ciba.grant.enabled",
        "pkce.code.challenge.method",
        "post.logout.redirect.uris",
        "require.pushed.authorization.requests",
        "standard.token.exchange.enabled",
        "tls.client.certificate.bound.access.tokens",
        "use.refresh.tokens",
        *_TOKEN_ATTRS.values(),
    }
)
_DISPLAY_ATTRIBUTES = frozenset(
    {
        "display.on.consent.screen",
        "consent.screen.text",
        "login_theme",
        "logoUri",
        "policyUri",
        "tosUri",
        "client.secret.rotated",
        "client.secret.rotated.creation.time",
        "client.secret.rotated.expiration.time",
        "client.secret.expiration.time",
    }
)


def _client_settings(c: dict) -> dict[str, Any]:
    """Client attributes no rule classifies (secrets as digests), for review when they change."""
    attributes = c.get("attributes") if isinstance(c.get("attributes"), dict) else {}
    settings: dict[str, Any] = {}
    for key in sorted(attributes):
        if key in _READ_ATTRIBUTES or key in _DISPLAY_ATTRIBUTES or key.startswith("saml.signing"):
            continue
        value = attributes[key]
        if value is None or value == "":
            continue
        if isinstance(value, str) and is_secret_key(key):
            value = digest(value)
        if isinstance(value, str | bool | int):
            settings[key] = value
    return settings


# Realm fields read elsewhere (or structures with their own reader) and display-only ones;
# every other scalar setting lands in server.other, where a change is reported for review.
_REALM_READ = frozenset(
    {
        "id",
        "realm",
        "displayName",
        "displayNameHtml",
        "enabled",
        "clients",
        "clientScopes",
        "roles",
        "defaultRole",
        "defaultRoles",
        "users",
        "groups",
        "components",
        "identityProviders",
        "identityProviderMappers",
        "authenticationFlows",
        "authenticatorConfig",
        "requiredActions",
        "scopeMappings",
        "clientScopeMappings",
        "defaultDefaultClientScopes",
        "defaultOptionalClientScopes",
        "federatedUsers",
        "keycloakVersion",
        "passwordPolicy",
        "smtpServer",
        "localizationTexts",
        *REALM_DEFAULTS,
        *(key for key, _ in SERVER_FLAGS),
    }
)
_REALM_DISPLAY = frozenset(
    {
        "loginTheme",
        "accountTheme",
        "adminTheme",
        "emailTheme",
        "internationalizationEnabled",
        "supportedLocales",
        "defaultLocale",
        "attributes.frontendUrl",
        "attributes.displayName",
        "attributes.displayNameHtml",
    }
)


def _realm_other(R: _Realm) -> dict[str, Any]:
    """Realm settings no rule classifies (nested settings as dotted keys)."""
    other: dict[str, Any] = {}

    def visit(prefix: str, src: tuple, node: dict, depth: int) -> None:
        for key in sorted(node, key=str):
            name = f"{prefix}{key}"
            if (not prefix and key in _REALM_READ) or name in _REALM_DISPLAY:
                continue
            value = node[key]
            if isinstance(value, dict) and depth < 2:
                visit(f"{name}.", (*src, key), value, depth + 1)
                continue
            if isinstance(value, str) and is_secret_key(key):
                value = digest(value)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = sorted(set(value))
            elif not isinstance(value, str | bool | int) or value in ("", None):
                continue
            other[name] = value
            R.b.at(("server", "other", name), (*src, key))

    visit("", (), R.r, 0)
    return other


def _roles(R: _Realm) -> tuple[list[str] | None, list[str] | None]:
    """Realm role names, and the roles every new user gets (``client/role`` for client roles)."""
    raw = R.r.get("roles")
    realm_roles = raw.get("realm") if isinstance(raw, dict) else None
    if not isinstance(realm_roles, list):
        return None, None
    by_name = {
        r["name"]: (i, r) for i, r in enumerate(realm_roles) if isinstance(r, dict) and "name" in r
    }
    R.b.at(("roles",), ("roles", "realm"))
    names = sorted(by_name)
    defaults: list[str] | None = None
    default_role = R.r.get("defaultRole")
    if isinstance(default_role, dict) and default_role.get("name") in by_name:
        i, role = by_name[default_role["name"]]
        composites = role.get("composites") if isinstance(role.get("composites"), dict) else {}
        found = {str(n) for n in composites.get("realm") or []}
        for client, client_roles in (composites.get("client") or {}).items():
            found |= {f"{client}/{n}" for n in client_roles or []}
        defaults = sorted(found)
        R.b.at(("default_roles",), ("roles", "realm", i, "composites"))
        names = [n for n in names if n != default_role["name"]]  # the carrier of the defaults
    elif isinstance(R.r.get("defaultRoles"), list):  # exports before Keycloak 13
        defaults = sorted({str(n) for n in R.r["defaultRoles"]})
        R.b.at(("default_roles",), ("defaultRoles",))
    return names, defaults


def _federation(R: _Realm) -> list[dict[str, Any]]:
    """User federation (LDAP, Kerberos) components: directories users sign in against."""
    comps = R.r.get("components")
    raw = comps.get("org.keycloak.storage.UserStorageProvider") if isinstance(comps, dict) else None
    out: list[dict[str, Any]] = []
    if not isinstance(raw, list):
        return out
    base = (
        len(R.r.get("identityProviders") or [])
        if isinstance(R.r.get("identityProviders"), list)
        else 0
    )
    for i, comp in enumerate(raw):
        if not isinstance(comp, dict) or not isinstance(comp.get("name"), str):
            continue
        src = ("components", "org.keycloak.storage.UserStorageProvider", i)
        at = ("upstream_providers", base + len(out))
        config = comp.get("config") if isinstance(comp.get("config"), dict) else {}

        def first(key: str, config: dict = config) -> Any:
            value = config.get(key)
            return value[0] if isinstance(value, list) and len(value) == 1 else value

        entry: dict[str, Any] = {
            "id": f"federation:{comp['name']}",
            "type": str(comp.get("providerId") or "ldap"),
            "enabled": as_bool(first("enabled"), True),
        }
        R.b.at(at, src)
        R.b.at((*at, "id"), (*src, "name"))
        secret = digest(first("bindCredential"))
        if secret:
            entry["secret"] = secret
            R.b.at((*at, "secret"), (*src, "config", "bindCredential"))
        settings: dict[str, Any] = {}
        for key in sorted(config):
            if key in ("enabled", "bindCredential"):
                continue
            value = first(key)
            if isinstance(value, str | bool | int):
                settings[key] = value
                R.b.at((*at, "settings", key), (*src, "config", key))
        if settings:
            entry["settings"] = settings
        out.append(entry)
    return out


def _password_policy(value: Any) -> dict[str, Any]:
    """``length(12) and digits(1) and notUsername(undefined)`` -> a map of policies."""
    policy: dict[str, Any] = {}
    if not isinstance(value, str):
        return policy
    for part in value.split(" and "):
        part = part.strip()
        if not part:
            continue
        name, _, arg = part.partition("(")
        arg = arg.rstrip(")").strip()
        policy[name.strip()] = int(arg) if arg.isdigit() else arg
    return dict(sorted(policy.items()))


def _browser_mfa(R: _Realm) -> tuple[list[str], bool, dict[str, tuple]]:
    """Second factors the browser flow uses, and whether every sign-in must pass one.

    Keycloak's evaluation: in a flow with REQUIRED or CONDITIONAL steps, ALTERNATIVE steps do not
    run; otherwise one ALTERNATIVE suffices. A CONDITIONAL sub-flow runs only when its condition
    holds (for OTP: the user has configured it). Cookie re-authentication and the identity
    provider redirector replay or delegate a sign-in and are left out.
    """
    flows = R.r.get("authenticationFlows")
    if not isinstance(flows, list):
        return (*DEFAULT_BROWSER_MFA, {})
    by_alias = {f.get("alias"): (i, f) for i, f in enumerate(flows) if isinstance(f, dict)}
    top = by_alias.get(R.value("browserFlow"))
    if top is None:
        return (*DEFAULT_BROWSER_MFA, {})
    methods: list[str] = []
    where: dict[str, tuple] = {"flow": ("authenticationFlows", top[0])}

    def guaranteed(index: int, flow: dict, depth: int) -> bool:
        if depth > 16:
            return False
        results = []
        for j, step in enumerate(flow.get("authenticationExecutions") or []):
            if not isinstance(step, dict):
                continue
            requirement = str(step.get("requirement", "DISABLED")).upper()
            if requirement == "DISABLED":
                continue
            if step.get("authenticatorFlow") or step.get("flowAlias"):
                sub = by_alias.get(step.get("flowAlias"))
                ok = guaranteed(sub[0], sub[1], depth + 1) if sub is not None else False
            else:
                authenticator = str(step.get("authenticator"))
                method = MFA_AUTHENTICATORS.get(authenticator)
                if method and method not in methods:
                    methods.append(method)
                    where[method] = ("authenticationFlows", index, "authenticationExecutions", j)
                if authenticator in _REPLAYS:
                    continue
                ok = method is not None and method != "recovery_code"
            results.append((requirement, ok))
        strict = [(r, ok) for r, ok in results if r in ("REQUIRED", "CONDITIONAL")]
        if strict:
            return any(ok for r, ok in strict if r == "REQUIRED")
        alternatives = [ok for _, ok in results]
        return bool(alternatives) and all(alternatives)

    required = guaranteed(top[0], top[1], 0)
    if not required and "otp" in methods:
        for action in R.r.get("requiredActions") or []:
            if (
                isinstance(action, dict)
                and action.get("alias") == "CONFIGURE_TOTP"
                and action.get("enabled", True)
                and action.get("defaultAction") is True
            ):
                required = True
    return methods, required, where


_REPLAYS = {"auth-cookie", "identity-provider-redirector"}
