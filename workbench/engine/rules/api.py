"""Rules about the API surface: scopes, endpoints and their security requirements, responses,
content types and error codes."""

from __future__ import annotations

import re

from workbench.engine.model import Change
from workbench.engine.rules.base import Env, Hit, ctx, fmt, rule

OPENAPI_SECURITY = "OpenAPI 3.1 Security Requirement Object (alternatives are OR, schemes AND)"
BEARER_ERRORS = "RFC 6750 §3.1"


def _ep(c: Change) -> str:
    return str(ctx(c, "owner", "endpoint"))


# --- scopes ---------------------------------------------------------------------------------------


@rule(
    "scope.added",
    title="Scope added",
    topics="scope.added",
    severity="safe",
    rationale="""A new scope that clients may request breaks nobody.""",
    citation="RFC 8414 §2 (scopes_supported)",
    example="scopes: {payments:read} -> {payments:read, payments:export}",
)
def _scope_added(c: Change, env: Env) -> Hit:
    return Hit(f"scope {c.new} added")


@rule(
    "scope.removed",
    title="Scope removed",
    topics="scope.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients requesting the removed scope get invalid_scope at the authorization server
    and 403 insufficient_scope where it was required.""",
    citation="RFC 6749 §3.3; RFC 6750 §3.1",
    example="scopes: {payments:read, payments:legacy} -> {payments:read}",
)
def _scope_removed(c: Change, env: Env) -> Hit:
    return Hit(f"scope {c.old} removed")


@rule(
    "scope.renamed",
    title="Scope renamed",
    topics="scope.renamed",
    severity="breaking",
    breaks=("clients",),
    rationale="""A scope removed and another added with the same description is a rename: clients
    still request the old name and get invalid_scope. Keep both names for a window.""",
    citation="RFC 6749 §3.3",
    example="scopes: {payments.read: Read payments} -> {payments:read: Read payments}",
)
def _scope_renamed(c: Change, env: Env) -> Hit:
    return Hit(f"scope {c.old} renamed to {c.new} (removed and added with the same description)")


# --- endpoints ------------------------------------------------------------------------------------


@rule(
    "endpoint.added",
    title="Endpoint added",
    topics="endpoint.added",
    severity="safe",
    rationale="""A new operation is an addition.""",
    citation="SemVer 2.0.0 item 7",
    example="endpoints: {create_payment} -> {create_payment, list_payments}",
)
def _ep_added(c: Change, env: Env) -> Hit:
    method, path = c.new
    return Hit(f"endpoint {_ep(c)} ({method} {path}) added")


@rule(
    "endpoint.removed",
    title="Endpoint removed",
    topics="endpoint.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients calling the removed operation get 404. Deprecate it with a sunset date
    first; removing it after the sunset is a planned removal.""",
    citation="SemVer 2.0.0 item 8; RFC 8594 (Sunset)",
    example="endpoints: {create_payment, legacy_charge} -> {create_payment}",
)
def _ep_removed(c: Change, env: Env) -> Hit:
    method, path = c.old
    return Hit(f"endpoint {_ep(c)} ({method} {path}) removed")


@rule(
    "endpoint.renamed",
    title="Endpoint id renamed",
    topics="endpoint.renamed",
    severity="safe",
    editorial=True,
    rationale="""The endpoint id is a name inside the contract; clients call the method and path,
    which did not change. Update consumers' uses lists and deprecation targets.""",
    citation="SemVer 2.0.0 item 6",
    example="endpoints: {create_payment: POST /v1/payments} -> {payments_create: POST /v1/payments}",
)
def _ep_renamed(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint id {c.old} renamed to {c.new} (same method and path)")


@rule(
    "endpoint.method-changed",
    title="Endpoint method changed",
    topics="endpoint.method",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients still using the old HTTP method get 405.""",
    citation="SemVer 2.0.0 item 8",
    example="method: PUT -> method: PATCH",
)
def _ep_method(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} method {c.old} -> {c.new}")


@rule(
    "endpoint.path-changed",
    title="Endpoint path changed",
    topics="endpoint.path",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients with hard-coded URLs call the old path and get 404; only discovery-driven
    clients adapt.""",
    citation="SemVer 2.0.0 item 8",
    example="path: /v1/payments -> path: /v2/payments",
)
def _ep_path(c: Change, env: Env) -> Hit:
    if _template(c.old) == _template(c.new):
        # /orders/{orderId} -> /orders/{id}: the same URL for every caller
        return Hit(
            f"endpoint {_ep(c)} path parameter renamed: {c.old} -> {c.new}",
            severity="safe",
            breaks=(),
            note="the URL callers request is the same; only the parameter's name changed",
        )
    return Hit(f"endpoint {_ep(c)} path {c.old} -> {c.new}")


def _template(path: object) -> str:
    return re.sub(r"\{[^}]*\}", "{}", str(path))


@rule(
    "endpoint.deprecated",
    title="Endpoint marked deprecated",
    topics="endpoint.deprecated",
    severity="safe",
    rationale="""Marking an operation deprecated changes no behaviour; SemVer asks for a minor
    version. Pair it with a deprecations entry carrying the sunset date.""",
    citation="SemVer 2.0.0 item 7; RFC 9745 (Deprecation)",
    example="deprecated: false -> deprecated: true",
)
def _ep_deprecated(c: Change, env: Env) -> Hit | None:
    if c.new is not True:
        return None
    return Hit(f"endpoint {_ep(c)} marked deprecated")


@rule(
    "endpoint.undeprecated",
    title="Endpoint no longer deprecated",
    topics="endpoint.deprecated",
    severity="safe",
    rationale="""Withdrawing a deprecation breaks nobody.""",
    citation="SemVer 2.0.0 item 7",
    example="deprecated: true -> deprecated: false",
)
def _ep_undeprecated(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} no longer deprecated")


# --- security requirements ------------------------------------------------------------------------


@rule(
    "endpoint.anonymous-access-added",
    title="Anonymous access allowed",
    topics="endpoint.security.alternative",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""An empty requirement ({}) or no requirement at all lets callers in without any
    credential: compatible, and a serious weakening.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: [payments:read]}] -> [{access_token: [payments:read]}, {}]",
)
def _anon_added(c: Change, env: Env) -> Hit | None:
    if not ctx(c, "anonymous"):
        return None
    return Hit(f"endpoint {_ep(c)} can be called without credentials")


@rule(
    "endpoint.anonymous-access-removed",
    title="Anonymous access removed",
    topics="endpoint.security.alternative",
    kinds=("removed",),
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Removing the empty requirement ({}) makes credentials mandatory: callers that sent
    none get 401.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: []}, {}] -> [{access_token: []}]",
)
def _anon_removed(c: Change, env: Env) -> Hit | None:
    if not ctx(c, "anonymous"):
        return None
    return Hit(f"endpoint {_ep(c)} no longer accepts anonymous calls")


@rule(
    "endpoint.security-alternative-added",
    title="Alternative security requirement added",
    topics="endpoint.security.alternative",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""A new alternative (OR) is one more way in; existing callers keep theirs. The
    endpoint is only as strong as its weakest alternative, so a new one that is not at least as
    strict as an existing one (all of its schemes, each with at least its scopes) weakens
    security; one that is, is neutral.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: []}] -> [{access_token: []}, {api_key: []}]",
)
def _alt_added(c: Change, env: Env) -> Hit:
    message = f"endpoint {_ep(c)} also accepts {' + '.join(c.new)}"
    stricter = ctx(c, "at_least_as_strict_as")
    if stricter is not None:
        return Hit(message, security="neutral", note=f"at least as strict as {stricter}")
    return Hit(message)


@rule(
    "endpoint.security-alternative-removed",
    title="Alternative security requirement removed",
    topics="endpoint.security.alternative",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Callers that authenticated with the removed alternative get 401.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: []}, {api_key: []}] -> [{access_token: []}]",
)
def _alt_removed(c: Change, env: Env) -> Hit:
    if _anonymous_now(env, _ep(c)):
        # the endpoint now lets anyone in: callers that still send this credential get in too
        return Hit(
            f"endpoint {_ep(c)} no longer needs {' + '.join(c.old)}: it accepts anonymous calls",
            severity="safe",
            security="weakens",
            breaks=(),
        )
    return Hit(f"endpoint {_ep(c)} no longer accepts {' + '.join(c.old)}")


def _anonymous_now(env: Env, endpoint: str) -> bool:
    """Whether the new side lets anyone call ``endpoint`` (no requirement, or an empty one)."""
    ep = (env.new_norm().get("endpoints") or {}).get(endpoint)
    if not isinstance(ep, dict):
        return False
    security = ep.get("security")
    if not security:
        return True
    return any(isinstance(req, dict) and not req for req in security)


@rule(
    "endpoint.security-scheme-added",
    title="Security scheme added to a requirement (AND)",
    topics="endpoint.security.scheme",
    kinds=("added",),
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""A scheme added inside a requirement must be satisfied in addition to the others;
    callers presenting only the old credentials get 401. Securing an endpoint that required
    nothing is the same change.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: []}] -> [{access_token: [], mtls: []}]",
)
def _scheme_added(c: Change, env: Env) -> Hit:
    if ctx(c, "was_anonymous"):
        return Hit(f"endpoint {_ep(c)} now requires {c.new} (it required no credentials)")
    return Hit(f"endpoint {_ep(c)} now also requires {c.new}")


@rule(
    "endpoint.security-scheme-removed",
    title="Security scheme dropped from a requirement",
    topics="endpoint.security.scheme",
    kinds=("removed",),
    severity="safe",
    security="weakens",
    rationale="""Callers send one credential fewer; compatible, but the endpoint is protected by
    less.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: [], mtls: []}] -> [{access_token: []}]",
)
def _scheme_removed(c: Change, env: Env) -> Hit:
    if ctx(c, "now_anonymous"):
        return Hit(f"endpoint {_ep(c)} no longer requires {c.old}: it requires no credentials")
    return Hit(f"endpoint {_ep(c)} no longer requires {c.old}")


@rule(
    "endpoint.scope-required-added",
    title="Endpoint requires an additional scope",
    topics="endpoint.security.scope",
    kinds=("added",),
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Tokens issued without the new scope get 403 insufficient_scope; clients must
    request it and users may have to consent again.""",
    citation=OPENAPI_SECURITY + "; RFC 6750 §3.1",
    example="security: [{access_token: [payments:read]}] -> [{access_token: [payments:read, payments:audit]}]",
)
def _scope_req_added(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} now requires scope {c.new} ({ctx(c, 'scheme')})")


@rule(
    "endpoint.scope-required-removed",
    title="Endpoint requires one scope fewer",
    topics="endpoint.security.scope",
    kinds=("removed",),
    severity="safe",
    security="weakens",
    rationale="""Compatible: tokens with fewer scopes are accepted. Make sure the remaining scopes
    still express least privilege.""",
    citation=OPENAPI_SECURITY,
    example="security: [{access_token: [payments:read, payments:audit]}] -> [{access_token: [payments:read]}]",
)
def _scope_req_removed(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} no longer requires scope {c.old} ({ctx(c, 'scheme')})")


@rule(
    "endpoint.error-added",
    title="Endpoint may return a new error code",
    topics="endpoint.errors",
    kinds=("added",),
    severity="risky",
    breaks=("clients",),
    rationale="""Clients that switch on error codes meet one they do not handle.""",
    citation=BEARER_ERRORS,
    example="errors: [invalid_token] -> errors: [invalid_token, insufficient_scope]",
)
def _ep_error_added(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} may return error {c.new}")


@rule(
    "endpoint.error-removed",
    title="Endpoint no longer returns an error code",
    topics="endpoint.errors",
    kinds=("removed",),
    severity="safe",
    rationale="""Client handling for it simply goes unused.""",
    citation=BEARER_ERRORS,
    example="errors: [invalid_token, insufficient_scope] -> errors: [invalid_token]",
)
def _ep_error_removed(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} no longer returns error {c.old}")


# --- responses and content types ------------------------------------------------------------------


@rule(
    "request.content-type-changed",
    title="Request content type changed",
    topics="request.content_type",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients keep sending the old media type and get 415.""",
    citation="RFC 9110 §15.5.16 (415 Unsupported Media Type)",
    example="content_type: application/json -> application/x-www-form-urlencoded",
)
def _req_ct(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} request content type {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "response.content-type-changed",
    title="Response content type changed",
    topics="response.content_type",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients parse the body by its media type; a new one breaks their parser.""",
    citation="RFC 9110 §8.3",
    example="content_type: application/json -> application/problem+json",
)
def _resp_ct(c: Change, env: Env) -> Hit:
    return Hit(
        f"endpoint {_ep(c)} {ctx(c, 'status')} response content type {fmt(c.old)} -> {fmt(c.new)}"
    )


@rule(
    "response.status-added",
    title="Response status added",
    topics="response.status",
    kinds=("added",),
    severity="risky",
    breaks=("clients",),
    rationale="""Clients written against the documented statuses may treat the new one as a
    failure (a new 2xx) or not handle it (a new error status).""",
    citation="RFC 9110 §15",
    example="responses: {201} -> responses: {201, 202}",
)
def _status_added(c: Change, env: Env) -> Hit:
    return Hit(f"endpoint {_ep(c)} may respond {c.new}")


@rule(
    "response.status-removed",
    title="Response status removed",
    topics="response.status",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""A success status that disappears means clients waiting for it now see another one
    (breaking); an error status that disappears only leaves client handling unused (safe).""",
    citation="RFC 9110 §15",
    example="responses: {200, 404} -> responses: {200}",
)
def _status_removed(c: Change, env: Env) -> Hit:
    status = str(c.old)
    if status.startswith("2"):
        return Hit(f"endpoint {_ep(c)} no longer responds {status}")
    return Hit(f"endpoint {_ep(c)} no longer documents {status}", severity="safe")


# --- error codes ----------------------------------------------------------------------------------


@rule(
    "error.added",
    title="Error code added",
    topics="error.added",
    severity="risky",
    breaks=("clients",),
    rationale="""A new error code is a new condition clients must handle; those that switch on
    codes fall into a default branch.""",
    citation=BEARER_ERRORS,
    example="errors: {invalid_token} -> errors: {invalid_token, use_dpop_nonce}",
)
def _error_added(c: Change, env: Env) -> Hit:
    return Hit(f"error code {c.new} added (status {fmt(ctx(c, 'status'))})")


@rule(
    "error.removed",
    title="Error code removed",
    topics="error.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""The condition behind an error code rarely disappears: clients that react to the
    code (refresh on invalid_token, step up on insufficient_user_authentication) stop reacting
    when the server reports it differently.""",
    citation=BEARER_ERRORS,
    example="errors: {invalid_token, token_expired} -> errors: {invalid_token}",
)
def _error_removed(c: Change, env: Env) -> Hit:
    return Hit(f"error code {c.old} removed")


@rule(
    "error.renamed",
    title="Error code renamed",
    topics="error.renamed",
    severity="breaking",
    breaks=("clients",),
    rationale="""An error code removed and another added with the same status and a similar
    description is a rename: clients matching the old code no longer recognise the error.""",
    citation=BEARER_ERRORS,
    example="errors: {token_expired: 401} -> errors: {expired_token: 401}",
)
def _error_renamed(c: Change, env: Env) -> Hit:
    return Hit(
        f"error code {c.old} renamed to {c.new} (removed and added with the same status "
        "and a similar description)"
    )


@rule(
    "error.status-changed",
    title="Error status changed",
    topics="error.status",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients branch on the HTTP status before reading the code: a 401 that becomes a
    403 stops the refresh-and-retry path.""",
    citation="RFC 6750 §3.1; RFC 9110 §15",
    example="insufficient_scope: {status: 401} -> {status: 403}",
)
def _error_status(c: Change, env: Env) -> Hit:
    return Hit(f"error {ctx(c, 'owner')} status {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "error.challenge-changed",
    title="WWW-Authenticate challenge changed",
    topics="error.www_authenticate",
    severity="risky",
    breaks=("clients",),
    rationale="""Clients parse the challenge (scheme, error, scope, nonce parameters) to decide how
    to retry; DPoP clients look for the DPoP scheme.""",
    citation="RFC 6750 §3; RFC 9449 §7.1",
    example='www_authenticate: Bearer error="invalid_token" -> DPoP error="invalid_token"',
)
def _challenge(c: Change, env: Env) -> Hit:
    return Hit(f"error {ctx(c, 'owner')} challenge {fmt(c.old)} -> {fmt(c.new)}")
