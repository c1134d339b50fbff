"""Amendment recipes: common contract changes, written the safe way, as text edits.

A recipe is data plus a small function, in one registry (:data:`RECIPES`): an id, a title, the
parameters it needs (each with its choices read from the contract) and an ``apply`` that edits
the contract's YAML at located positions (:mod:`workbench.amendment.yamledit`), so the rest of
the file stays byte for byte as written.

A removal goes in two steps, the way a rotation is safe:

* the **expand** step accepts old and new together and adds a ``deprecations`` entry for the
  old one, announced today, with a sunset far enough away: at least the notice period
  (``amendments.notice_period``, 90 days by default) and at least the overlap the removal needs,
  the longest lifetime of the affected tokens plus clock skew (plus the JWKS cache for keys, the
  session lifetime for an identity provider), computed by :mod:`workbench.security.overlap`,
  the same computation the checklist and the security review judge the removal with;
* the **contract** step removes the old one (and its deprecation entry). Applying the recipe
  again offers it; before the sunset it is refused with the date.

A change that cannot be made safe (requiring MFA for a scope, requiring a new claim) is written
as asked, and the recipe says why it cannot be made safe. Whatever a recipe writes, its severity
is the engine's verdict on the result (:func:`judge`), never the recipe's claim.

No terminal code here: the command line (``workbench amend recipe``) and the TUI's recipe picker
both call :func:`apply_recipe`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.amendment.settings import DEFAULT_NOTICE_PERIOD
from workbench.amendment.yamledit import EditError, Editor, folded, render_scalar
from workbench.contract.errors import ContractError
from workbench.contract.loader import load_contract_text
from workbench.contract.model import Contract
from workbench.contract.paths import element_key, join
from workbench.contract.units import DurationError, format_duration, parse_duration
from workbench.security import overlap
from workbench.sources.kinds import KINDS, NAMES, detect

DEFAULT_SKEW = 60  # the security policy's default clock skew (security.clock_skew)

# JWS algorithms a verifier can be asked to accept (RFC 7518 §3.1, RFC 8037 §3.1); "none" and
# the HMAC family are left out on purpose: a recipe never proposes a weakening.
SIGNING_ALGORITHMS = (
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
)


class RecipeError(ValueError):
    """A recipe cannot be applied as asked; the message is one line (``file:line:col: ...``)."""


class RecipeRefused(RecipeError):
    """The contract step was asked for before the sunset (the message names the date)."""


@dataclass(frozen=True, slots=True)
class RecipeParam:
    """One parameter of a recipe.

    ``choices(contract, params)`` lists the values the contract allows (given the parameters
    chosen before this one); with ``free`` the value may be new (a new scope name) and the
    choices are only suggestions; ``optional`` parameters may be left out.
    """

    name: str
    help: str
    choices: Callable[[Contract, Mapping[str, str]], list[str]] | None = None
    free: bool = False
    optional: bool = False


@dataclass(slots=True)
class Applied:
    """What a recipe wrote: the new text, which step it was, and what the author should know."""

    recipe: str
    step: str  # expand | contract | change (one step)
    text: str
    summary: str
    notes: list[str] = field(default_factory=list)
    sunset: dt.date | None = None
    next_step: str = ""  # what applying the recipe again will do, and from when


@dataclass(slots=True)
class Context:
    """One application: the contract as loaded, its editor, the clock and the settings."""

    contract: Contract
    editor: Editor
    today: dt.date
    notice_period: int
    default_skew: int
    params: dict[str, str]

    @property
    def source(self) -> str:
        return self.contract.source

    def where(self, raw: tuple) -> str:
        return self.editor.where(raw)


@dataclass(frozen=True, slots=True)
class Recipe:
    id: str
    title: str
    help: str
    params: tuple[RecipeParam, ...]
    run: Callable[[Context], Applied]
    two_step: bool = False
    unsafe: str = ""  # why the change cannot be made safe (empty: it can)
    example: tuple[tuple[str, str], ...] = ()  # parameters of the documented example

    def param(self, name: str) -> RecipeParam:
        return next(p for p in self.params if p.name == name)


# --- reading the contract ---------------------------------------------------------------------


def _tokens(c: Contract) -> dict[str, dict]:
    tokens = c.data.get("tokens")
    return (
        {str(k): v for k, v in tokens.items() if isinstance(v, dict)}
        if isinstance(tokens, dict)
        else {}
    )


def _list_of(node: Any, key: str) -> list[str]:
    values = node.get(key) if isinstance(node, dict) else None
    return (
        [k for k in (element_key(v) for v in values) if k is not None]
        if isinstance(values, list)
        else []
    )


def _idps(c: Contract) -> list[str]:
    return [str(p.get("id")) for p in c.data.get("identity_providers") or [] if isinstance(p, dict)]


def _scopes(c: Contract) -> list[str]:
    scopes = c.data.get("scopes")
    return [str(k) for k in scopes] if isinstance(scopes, dict) else []


def _errors(c: Contract) -> list[str]:
    errors = c.data.get("errors")
    return [str(k) for k in errors] if isinstance(errors, dict) else []


def _mfa_scopes(c: Contract) -> list[str]:
    return _list_of(c.data.get("mfa"), "required_for")


def _signed_tokens(c: Contract, _p: Mapping[str, str]) -> list[str]:
    return [k for k, t in _tokens(c).items() if isinstance(t.get("signing_algorithms"), list)]


def _token_algs(c: Contract, p: Mapping[str, str]) -> list[str]:
    return _list_of(_tokens(c).get(p.get("token", "")), "signing_algorithms")


def _new_algs(c: Contract, p: Mapping[str, str]) -> list[str]:
    have = set(_token_algs(c, p))
    return [a for a in SIGNING_ALGORITHMS if a not in have]


def _lifetime_tokens(c: Contract, _p: Mapping[str, str]) -> list[str]:
    return [k for k, t in _tokens(c).items() if "lifetime" in t]


def _jwt_tokens(c: Contract, _p: Mapping[str, str]) -> list[str]:
    return [k for k, t in _tokens(c).items() if t.get("format") == "jwt"]


def _issuing_tokens(c: Contract, _p: Mapping[str, str]) -> list[str]:
    return [k for k, t in _tokens(c).items() if isinstance(t.get("issued_by"), list)]


def _scopes_without_mfa(c: Contract, _p: Mapping[str, str]) -> list[str]:
    required = set(_mfa_scopes(c))
    return [s for s in _scopes(c) if s not in required]


# --- the sunset ---------------------------------------------------------------------------------


def plan_sunset(
    ctx: Context, expanded: Contract, contracted: Contract, target: str, *, sessions: bool = False
) -> tuple[dt.date, str]:
    """The sunset of a deprecation announced today: the notice period, or the overlap the
    removal needs (security/overlap.py's computation on the expand and contract steps), if
    longer. Returns the date and how it was computed."""
    removal = overlap.removal_at(target, expanded, contracted)
    if removal is None:  # not a rotation the overlap module knows (a scope, an error code)
        tokens = tuple(_tokens(expanded).items())
        removal = overlap.Removal(target, target, target, (), (target,), tokens, (), "")
    need, need_text = overlap.overlap_needed(removal, expanded, contracted, ctx.default_skew)
    reasons = [f"notice period {format_duration(ctx.notice_period)}"]
    longest = ctx.notice_period
    if need is not None:
        reasons.append(f"overlap {need_text}")
        longest = max(longest, need)
    if sessions:
        absolute = (expanded.norm.get("sessions") or {}).get("absolute_timeout")
        if isinstance(absolute, int):
            reasons.append(f"session lifetime {format_duration(absolute)}")
            longest = max(longest, absolute)
    sunset = ctx.today + dt.timedelta(days=math.ceil(longest / 86400))
    return sunset, "the longest of: " + "; ".join(reasons)


def _deprecation_lines(
    target: str, announced: dt.date, sunset: dt.date, replacement: str, notice: str
) -> list[str]:
    lines = [
        f"target: {render_scalar(target, block=True)}",
        f'announced: "{announced.isoformat()}"',
        f'sunset: "{sunset.isoformat()}"',
    ]
    if replacement:
        lines.append(f"replacement: {render_scalar(replacement, block=True)}")
    head, *body = folded(notice)
    lines.append(f"notice: {head}")
    lines.extend("  " + line for line in body)
    return lines


def _add_deprecations(ed: Editor, entries: list[list[str]]) -> None:
    """Append ``entries`` (each the lines of one mapping) to ``deprecations``, creating the
    section after the last top-level entry when the contract has none."""
    deps = ed.data.get("deprecations")
    if isinstance(deps, list) and deps and not ed._is_flow(("deprecations",)):
        for lines in entries:
            ed.append_lines(("deprecations",), lines)
    elif deps:
        raise EditError(
            f"{ed.where(('deprecations',))}: error: deprecations is a flow list: edit it by hand"
        )
    elif "deprecations" in ed.data:
        raise EditError(
            f"{ed.where(('deprecations',))}: error: deprecations is empty: remove the key or "
            "add an entry by hand"
        )
    else:
        body = [""]
        for lines in entries:
            body += ["- " + lines[0], *("  " + line for line in lines[1:])]
        ed.add_entry((), "deprecations", body)


def _find_deprecation(c: Contract, target: str) -> tuple[int, dict] | None:
    for i, dep in enumerate(c.data.get("deprecations") or []):
        if isinstance(dep, dict) and dep.get("target") == target:
            return i, dep
    return None


def _remove_deprecations(ed: Editor, indices: list[int]) -> None:
    deps = ed.data.get("deprecations")
    if isinstance(deps, list) and len(set(indices)) == len(deps):
        ed.remove_entry(("deprecations",))
    else:
        for index in sorted(set(indices)):
            ed.remove_item(("deprecations",), index)


def _sunset_of(dep: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(dep.get("sunset")))
    except ValueError:
        return None


def _check_sunset(ctx: Context, index: int, dep: dict, what: str) -> dt.date:
    sunset = _sunset_of(dep)
    where = ctx.where(("deprecations", index))
    if sunset is None:
        raise RecipeRefused(
            f"{where}: error: the deprecation of {what} has no sunset date: add one before removing it"
        )
    if ctx.today < sunset:
        raise RecipeRefused(
            f"{where}: error: {what} can be removed from {sunset.isoformat()} (its sunset); today is "
            f"{ctx.today.isoformat()}"
        )
    return sunset


def _loaded(text: str, source: str) -> Contract:
    try:
        return load_contract_text(text, source)
    except ContractError as exc:  # an edit that broke the contract is the recipe's defect
        raise RecipeError(
            f"{exc.first.format()} (in the recipe's result: check the values given)"
        ) from None


def _two_step(
    ctx: Context,
    target: str,
    what: str,
    expand: Callable[[Editor], None],
    contract: Callable[[Editor], None],
    *,
    recipe: str,
    replacement: str,
    notice: str,
    summary: str,
    sessions: bool = False,
    unsafe_if: str = "",
    also: tuple[str, ...] = (),
) -> Applied:
    """The expand step, or the contract step when the expand step's deprecation is there.

    ``also`` names further paths the removal takes away (a retired provider in each token's
    ``issued_by``): each gets its own deprecation entry with the same sunset, since the engine
    matches a removal to the entry that names it."""
    found = _find_deprecation(ctx.contract, target)
    if found is not None:
        index, dep = found
        sunset = _check_sunset(ctx, index, dep, what)
        contract(ctx.editor)
        extra = [f[0] for t in also if (f := _find_deprecation(ctx.contract, t)) is not None]
        _remove_deprecations(ctx.editor, [index, *extra])
        text = ctx.editor.result()
        _loaded(text, ctx.source)
        return Applied(
            recipe,
            "contract",
            text,
            f"removed {what} (sunset {sunset.isoformat()} passed)",
            [f"the deprecation entries for {', '.join((target, *also))} are removed with it"],
            sunset,
        )
    expand(ctx.editor)
    staged = ctx.editor.result()
    expanded = _loaded(staged, ctx.source)
    # the contract step on the expanded text, to measure what its removal needs
    later = Editor(staged, ctx.source, expanded)
    contract(later)
    contracted = _loaded(later.result(), ctx.source)
    sunset, why = plan_sunset(ctx, expanded, contracted, target, sessions=sessions)
    ed = Editor(staged, ctx.source, expanded)
    _add_deprecations(
        ed,
        [
            _deprecation_lines(t, ctx.today, sunset, replacement, notice)
            for t in (target, *also)
            if _find_deprecation(expanded, t) is None
        ],
    )
    text = ed.result()
    _loaded(text, ctx.source)
    notes = [f"sunset {sunset.isoformat()}: {why}"]
    if unsafe_if:
        notes.append(unsafe_if)
    return Applied(
        recipe,
        "expand",
        text,
        summary,
        notes,
        sunset,
        f"apply the recipe again on or after {sunset.isoformat()} to remove {what}",
    )


def _need(ctx: Context, name: str) -> str:
    value = ctx.params.get(name)
    if not value:
        raise RecipeError(f"{ctx.source}: error: missing parameter {name}")
    return value


# --- the recipes ------------------------------------------------------------------------------


def _rotate_algorithm(ctx: Context) -> Applied:
    token, old = _need(ctx, "token"), _need(ctx, "old")
    new = ctx.params.get("new", "")
    raw = ("tokens", token, "signing_algorithms")
    target = join(join(join("tokens", token), "signing_algorithms"), old, select=True)
    algs = _list_of(_tokens(ctx.contract)[token], "signing_algorithms")
    expanding = _find_deprecation(ctx.contract, target) is None
    if expanding and not new:
        raise RecipeError(f"{ctx.where(raw)}: error: give the new algorithm (new=...)")
    if expanding and new == old:
        raise RecipeError(f"{ctx.where(raw)}: error: the new algorithm is the old one ({old})")

    def expand(ed: Editor) -> None:
        if new not in _list_of(ed.value(("tokens", token)), "signing_algorithms"):
            ed.append_item(raw, new)

    def contract(ed: Editor) -> None:
        current = _list_of(ed.value(("tokens", token)), "signing_algorithms")
        ed.remove_item(raw, current.index(old))

    kept = [a for a in algs if a != old] + ([new] if new and new not in algs else [])
    return _two_step(
        ctx,
        target,
        f"{old} from {token}",
        expand,
        contract,
        recipe="rotate-signing-algorithm",
        replacement=new or ", ".join(kept),
        notice=(
            f"Verifiers of {token} must accept {new or ', '.join(kept)} now; {token} signed "
            f"with {old} is rejected after the sunset."
        ),
        summary=f"{token} accepts {new} alongside {old}; {old} deprecated",
    )


def _add_idp(ctx: Context) -> Applied:
    idp, issuer = _need(ctx, "id"), _need(ctx, "issuer")
    tokens = [t.strip() for t in _need(ctx, "tokens").split(",") if t.strip()]
    if idp in _idps(ctx.contract):
        raise RecipeError(
            f"{ctx.where(('identity_providers',))}: error: identity provider {idp!r} already exists"
        )
    known = _issuing_tokens(ctx.contract, ctx.params)
    for t in tokens:
        if t not in known:
            raise RecipeError(
                f"{ctx.where(('tokens',))}: error: no token {t!r} with issued_by in this contract "
                f"(tokens: {', '.join(known) or 'none'})"
            )
    ed = ctx.editor
    lines = [f"id: {render_scalar(idp)}", f"issuer: {render_scalar(issuer)}"]
    if ctx.params.get("jwks_uri"):
        lines.append(f"jwks_uri: {render_scalar(ctx.params['jwks_uri'])}")
    if ed.data.get("identity_providers"):
        ed.append_lines(("identity_providers",), lines)
    else:
        ed.add_entry(
            (), "identity_providers", ["", "- " + lines[0], *("  " + x for x in lines[1:])]
        )
    for t in tokens:
        ed.append_item(("tokens", t, "issued_by"), idp)
    text = ed.result()
    _loaded(text, ctx.source)
    return Applied(
        "add-identity-provider",
        "change",
        text,
        f"identity provider {idp} ({issuer}) accepted for {', '.join(tokens)}",
        ["verifiers must trust the new issuer before it issues tokens: announce it"],
    )


def _retire_idp(ctx: Context) -> Applied:
    idp = _need(ctx, "idp")
    target = join("identity_providers", idp, select=True)
    issued = [k for k, t in _tokens(ctx.contract).items() if idp in _list_of(t, "issued_by")]
    alone = [k for k in issued if _list_of(_tokens(ctx.contract)[k], "issued_by") == [idp]]

    def contract(ed: Editor) -> None:
        for kind, token in _tokens_of(ed).items():
            names = _list_of(token, "issued_by")
            if idp in names:
                ed.remove_item(("tokens", kind, "issued_by"), names.index(idp))
        ed.remove_item(("identity_providers",), _idps_of(ed).index(idp))

    if alone:
        raise RecipeError(
            f"{ctx.where(('tokens', alone[0], 'issued_by'))}: error: {idp} is the only issuer of "
            f"{', '.join(alone)}: add another identity provider first (add-identity-provider)"
        )
    others = sorted(
        {i for k in issued for i in _list_of(_tokens(ctx.contract)[k], "issued_by")} - {idp}
    )
    return _two_step(
        ctx,
        target,
        f"identity provider {idp}",
        lambda ed: None,
        contract,
        recipe="retire-identity-provider",
        replacement=", ".join(others),
        notice=f"Tokens issued by {idp} are rejected after the sunset; use {', '.join(others) or 'another provider'}.",
        summary=f"identity provider {idp} deprecated",
        sessions=True,
        also=tuple(join(join(join("tokens", k), "issued_by"), idp, select=True) for k in issued),
    )


def _tokens_of(ed: Editor) -> dict[str, dict]:
    tokens = ed.data.get("tokens")
    return (
        {str(k): v for k, v in tokens.items() if isinstance(v, dict)}
        if isinstance(tokens, dict)
        else {}
    )


def _idps_of(ed: Editor) -> list[str]:
    return [
        str(p.get("id")) for p in ed.data.get("identity_providers") or [] if isinstance(p, dict)
    ]


def _shorten_lifetime(ctx: Context) -> Applied:
    token, value = _need(ctx, "token"), _need(ctx, "lifetime")
    raw = ("tokens", token, "lifetime")
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        raise RecipeError(f"{ctx.source}: error: lifetime {value!r}: {exc}") from None
    current = (ctx.contract.norm.get("tokens") or {}).get(token, {}).get("lifetime")
    if not isinstance(current, int):
        raise RecipeError(f"{ctx.where(raw)}: error: the lifetime of {token} is not a duration")
    if seconds >= current:
        raise RecipeError(
            f"{ctx.where(raw)}: error: {value} is not shorter than the current lifetime "
            f"{format_duration(current)}"
        )
    ctx.editor.replace_scalar(raw, value)
    text = ctx.editor.result()
    _loaded(text, ctx.source)
    return Applied(
        "shorten-token-lifetime",
        "change",
        text,
        f"{token} lifetime {format_duration(current)} -> {format_duration(seconds)}",
        ["tokens already issued keep their old expiry: clients refresh sooner from now on"],
    )


def _require_mfa(ctx: Context) -> Applied:
    scope = _need(ctx, "scope")
    if scope in _mfa_scopes(ctx.contract):
        raise RecipeError(
            f"{ctx.where(('mfa', 'required_for'))}: error: {scope} already requires MFA"
        )
    ed = ctx.editor
    mfa = ed.data.get("mfa")
    if isinstance(mfa, dict) and isinstance(mfa.get("required_for"), list) and mfa["required_for"]:
        ed.append_item(("mfa", "required_for"), scope)
    elif isinstance(mfa, dict) and mfa and "required_for" not in mfa:
        ed.add_entry(("mfa",), "required_for", [f"[{render_scalar(scope)}]"])
    elif mfa is None:
        ed.add_entry((), "mfa", ["", f"required_for: [{render_scalar(scope)}]"])
    else:
        raise RecipeError(
            f"{ctx.where(('mfa',))}: error: edit mfa.required_for by hand (an empty or flow value)"
        )
    text = ed.result()
    _loaded(text, ctx.source)
    return Applied(
        "require-mfa-for-scope",
        "change",
        text,
        f"MFA required for {scope}",
        [
            RECIPES["require-mfa-for-scope"].unsafe,
            "announce it in the amendment's notice with an effective date",
        ],
    )


def _add_claim(ctx: Context) -> Applied:
    token, claim = _need(ctx, "token"), _need(ctx, "claim")
    raw = ("tokens", token, "required_claims")
    have = _list_of(_tokens(ctx.contract)[token], "required_claims")
    if claim in have:
        raise RecipeError(f"{ctx.where(raw)}: error: {claim} is already required in {token}")
    ed = ctx.editor
    if isinstance(_tokens(ctx.contract)[token].get("required_claims"), list) and have:
        ed.append_item(raw, claim)
    elif "required_claims" not in _tokens(ctx.contract)[token]:
        ed.add_entry(("tokens", token), "required_claims", [f"[{render_scalar(claim)}]"])
    else:
        raise RecipeError(
            f"{ctx.where(raw)}: error: edit required_claims by hand (an empty or flow value)"
        )
    text = ed.result()
    _loaded(text, ctx.source)
    return Applied(
        "add-required-claim",
        "change",
        text,
        f"{token} requires claim {claim}",
        [RECIPES["add-required-claim"].unsafe],
    )


def _rename_scope(ctx: Context) -> Applied:
    old, new = _need(ctx, "scope"), ctx.params.get("to", "")
    target = join("scopes", old, select=True)
    expanding = _find_deprecation(ctx.contract, target) is None
    if expanding:
        if not new:
            raise RecipeError(f"{ctx.where(('scopes', old))}: error: give the new name (to=...)")
        if new in _scopes(ctx.contract):
            raise RecipeError(f"{ctx.where(('scopes', new))}: error: scope {new!r} already exists")
    else:
        new = new or str(_find_deprecation(ctx.contract, target)[1].get("replacement") or "")  # type: ignore[index]
        if new not in _scopes(ctx.contract):
            raise RecipeError(
                f"{ctx.where(('scopes',))}: error: the replacement scope {new!r} is not in the contract"
            )

    def expand(ed: Editor) -> None:
        ed.copy_entry(("scopes", old), new)

    def contract(ed: Editor) -> None:
        ed.remove_entry(("scopes", old))
        _rename_in_lists(ed, old, new, _scope_lists(ed))

    return _two_step(
        ctx,
        target,
        f"scope {old}",
        expand,
        contract,
        recipe="rename-scope",
        replacement=new,
        notice=f"Request {new} instead of {old}; {old} is no longer granted or accepted after the sunset.",
        summary=f"scope {new} added as the new name of {old}; {old} deprecated",
        unsafe_if=(
            f"endpoints (and MFA) keep requiring {old} until the contract step, which moves them "
            f"to {new}: clients must request {new} by the sunset"
        ),
    )


def _scope_lists(ed: Editor) -> list[tuple]:
    """Every list that names scopes: endpoint security requirements, MFA, consumers' uses."""
    lists: list[tuple] = [("mfa", "required_for")]
    endpoints = ed.data.get("endpoints")
    if isinstance(endpoints, dict):
        for name, ep in endpoints.items():
            for i, req in enumerate(ep.get("security") or [] if isinstance(ep, dict) else []):
                if isinstance(req, dict):
                    lists.extend(("endpoints", name, "security", i, k) for k in req)
    for i, consumer in enumerate(ed.data.get("consumers") or []):
        if isinstance(consumer, dict):
            lists.append(("consumers", i, "uses"))
    return lists


def _rename_in_lists(ed: Editor, old: str, new: str, lists: list[tuple]) -> None:
    for raw in lists:
        try:
            values = ed.value(raw)
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(values, list) or old not in values:
            continue
        index = values.index(old)
        if new in values:
            ed.remove_item(raw, index)
        else:
            ed.replace_scalar((*raw, index), new)


def _rename_error(ctx: Context) -> Applied:
    old, new = _need(ctx, "code"), ctx.params.get("to", "")
    target = join("errors", old, select=True)
    expanding = _find_deprecation(ctx.contract, target) is None
    if expanding:
        if not new:
            raise RecipeError(f"{ctx.where(('errors', old))}: error: give the new code (to=...)")
        if new in _errors(ctx.contract):
            raise RecipeError(
                f"{ctx.where(('errors', new))}: error: error code {new!r} already exists"
            )
    else:
        new = new or str(_find_deprecation(ctx.contract, target)[1].get("replacement") or "")  # type: ignore[index]
        if new not in _errors(ctx.contract):
            raise RecipeError(
                f"{ctx.where(('errors',))}: error: the replacement code {new!r} is not in the contract"
            )

    def contract(ed: Editor) -> None:
        ed.remove_entry(("errors", old))
        endpoints = ed.data.get("endpoints")
        lists = (
            [("endpoints", n, "errors") for n in endpoints] if isinstance(endpoints, dict) else []
        )
        _rename_in_lists(ed, old, new, lists)
        step_up = (
            (ed.data.get("mfa") or {}).get("step_up")
            if isinstance(ed.data.get("mfa"), dict)
            else None
        )
        if isinstance(step_up, dict) and step_up.get("error") == old:
            ed.replace_scalar(("mfa", "step_up", "error"), new)

    return _two_step(
        ctx,
        target,
        f"error code {old}",
        lambda ed: ed.copy_entry(("errors", old), new),
        contract,
        recipe="rename-error-code",
        replacement=new,
        notice=f"Handle {new} as you handle {old}; endpoints answer {new} instead after the sunset.",
        summary=f"error code {new} added as the new name of {old}; {old} deprecated",
        unsafe_if=f"endpoints keep answering {old} until the contract step; clients should handle both",
    )


_RECIPES: tuple[Recipe, ...] = (
    Recipe(
        "rotate-signing-algorithm",
        "Rotate a signing algorithm",
        "Accept a new signing algorithm alongside the old one and deprecate the old one; applied "
        "again after the sunset, remove the old one.",
        (
            RecipeParam("token", "The token kind.", _signed_tokens),
            RecipeParam("old", "The algorithm to retire.", _token_algs),
            RecipeParam(
                "new", "The algorithm that replaces it (expand step).", _new_algs, optional=True
            ),
        ),
        _rotate_algorithm,
        two_step=True,
        example=(("token", "access_token"), ("old", "RS256"), ("new", "ES256")),
    ),
    Recipe(
        "add-identity-provider",
        "Add an identity provider",
        "Add an identity provider and accept its tokens for the token kinds named.",
        (
            RecipeParam("id", "Its id (new).", free=True),
            RecipeParam("issuer", "Its issuer URL.", free=True),
            RecipeParam("tokens", "Token kinds it issues (comma-separated).", _issuing_tokens),
            RecipeParam("jwks_uri", "Its JWKS URL.", free=True, optional=True),
        ),
        _add_idp,
        example=(
            ("id", "partner-idp"),
            ("issuer", "https://id.partner.example"),
            ("tokens", "access_token"),
        ),
    ),
    Recipe(
        "retire-identity-provider",
        "Retire an identity provider",
        "Deprecate an identity provider whose tokens another provider also issues; applied again "
        "after the sunset, remove it.",
        (RecipeParam("idp", "The identity provider.", lambda c, _p: _idps(c)),),
        _retire_idp,
        two_step=True,
        example=(("idp", "legacy-idp"),),
    ),
    Recipe(
        "shorten-token-lifetime",
        "Shorten a token lifetime",
        "Set a shorter lifetime for a token kind.",
        (
            RecipeParam("token", "The token kind.", _lifetime_tokens),
            RecipeParam("lifetime", "The new lifetime (15m, 1h...).", free=True),
        ),
        _shorten_lifetime,
        example=(("token", "access_token"), ("lifetime", "10m")),
    ),
    Recipe(
        "require-mfa-for-scope",
        "Require MFA for a scope",
        "Require a second factor for a scope (mfa.required_for).",
        (RecipeParam("scope", "The scope.", _scopes_without_mfa),),
        _require_mfa,
        example=(("scope", "orders:read"),),
        unsafe="cannot be made safe: users who have no second factor enrolled are refused "
        "tokens with this scope from the day it takes effect",
    ),
    Recipe(
        "add-required-claim",
        "Add a required claim",
        "Require a claim in a JWT token kind (required_claims).",
        (
            RecipeParam("token", "The token kind.", _jwt_tokens),
            RecipeParam("claim", "The claim name.", free=True),
        ),
        _add_claim,
        example=(("token", "access_token"), ("claim", "jti")),
        unsafe="cannot be made safe by an overlap: tokens already issued without the claim are "
        "rejected; issuers must emit it before verifiers require it",
    ),
    Recipe(
        "rename-scope",
        "Rename a scope",
        "Add the new scope name and deprecate the old one; applied again after the sunset, "
        "remove the old one and rename it in endpoints, MFA and consumers.",
        (
            RecipeParam("scope", "The scope to rename.", lambda c, _p: _scopes(c)),
            RecipeParam("to", "The new name (expand step).", free=True, optional=True),
        ),
        _rename_scope,
        two_step=True,
        example=(("scope", "orders:write"), ("to", "orders:create")),
    ),
    Recipe(
        "rename-error-code",
        "Rename an error code",
        "Add the new error code and deprecate the old one; applied again after the sunset, "
        "remove the old one and rename it in endpoints.",
        (
            RecipeParam("code", "The error code to rename.", lambda c, _p: _errors(c)),
            RecipeParam("to", "The new code (expand step).", free=True, optional=True),
        ),
        _rename_error,
        two_step=True,
        example=(("code", "insufficient_scope"), ("to", "scope_missing")),
    ),
)

RECIPES: dict[str, Recipe] = {r.id: r for r in _RECIPES}


# --- applying ---------------------------------------------------------------------------------

_PARAM_HOME: dict[str, tuple] = {
    "token": ("tokens",),
    "old": ("tokens",),
    "idp": ("identity_providers",),
    "scope": ("scopes",),
    "code": ("errors",),
    "tokens": ("tokens",),
}


def choices(
    recipe: Recipe, param: RecipeParam, contract: Contract, params: Mapping[str, str]
) -> list[str]:
    """The values ``param`` may take in ``contract`` (given the earlier ``params``)."""
    return param.choices(contract, params) if param.choices is not None else []


def load_for_recipe(text: str, source: str) -> Contract:
    """The contract a recipe edits; a one-line ``RecipeError`` for bad input (an artefact or a
    JSON file is refused by name: recipes write the contract format's YAML)."""
    if source.lower().endswith(".json"):
        raise RecipeError(
            f"{source}:1:1: error: recipes edit YAML contracts; this is a JSON file: edit it by "
            "hand (or import it as a contract: workbench import)"
        )
    try:
        return load_contract_text(text, source)
    except ContractError as exc:
        kind = _artefact_kind(text, source)
        if kind is not None:
            raise RecipeError(
                f"{source}:1:1: error: recipes edit contracts; this is {NAMES[kind]}: import it "
                "as a contract first (workbench import)"
            ) from None
        raise RecipeError(exc.first.format()) from None


def _artefact_kind(text: str, source: str) -> str | None:
    from workbench.contract.yamlsrc import load_yaml

    try:
        kind = detect(load_yaml(text, source).data, source)
    except ContractError:
        return None
    return kind if kind in KINDS else None


def check_params(
    recipe: Recipe, contract: Contract, params: Mapping[str, str], editor: Editor
) -> None:
    """Refuse unknown parameters, missing ones and values the contract does not have."""
    names = [p.name for p in recipe.params]
    for name in params:
        if name not in names:
            raise RecipeError(
                f"{recipe.id}: unknown parameter {name!r} (parameters: {', '.join(names)})"
            )
    for p in recipe.params:
        value = params.get(p.name)
        if not value:
            if not p.optional:
                offered = choices(recipe, p, contract, params) if p.choices else []
                hint = f"; choices: {', '.join(offered)}" if offered else ""
                raise RecipeError(
                    f"{recipe.id}: missing parameter {p.name} ({p.help.rstrip('.')}{hint})"
                )
            continue
        if p.free or p.choices is None:
            continue
        allowed = choices(recipe, p, contract, params)
        values = [v.strip() for v in value.split(",")] if p.name == "tokens" else [value]
        for v in values:
            if v not in allowed and not _known_elsewhere(recipe, p, contract, params, v):
                where = editor.where(_PARAM_HOME.get(p.name, ()))
                listed = ", ".join(allowed) or "none"
                raise RecipeError(
                    f"{where}: error: {recipe.id}: {p.name} {v!r} is not in this contract (choices: {listed})"
                )


def _known_elsewhere(
    recipe: Recipe, p: RecipeParam, contract: Contract, params: Mapping[str, str], value: str
) -> bool:
    """A value outside the choices that is still fine: the new algorithm of a rotation may be
    one the token lists already (the expand step then only deprecates the old one)."""
    if recipe.id == "rotate-signing-algorithm" and p.name == "new":
        return value in _token_algs(contract, params)
    return False


def apply_recipe(
    recipe_id: str,
    text: str,
    source: str,
    params: Mapping[str, str],
    *,
    today: dt.date | None = None,
    notice_period: int = DEFAULT_NOTICE_PERIOD,
    default_skew: int = DEFAULT_SKEW,
) -> Applied:
    """Apply recipe ``recipe_id`` to a contract's ``text`` (named ``source`` in messages).

    Returns what to write (nothing is written here). Raises :class:`RecipeError` (one line) for
    an unknown recipe, bad parameters or a contract it cannot edit, :class:`RecipeRefused` for
    a contract step before its sunset."""
    recipe = RECIPES.get(recipe_id)
    if recipe is None:
        raise RecipeError(f"unknown recipe {recipe_id!r} (recipes: {', '.join(RECIPES)})")
    contract = load_for_recipe(text, source)
    try:
        editor = Editor(text, source, contract)
        clean = {k: str(v).strip() for k, v in params.items() if v is not None}
        check_params(recipe, contract, clean, editor)
        ctx = Context(
            contract, editor, today or dt.date.today(), notice_period, default_skew, clean
        )
        return recipe.run(ctx)
    except EditError as exc:
        raise RecipeError(str(exc)) from None


def judge(
    old: Contract | None,
    text: str,
    source: str,
    *,
    today: dt.date | None = None,
    policy: Any = None,
) -> Any:
    """The engine's report on the recipe's result against ``old`` (the base): its severity is
    the one a face shows, never the recipe's."""
    from workbench.review import build_report

    return build_report(old, load_for_recipe(text, source), today=today, policy=policy)


# --- on a file in a repository: the one path the command line and the TUI take ----------------

_BOM = "\ufeff"


@dataclass(slots=True)
class Preview:
    """A recipe applied to a working-tree file, not yet written: the result, its unified diff
    and the engine's report of the result against HEAD (``None`` outside a repository)."""

    path: Path
    relpath: str
    before: str
    applied: Applied
    diff: str
    report: Any = None
    base_label: str = "HEAD"
    bom: bool = False

    @property
    def changed(self) -> bool:
        return self.applied.text != self.before


def preview_recipe(
    recipe_id: str,
    path: str | Path,
    params: Mapping[str, str],
    *,
    today: dt.date | None = None,
    text: str | None = None,
) -> Preview:
    """Apply ``recipe_id`` to the contract file at ``path`` in memory and judge the result
    against the file at HEAD (the repository's notice period, clock skew and policy in force).
    ``text``: the contract as an editor holds it, instead of the file's content.
    Raises :class:`RecipeError` (one line) for anything that stops it; writes nothing."""
    from workbench.contract.yamlsrc import read_regular
    from workbench.history.errors import HistoryError
    from workbench.history.gitio import GitRepo

    file = Path(path)
    if text is None:
        try:
            raw = read_regular(file)
        except OSError as exc:
            raise RecipeError(f"{path}: error: cannot read: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RecipeError(f"{path}: error: not UTF-8") from None
    bom = text.startswith(_BOM)
    text = text[1:] if bom else text
    try:
        git: GitRepo | None = GitRepo.discover(file.resolve().parent)
    except HistoryError:
        git = None
    try:
        return _preview(recipe_id, file, str(path), text, bom, params, git, today)
    finally:
        if git is not None:
            git.close()


def _preview(
    recipe_id: str,
    file: Path,
    rel: str,
    text: str,
    bom: bool,
    params: Mapping[str, str],
    git: Any,
    today: dt.date | None,
) -> Preview:
    from workbench.amendment.settings import load_settings
    from workbench.contract.errors import ContractError
    from workbench.history.errors import HistoryError
    from workbench.review import build_report
    from workbench.security.policy import DEFAULT_POLICY, load_policy

    settings, policy = None, DEFAULT_POLICY
    if git is not None and git.root is not None:
        with contextlib.suppress(HistoryError):
            rel = git.relpath(str(file.resolve())) or rel
        try:
            settings = load_settings(git.root)
            policy = load_policy(git.root)
        except ContractError as exc:
            raise RecipeError(exc.first.format()) from None
    day = today or dt.date.today()
    applied = apply_recipe(
        recipe_id,
        text,
        rel,
        params,
        today=day,
        notice_period=settings.notice_period if settings is not None else DEFAULT_NOTICE_PERIOD,
        default_skew=policy.clock_skew,
    )
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            applied.text.splitlines(keepends=True),
            f"a/{rel}",
            f"b/{rel}",
        )
    )
    report = None
    if git is not None:
        from workbench.history.revspec import read_contract_at

        try:
            old: Contract | None = read_contract_at(git.root or ".", "HEAD", rel)
        except ContractError:
            old = None  # a contract new in the working tree (or no commit yet)
        report = build_report(old, load_for_recipe(applied.text, rel), policy=policy, today=day)
    return Preview(file, rel, text, applied, diff, report, bom=bom)


def write_preview(preview: Preview) -> None:
    """Write the previewed result over its file (atomic; the byte-order mark kept)."""
    from workbench.amendment.atomic import atomic_write

    data = (_BOM if preview.bom else "") + preview.applied.text
    try:
        atomic_write(preview.path, data.encode("utf-8"))
    except OSError as exc:
        raise RecipeError(f"{preview.path}: error: cannot write: {exc.strerror or exc}") from None


__all__ = [
    "RECIPES",
    "Applied",
    "Recipe",
    "RecipeError",
    "RecipeParam",
    "RecipeRefused",
    "apply_recipe",
    "choices",
    "judge",
    "plan_sunset",
    "preview_recipe",
    "write_preview",
]
