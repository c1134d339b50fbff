"""Rotation overlap: the one computation behind the checklist's compatibility step (a breaking
removal passes as a *fallback*) and the security review's ``regression.rotation-overlap``.

When an amendment removes something verifiers accept (a signing or encryption algorithm, an
issuer, an audience, a JWKS, RSA keys below a raised minimum), tokens issued under the old
setting are still in flight. The removal is safe when the old contract already accepted
something the new one still accepts (producers could switch first: the *overlap*) and that
overlap lasted at least the longest lifetime of the affected tokens plus clock skew (plus the
JWKS cache time for keys).

The overlap is proven from the earliest of two facts: the covering deprecation's ``announced``
date, and the commit of the old version (which accepted both). It lasted until the removal:
``now``, the commit date of the amendment or the moment a draft is judged. Without a clock, the
deprecation's planned window (announced to sunset) is all that can be shown; without either,
the overlap is *unproven*, which the security review reports (medium) rather than assume.
"""

from __future__ import annotations

import datetime as dt
import weakref
from _thread import _local  # threading.local itself, without importing threading
from collections.abc import Iterator
from typing import Any, Literal

from workbench.contract.model import Contract
from workbench.contract.paths import element_key, is_within, join, split_path
from workbench.contract.record import Frozen
from workbench.contract.units import as_date, format_duration, format_span
from workbench.security.context import lifetime_of

Status = Literal["enough", "short", "none", "unproven", "unknown"]

# Lists a verifier accepts any member of: removing a member is a rotation.
ACCEPTING_SETS = ("signing_algorithms", "encryption_algorithms", "issued_by", "audience")
_SET_WORDS = {
    "signing_algorithms": "signing algorithm",
    "encryption_algorithms": "encryption algorithm",
    "issued_by": "identity provider",
    "audience": "audience",
}


class Removal(Frozen):
    """Something the old contract accepted and the new one does not."""

    __slots__ = (
        "kept",
        "keys",
        "path",
        "raw",
        "removed",
        "replacement",
        "targets",
        "tokens",
        "what",
    )
    what: str  # "signing algorithm RS256 of access_token"
    removed: str  # the value itself: "RS256"
    path: str  # its contract path in the old contract
    raw: tuple  # its raw path in the old contract (for the source line)
    targets: tuple[str, ...]  # contract paths a deprecation may name to announce it
    tokens: tuple[tuple[str, dict], ...]  # the tokens whose in-flight copies it can reject
    kept: tuple[str, ...]  # what old and new both accept: empty when replaced in one step
    replacement: str  # what replaces it, for messages
    keys: bool  # a key change: the JWKS cache time adds to the overlap needed

    def __init__(
        self,
        what: str,
        removed: str,
        path: str,
        raw: tuple,
        targets: tuple[str, ...],
        tokens: tuple[tuple[str, dict], ...],
        kept: tuple[str, ...],
        replacement: str,
        keys: bool = False,
    ):
        put = object.__setattr__
        put(self, "what", what)
        put(self, "removed", removed)
        put(self, "path", path)
        put(self, "raw", raw)
        put(self, "targets", targets)
        put(self, "tokens", tokens)
        put(self, "kept", kept)
        put(self, "replacement", replacement)
        put(self, "keys", keys)


class Overlap(Frozen):
    """How long old and new were accepted together, against how long they had to be."""

    __slots__ = (
        "deprecation",
        "lasted",
        "need",
        "need_text",
        "note",
        "removal",
        "since",
        "since_text",
        "status",
    )
    _uncompared = frozenset(("deprecation",))
    removal: Removal
    status: Status  # enough | short | none (one step) | unproven (no start) | unknown (no need)
    need: int | None
    need_text: str
    since: dt.datetime | None
    since_text: str
    lasted: int | None  # seconds
    note: str  # ", before its sunset 2026-09-01", "until its sunset ... (planned)"
    deprecation: dict | None

    def __init__(
        self,
        removal: Removal,
        status: Status,
        need: int | None,
        need_text: str,
        since: dt.datetime | None = None,
        since_text: str = "",
        lasted: int | None = None,
        note: str = "",
        deprecation: dict | None = None,
    ):
        put = object.__setattr__
        put(self, "removal", removal)
        put(self, "status", status)
        put(self, "need", need)
        put(self, "need_text", need_text)
        put(self, "since", since)
        put(self, "since_text", since_text)
        put(self, "lasted", lasted)
        put(self, "note", note)
        put(self, "deprecation", deprecation)

    @property
    def ok(self) -> bool:
        return self.status == "enough"

    @property
    def together(self) -> str:
        """``ES256 accepted together with RS256``."""
        r = self.removal
        return f"{', '.join(r.kept)} accepted together with {r.removed}"

    @property
    def detail(self) -> str:
        """One line, the same for every face: what was accepted together, since when, for how
        long, and how long it had to be."""
        r, need = self.removal, self.need_text
        if self.status == "none":
            return (
                f"{r.what} is replaced by {r.replacement} in one step: no version accepts both, "
                f"so tokens issued before the switch fail (overlap needed: {need})"
            )
        if self.status == "unknown":
            return f"{self.together}, but the overlap needed is unknown: {need}"
        if self.status == "unproven":
            dep = self.deprecation
            if dep is not None and dep.get("announced") is not None:
                return (
                    f"{r.what} is removed; its deprecation (announced {dep.get('announced')}) "
                    f"has no sunset date, so the overlap of {need} cannot be checked"
                )
            return (
                f"{r.what} is removed with no deprecation entry and no commit date of the old "
                f"version: nothing shows it was accepted alongside {', '.join(r.kept)} for at "
                f"least {need}"
            )
        lasted = format_span(self.lasted or 0)
        if self.status == "short":
            return (
                f"{self.together} only since {self.since_text}{self.note}: {lasted} of overlap, "
                f"less than {need}"
            )
        return f"{self.together} since {self.since_text}{self.note}: {lasted}, at least {need}"


# --- what was removed ---------------------------------------------------------------------------


def removal_at(path: str, old: Contract, new: Contract) -> Removal | None:
    """The rotation a change at ``path`` is, if any: a member removed from a token's accepting
    list (``tokens.access_token.signing_algorithms[RS256]``), an identity provider or its
    issuer (``identity_providers[corp]``, ``identity_providers[corp].issuer``), its JWKS
    (``identity_providers[corp].jwks_uri``) or a raised ``keys.min_rsa_bits``."""
    parts = _split(path)
    names = [seg for seg, _ in parts]
    if len(parts) == 4 and names[0] == "tokens" and names[2] in ACCEPTING_SETS and parts[3][1]:
        return _list_removal(old, new, names[1], names[2], names[3])
    if names[:1] == ["identity_providers"] and len(parts) >= 2 and parts[1][1]:
        if len(parts) == 2 or (len(parts) == 3 and names[2] == "issuer"):
            return _issuer_removal(old, new, names[1])
        if len(parts) == 3 and names[2] == "jwks_uri":
            return _jwks_removal(old, new, names[1])
    if path == "keys.min_rsa_bits":
        return _key_minimum(old, new)
    return None


_last = _local()  # per thread: the pair of contracts asked last and its removals


def removals(old: Contract, new: Contract) -> Iterator[Removal]:
    """Every rotation of the amendment the security review checks: signing algorithms of token
    kinds on both sides, issuers of identity providers that issue tokens, moved JWKS, raised
    RSA minimums.

    The answer for the last pair asked is kept (by weak references: it keeps neither contract
    alive): a log asks whether an amendment rotates anything before judging it, and the review
    then asks for the same pair."""
    last = getattr(_last, "pair", None)
    if last is not None and last[0]() is old and last[1]() is new:
        return iter(last[2])
    found = tuple(_removals(old, new))
    try:
        _last.pair = (weakref.ref(old), weakref.ref(new), found)
    except TypeError:  # not a loaded contract (a stand-in without weak references)
        _last.pair = None
    return iter(found)


def _removals(old: Contract, new: Contract) -> Iterator[Removal]:
    new_tokens = _tokens(new)
    for kind, token in _tokens(old).items():
        other = new_tokens.get(kind)
        if other is None or not _list(other, "signing_algorithms"):
            continue
        for alg in _list(token, "signing_algorithms"):
            if alg not in _list(other, "signing_algorithms") and alg.lower() != "none":
                found = _list_removal(old, new, kind, "signing_algorithms", alg)
                if found is not None:
                    yield found
    new_idps = _idps(new)
    new_issuers = {str(p.get("issuer")) for p in new_idps.values()}
    for idp_id, (_, idp) in _indexed_idps(old).items():
        issued = _issued_by(old, idp_id)
        if str(idp.get("issuer")) not in new_issuers and issued:
            found = _issuer_removal(old, new, idp_id)
            if found is not None:
                yield found
        moved = new_idps.get(idp_id)
        if (
            moved is not None
            and idp.get("jwks_uri")
            and moved.get("jwks_uri") not in (None, idp.get("jwks_uri"))
            and str(moved.get("issuer")) == str(idp.get("issuer"))  # else: an issuer change
        ):
            found = _jwks_removal(old, new, idp_id)
            if found is not None:
                yield found
    found = _key_minimum(old, new)
    if found is not None:
        yield found


def _list_removal(old: Contract, new: Contract, kind: str, name: str, value: str) -> Removal | None:
    old_token, new_token = _tokens(old).get(kind), _tokens(new).get(kind)
    if old_token is None:
        return None
    before = _list(old_token, name)
    if value not in before:
        return None
    after = _list(new_token, name) if new_token is not None else []
    if value in after:
        return None
    base = join(join("tokens", kind), name)
    path = join(base, value, select=True)
    kept = tuple(v for v in before if v in after)
    added = [v for v in after if v not in before]
    tokens = [(kind, old_token)] + ([(kind, new_token)] if new_token is not None else [])
    return Removal(
        what=f"{_SET_WORDS[name]} {value} of {kind}",
        removed=value,
        path=path,
        raw=("tokens", kind, name, before.index(value)),
        targets=(path,),
        tokens=tuple(tokens),
        kept=kept,
        replacement=", ".join(added or after) or "nothing",
    )


def _issuer_removal(old: Contract, new: Contract, idp_id: str) -> Removal | None:
    idps = _indexed_idps(old)
    if idp_id not in idps:
        return None
    index, idp = idps[idp_id]
    issuer = str(idp.get("issuer"))
    new_idps = _idps(new)
    if issuer in {str(p.get("issuer")) for p in new_idps.values()} and idp_id in new_idps:
        return None
    issued = _issued_by(old, idp_id)
    new_tokens = _tokens(new)
    kept: set[str] = set()
    replacement: set[str] = set()
    for kind, _ in issued:
        if kind in new_tokens:
            now = _accepted_issuers(new, kind)
            kept |= _accepted_issuers(old, kind) & now
            replacement |= now
    # the same issuer URL still accepted through another provider counts as overlap too
    still = [k for k, p in new_idps.items() if k != idp_id and str(p.get("issuer")) == issuer]
    together = sorted(kept - {issuer})
    if still and issuer in kept:
        together.append(f"{issuer} (through {', '.join(still)})")
    changed = idp_id in new_idps
    base = join("identity_providers", idp_id, select=True)
    return Removal(
        what=f"issuer {issuer} ({idp_id})",
        removed=issuer,
        path=join(base, "issuer") if changed else base,
        raw=("identity_providers", index, "issuer") if changed else ("identity_providers", index),
        targets=(
            base,
            *(join(join(join("tokens", k), "issued_by"), idp_id, select=True) for k, _ in issued),
        ),
        tokens=tuple(issued) or tuple(_jwt_tokens(old)),
        kept=tuple(together),
        replacement=", ".join(sorted(replacement - {issuer})) or "the remaining issuers",
    )


def _jwks_removal(old: Contract, new: Contract, idp_id: str) -> Removal | None:
    idps, new_idps = _indexed_idps(old), _idps(new)
    if idp_id not in idps or idp_id not in new_idps:
        return None
    index, idp = idps[idp_id]
    before, after = idp.get("jwks_uri"), new_idps[idp_id].get("jwks_uri")
    if not before or after in (None, before):
        return None
    path = join(join("identity_providers", idp_id, select=True), "jwks_uri")
    return Removal(
        what=f"JWKS {before} of {idp_id}",
        removed=str(before),
        path=path,
        raw=("identity_providers", index, "jwks_uri"),
        targets=(path,),
        tokens=tuple(_issued_by(old, idp_id)),
        kept=(),
        replacement=str(after),
        keys=True,
    )


def _key_minimum(old: Contract, new: Contract) -> Removal | None:
    before, after = _keys(old).get("min_rsa_bits"), _keys(new).get("min_rsa_bits")
    if not (isinstance(before, int) and isinstance(after, int) and after > before):
        return None
    signed = [(k, t) for k, t in _tokens(old).items() if t.get("signing_algorithms")]
    return Removal(
        what=f"RSA keys of {before}-{after - 1} bits",
        removed=f"RSA keys of {before}-{after - 1} bits",
        path="keys.min_rsa_bits",
        raw=("keys", "min_rsa_bits"),
        targets=("keys.min_rsa_bits",),
        tokens=tuple(signed),
        kept=(),
        replacement=f"keys of {after} bits or more",
        keys=True,
    )


# --- how long it had to last, and how long it did -----------------------------------------------


def assess(
    removal: Removal,
    old: Contract,
    new: Contract,
    *,
    default_skew: int,
    now: dt.datetime | None,
    old_since: dt.datetime | None,
) -> Overlap:
    """How long ``removal``'s overlap lasted against how long it had to (see the module
    docstring). ``now`` is when the removal takes effect (``None``: no clock, only a
    deprecation's planned window counts); ``old_since`` when the old version was committed."""
    need, need_text = overlap_needed(removal, old, new, default_skew)
    dep = covering_deprecation(removal.targets, new, old)
    if not removal.kept:
        return Overlap(removal, "none", need, need_text, deprecation=dep)
    if need is None:
        return Overlap(removal, "unknown", need, need_text, deprecation=dep)
    announced = as_date(dep.get("announced")) if dep is not None else None
    sunset = as_date(dep.get("sunset")) if dep is not None else None
    starts: list[tuple[dt.datetime, str]] = []
    if announced is not None:
        starts.append((_midnight(announced), f"the deprecation announced {announced}"))
    if old_since is not None:
        since = old_since if old_since.tzinfo else old_since.replace(tzinfo=dt.UTC)
        starts.append((since, f"{old.version} (committed {since.date()})"))
    if not starts:
        return Overlap(removal, "unproven", need, need_text, deprecation=dep)
    since, since_text = min(starts, key=lambda s: s[0])
    note = ""
    if now is None:
        if sunset is None or announced is None:
            return Overlap(removal, "unproven", need, need_text, deprecation=dep)
        # no clock: the planned window, as if the removal happens at the sunset
        since, since_text = _midnight(announced), f"the deprecation announced {announced}"
        until = _midnight(sunset)
        note = f" until its sunset {sunset}"
    else:
        until = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        if sunset is not None and until.date() < sunset:
            note = f", removed before its sunset {sunset}"
    lasted = max(0, int((until - since).total_seconds()))
    status: Status = "enough" if lasted >= need else "short"
    return Overlap(removal, status, need, need_text, since, since_text, lasted, note, dep)


def overlap_needed(
    removal: Removal, old: Contract, new: Contract, default_skew: int
) -> tuple[int | None, str]:
    """The longest lifetime of the affected tokens plus clock skew (plus the JWKS cache time
    for keys), and how it was computed."""
    tokens = list(removal.tokens)
    lifetimes = [(life, kind) for kind, t in tokens if (life := lifetime_of(t)) is not None]
    if not lifetimes:
        kinds = ", ".join(dict.fromkeys(k for k, _ in tokens)) or "the affected tokens"
        return None, f"unknown (no lifetime declared for {kinds})"
    life, kind = max(lifetimes)
    skews = [t["clock_skew"] for _, t in tokens if isinstance(t.get("clock_skew"), int)]
    skew = max(skews) if skews else default_skew
    cache = _jwks_cache(old, new) if removal.keys else None
    total = life + skew + (cache or 0)
    text = (
        f"{format_duration(total)} ({kind} lifetime {format_duration(life)} "
        f"+ clock skew {format_duration(skew)}"
        + (f" + JWKS cache {format_duration(cache)})" if cache else ")")
    )
    return total, text


def covering_deprecation(
    targets: tuple[str, ...] | str, *contracts: Contract | None
) -> dict | None:
    """The first ``deprecations`` entry (in ``contracts`` order) whose target covers one of
    ``targets``: the same path, an ancestor of it, or something inside it."""
    wanted = (targets,) if isinstance(targets, str) else targets
    for contract in contracts:
        if contract is None:
            continue
        for dep in contract.section("deprecations") or []:
            target = dep.get("target") if isinstance(dep, dict) else None
            if isinstance(target, str) and any(
                is_within(t, target) or is_within(target, t) for t in wanted
            ):
                return dep
    return None


# --- reading the contracts ----------------------------------------------------------------------


def _split(path: str) -> list[tuple[str, bool]]:
    try:
        return split_path(path)
    except ValueError:
        return []


def _tokens(contract: Contract) -> dict[str, dict]:
    section = contract.section("tokens") or {}
    return {str(k): v for k, v in section.items() if isinstance(v, dict)}


def _jwt_tokens(contract: Contract) -> list[tuple[str, dict]]:
    tokens = _tokens(contract)
    return [(k, t) for k, t in tokens.items() if t.get("format") == "jwt"] or list(tokens.items())


def _list(token: dict | None, name: str) -> list[str]:
    values = token.get(name) if isinstance(token, dict) else None
    if not isinstance(values, list):
        return []
    return [key for key in (element_key(v) for v in values) if key is not None]


def _keys(contract: Contract) -> dict[str, Any]:
    keys = contract.section("keys")
    return keys if isinstance(keys, dict) else {}


def _indexed_idps(contract: Contract) -> dict[str, tuple[int, dict]]:
    return {
        str(p.get("id")): (i, p)
        for i, p in enumerate(contract.section("identity_providers") or [])
        if isinstance(p, dict)
    }


def _idps(contract: Contract) -> dict[str, dict]:
    return {k: p for k, (_, p) in _indexed_idps(contract).items()}


def _issued_by(contract: Contract, idp_id: str) -> list[tuple[str, dict]]:
    return [(k, t) for k, t in _tokens(contract).items() if idp_id in _list(t, "issued_by")]


def _accepted_issuers(contract: Contract, kind: str) -> set[str]:
    """The issuer URLs a verifier of token ``kind`` accepts."""
    urls = {k: str(p.get("issuer")) for k, p in _idps(contract).items()}
    return {urls[i] for i in _list(_tokens(contract).get(kind), "issued_by") if i in urls}


def _jwks_cache(old: Contract, new: Contract) -> int | None:
    values = [_keys(c).get("jwks_cache") for c in (old, new)]
    found = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return max(found) if found else None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)
