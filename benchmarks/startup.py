"""Start-up of the command line, as whole processes, side by side with Python itself.

    python benchmarks/startup.py [--runs 20] [--imports N]

Times, interleaved round by round so that machine load hits every command alike:
  - ``python -c pass`` (the baseline: the interpreter and its site packages),
  - ``workbench --version`` (issue 10's target: within 2x of the baseline),
  - ``workbench --help`` (lists every command without importing any),
  - ``workbench diff OLD NEW``: two ~235-line contracts, file to file (the sample payments
    contract and an amendment of it: a major version, a shorter lifetime, another algorithm),
    once outside any git repository and once inside one (where the repository's settings and
    ignore file are looked up, so git is opened),
and prints the minimum and the median of each, with their ratios to the baseline. The
processes run as an installed copy does, with byte-code caches (``PYTHONDONTWRITEBYTECODE``
is dropped for them; the warm-up run writes the caches).
``--imports N`` also lists, for each workbench command, the N imports that cost the most
(``python -X importtime``, cumulative microseconds), to see what to cut.

The ``workbench`` console script next to this interpreter is used (install the project in the
interpreter's environment first: ``pip install -e .``).
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
TARGET = 2.0  # workbench --version within 2x of python -c pass
TARGET_DIFF = 8.0  # a file-to-file diff of the sample within 8x of python -c pass (issue 18)


def _amend(text: str) -> str:
    """An amendment of the sample: each change must be present, or the benchmark is void."""
    changes = (
        ("version: 3.2.0", "version: 4.0.0"),
        ("lifetime: 15m", "lifetime: 10m"),
        ("signing_algorithms: [ES256, HS256]", "signing_algorithms: [ES256, PS256]"),
    )
    for old, new in changes:
        if old not in text:
            raise SystemExit(f"startup benchmark: {SAMPLE.name} has no {old!r}")
        text = text.replace(old, new, 1)
    return text


def _script() -> str:
    script = Path(sys.executable).with_name("workbench")
    found = str(script) if script.exists() else shutil.which("workbench")
    if not found:
        raise SystemExit("startup benchmark: no `workbench` console script (pip install -e .)")
    return found


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _top_imports(cmd: list[str], cwd: Path, count: int) -> list[tuple[int, str]]:
    env = {**ENV, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="rounds (default 20)")
    parser.add_argument("--imports", type=int, default=0, metavar="N", help="list N imports")
    parser.add_argument("--quick", action="store_true", help="a run of a few minutes: 8 rounds")
    args = parser.parse_args()
    if args.quick:
        args.runs = min(args.runs, 8)

    script = _script()
    with tempfile.TemporaryDirectory(prefix="workbench-startup-") as tmp:
        text = SAMPLE.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        plain, repo = Path(tmp) / "plain", Path(tmp) / "repo"
        for where in (plain, repo):
            where.mkdir()
            (where / "old.yaml").write_text(text, encoding="utf-8")
            (where / "new.yaml").write_text(_amend(text), encoding="utf-8")
        subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
        ENV["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # never the user's cache
        diff = [script, "diff", "old.yaml", "new.yaml"]
        commands: dict[str, tuple[list[str], Path]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], plain),
            "workbench --version": ([script, "--version"], plain),
            "workbench --help": ([script, "--help"], plain),
            f"workbench diff, {lines} lines": (diff, plain),
            f"workbench diff, {lines} lines, in git": (diff, repo),
        }
        for cmd, cwd in commands.values():
            if cmd is not diff:
                continue
            check = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
            if check.returncode not in (0, 1) or "lifetime" not in check.stdout:
                raise SystemExit(f"startup benchmark: the diff failed: {check.stderr.strip()}")

        for cmd, cwd in commands.values():  # warm the file system and byte-code caches
            _time(cmd, cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, cwd) in commands.items():
                times[name].append(_time(cmd, cwd))

        base_min = min(times["python -c pass"])
        base_median = statistics.median(times["python -c pass"])
        load = "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"start-up, {args.runs} runs each, interleaved ({sys.executable}); {load}")
        print(f"{'command':38} {'min ms':>8} {'median ms':>10} {'x min':>7} {'x median':>9}")
        for name, samples in times.items():
            low, mid = min(samples), statistics.median(samples)
            print(
                f"{name:38} {low * 1000:8.1f} {mid * 1000:10.1f} "
                f"{low / base_min:7.2f} {mid / base_median:9.2f}"
            )
        version = min(times["workbench --version"]) / base_min
        verdict = "meets" if version <= TARGET else "misses"
        print(
            f"\nworkbench --version is {version:.2f}x python -c pass: {verdict} the {TARGET}x target"
        )
        for name in times:
            if name.startswith("workbench diff"):
                low = min(times[name]) / base_min
                mid = statistics.median(times[name]) / base_median
                verdict = "meets" if low <= TARGET_DIFF else "misses"
                print(
                    f"{name} is {low:.2f}x (min; {mid:.2f}x median) python -c pass: "
                    f"{verdict} the {TARGET_DIFF:.0f}x target"
                )
        print("load average after the runs: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

        if args.imports:
            for name, (cmd, cwd) in commands.items():
                if name.startswith("python"):
                    continue
                print(f"\n{name}: the {args.imports} costliest imports (cumulative ms)")
                for micros, module in _top_imports(cmd, cwd, args.imports):
                    print(f"  {micros / 1000:8.1f}  {module}")


if __name__ == "__main__":
    main()
