"""Semantic diff of two contracts: a list of :class:`Change`, each tagged with a topic for rules.

The differ knows the format: sets are compared as sets (reordering is no change), maps by key,
identity providers by ``id``, consumers by ``name``, deprecations by ``target``, durations in
seconds (``Contract.norm``), and JSON Schemas after resolving ``$ref`` (see
:mod:`workbench.engine.schemadiff`). Comments, quoting and key order never produce a change,
because only loaded values are compared.

Every change carries the contract path (``tokens.access_token.signing_algorithms[RS256]``), the
raw paths into each side's data and the source locations of both sides: for an added value the
old location is the nearest existing ancestor in the old file, and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.contract.loc import Loc
from workbench.contract.model import Contract
from workbench.contract.paths import join
from workbench.engine.members import Members, indexed, members, pair_renames, pair_renames_by
from workbench.engine.model import Change
from workbench.engine.schemadiff import SchemaDiffer

Raw = tuple


def diff_contracts(old: Contract, new: Contract) -> list[Change]:
    """Every semantic difference between two loaded contracts, in document order."""
    differ = _Differ(old, new)
    try:
        return differ.run()
    finally:
        # the schema differ calls back into this one (a cycle): undone here, the two and what
        # they hold go as soon as the caller lets go, without waiting for the collector
        differ.schemas = None  # type: ignore[assignment]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _same(a: Any, b: Any) -> bool:
    """Equality that does not confuse ``True`` with ``1`` or ``1.0`` with ``True``."""
    if type(a) is not type(b):
        if isinstance(a, bool) or isinstance(b, bool):
            return False
        if not (isinstance(a, int | float) and isinstance(b, int | float)):
            return False
    return a == b


def _set_key(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


# Field kinds of the format, used by the data-driven walker below.
class _F:
    __slots__ = ("default", "kind", "spec", "topic")

    def __init__(self, kind: str, topic: str = "", default: Any = None, spec: dict | None = None):
        self.kind, self.topic, self.default, self.spec = kind, topic, default, spec


def TEXT() -> _F:
    return _F("text", "text")


def V(topic: str, default: Any = None) -> _F:
    return _F("value", topic, default)


def S(topic: str) -> _F:
    return _F("set", topic)


def N(spec: dict) -> _F:
    return _F("nested", spec=spec)


IDP_FIELDS = {
    "description": TEXT(),
    "issuer": V("idp.issuer"),
    "discovery_url": V("idp.discovery_url"),
    "jwks_uri": V("idp.jwks_uri"),
    "metadata_url": V("idp.metadata_url"),
    "protocols": S("idp.protocols"),
}

TOKEN_FIELDS = {
    "description": TEXT(),
    "format": V("token.format"),
    "type": V("token.type"),
    "issued_by": S("token.issued_by"),
    "signing_algorithms": S("token.signing_algorithms"),
    "encryption_algorithms": S("token.encryption_algorithms"),
    "audience": S("token.audience"),
    "lifetime": V("token.lifetime"),
    "idle_lifetime": V("token.idle_lifetime"),
    "absolute_lifetime": V("token.absolute_lifetime"),
    "clock_skew": V("token.clock_skew", 0),
    "required_claims": S("token.required_claims"),
    "claims_schema": _F("schema", "claims"),
    "sender_constraint": V("token.sender_constraint", "none"),
    "rotation": V("token.rotation", False),
    "reuse_grace": V("token.reuse_grace", 0),
    "introspection": V("token.introspection", False),
}

SESSION_FIELDS = {
    "idle_timeout": V("session.idle_timeout"),
    "absolute_timeout": V("session.absolute_timeout"),
    "cookie": N(
        {
            "name": V("session.cookie.name"),
            "secure": V("session.cookie.flag", False),
            "http_only": V("session.cookie.flag", False),
            "same_site": V("session.cookie.same_site", "lax"),  # the browser default
        }
    ),
}

MFA_FIELDS = {
    "required": V("mfa.required", False),
    "required_for": S("mfa.required_for"),
    "methods": S("mfa.methods"),
    "assurance_level": V("mfa.assurance_level", "aal1"),
    "step_up": N({"acr_values": S("mfa.step_up.acr_values"), "error": V("mfa.step_up.error")}),
}

PKCE_FIELDS = {"required": V("pkce.required", False), "methods": S("pkce.methods")}

KEY_FIELDS = {
    "rotation_period": V("key.rotation_period"),
    "jwks_cache": V("key.jwks_cache"),
    "min_rsa_bits": V("key.min_rsa_bits"),
    "min_ec_curve": V("key.min_ec_curve"),
    "from_token_headers": S("key.from_token_headers"),
}

ERROR_FIELDS = {
    "status": V("error.status"),
    "description": TEXT(),
    "www_authenticate": V("error.www_authenticate"),
}

DEPRECATION_FIELDS = {
    "announced": V("deprecation.announced"),
    "sunset": V("deprecation.sunset"),
    "replacement": V("deprecation.details"),
    "notice": TEXT(),
    "link": V("deprecation.details"),
}

CONSUMER_FIELDS = {"contact": V("meta.consumer"), "uses": S("meta.consumer.uses")}


def _locate(contract: Contract, raw: Raw | None) -> Loc | None:
    """Where ``raw`` is, or its nearest existing ancestor; ``None`` when only the document root
    is left (a whole missing section), since pointing at line 1 would only mislead."""
    if raw is None:
        return None
    probe = tuple(raw)
    while probe and probe not in contract.locs:
        probe = probe[:-1]
    if not probe and raw:
        return None
    return contract.anchor(probe)


class _Differ:
    def __init__(self, old: Contract, new: Contract):
        self.o, self.n = old, new
        self.on, self.nn = old.norm, new.norm
        self.out: list[Change] = []
        self.error_renames: dict[str, str] = {}
        self.scheme_renames: dict[str, str] = {}  # security schemes renamed, old -> new
        self.schemas = SchemaDiffer(old, new, self.emit)

    # --- emission ---------------------------------------------------------------------------

    def emit(
        self,
        topic: str,
        kind: str,
        path: str,
        old: Any = None,
        new: Any = None,
        *,
        old_raw: Raw | None = None,
        new_raw: Raw | None = None,
        old_at: Raw | None = None,
        new_at: Raw | None = None,
        **context: Any,
    ) -> None:
        """Record one change. ``old_at``/``new_at`` locate a side where the value is absent."""
        o_where = old_raw if old_raw is not None else old_at
        n_where = new_raw if new_raw is not None else new_at
        context["topic"] = topic
        self.out.append(
            Change(
                path=path,
                kind=kind,  # type: ignore[arg-type]
                old=old,
                new=new,
                old_raw=old_raw,
                new_raw=new_raw,
                old_loc=_locate(self.o, o_where),
                new_loc=_locate(self.n, n_where),
                context=context,
            )
        )

    def added(self, topic: str, path: str, value: Any, n_raw: Raw, o_at: Raw, **ctx: Any) -> None:
        self.emit(topic, "added", path, None, value, new_raw=n_raw, old_at=o_at, **ctx)

    def removed(self, topic: str, path: str, value: Any, o_raw: Raw, n_at: Raw, **ctx: Any) -> None:
        self.emit(topic, "removed", path, value, None, old_raw=o_raw, new_at=n_at, **ctx)

    # --- generic walkers --------------------------------------------------------------------

    def value(
        self,
        topic: str,
        path: str,
        o: Any,
        n: Any,
        o_raw: Raw,
        n_raw: Raw,
        default: Any = None,
        **ctx: Any,
    ) -> None:
        o_eff = default if o is None else o
        n_eff = default if n is None else n
        if _same(o_eff, n_eff):
            return
        kind = "added" if o_eff is None else "removed" if n_eff is None else "changed"
        self.emit(
            topic,
            kind,
            path,
            o_eff,
            n_eff,
            old_raw=o_raw if o is not None else None,
            new_raw=n_raw if n is not None else None,
            old_at=o_raw,
            new_at=n_raw,
            **ctx,
        )

    def sets(
        self, topic: str, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        o_list, n_list = _list(o), _list(n)
        o_idx = {_set_key(v): i for i, v in enumerate(o_list)}
        n_idx = {_set_key(v): i for i, v in enumerate(n_list)}
        if o_idx.keys() == n_idx.keys():
            return
        ctx["old_set"] = sorted(o_idx, key=str)
        ctx["new_set"] = sorted(n_idx, key=str)
        for key, i in o_idx.items():
            if key not in n_idx:
                self.removed(
                    topic, join(path, key, select=True), o_list[i], (*o_raw, i), n_raw, **ctx
                )
        for key, i in n_idx.items():
            if key not in o_idx:
                self.added(
                    topic, join(path, key, select=True), n_list[i], (*n_raw, i), o_raw, **ctx
                )

    def text(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        self.value("text", path, o, n, o_raw, n_raw, **ctx)

    def fields(
        self, spec: dict, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        """Walk a mapping whose keys the format defines; ``x-`` extensions are compared too."""
        o, n = _dict(o), _dict(n)
        if o == n and not self.schemas.dirty_at(o_raw):
            return
        for key, f in spec.items():
            ov, nv = o.get(key), n.get(key)
            if (ov == nv and type(ov) is type(nv)) and (
                f.kind in _FLAT or not self.schemas.dirty_at((*o_raw, key))
            ):
                continue
            p, orr, nrr = join(path, key), (*o_raw, key), (*n_raw, key)
            if f.kind == "text":
                self.text(p, ov, nv, orr, nrr, **ctx)
            elif f.kind == "value":
                self.value(f.topic, p, ov, nv, orr, nrr, f.default, field=key, **ctx)
            elif f.kind == "set":
                self.sets(f.topic, p, ov, nv, orr, nrr, field=key, **ctx)
            elif f.kind == "nested":
                self.fields(f.spec, p, ov, nv, orr, nrr, **ctx)
            elif f.kind == "schema":
                self.schemas.compare_root(f.topic, p, ov, nv, orr, nrr, **ctx)
            elif f.kind == "call":
                getattr(self, f.topic)(p, ov, nv, orr, nrr, **ctx)
            elif f.kind == "fn":
                f.spec(self, p, ov, nv, orr, nrr, **ctx)  # type: ignore[misc,operator]
        self.others(spec, path, o, n, o_raw, n_raw, **ctx)

    def others(
        self, known: Any, path: str, o: dict, n: dict, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        """Extension fields (``x-*``) and anything the format does not define."""
        for key in list(o) + [k for k in n if k not in o]:
            if key in known:
                continue
            ov, nv = o.get(key), n.get(key)
            if ov == nv and type(ov) is type(nv):
                continue
            topic = "extension" if str(key).startswith("x-") else "other"
            self.value(
                topic,
                join(path, key),
                ov,
                nv,
                (*o_raw, key),
                (*n_raw, key),
                detail=_detail(ov, nv),
                **ctx,
            )

    def keyed(
        self,
        topic: str,
        key_field: str,
        spec: dict,
        path: str,
        o_items: Any,
        n_items: Any,
        o_raw: Raw,
        n_raw: Raw,
    ) -> None:
        """A list of mappings identified by ``key_field`` (identity providers, consumers...)."""
        self.members(
            (f"{topic}.removed", f"{topic}.added"),
            path,
            indexed(o_items, key_field),
            indexed(n_items, key_field),
            o_raw,
            n_raw,
            lambda key, *sides: self.fields(spec, *sides, owner=key),
            tag=lambda key: {"owner": key},
            select=True,
        )

    def members(
        self,
        topics: tuple[str, str],
        path: str,
        o: Members,
        n: Members,
        o_raw: Raw,
        n_raw: Raw,
        both: Callable[..., None],
        *,
        tag: Callable[[Any], dict],
        shown: Callable[[Any, Any], Any] = lambda key, item: item,
        select: bool = False,
    ) -> None:
        """The members of a map or keyed list (``key -> (raw key, item)``, see :func:`members`
        and :func:`indexed`): one only in the old side is removed, one only in the new side is
        added (``topics``, the value ``shown(key, item)``, the context ``tag(key)``), and one on
        both sides goes to ``both(key, path, old, new, old_raw, new_raw)``."""
        removed, added = topics
        for key, (at, item) in o.items():
            if key not in n:
                p = join(path, key, select=select)
                self.removed(removed, p, shown(key, item), (*o_raw, at), n_raw, **tag(key))
        for key, (at, item) in n.items():
            if key not in o:
                p = join(path, key, select=select)
                self.added(added, p, shown(key, item), (*n_raw, at), o_raw, **tag(key))
        for key, (at, item) in o.items():
            if key in n:
                n_at, other = n[key]
                p = join(path, key, select=select)
                both(key, p, item, other, (*o_raw, at), (*n_raw, n_at))

    # --- sections with their own logic ------------------------------------------------------

    def run(self) -> list[Change]:
        both_artefacts = "artefact" in _dict(self.on) and "artefact" in _dict(self.nn)
        fields = ARTEFACT_FIELDS if both_artefacts else CONTRACT_FIELDS
        self.fields(fields, "", self.on, self.nn, (), ())
        self.schemas.compare_unused_components()
        return self.out

    def owners(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o_items = sorted((x for x in _list(o) if isinstance(x, dict)), key=repr)
        n_items = sorted((x for x in _list(n) if isinstance(x, dict)), key=repr)
        if o_items == n_items:
            return
        o_teams = sorted(str(x.get("team")) for x in o_items)
        n_teams = sorted(str(x.get("team")) for x in n_items)
        self.emit(
            "meta.owners",
            "changed",
            path,
            o_items,
            n_items,
            old_raw=o_raw if o is not None else None,
            new_raw=n_raw if n is not None else None,
            old_at=o_raw,
            new_at=n_raw,
            teams=(o_teams, n_teams),
        )

    def consumers(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        self.keyed("meta.consumer", "name", CONSUMER_FIELDS, path, o, n, o_raw, n_raw)

    def identity_providers(
        self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        self.keyed("idp", "id", IDP_FIELDS, path, o, n, o_raw, n_raw)

    def deprecations(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        self.keyed("deprecation", "target", DEPRECATION_FIELDS, path, o, n, o_raw, n_raw)

    def components(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        """Shared schemas are compared where they are used (see ``compare_unused_components``)."""

    def tokens(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        self.members(
            ("token.removed", "token.added"),
            path,
            members(o),
            members(n),
            o_raw,
            n_raw,
            lambda kind, *sides: self.fields(TOKEN_FIELDS, *sides, owner=kind),
            tag=lambda kind: {"owner": kind},
        )

    def scopes(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        removed = [s for s in o if s not in n]
        added = [s for s in n if s not in o]
        renamed = pair_renames(removed, added, lambda a, b: _similar(str(o[a]), str(n[b])) >= 0.8)
        for a, b in renamed.items():
            self.emit(
                "scope.renamed",
                "changed",
                join(path, a),
                a,
                b,
                old_raw=(*o_raw, a),
                new_raw=(*n_raw, b),
                renamed_to=b,
            )
        for s in removed:
            if s not in renamed:
                self.removed(
                    "scope.removed", join(path, s), s, (*o_raw, s), n_raw, description=o[s]
                )
        for s in added:
            if s not in renamed.values():
                self.added("scope.added", join(path, s), s, (*n_raw, s), o_raw, description=n[s])
        for s in o:
            if s in n:
                self.text(join(path, s), o[s], n[s], (*o_raw, s), (*n_raw, s), owner=s)

    def errors(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        removed = [c for c in o if c not in n]
        added = [c for c in n if c not in o]

        def same_error(a: str, b: str) -> bool:
            ea, eb = _dict(o[a]), _dict(n[b])
            if ea.get("status") != eb.get("status"):
                return False
            return _similar(str(ea.get("description", "")), str(eb.get("description", ""))) >= 0.6

        self.error_renames = pair_renames(removed, added, same_error)
        for a, b in self.error_renames.items():
            self.emit(
                "error.renamed",
                "changed",
                join(path, a),
                a,
                b,
                old_raw=(*o_raw, a),
                new_raw=(*n_raw, b),
                renamed_to=b,
                status=_dict(n[b]).get("status"),
            )
        for c in removed:
            if c not in self.error_renames:
                self.removed(
                    "error.removed",
                    join(path, c),
                    c,
                    (*o_raw, c),
                    n_raw,
                    status=_dict(o[c]).get("status"),
                )
        for c in added:
            if c not in self.error_renames.values():
                self.added(
                    "error.added",
                    join(path, c),
                    c,
                    (*n_raw, c),
                    o_raw,
                    status=_dict(n[c]).get("status"),
                )
        pairs = [(c, c) for c in o if c in n] + list(self.error_renames.items())
        for a, b in pairs:
            self.fields(ERROR_FIELDS, join(path, b), o[a], n[b], (*o_raw, a), (*n_raw, b), owner=b)

    def endpoints(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        o, n = _dict(o), _dict(n)
        removed = [e for e in o if e not in n]
        added = [e for e in n if e not in o]

        def route(ep: Any) -> list:
            ep = _dict(ep)
            return [str(ep.get("method", "")).upper(), ep.get("path")]

        renamed = pair_renames_by(
            removed, added, lambda a: (*route(o[a]),), lambda b: (*route(n[b]),)
        )
        for eid in removed:
            if eid not in renamed:
                self.removed(
                    "endpoint.removed",
                    join(path, eid),
                    route(o[eid]),
                    (*o_raw, eid),
                    n_raw,
                    owner=eid,
                )
        for eid in added:
            if eid not in renamed.values():
                self.added(
                    "endpoint.added",
                    join(path, eid),
                    route(n[eid]),
                    (*n_raw, eid),
                    o_raw,
                    owner=eid,
                )
        for a, b in renamed.items():
            self.emit(
                "endpoint.renamed",
                "changed",
                join(path, a),
                a,
                b,
                old_raw=(*o_raw, a),
                new_raw=(*n_raw, b),
                owner=b,
                renamed_to=b,
            )
        for a, b in [(e, e) for e in o if e in n] + list(renamed.items()):
            oa, nb = o[a], n[b]
            if oa == nb and not self.schemas.dirty_at((*o_raw, a)):
                continue
            self.fields(ENDPOINT_FIELDS, join(path, b), oa, nb, (*o_raw, a), (*n_raw, b), owner=b)

    def endpoint_errors(
        self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        renamed = [self.error_renames.get(c, c) for c in _list(o)]
        self.sets("endpoint.errors", path, renamed, n, o_raw, n_raw, **ctx)

    def responses(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        self.members(
            ("response.status", "response.status"),
            path,
            members(o),
            members(n),
            o_raw,
            n_raw,
            lambda status, *sides: self.fields(RESPONSE_FIELDS, *sides, status=str(status), **ctx),
            tag=lambda status: {"status": str(status), **ctx},
            shown=lambda status, _: str(status),
        )

    def security(self, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any) -> None:
        """Security requirements: a list of alternatives (OR), each a set of schemes (AND) with
        scopes. A missing or empty list means the endpoint requires no authentication."""
        o_alts = _alternatives(renamed_requirements(o, self.scheme_renames))
        n_alts = _alternatives(n)
        if o_alts == n_alts:
            return
        o_keys, n_keys = set(o_alts), set(n_alts)
        gone = [k for k in o_alts if k not in n_keys]
        new = [k for k in n_alts if k not in o_keys]
        paired: dict[frozenset, frozenset] = {}
        # A requirement that grew (AND) or shrank keeps its identity: pair it by subset.
        for k in gone:
            best = [m for m in new if m not in paired.values() and (k < m or m < k)]
            if best:
                paired[k] = min(best, key=lambda m: (len(m ^ k), sorted(m)))
        for k in gone:
            if k not in paired:
                i, _ = o_alts[k]
                self.emit(
                    "endpoint.security.alternative",
                    "removed",
                    _alt_path(path, k),
                    sorted(k),
                    None,
                    old_raw=(*o_raw, i) if i is not None else None,
                    old_at=o_raw,
                    new_at=n_raw,
                    anonymous=not k,
                    **ctx,
                )
        for m in new:
            if m not in paired.values():
                j, n_scopes = n_alts[m]
                covered = _covering(o_alts, n_scopes)
                self.emit(
                    "endpoint.security.alternative",
                    "added",
                    _alt_path(path, m),
                    None,
                    sorted(m),
                    new_raw=(*n_raw, j) if j is not None else None,
                    old_at=o_raw,
                    new_at=n_raw,
                    anonymous=not m,
                    at_least_as_strict_as=_alt_name(covered) if covered is not None else None,
                    **ctx,
                )
        for k, m in paired.items():
            i, o_scopes = o_alts[k]
            j, n_scopes = n_alts[m]
            o_at = (*o_raw, i) if i is not None else o_raw
            n_at = (*n_raw, j) if j is not None else n_raw
            for scheme in sorted(m - k):
                self.emit(
                    "endpoint.security.scheme",
                    "added",
                    _alt_path(path, m, scheme),
                    None,
                    scheme,
                    new_raw=(*n_at, scheme) if j is not None else None,
                    old_at=o_at,
                    new_at=n_at,
                    requirement=sorted(m),
                    was_anonymous=not k,
                    **ctx,
                )
            for scheme in sorted(k - m):
                self.emit(
                    "endpoint.security.scheme",
                    "removed",
                    _alt_path(path, k, scheme),
                    scheme,
                    None,
                    old_raw=(*o_at, scheme) if i is not None else None,
                    old_at=o_at,
                    new_at=n_at,
                    requirement=sorted(m),
                    now_anonymous=not m,
                    **ctx,
                )
            self._scopes(path, k & m, m, o_scopes, n_scopes, o_at, n_at, ctx)
        for k in o_keys & n_keys:
            i, o_scopes = o_alts[k]
            j, n_scopes = n_alts[k]
            o_at = (*o_raw, i) if i is not None else o_raw
            n_at = (*n_raw, j) if j is not None else n_raw
            self._scopes(path, k, k, o_scopes, n_scopes, o_at, n_at, ctx)

    def _scopes(self, path, schemes, req, o_scopes, n_scopes, o_at, n_at, ctx) -> None:
        for scheme in sorted(schemes):
            self.sets(
                "endpoint.security.scope",
                _alt_path(path, req, scheme),
                sorted(o_scopes.get(scheme, ())),
                sorted(n_scopes.get(scheme, ())),
                (*o_at, scheme),
                (*n_at, scheme),
                scheme=scheme,
                **ctx,
            )


CALL = "call"
_FLAT = frozenset({"value", "set", "text", "skip"})


def C(method: str) -> _F:
    return _F(CALL, method)


SKIP = _F("skip")

REQUEST_FIELDS = {
    "description": TEXT(),
    "content_type": V("request.content_type"),
    "schema": _F("schema", "request"),
}

RESPONSE_FIELDS = {
    "description": TEXT(),
    "content_type": V("response.content_type"),
    "schema": _F("schema", "response"),
}

ENDPOINT_FIELDS = {
    "summary": TEXT(),
    "description": TEXT(),
    "method": V("endpoint.method"),
    "path": V("endpoint.path"),
    "deprecated": V("endpoint.deprecated", False),
    "security": C("security"),
    "errors": C("endpoint_errors"),
    "request": N(REQUEST_FIELDS),
    "responses": C("responses"),
}

# Top-level fields in the order changes are reported; errors come before endpoints so that
# endpoint error lists can follow renamed codes.
CONTRACT_FIELDS = {
    "format": SKIP,
    "version": SKIP,  # the verdict compares versions
    "contract": V("contract.id"),
    "title": TEXT(),
    "description": TEXT(),
    "status": V("contract.status"),
    "owners": C("owners"),
    "consumers": C("consumers"),
    "identity_providers": C("identity_providers"),
    "grants": S("grant"),
    "pkce": N(PKCE_FIELDS),
    "client_authentication": S("client_authentication"),
    "redirect_uris": S("redirect_uri"),
    "tokens": C("tokens"),
    "sessions": N(SESSION_FIELDS),
    "mfa": N(MFA_FIELDS),
    "scopes": C("scopes"),
    "keys": N(KEY_FIELDS),
    "errors": C("errors"),
    "endpoints": C("endpoints"),
    "deprecations": C("deprecations"),
    "json_schema": N(
        {
            "dialect": V("meta.schema-dialect", "2020-12"),
            "response_validation": V("meta.response-validation", "tolerant"),
        }
    ),
    "components": C("components"),
}


def _alternatives(value: Any) -> dict[frozenset, tuple[int | None, dict[str, frozenset]]]:
    """``{schemes: (index, {scheme: scopes})}``; no requirements at all means anonymous."""
    alts: dict[frozenset, tuple[int | None, dict[str, frozenset]]] = {}
    items = _list(value)
    for i, req in enumerate(items):
        if not isinstance(req, dict):
            continue
        scopes = {str(s): frozenset(map(str, _list(v))) for s, v in req.items()}
        alts[frozenset(scopes)] = (i, scopes)
    if not items:
        alts[frozenset()] = (None, {})
    return alts


def _covering(
    alts: dict[frozenset, tuple[int | None, dict[str, frozenset]]], scopes: dict[str, frozenset]
) -> frozenset | None:
    """An existing alternative the requirement ``scopes`` is at least as strict as (it needs
    every scheme of that alternative, each with at least its scopes), or ``None`` when the
    requirement is a new, not stronger way in."""
    for schemes, (_, old_scopes) in alts.items():
        if all(s in scopes and old_scopes[s] <= scopes[s] for s in schemes):
            return schemes
    return None


def _alt_name(schemes: frozenset) -> str:
    return "+".join(sorted(schemes)) if schemes else "anonymous"


def _alt_path(path: str, schemes: frozenset, scheme: str | None = None) -> str:
    """The contract path of one security alternative (``security[access_token+mtls]``), or of
    one of its schemes."""
    at = join(path, _alt_name(schemes), select=True)
    return at if scheme is None else join(at, scheme)


def _similar(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    import difflib  # only when a rename is considered: off start-up

    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


DETAIL_LIMIT = 2000  # values in an opaque field above which changes are not itemized


def _larger_than(value: Any, limit: int) -> bool:
    """Whether ``value`` holds more than ``limit`` values (counting stops there)."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _detail(old: Any, new: Any) -> str:
    """A short account of what changed inside an opaque value (extension fields)."""
    if isinstance(old, dict | list) and isinstance(new, dict | list):
        if _larger_than(old, DETAIL_LIMIT) or _larger_than(new, DETAIL_LIMIT):
            return "too large to itemize"  # an order-free diff of it would be quadratic
        from deepdiff import DeepDiff  # only for extension fields: it is slow to import

        diff = DeepDiff(old, new, ignore_order=True, verbose_level=0)
        paths = sorted(diff.affected_paths)
        shown = ", ".join(p.replace("root", "", 1) or "(root)" for p in paths[:5])
        more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
        return f"changed at {shown}{more}" if shown else "changed"
    return ""


# Format v1.1: the fields real artefacts hold (see diff_artefacts).
from workbench.engine.diff_artefacts import (  # noqa: E402
    extend_fields,
    renamed_requirements,
)

extend_fields(CONTRACT_FIELDS, IDP_FIELDS, TOKEN_FIELDS)

# An artefact's id is not in the artefact: it is the workbench's name for the file (see
# workbench.sources.artefact_id), so two revisions read under different names are no change.
ARTEFACT_FIELDS = {k: SKIP if k == "contract" else v for k, v in CONTRACT_FIELDS.items()}
