"""Time of the terminal UI tests: today's against those of an older revision, side by side.

    python benchmarks/tui_tests.py [--old b89b2f9] [--rounds 1] [--old-checkout DIR]

The older revision is exported (``git archive``) into a temporary directory with its own
virtual environment (or ``--old-checkout``: a checkout of it with a ``.venv`` already made);
then, in each round, its TUI test files run, then today's, one after the other on the same
machine, each with ``--junitxml``. TUI test files are those that drive the app (``run_test``,
``snap_compare`` or the harness).

Printed: the load average before each run, the wall and CPU time of each whole run; the time of the tests present on both sides
(matched by name; a test parametrised on one side only is matched by its name without the
parameters, its cases summed) and the ratio today / then, in wall time and in CPU time (each
test's, measured by ``cpu_per_test.py`` loaded into both runs); the total time of today's TUI
tests and the slowest of them. Under load, compare ratios of one run, never figures across runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRIVES_THE_APP = re.compile(r"run_test\(|snap_compare|from tui_harness import")


def tui_files(checkout: Path) -> list[str]:
    return sorted(
        str(p.relative_to(checkout))
        for p in (checkout / "tests").glob("test_*.py")
        if DRIVES_THE_APP.search(p.read_text(encoding="utf-8"))
    )


def export(rev: str, into: Path) -> Path:
    """The tree of ``rev`` in ``into`` with a virtual environment holding it and its test
    dependencies."""
    archive = subprocess.run(
        ["git", "archive", rev], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    venv.create(into / ".venv", with_pip=True)
    subprocess.run(
        [str(into / ".venv/bin/python"), "-m", "pip", "install", "-q", "-e", ".[test]"],
        cwd=into,
        check=True,
    )
    return into


def run(checkout: Path, python: Path, out: Path) -> tuple[float, float]:
    """Run the TUI tests of ``checkout``; the wall and CPU time of the whole run. The CPU time
    of each test goes to ``out`` with the suffix ``.cpu.json`` (``cpu_per_test.py``)."""
    files = tui_files(checkout)
    print(f"  load average {os.getloadavg()[0]:.2f}: {checkout.name}, {len(files)} files")
    args = [str(python), "-m", "pytest", *files, "-q", "-p", "no:randomly"]
    args += ["-p", "no:cacheprovider", f"--junitxml={out}", "-p", "cpu_per_test"]
    env = {**os.environ, "WORKBENCH_CPU_PER_TEST": str(out.with_suffix(".cpu.json"))}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent), env.get("PYTHONPATH")) if p
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=checkout, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        print(done.stdout[-3000:], file=sys.stderr)
        print(f"  (the tests of {checkout} failed: their times are still read)", file=sys.stderr)
    return took, cpu


def cpu_times(junit: Path) -> dict[str, float]:
    """CPU seconds per test, by test name (written by ``cpu_per_test.py``)."""
    return json.loads(junit.with_suffix(".cpu.json").read_text(encoding="utf-8"))


def times(junit: Path) -> dict[str, float]:
    """Seconds per test (setup, call and teardown), by test name."""
    return {
        case.get("name"): float(case.get("time") or 0) for case in ET.parse(junit).iter("testcase")
    }


def base(name: str) -> str:
    return name.split("[", 1)[0]


def matched(old: dict[str, float], new: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Tests of both sides by name; what is left, by name without parameters, cases summed."""
    pairs = {name: (old[name], new[name]) for name in old.keys() & new.keys()}
    rest_old: dict[str, float] = defaultdict(float)
    rest_new: dict[str, float] = defaultdict(float)
    for name in old.keys() - pairs.keys():
        rest_old[base(name)] += old[name]
    for name in new.keys() - pairs.keys():
        rest_new[base(name)] += new[name]
    for name in rest_old.keys() & rest_new.keys():
        pairs[name] = (rest_old[name], rest_new[name])
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default="b89b2f9", help="the revision to compare with")
    parser.add_argument("--old-checkout", type=Path, help="a checkout of --old with its .venv")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=20)
    ns = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tui-tests-") as tmp:
        work = Path(tmp)
        if ns.old_checkout:
            old_checkout = ns.old_checkout.resolve()
        else:
            print(f"exporting {ns.old} with its own environment...")
            old_checkout = export(ns.old, work / "old")
        old_python = old_checkout / ".venv/bin/python"
        old_runs: list[dict[str, float]] = []
        new_runs: list[dict[str, float]] = []
        old_cpu: list[dict[str, float]] = []
        new_cpu: list[dict[str, float]] = []
        for round_ in range(ns.rounds):
            print(f"round {round_ + 1}")
            wall_old, cpu_old = run(old_checkout, old_python, work / f"old{round_}.xml")
            wall_new, cpu_new = run(ROOT, Path(sys.executable), work / f"new{round_}.xml")
            print(f"  whole runs: {ns.old} {wall_old:.1f} s ({cpu_old:.1f} s CPU)", end="")
            print(f", today {wall_new:.1f} s ({cpu_new:.1f} s CPU, more tests)")
            old_runs.append(times(work / f"old{round_}.xml"))
            new_runs.append(times(work / f"new{round_}.xml"))
            old_cpu.append(cpu_times(work / f"old{round_}.xml"))
            new_cpu.append(cpu_times(work / f"new{round_}.xml"))

    def mean(runs: list[dict[str, float]]) -> dict[str, float]:
        return {name: sum(r.get(name, 0.0) for r in runs) / len(runs) for name in runs[0]}

    old, new = mean(old_runs), mean(new_runs)
    pairs = matched(old, new)
    then = sum(o for o, _ in pairs.values())
    now = sum(n for _, n in pairs.values())
    print(f"\nTUI tests of {ns.old}: {len(old)} tests, {sum(old.values()):.1f} s")
    print(f"matched by name: {len(pairs)} tests, {then:.1f} s then, {now:.1f} s today")
    print(f"ratio today / then: {now / then:.2f}")
    cpu_pairs = matched(mean(old_cpu), mean(new_cpu))
    cpu_then = sum(o for o, _ in cpu_pairs.values())
    cpu_now = sum(n for _, n in cpu_pairs.values())
    print(f"CPU of the matched tests: {cpu_then:.1f} s then, {cpu_now:.1f} s today", end="")
    print(f", ratio {cpu_now / cpu_then:.2f} (less sensitive to the load than wall time)")
    print(f"today's TUI tests: {len(new)} tests, {sum(new.values()):.1f} s")
    print(f"\nslowest {ns.slowest} of today's TUI tests (then, today):")
    for name in sorted(new, key=new.get, reverse=True)[: ns.slowest]:
        was = f"{pairs[name][0]:6.2f}" if name in pairs else "     -"
        print(f"  {was} {new[name]:6.2f}  {name}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
