"""The commit gate over a commit that adds many files that are not contracts, side by side with
git itself listing the change.

    python benchmarks/gate.py [--files 100000] [--runs 5] [--sparse]

Builds (once, in a temporary directory) a repository with one contract, then a commit adding
``--files`` YAML files that are not contracts (``id: N`` / ``name: item N``, each different),
written with ``git fast-import`` and checked out (``--sparse`` leaves them out of the working
tree, as a sparse checkout does). Then times, interleaved round by round so that machine load
hits every command alike:
  - ``git diff --raw HEAD~1 HEAD`` (the baseline: git listing what the gate must look at),
  - ``workbench check --base HEAD~1`` (the pull-request gate: must answer "no contract changed"),
  - ``workbench check --staged`` and ``workbench check`` (the pre-commit hook and the default:
    nothing is staged or modified, whatever the size of the tree),
and prints the minimum and the median of each with their ratio to the baseline. Every
workbench run must exit 0 with "no contract", or the benchmark is void.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_contracts" / "payments-api.yaml"
ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "WORKBENCH_NO_CACHE": "1",
}


def git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=ENV, input=input, capture_output=True, check=True
    )
    return done.stdout


def build(repo: Path, files: int, sparse: bool) -> None:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "contracts").mkdir()
    shutil.copy(SAMPLE, repo / "contracts" / "payments-api.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "payments-api")
    head = git(repo, "rev-parse", "HEAD").strip()
    parts = [
        b"commit refs/heads/main\ncommitter Ada <ada@example.com> 1750000000 +0000\n"
        b"data 6\nnoise\nfrom " + head + b"\n"
    ]
    for i in range(files):
        content = b"id: %d\nname: item %d\n" % (i, i)
        parts.append(
            b"M 100644 inline noise/%03d/f%06d.yaml\ndata %d\n%s\n"
            % (i // 1000, i, len(content), content)
        )
    git(repo, "fast-import", "--quiet", input=b"".join(parts) + b"\n")
    if sparse:
        git(repo, "sparse-checkout", "set", "--no-cone", "/*", "!/noise/")
    git(repo, "reset", "-q", "--hard", "HEAD")


def workbench() -> str:
    script = Path(sys.executable).with_name("workbench")
    found = str(script) if script.exists() else shutil.which("workbench")
    if not found:
        raise SystemExit("gate benchmark: no `workbench` console script (pip install -e .)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sparse", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="a run of a few minutes: 10,000 files, 3 runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.files, args.runs = 10_000, min(args.runs, 3)
    wb = workbench()
    commands = {
        "git diff --raw HEAD~1 HEAD (baseline)": ["git", "diff", "--raw", "HEAD~1", "HEAD"],
        "workbench check --base HEAD~1": [wb, "check", "--base", "HEAD~1"],
        "workbench check --staged": [wb, "check", "--staged"],
        "workbench check": [wb, "check"],
    }
    with tempfile.TemporaryDirectory(prefix="workbench-gate-") as tmp:
        repo = Path(tmp) / "repo"
        started = time.perf_counter()
        build(repo, args.files, args.sparse)
        print(
            f"repository: {args.files:,} new YAML files"
            f"{' (sparse checkout)' if args.sparse else ''}, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs + 1):  # the first round warms caches and is dropped
            for name, argv in commands.items():
                t0 = time.perf_counter()
                done = subprocess.run(argv, cwd=repo, env=ENV, capture_output=True, text=True)
                times[name].append(time.perf_counter() - t0)
                if argv[0] == wb and (done.returncode != 0 or "no contract" not in done.stdout):
                    raise SystemExit(f"gate benchmark void: {name}: {done.stdout}{done.stderr}")
        base = min(times[next(iter(commands))][1:])
        print(f"{'command':44} {'min':>8} {'median':>8} {'x baseline':>11}")
        for name, values in times.items():
            kept = values[1:]
            low = min(kept)
            print(f"{name:44} {low:8.3f} {statistics.median(kept):8.3f} {low / base:11.1f}")


if __name__ == "__main__":
    main()
