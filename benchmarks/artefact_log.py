"""Benchmark: ``workbench log`` over a long history of a large OpenAPI description.

    python benchmarks/artefact_log.py [--revisions 300] [--operations 1500] [--runs 3]
                                      [--keep DIR] [--quick] [--compare SRC]

Generates (with one ``git fast-import`` process) a repository whose ``api/openapi.json`` (the
description of ``benchmarks/artefacts.py``, about 2 MB) has ``--revisions`` revisions, each a
small realistic amendment (an operation gains or loses a scope, a schema bound moves, an
operation is added, a description is reworded). Then times, as whole processes side by side in
one run:
  - ``git log --follow --format=%H -- api/openapi.json`` (the baseline: git listing the history),
  - a process that reads every revision's blob through one ``git cat-file --batch`` and parses it
    with ``json.loads`` (the floor of reading every revision),
  - ``workbench log api/openapi.json --format json`` cold (an empty cache directory) and warm
    (the same cache again), each checked to list every revision.
Targets (issue: real authentication artefacts): cold under 30 s, warm under 1 s. Prints a
table (command, figure, baseline, ratio, target, met) with the wall time and the CPU time of
each process (the machine may be shared: the load average is printed beside), and the cold
time per revision. ``--quick`` (60 revisions) also extrapolates the cold time to 300 revisions
(said as such). ``--compare SRC`` also times, side by side in each run (order alternating), the
cold log of another source tree of the workbench (``git archive main | tar -x -C SRC``) run by
the same interpreter, checks that its output is byte for byte the same, and prints the ratio.
Nothing is written outside a temporary directory (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from artefacts import generate

COLD_TARGET = 30.0
WARM_TARGET = 1.0
PATH = "api/openapi.json"


def amendments(doc: dict, count: int, seed: int) -> list[str]:
    """``count`` successive texts of ``doc``, each one small amendment after the last."""
    rng = random.Random(seed)
    doc = copy.deepcopy(doc)
    texts = [json.dumps(doc, indent=2) + "\n"]
    routes = list(doc["paths"])
    schemas = list(doc["components"]["schemas"])
    for n in range(1, count):
        kind = n % 4
        if kind == 0:
            route = rng.choice(routes)
            (op,) = doc["paths"][route].values()
            scopes = [s for w in ("orders", "invoices") for s in (f"{w}:read", f"{w}:write")]
            op["security"] = [{"oauth": [rng.choice(scopes)]}]
        elif kind == 1:
            schema = doc["components"]["schemas"][rng.choice(schemas)]
            schema["properties"]["note"]["maxLength"] = rng.choice((200, 500, 1000))
        elif kind == 2:
            route = f"/v2/added/{n:05d}"
            doc["paths"][route] = {
                "get": {
                    "operationId": f"added{n:05d}",
                    "summary": f"Added operation {n}",
                    "responses": {"200": {"description": "OK"}},
                }
            }
        else:
            (op,) = doc["paths"][rng.choice(routes)].values()
            op["description"] = f"Reworded in revision {n}."
        texts.append(json.dumps(doc, indent=2) + "\n")
    return texts


def build_repo(root: Path, texts: list[str]) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = bytearray()
    for n, text in enumerate(texts):
        data = text.encode()
        message = f"Amend the API description ({n})".encode()
        stream += b"commit refs/heads/main\n"
        stream += (
            f"committer Ada Author <ada@example.com> {1_700_000_000 + n * 3600} +0000\n".encode()
        )
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        stream += f"M 100644 inline {PATH}\ndata {len(data)}\n".encode() + data + b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(stream), cwd=root, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)


FLOOR = """
import json, subprocess, sys
root, path = sys.argv[1], sys.argv[2]
revs = subprocess.run(["git", "log", "--follow", "--format=%H", "--", path], cwd=root,
                      capture_output=True, text=True, check=True).stdout.split()
specs = "".join(f"{r}:{path}\\n" for r in revs).encode()
out = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input=specs,
                     capture_output=True, check=True).stdout
i = 0
for _ in revs:
    header_end = out.index(b"\\n", i)
    size = int(out[i:header_end].split()[2])
    json.loads(out[header_end + 1 : header_end + 1 + size])
    i = header_end + 1 + size + 1
print(len(revs))
"""


RUN_SOURCE = (
    "import sys; from workbench.cli import main; sys.argv[0] = 'workbench'; sys.exit(main())"
)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the process and its children) and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}... failed: {done.stderr.strip()[:300]}")
    return elapsed, cpu, done.stdout


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--revisions", type=int, default=300)
    ap.add_argument("--operations", type=int, default=1500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--quick", action="store_true", help="60 revisions, one run")
    ap.add_argument("--compare", type=Path, help="another source tree, timed cold beside")
    args = ap.parse_args(argv)
    if args.quick:
        args.revisions, args.runs = 60, 1

    work = args.keep or Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    repo = work / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    texts = amendments(generate(args.operations, args.seed), args.revisions, args.seed)
    build_repo(repo, texts)
    size = len(texts[-1].encode()) / 1e6
    print(f"{PATH}: {args.revisions} revisions, {size:.2f} MB at HEAD")

    exe = shutil.which("workbench") or sys.exit("the workbench command is not installed")
    workbench = [exe, "log", PATH, "--format", "json"]
    keys = ("git", "floor", "cold", "warm", "other")
    wall: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    loads = [load_average()]
    revisions = 0
    for run in range(args.runs):
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        git = ["git", "log", "--follow", "--format=%H", "--", PATH]
        w, c, listed = timed(git, repo)
        wall["git"].append(w)
        cpu["git"].append(c)
        revisions = len(listed.split())  # an amendment that changed nothing is no revision
        w, c, _ = timed([sys.executable, "-c", FLOOR, str(repo), PATH], repo)
        wall["floor"].append(w)
        cpu["floor"].append(c)
        other = None
        if args.compare is not None:  # the same command from another source tree, cold
            other_cache = work / "cache-other"
            shutil.rmtree(other_cache, ignore_errors=True)
            other_env = {**env, "XDG_CACHE_HOME": str(other_cache), "PYTHONPATH": str(args.compare)}
            other = [sys.executable, "-c", RUN_SOURCE, "log", PATH, "--format", "json"]
        for side in ("other", "cold") if run % 2 else ("cold", "other"):
            if side == "other" and other is not None:
                w, c, theirs = timed(other, repo, other_env)
                wall["other"].append(w)
                cpu["other"].append(c)
            elif side == "cold":
                w, c, out = timed(workbench, repo, env)
                assert len(json.loads(out)) == revisions, "the log does not list every revision"
                wall["cold"].append(w)
                cpu["cold"].append(c)
        if other is not None:
            assert theirs == out, "the compared source tree prints another log"
        w, c, out = timed(workbench, repo, env)
        assert len(json.loads(out)) == revisions
        wall["warm"].append(w)
        cpu["warm"].append(c)
        loads.append(load_average())

    med = {k: statistics.median(v) for k, v in wall.items() if v}
    mcpu = {k: statistics.median(v) for k, v in cpu.items() if v}
    print(f"load average (1, 5, 15 min): before {loads[0]}; after each run {'; '.join(loads[1:])}")
    print(f"{revisions} revisions listed; medians of {args.runs} run(s); CPU = user + system\n")
    labels = {
        "git": "git log --follow",
        "floor": "read every revision (cat-file + json.loads)",
        "cold": "workbench log -f json, cold (empty cache)",
        "warm": "workbench log -f json, warm",
        "other": f"the same, cold, from {args.compare}",
    }
    for key, label in labels.items():
        if key not in med:
            continue
        print(f"{label:<46}{med[key]:>9.3f} s wall{mcpu[key]:>9.3f} s CPU")
    cold_ok, warm_ok = med["cold"] < COLD_TARGET, med["warm"] < WARM_TARGET
    per_rev = med["cold"] / max(revisions, 1)
    print()
    header = ("command", "figure", "baseline", "ratio", "target", "met?")
    table = [
        (
            "log cold (wall)",
            f"{med['cold']:.1f} s",
            f"floor {med['floor']:.2f} s",
            f"{med['cold'] / med['floor']:.2f}x",
            f"< {COLD_TARGET:.0f} s",
            "met" if cold_ok else "MISSED",
        ),
        (
            "log cold (CPU)",
            f"{mcpu['cold']:.1f} s",
            f"floor {mcpu['floor']:.2f} s",
            f"{mcpu['cold'] / max(mcpu['floor'], 1e-9):.2f}x",
            f"< {COLD_TARGET:.0f} s",
            "met" if mcpu["cold"] < COLD_TARGET else "MISSED",
        ),
        (
            "log warm (wall)",
            f"{med['warm']:.2f} s",
            f"git log {med['git']:.3f} s",
            f"{med['warm'] / med['git']:.1f}x",
            f"< {WARM_TARGET:.0f} s",
            "met" if warm_ok else "MISSED",
        ),
    ]
    if "other" in med:  # this tree against the other, paired in each run
        for kind, figures in (("wall", med), ("CPU", mcpu)):
            table.append(
                (
                    f"log cold vs --compare ({kind})",
                    f"{figures['cold']:.1f} s",
                    f"{figures['other']:.1f} s",
                    f"{figures['cold'] / max(figures['other'], 1e-9):.2f}x",
                    "-",
                    "same output",
                )
            )
    if args.revisions < 300:  # a smaller history (--quick): what 300 revisions would take
        # start-up and listing (what a warm run does) once, then the cold cost of a revision
        for kind, figures in (("wall", med), ("CPU", mcpu)):
            step = (figures["cold"] - figures["warm"]) / max(revisions, 1)
            projected = figures["warm"] + step * 300
            table.append(
                (
                    f"cold at 300, extrapolated ({kind})",
                    f"{projected:.1f} s",
                    f"{step * 1000:.0f} ms/rev",
                    "-",
                    f"< {COLD_TARGET:.0f} s",
                    "met" if projected < COLD_TARGET else "MISSED",
                )
            )
    widths = [max(len(str(row[i])) for row in (header, *table)) for i in range(len(header))]
    for row in (header, *table):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"\ncold per revision: {per_rev * 1000:.0f} ms wall, {mcpu['cold'] / max(revisions, 1) * 1000:.0f} ms CPU"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if cold_ok and warm_ok else 1


if __name__ == "__main__":
    sys.exit(main())
