"""The loaded contract: the data as written, durations in seconds, and where every value sits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from workbench.contract.loc import Loc, nearest_loc
from workbench.contract.paths import resolve_path
from workbench.contract.units import DurationError, parse_duration

# Fields whose values are durations, as paths with "*" for any map key.
DURATION_FIELDS: tuple[tuple[str, ...], ...] = (
    ("tokens", "*", "lifetime"),
    ("tokens", "*", "idle_lifetime"),
    ("tokens", "*", "absolute_lifetime"),
    ("tokens", "*", "clock_skew"),
    ("tokens", "*", "reuse_grace"),
    ("sessions", "idle_timeout"),
    ("sessions", "absolute_timeout"),
    ("keys", "rotation_period"),
    ("keys", "jwks_cache"),
    ("clients", "*", "tokens", "*", "lifetime"),
    ("clients", "*", "tokens", "*", "idle_lifetime"),
    ("clients", "*", "tokens", "*", "absolute_lifetime"),
    ("server", "key_rotation_period"),
    ("server", "auth_request_lifetime"),
    ("server", "device_code_lifetime"),
)

REF_PREFIX = "#/components/schemas/"


def duration_places(
    node: Any, spec: tuple[str, ...], raw: tuple = ()
) -> Iterator[tuple[Any, Any, tuple]]:
    """Where the duration field ``spec`` (one of :data:`DURATION_FIELDS`) holds a value in
    ``node``: ``(container, key, raw path)`` for each, in document order."""
    head, rest = spec[0], spec[1:]
    if isinstance(node, list):
        keys: list = list(range(len(node))) if head == "*" else []
    elif isinstance(node, dict):
        keys = list(node) if head == "*" else [head] if head in node else []
    else:
        return
    for key in keys:
        if rest:
            yield from duration_places(node[key], rest, (*raw, key))
        else:
            yield node, key, (*raw, key)


# DURATION_FIELDS by top-level section (in their order)
DURATION_SECTIONS: dict[str, tuple[tuple[str, ...], ...]] = {}
for _spec in DURATION_FIELDS:
    DURATION_SECTIONS[_spec[0]] = (*DURATION_SECTIONS.get(_spec[0], ()), _spec)
del _spec

# per section, the last one normalized: (the section as written, normalized). A top-level section
# a revision shares with its neighbour is the same object in both (contract.neighbours), and
# neither is modified after loading: its normalized copy is the same too.
_NORMALIZED: dict[str, tuple[Any, Any]] = {}


def _normalize(data: dict) -> dict:
    """A copy of ``data`` with every duration field in whole seconds (invalid ones left as is)."""
    out = dict(data)
    for name, specs in DURATION_SECTIONS.items():
        if name not in out:
            continue
        value = out[name]
        last = _NORMALIZED.get(name)
        if last is not None and last[0] is value:
            out[name] = last[1]
            continue
        holder = {name: value}
        for spec in specs:
            _normalize_at(holder, spec)
        out[name] = holder[name]
        _NORMALIZED[name] = (value, holder[name])
    return out


def _normalize_at(node: dict | list, spec: tuple[str, ...]) -> None:
    head, rest = spec[0], spec[1:]
    if isinstance(node, list):
        keys: list = list(range(len(node))) if head == "*" else []
    else:
        keys = list(node) if head == "*" else [head] if head in node else []
    for key in keys:
        value = node[key]
        if not rest:
            with contextlib.suppress(DurationError):
                node[key] = parse_duration(value)
        elif isinstance(value, dict):
            node[key] = copy = dict(value)
            _normalize_at(copy, rest)
        elif isinstance(value, list):
            node[key] = copy_list = list(value)
            _normalize_at(copy_list, rest)


class Contract:
    """One authentication contract as loaded from one file (or one git blob).

    ``data`` is exactly what the YAML says; ``norm`` is the same with durations normalized to
    seconds, which is what rules compare. ``locs``/``key_locs`` map raw paths (tuples of keys and
    list indices) to source positions. Contracts compare by identity.
    """

    source: str
    text: str
    data: dict[str, Any]
    locs: dict[tuple, Loc]
    key_locs: dict[tuple, Loc]

    def __init__(
        self,
        source: str,
        text: str,
        data: dict[str, Any],
        locs: dict[tuple, Loc],
        key_locs: dict[tuple, Loc],
    ):
        self.source = source
        self.text = text
        self.data = data
        self.locs = locs
        self.key_locs = key_locs

    def __repr__(self) -> str:
        return f"Contract(source={self.source!r}, text={self.text!r}, data={self.data!r})"

    @cached_property
    def norm(self) -> dict[str, Any]:
        return _normalize(self.data)

    @property
    def id(self) -> str:
        return str(self.data.get("contract", ""))

    @property
    def version(self) -> str:
        return str(self.data.get("version", ""))

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))

    @property
    def status(self) -> str:
        return str(self.data.get("status", ""))

    def section(self, name: str) -> Any:
        """A normalized top-level section, with an empty default of the right kind."""
        value = self.norm.get(name)
        if value is None:
            return [] if name in _LIST_SECTIONS else {}
        return value

    def loc(self, raw: tuple) -> Loc | None:
        """The position of the value at ``raw``, or of its nearest located ancestor."""
        return nearest_loc(self.locs, raw)

    def anchor(self, raw: tuple) -> Loc | None:
        """The line a reader looks at for ``raw``: the key of a mapping entry, else the value."""
        key = self.key_locs.get(raw)
        value = self.locs.get(raw)
        if key is not None:
            end = value.end_line if value is not None else key.end_line
            return Loc(key.line, key.column, max(end, key.line))
        return value if value is not None else self.loc(raw)

    def resolve(self, target: str) -> tuple[tuple, Any] | None:
        """Resolve a contract path such as ``tokens.access_token.signing_algorithms[RS256]``."""
        return resolve_path(self.norm, target)

    def resolve_ref(self, ref: str) -> tuple[tuple, Any] | None:
        """Resolve a local ``#/components/schemas/Name`` reference to ``(raw path, schema)``."""
        if not ref.startswith(REF_PREFIX):
            return None
        name = ref[len(REF_PREFIX) :].replace("~1", "/").replace("~0", "~")
        schemas = (self.data.get("components") or {}).get("schemas") or {}
        if name not in schemas:
            return None
        return ("components", "schemas", name), schemas[name]

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


_LIST_SECTIONS = {
    "owners",
    "consumers",
    "identity_providers",
    "grants",
    "client_authentication",
    "redirect_uris",
    "deprecations",
    "response_types",
    "response_modes",
    "clients",
    "upstream_providers",
}
