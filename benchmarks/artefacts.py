"""Benchmark: one amendment of a large OpenAPI description, judged as an artefact.

    python benchmarks/artefacts.py [--operations 1500] [--format json|yaml] [--repeat 5]
                                   [--profile] [--write DIR]

Generates an OpenAPI 3.0 description of about 2 MB (``--operations`` operations with security
requirements, request and response schemas, shared components and OAuth, API key and mTLS
schemes) and a copy with one amendment (one operation's requirement gains a scope).

Measures, best of ``--repeat``:
  (a) the baseline: PyYAML's C loader parsing both files (what the located loader builds on);
      ``json.loads`` of both is printed for reference;
  (b) in-process: reading both files as artefacts (located parse, JSON grammar check, the
      OpenAPI reader with its schema conversion) plus ``engine.compare``;
  (c) whole-process: a fresh interpreter that reads both files and judges them, against a fresh
      interpreter that only parses both.
Prints the ratios (b)/(a) and (c)/(c-baseline). Targets: (b) under 1 s and within 3x of (a).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 3.0
TARGET_SECONDS = 1.0
WORDS = ["order", "invoice", "payment", "refund", "customer", "ledger", "shipment", "report"]


def generate(operations: int, seed: int) -> dict:
    """A realistic, large OpenAPI 3.0 description."""
    rng = random.Random(seed)
    schemas: dict = {}
    for i in range(operations // 3):
        word = WORDS[i % len(WORDS)]
        schemas[f"{word.title()}{i:04d}"] = {
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "status": {"type": "string", "enum": ["open", "closed", "pending"]},
                "amount": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "note": {"type": "string", "nullable": True, "maxLength": 500},
                "created": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
            },
        }
    names = list(schemas)
    paths: dict = {}
    for i in range(operations):
        word = WORDS[i % len(WORDS)]
        route = f"/v1/{word}s/{i:05d}/{{id}}"
        scope = f"{word}s:{'write' if i % 3 == 0 else 'read'}"
        ref = {"$ref": f"#/components/schemas/{rng.choice(names)}"}
        op: dict = {
            "operationId": f"op{i:05d}",
            "summary": f"Operate on {word} {i}",
            "description": f"Long description of operation {i}: " + "lorem ipsum " * 6,
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": ref}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"description": "Insufficient scope"},
            },
        }
        if i % 4 == 0:
            op["requestBody"] = {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["amount"],
                            "properties": {
                                "amount": {"type": "integer", "minimum": 1},
                                "reference": {"type": "string", "maxLength": 64},
                                "item": ref,
                            },
                        }
                    }
                }
            }
        if i % 5 == 0:
            op["security"] = [{"oauth": [scope]}, {"mtls": [], "oauth": [scope]}]
        elif i % 7 == 0:
            op["security"] = [{"apiKey": []}]
        paths[route] = {"get" if i % 2 else "post": op}
    scopes = {f"{w}s:{a}": f"{a.title()} {w}s" for w in WORDS for a in ("read", "write")}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Benchmark commerce API", "version": "3.2.1"},
        "security": [{"oauth": ["orders:read"]}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "https://login.example.com/authorize",
                            "tokenUrl": "https://login.example.com/token",
                            "scopes": scopes,
                        },
                        "clientCredentials": {
                            "tokenUrl": "https://login.example.com/token",
                            "scopes": scopes,
                        },
                    },
                },
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "mtls": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "responses": {
                "Unauthorized": {
                    "description": "Missing or invalid token",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}},
                }
            },
            "schemas": schemas,
        },
    }


def amend(doc: dict) -> dict:
    """One amendment: an operation's requirement gains a scope."""
    new = json.loads(json.dumps(doc))
    for item in new["paths"].values():
        for op in item.values():
            if op.get("security") and "oauth" in op["security"][0]:
                op["security"][0]["oauth"].append("reports:read")
                return new
    raise AssertionError("no operation with an OAuth requirement")


def render(doc: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    return yaml.safe_dump(doc, sort_keys=False, width=100)


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


JUDGE = """
import sys
from workbench.engine import compare
from workbench.sources import load_artefact
old = load_artefact(sys.argv[1], "openapi")
new = load_artefact(sys.argv[2], "openapi")
report = compare(old, new)
print(len(report.findings))
"""
PARSE = """
import sys, yaml
for path in sys.argv[1:3]:
    yaml.load(open(path, encoding="utf-8").read(), Loader=yaml.CSafeLoader)
print(0)
"""


def run_process(code: str, old: Path, new: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, str(old), str(new)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--operations", type=int, default=1500)
    ap.add_argument("--format", choices=("json", "yaml"), default="json")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--write", type=Path, help="also write old and new into DIR")
    ap.add_argument(
        "--quick", action="store_true", help="a run of a few minutes: 300 operations, 3 runs"
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.operations, args.repeat = 300, min(args.repeat, 3)

    from workbench.engine import compare
    from workbench.sources import load_artefact_text

    doc = generate(args.operations, args.seed)
    old_text = render(doc, args.format)
    new_text = render(amend(doc), args.format)
    suffix = f".{args.format}"
    workdir = args.write or Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "old").mkdir(exist_ok=True)
    (workdir / "new").mkdir(exist_ok=True)
    old_path, new_path = workdir / "old" / f"api{suffix}", workdir / "new" / f"api{suffix}"
    old_path.write_text(old_text, encoding="utf-8")
    new_path.write_text(new_text, encoding="utf-8")

    def parse_only() -> None:
        yaml.load(old_text, Loader=yaml.CSafeLoader)
        yaml.load(new_text, Loader=yaml.CSafeLoader)

    def json_only() -> None:
        json.loads(old_text)
        json.loads(new_text)

    split: dict[str, float] = {}

    def whole() -> object:
        t0 = time.perf_counter()
        old = load_artefact_text(old_text, f"old/api{suffix}", "openapi")
        new = load_artefact_text(new_text, f"new/api{suffix}", "openapi")
        t1 = time.perf_counter()
        report = compare(old, new)
        t2 = time.perf_counter()
        split["read"] = min(split.get("read", 1e9), t1 - t0)
        split["compare"] = min(split.get("compare", 1e9), t2 - t1)
        return report

    report = whole()  # warm-up: imports, compiled validators
    split.clear()
    baseline = best_of(args.repeat, parse_only)
    json_baseline = best_of(args.repeat, json_only) if args.format == "json" else None
    total = best_of(args.repeat, whole)
    process = min(run_process(JUDGE, old_path, new_path) for _ in range(max(2, args.repeat // 2)))
    process_base = min(
        run_process(PARSE, old_path, new_path) for _ in range(max(2, args.repeat // 2))
    )

    size = len(old_text.encode("utf-8")) / 1e6
    findings = report.findings  # type: ignore[attr-defined]
    print(
        f"OpenAPI 3.0 {args.format.upper()}: {size:.2f} MB and {len(new_text.encode()) / 1e6:.2f} MB, "
        f"{args.operations} operations, {old_text.count(chr(10)):,} lines; "
        f"{len(findings)} finding(s): " + ", ".join(f"{f.rule} {f.severity}" for f in findings)
    )
    print()
    print(f"{'step':<56}{'best of ' + str(args.repeat):>14}")
    print(f"{'(a) PyYAML CSafeLoader parse of both (baseline)':<56}{baseline * 1000:>11.1f} ms")
    if json_baseline is not None:
        print(f"{'    json.loads of both (for reference)':<56}{json_baseline * 1000:>11.1f} ms")
    print(
        f"{'(b) read both as artefacts (located, converted)':<56}{split['read'] * 1000:>11.1f} ms"
    )
    print(f"{'    compare (diff + classify + verdict)':<56}{split['compare'] * 1000:>11.1f} ms")
    print(f"{'    in-process judgement, whole':<56}{total * 1000:>11.1f} ms")
    print(f"{'(c) fresh process: parse both only':<56}{process_base * 1000:>11.1f} ms")
    print(f"{'    fresh process: read both and judge':<56}{process * 1000:>11.1f} ms")
    print()
    ratio = total / baseline
    ok_ratio, ok_time = ratio <= TARGET_RATIO, total < TARGET_SECONDS
    print(
        f"ratio in-process judgement / parse: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x: {'met' if ok_ratio else 'MISSED'})"
    )
    if json_baseline is not None:
        print(f"ratio in-process judgement / json.loads of both: {total / json_baseline:.2f}x")
    print(f"ratio whole process / parse-only process: {process / process_base:.2f}x")
    print(
        f"in-process judgement: {total:.3f} s (target < {TARGET_SECONDS:.0f} s: {'met' if ok_time else 'MISSED'})"
    )

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        whole()
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
        print(buf.getvalue())
    return 0 if ok_ratio and ok_time else 1


if __name__ == "__main__":
    sys.exit(main())
