"""Candidate instances for witnesses: values that one schema probably accepts, chosen near the
places where the other schema draws its lines (bounds, lengths, listed properties, enums,
patterns). Candidates are only guesses: a witness is a candidate the ``jsonschema`` validator
has accepted under one schema and rejected under the other.
"""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction
from typing import Any

from workbench.engine.inclusion.nodes import Undecided
from workbench.engine.inclusion.normal import Piece, Sub, int_bounds, vkey
from workbench.engine.inclusion.prove import Reasoner

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

_NONE = object()
EXTRA_NAME = "x_witness"
ANY_NAME = "*"  # a pinned path step meaning "a property no schema lists"
FORMAT_SAMPLES = {
    "date": ["2024-02-29", "not-a-date"],
    "date-time": ["2024-02-29T12:00:00Z", "not-a-date-time"],
    "time": ["12:00:00Z", "noon"],
    "email": ["user@example.com", "not-an-email"],
    "idn-email": ["user@example.com", "not-an-email"],
    "ipv4": ["192.0.2.1", "999.1.1.1"],
    "ipv6": ["2001:db8::1", "not:an:ip"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000", "not-a-uuid"],
    "uri": ["https://example.com/a", "not a uri"],
    "hostname": ["example.com", "-bad-"],
    "regex": ["^a+$", "("],
}
_CHARS = ["a", "A", "0", "-", " ", "_", ".", "é", "\n"]
GENERIC = [None, "", 0, True, "a", [], {}, False, 1, -1, 0.5, [None], {"a": None}]


class Candidates:
    """Generates candidate instances of ``a``-side schemas with ``b``-side hints."""

    def __init__(self, reasoner: Reasoner, width: int = 24):
        self.r = reasoner
        self.width = width
        self._memo: dict[tuple, list] = {}

    def of(self, sub: Sub, hint: Sub | None, depth: int = 0, pin: tuple | None = None,
           pin_value: Any = None) -> list:  # fmt: skip
        if pin is not None and not pin:
            return [pin_value]
        if pin is None:
            key = (sub.key, hint.key if hint is not None else None, depth)
            hit = self._memo.get(key)
            if hit is None:
                hit = self._memo[key] = self._of(sub, hint, depth, None, None)
            return hit
        return self._of(sub, hint, depth, pin, pin_value)

    def _of(self, sub: Sub, hint: Sub | None, depth: int, pin: tuple | None,
            pin_value: Any) -> list:  # fmt: skip
        if not sub.nodes and pin is None and (depth > 0 or hint is None or not hint.nodes):
            return list(GENERIC)
        try:
            pieces = self.r.norm(sub)
        except Undecided:
            pieces = None
        try:
            hints = self.r.norm(hint) if hint is not None and hint.nodes else []
        except Undecided:
            hints = []
        if pieces is None:
            return list(GENERIC) if pin is None else []
        hint_types = {h.t for h in hints}
        order = sorted(pieces, key=lambda p: (p.t in hint_types, p.t))
        width = max(3, self.width >> depth)
        lists: list[list] = []
        for p in order:
            same = [h for h in hints if h.t == p.t]
            try:
                made = self.piece(p, same, depth, pin, pin_value)
            except (Undecided, RecursionError, ValueError, OverflowError):
                made = []
            lists.append(made[:width])
        # interleave the types: the first candidates of each piece come first
        out = [x for group in itertools.zip_longest(*lists, fillvalue=_NONE) for x in group]
        return _unique([x for x in out if x is not _NONE])[: width * (4 if depth == 0 else 2)]

    def piece(self, p: Piece, hints: list[Piece], depth: int, pin: tuple | None,
              pin_value: Any) -> list:  # fmt: skip
        if pin is not None and p.t not in ("array", "object"):
            return []
        if p.values is not None:
            values = list(p.values)
            return [v for v in values if self.r.piece_accepts(p, v) is not False] or values
        made = getattr(self, f"_{p.t}")(p, hints, depth, pin, pin_value)
        extra = [v for h in hints for v in h.excluded]
        extra += [v for h in hints if h.values is not None for v in h.values]
        made = list(made) + [v for v in extra if not isinstance(v, list | dict)]
        if p.t in ("array", "object"):
            return _unique(made)  # the validator decides; nested checks here cost as much
        return [v for v in _unique(made) if self.r.piece_accepts(p, v) is not False]

    def minimal(self, sub: Sub, depth: int = 0) -> list:
        """A few small instances of ``sub``: required properties only, minimum lengths."""
        try:
            pieces = self.r.norm(sub)
        except Undecided:
            return [None]
        out: list = []
        for p in sorted(pieces, key=lambda p: ("object", "array").index(p.t)
                        if p.t in ("object", "array") else 2):  # fmt: skip
            if p.values is not None:
                out.extend(p.values[:1])
            elif p.t == "object" and depth < 8:
                doc: dict = {}
                for name in sorted(p.required):
                    inner = self.minimal(self.r.eff(p, name), depth + 1)
                    if not inner:
                        break
                    doc[name] = inner[0]
                else:
                    out.append(doc)
            elif p.t == "array" and depth < 8:
                items = [self.minimal(p.item(i), depth + 1)[:1] for i in range(p.min_items)]
                if all(items):
                    out.append([x[0] for x in items])
            elif p.t in ("number", "string"):
                made = getattr(self, f"_{p.t}")(p, [], depth, None, None)
                ok = [v for v in made if self.r.piece_accepts(p, v) is not False]
                out.extend(ok[:1])
            if len(out) >= 2:
                break
        return out

    # --- scalars --------------------------------------------------------------------------

    def _number(self, p: Piece, hints: list[Piece], depth: int, pin: Any, pv: Any) -> list:
        # points just past the other side's bounds first: the likely witnesses
        points: list[Fraction] = []
        steps = (1, -1, Fraction(1, 2), Fraction(-1, 2), Fraction(1, 100), Fraction(-1, 100), 0)
        for q in (*hints, p):
            for bound in (q.hi, q.lo):
                if bound is not None:
                    points.extend(bound + d for d in steps)
            for m in q.mults:
                f = Fraction(m)
                points.extend((f + 1, f, f * 2, f * 3, f / 2))
        points.extend((Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2)))
        if not p.integral and any(h.integral for h in hints):
            points.insert(0, Fraction(1, 2))  # a fraction is what an integer-only side rejects
        ints = [m for m in p.mults if isinstance(m, int) or float(m).is_integer()]
        step = math.lcm(*(int(m) for m in ints)) if ints and len(ints) == len(p.mults) else None
        lo, hi = int_bounds(p)
        out = []
        for x in dict.fromkeys(points):
            xs = [x]
            if p.integral or step:
                xs = [Fraction(math.floor(x)), Fraction(math.ceil(x))]
            if step:
                xs = [Fraction(math.floor(x / step) * step), Fraction(math.ceil(x / step) * step)]
            elif p.mults:
                m = Fraction(p.mults[0])
                xs = [m * math.floor(x / m), m * math.ceil(x / m)]
            for y in xs:
                if p.integral and lo is not None and y < lo:
                    y = Fraction(lo)
                if p.integral and hi is not None and y > hi:
                    y = Fraction(hi)
                out.append(_num(y))
        if not p.int_only:
            out += [float(v) for v in out if isinstance(v, int)][:3]
        return out

    def _string(self, p: Piece, hints: list[Piece], depth: int, pin: Any, pv: Any) -> list:
        wanted: list[int] = []
        for h in hints:
            if h.max_len is not None:
                wanted += [h.max_len + 1, h.max_len]
            wanted += [h.min_len - 1, h.min_len]
        wanted += [p.min_len, p.min_len + 1, 0, 1, 3]
        if p.max_len is not None:
            wanted.append(p.max_len)
        lengths = [
            n
            for n in dict.fromkeys(wanted)
            if n >= p.min_len and (p.max_len is None or n <= p.max_len)
        ]
        out: list[str] = []
        for f in p.formats:
            out.extend(FORMAT_SAMPLES.get(f, []))
        for h in hints:
            for f in h.formats:
                out.extend(FORMAT_SAMPLES.get(f, [])[1:])
        if p.patterns:
            for variant in range(8):
                s = regex_sample(p.patterns[0], variant)
                if s is not None:
                    out.append(s)
        for n in lengths[:8]:
            if n > 4096:
                continue
            for ch in _CHARS[:4] if depth else _CHARS:
                out.append(ch * n)
        for h in hints:
            for pat in h.patterns:
                for variant in range(3):
                    s = regex_sample(pat, variant)
                    if s is not None:
                        out.extend([s + "!", "!" + s, s[:-1]])
        return out

    # --- containers -----------------------------------------------------------------------

    def _array(self, p: Piece, hints: list[Piece], depth: int, pin: Any, pv: Any) -> list:
        if depth > 4:
            return [[]] if p.min_items == 0 else []
        pinned = None
        if pin is not None:
            pinned = len(p.prefix) if pin[0] == ANY_NAME else pin[0]
            if not isinstance(pinned, int):
                return []
        wanted: list[int] = []
        for h in hints:
            if h.max_items is not None:
                wanted.append(h.max_items + 1)
            wanted += [h.min_items - 1, len(h.prefix) + 1]
        wanted += [p.min_items, p.min_items + 1, 1, 2]
        if pinned is not None:
            wanted = [max(n, pinned + 1) for n in wanted]
        cap = max(p.min_items, 8)
        lengths = [
            n
            for n in dict.fromkeys(wanted)
            if p.min_items <= n <= cap and (p.max_items is None or n <= p.max_items)
        ]
        out = []
        for n in lengths:
            pools = []
            for i in range(n):
                hint = _conj_item(hints, i)
                if i == pinned:
                    pool = self.of(p.item(i), hint, depth + 1, pin[1:], pv)
                else:
                    pool = self.of(p.item(i), hint, depth + 1)
                if not pool:
                    break
                pools.append(pool[:4])
            else:
                base = [pool[0] for pool in pools]
                if p.unique:
                    base = _distinct(pools)
                    if base is None:
                        continue
                out.append(base)
                for i, pool in enumerate(pools):
                    for alt in pool[1:]:
                        out.append([*base[:i], alt, *base[i + 1 :]])
                if n >= 2 and any(h.unique for h in hints) and not p.unique:
                    out.append([base[0]] * n)
                hint_contains = next((s for h in hints for s, _, _ in h.contains), None)
                for sub, lo, _hi in p.contains:
                    wanted = self.of(sub, hint_contains, depth + 1)[:4]
                    for v in wanted:
                        if lo <= n:
                            out.append([*base[: n - max(lo, 1)], *([v] * max(lo, 1))])
                        out.append([v] * n)
                        if n >= 2:
                            out.append([*base[: n - 1], v])
        return out

    def _object(self, p: Piece, hints: list[Piece], depth: int, pin: Any, pv: Any) -> list:
        if depth > 4:
            return [{}] if not p.required else []
        r = self.r
        names = list(dict.fromkeys([*p.listed(), *(n for h in hints for n in h.listed())]))
        mentioned_names: set[str] = set()
        for q in (*hints, p):
            mentioned_names.update(mentioned(q))
            mentioned_names.update(n for k, deps in q.dep_required for n in (k, *deps))
            names += [n for n in sorted(q.required) if n not in names]
            for k, deps in q.dep_required:
                names += [n for n in (k, *sorted(deps)) if n not in names]
            for n in mentioned(q):
                if n not in names:
                    names.append(n)
        for q in (p, *hints):
            for pat in q.pattern_list():
                for variant in range(2):
                    n = regex_sample(pat, variant)
                    if n is not None and n not in names:
                        names.append(n)
        if p.names.nodes or any(h.names.nodes for h in hints):
            hint_names = next((h.names for h in hints if h.names.nodes), None)
            made = [n for n in self.of(p.names, hint_names, depth + 1) if isinstance(n, str)]
            names += [n for n in made[:4] if n not in names]
        pinned = None
        if pin is not None:
            pinned = pin[0]
            if not isinstance(pinned, str):
                return []
            if pinned == ANY_NAME:
                pinned = _fresh(names)

        def pool(name: str, forced: bool = False) -> list:
            hint = _conj_eff(r, hints, name)
            if forced:
                return self.of(r.eff(p, name), hint, depth + 1, pin[1:], pv)
            return self.of(r.eff(p, name), hint, depth + 1)

        base: dict[str, Any] = {}
        pools: dict[str, list] = {}
        for name in sorted(p.required | ({pinned} if pinned else set())):
            values = pool(name, forced=name == pinned)
            if not values:
                return []
            pools[name] = values
            base[name] = values[0]
        for k, deps in p.dep_required:
            if k in base:
                for d in sorted(deps):
                    if d not in base:
                        values = pool(d)
                        if values:
                            base[d] = values[0]
        optional = [n for n in names if n not in base]
        fresh_base = dict(base)
        while len(base) < p.min_props and optional:
            name = optional.pop(0)
            values = pool(name)
            if values:
                base[name] = values[0]
        out = [base]
        i = 0
        while len(fresh_base) < p.min_props and i < 64:
            n = _fresh([*names, *fresh_base], i)
            values = pool(n)
            if not values:
                break
            fresh_base[n] = values[0]
            i += 1
        if fresh_base != base:
            out.append(fresh_base)
        for name, values in pools.items():
            if name == pinned:
                continue
            for v in values[1:4]:
                out.append({**base, name: v})
        if pinned is not None:
            for v in pools.get(pinned, [])[1:8]:
                out.append({**base, pinned: v})
            for name in optional[:6]:
                for v in pool(name)[:2]:
                    out.append({**base, name: v})
            return out
        everything = dict(base)
        for name in optional:
            values = pool(name)
            if values:
                everything[name] = values[0]
        out.insert(1, everything)
        deps = dict(p.dep_required)
        for name in optional:
            for v in pool(name)[:4]:
                grown = {**base, name: v}
                out.append(grown)
                for d in sorted(deps.get(name, ())):
                    if d not in grown:
                        values = pool(d)
                        if values:
                            grown = {**grown, d: values[0]}
                if grown is not out[-1]:
                    out.append(grown)
        few = [n for n in optional if n in mentioned_names][:6]
        for i, first in enumerate(few):
            for second in few[i + 1 :]:
                pair = {**base}
                for n in (first, second):
                    values = pool(n)
                    if values:
                        pair[n] = values[0]
                out.append(pair)
        limit = min((h.max_props for h in hints if h.max_props is not None), default=None)
        if (limit is not None and p.max_props is None) or (
            limit is not None and p.max_props is not None and p.max_props > limit
        ):
            big = dict(everything)
            i = 0
            while len(big) <= limit and i < 64:
                n = _fresh([*names, *big], i)
                values = pool(n)
                if not values:
                    break
                big[n] = values[0]
                i += 1
            out.append(big)
        extra = _fresh(names)
        if not r._never(r.eff(p, extra)):
            for v in pool(extra)[:3]:
                out.insert(2, {**base, extra: v})
        # one value per optional property first, then the alternatives: a long list is cut
        firsts = out[:3] + [o for o in out[3:] if _is_first(o, base)]
        return firsts + [o for o in out[3:] if not _is_first(o, base)]


def _is_first(doc: dict, base: dict) -> bool:
    return len(doc) == len(base) + 1


def _fresh(names: list[str], i: int = 0) -> str:
    name = EXTRA_NAME if not i else f"{EXTRA_NAME}{i}"
    while name in names:
        name += "_"
    return name


_NAMED = ("properties", "dependentSchemas", "dependentRequired", "dependencies")


def mentioned(p: Piece) -> list[str]:
    """Property names an opaque constraint of ``p`` mentions (``required`` lists,
    ``properties`` keys, ``dependentSchemas`` keys), as candidates worth trying."""
    out: list[str] = []

    def walk(value: Any, depth: int) -> None:
        if depth > 6:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if (k == "required" and isinstance(v, list)) or (
                    k in _NAMED and isinstance(v, dict)
                ):
                    out.extend(str(x) for x in v)
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    for (kind, _), payload in p.extras:
        for part in payload[1:]:
            nodes = (
                part
                if isinstance(part, list | tuple)
                else (list(part.values()) if isinstance(part, dict) else [part])
            )
            for n in nodes:
                if n is not None and getattr(n, "value", None) is not None:
                    walk(n.value, 0)
        if kind == "dependentSchemas" and isinstance(payload[1], dict):
            out.extend(str(k) for k in payload[1])
    return list(dict.fromkeys(out))


def _conj_item(hints: list[Piece], i: int) -> Sub | None:
    if len(hints) != 1:
        return None
    return hints[0].item(i)


def _conj_eff(r: Reasoner, hints: list[Piece], name: str) -> Sub | None:
    """The other side's schema for a property, when one of its shapes lists it."""
    if len(hints) != 1:
        listing = [h for h in hints if name in h.listed()]
        return r.eff(listing[0], name) if len(listing) == 1 else None
    return r.eff(hints[0], name)


def _distinct(pools: list[list]) -> list | None:
    used: set = set()
    out = []
    for pool in pools:
        for v in pool:
            if vkey(v) not in used:
                used.add(vkey(v))
                out.append(v)
                break
        else:
            return None
    return out


def _num(x: Fraction) -> int | float:
    if x.denominator == 1:
        return int(x)
    return float(x)


def _unique(values: list) -> list:
    """Distinct candidates; ``1`` and ``1.0`` are both kept (draft-04 tells them apart)."""
    seen: set = set()
    out = []
    for v in values:
        k = (vkey(v), isinstance(v, float))
        if k not in seen:
            seen.add(k)
            out.append(v)
    return out


# --- strings matching a regular expression ---------------------------------------------------


def regex_sample(pattern: str, variant: int = 0) -> str | None:
    """A string ``pattern`` probably matches (``variant`` picks other branches and counts)."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    groups: dict[int, str] = {}
    try:
        return _emit(parsed, variant, groups, 0)
    except (_Give, RecursionError):
        return None


class _Give(Exception):
    pass


def _emit(items: Any, variant: int, groups: dict, depth: int) -> str:
    if depth > 50:
        raise _Give
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_class(arg, variant))
        elif name == "BRANCH":
            branches = arg[1]
            out.append(_emit(branches[variant % len(branches)], variant // 2, groups, depth + 1))
        elif name == "SUBPATTERN":
            gid, sub = arg[0], arg[-1]
            text = _emit(sub, variant, groups, depth + 1)
            if gid is not None:
                groups[gid] = text
            out.append(text)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = arg
            count = lo + (0, 1, 2, 4, 8, 17)[variant % 6]
            if hi is not None and hi != sre_parse.MAXREPEAT:
                count = min(count, hi)
            count = min(count, lo + 64) if count > 64 else count
            out.append("".join(_emit(sub, variant, groups, depth + 1) for _ in range(count)))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        elif name == "CATEGORY":
            out.append(_category(arg))
        else:
            raise _Give
    return "".join(out)


def _class(arg: list, variant: int) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in arg)
    choices: list[str] = []
    for op, a in arg:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(a))
        elif name == "RANGE":
            choices.extend({chr(a[0]), chr(a[1])})
        elif name == "CATEGORY":
            choices.append(_category(a))
    if negate:
        for c in ("a", "Z", "0", "-", "_", " ", "!"):
            if not re.fullmatch(_class_regex(arg), c):
                return c
        raise _Give
    if not choices:
        raise _Give
    return choices[variant % len(choices)]


def _class_regex(arg: list) -> str:
    parts = []
    for op, a in arg:
        name = str(op)
        if name == "LITERAL":
            parts.append(re.escape(chr(a)))
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
        elif name == "CATEGORY":
            parts.append({"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D",
                          "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S",
                          "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}.get(str(a), ""))  # fmt: skip
    return "[" + "".join(parts) + "]"


def _category(arg: Any) -> str:
    return {
        "CATEGORY_DIGIT": "0",
        "CATEGORY_NOT_DIGIT": "a",
        "CATEGORY_SPACE": " ",
        "CATEGORY_NOT_SPACE": "a",
        "CATEGORY_WORD": "a",
        "CATEGORY_NOT_WORD": "-",
    }.get(str(arg), "a")
