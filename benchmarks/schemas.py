"""Benchmark of schema inclusion on 1,000 generated schema pairs with combinators.

    python benchmarks/schemas.py [--pairs 1000] [--seed 7] [--repeat 3]

Each pair is an object schema of a dozen properties built from numbers, strings, enums,
arrays and nested objects, wrapped in ``allOf``/``anyOf``/``oneOf``/``not`` and shared through
``$defs``; the second schema is the first with one to three random edits (bounds, enums,
required, closed content model, a branch added or removed, a type widened or narrowed). Each
pair is judged in both directions with ``is_subschema``. Prints the time per pair (best of
``--repeat``) and how the answers split between compatible, incompatible and undecided.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.engine.inclusion import is_subschema  # noqa: E402


def leaf(rng: random.Random, depth: int) -> dict:
    kind = rng.choice(["int", "num", "str", "enum", "arr", "obj", "union", "ref"])
    if kind == "int":
        return {"type": "integer", "minimum": rng.randint(-5, 5), "maximum": rng.randint(6, 100)}
    if kind == "num":
        return {"type": "number", "multipleOf": rng.choice([1, 2, 4, 0.5])}
    if kind == "str":
        return {"type": "string", "maxLength": rng.randint(1, 64), "pattern": "^[a-z0-9-]+$"}
    if kind == "enum":
        return {"enum": rng.sample(["a", "b", "c", "d", "e", 1, 2, None], rng.randint(1, 4))}
    if kind == "arr":
        return {"type": "array", "items": leaf(rng, depth + 1) if depth < 2 else {"type": "string"},
                "maxItems": rng.randint(1, 10)}  # fmt: skip
    if kind == "obj" and depth < 2:
        return obj(rng, depth + 1, 4)
    if kind == "union":
        return {rng.choice(["anyOf", "oneOf"]): [{"type": "string"}, {"type": "integer"}]}
    if kind == "ref":
        return {"$ref": "#/$defs/Code"}
    return {"type": "boolean"}


def obj(rng: random.Random, depth: int, width: int) -> dict:
    props = {f"p{i}": leaf(rng, depth) for i in range(width)}
    out = {"type": "object", "properties": props, "required": rng.sample(sorted(props), 2)}
    if rng.random() < 0.3:
        out["additionalProperties"] = False
    return out


def schema(rng: random.Random) -> dict:
    base = obj(rng, 0, 12)
    wrapper = rng.choice(["plain", "allOf", "anyOf", "not"])
    if wrapper == "allOf":
        base = {"allOf": [base, {"required": ["p0"]}]}
    elif wrapper == "anyOf":
        base = {"anyOf": [base, {"type": "null"}]}
    elif wrapper == "not":
        base = {**base, "not": {"required": ["p11", "p10"]}}
    base["$defs"] = {"Code": {"type": "string", "enum": ["x", "y", "z"]}}
    return base


def edit(rng: random.Random, s: dict) -> dict:
    s = copy.deepcopy(s)
    target = s
    while "properties" not in target:
        target = next(
            x for x in target.get("allOf", target.get("anyOf", [])) if isinstance(x, dict)
        )
    props = target["properties"]
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sorted(props))
        p = props[name]
        move = rng.choice(["bound", "enum", "required", "closed", "type", "branch", "remove"])
        if move == "bound" and "maximum" in p:
            p["maximum"] += rng.choice([-3, 3])
        elif move == "bound" and "maxLength" in p:
            p["maxLength"] += rng.choice([-1, 1])
        elif move == "enum" and "enum" in p:
            p["enum"] = [*p["enum"], "new"] if rng.random() < 0.5 else p["enum"][:-1] or ["a"]
        elif move == "required":
            target["required"] = sorted({*target["required"], name})
        elif move == "closed":
            target["additionalProperties"] = not target.get("additionalProperties", True)
        elif move == "type" and p.get("type") == "integer":
            p["type"] = "number"
        elif move == "branch":
            props[name] = {"anyOf": [p, {"type": "null"}]}
        elif move == "remove" and len(props) > 3:
            del props[name]
            target["required"] = [r for r in target["required"] if r != name]
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--quick", action="store_true", help="a run of a few minutes: 200 pairs, 2 runs"
    )
    args = ap.parse_args()
    if args.quick:
        args.pairs, args.repeat = 200, min(args.repeat, 2)
    rng = random.Random(args.seed)
    pairs = []
    for _ in range(args.pairs):
        a = schema(rng)
        pairs.append((a, edit(rng, a)))
    best = float("inf")
    answers: Counter[str] = Counter()
    for _ in range(args.repeat):
        answers.clear()
        start = time.perf_counter()
        for a, b in pairs:
            answers[is_subschema(a, b).answer] += 1
            answers[is_subschema(b, a).answer] += 1
        best = min(best, time.perf_counter() - start)
    per_pair = best / len(pairs) * 1000
    print(f"{len(pairs)} schema pairs with combinators, both directions, best of {args.repeat}")
    print(f"total {best:.2f} s; {per_pair:.2f} ms per pair ({per_pair / 2:.2f} ms per question)")
    total = sum(answers.values())
    print(", ".join(f"{k} {v} ({v * 100 / total:.0f}%)" for k, v in sorted(answers.items())))


if __name__ == "__main__":
    main()
