"""Whole processes, paired in one run: ``workbench diff`` against parsing both files with PyYAML.

    python benchmarks/parse.py [--sizes 1k,10k,100k] [--repeat 5] [--profile 10k] [--keep DIR]
                               [--quick]

For each size, two generated contracts (see ``generate.py``; about 1,000, 10,000 and 100,000
lines) are written to a temporary directory, then these processes run interleaved, best of
``--repeat`` each:

  diff       ``workbench diff OLD NEW`` (load, validate, engine, security review, text report);
  C parse    a fresh interpreter that parses both files with PyYAML's C loader
             (``yaml.load(text, Loader=CSafeLoader)``), with the garbage collector paused and,
             separately, on;
  load       a fresh interpreter that loads both files with the workbench's located loader
             (``load_yaml``) and nothing else, for the split.

and, for start-up, a file-to-file diff of the 235-line sample contract against a copy with one
lifetime changed, beside ``python -c pass``.

Every process runs in the temporary directory, outside any git repository: the figures do not
depend on where the benchmark is started (inside a checkout a diff also finds the repository
and reads its policy and ignore file, and ``python -c`` would import the checkout's package).

Every process gets a byte-code cache (``PYTHONPYCACHEPREFIX`` in the temporary directory, filled
by a first untimed run), as an installed package has; the environment's
``PYTHONDONTWRITEBYTECODE`` would otherwise make every run compile the workbench from source.

Times are the CPU time of the child (user + system, from ``wait4``), which a machine shared with
other work disturbs far less than the wall clock; the wall clock is printed beside it. Targets
(issue 18): diff at 10k and 100k lines within 1.5x of the C parse of both files with the
collector paused; the 235-line diff within 8x of ``python -c pass``.

``--against DIR`` adds, in the same rounds, the diff of another source tree of the workbench
(an exported commit: ``git archive main | tar -x -C DIR``), run by this interpreter with
``PYTHONPATH=DIR``; this tree's diff then runs the same way, so the two differ only in code.

``--profile SIZE`` runs the diff of that size once more under cProfile, in this process, and
prints where the time goes (cumulative, top 30) and the split by phase.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import pair  # noqa: E402

SIZES = {"1k": (80, 24), "10k": (1000, 300), "100k": (10000, 3000)}  # endpoints, changes
SAMPLE = ROOT / "sample_contracts" / "payments-api.yaml"
TARGET_DIFF = 1.5
TARGET_START = 8.0

C_PARSE = """\
import gc, sys, yaml
if sys.argv[1] == "paused":
    gc.disable()
for name in sys.argv[2:]:
    with open(name, encoding="utf-8") as fh:
        yaml.load(fh.read(), Loader=yaml.CSafeLoader)
"""
LOAD = """\
import sys
from workbench.contract.yamlsrc import load_file
for name in sys.argv[1:]:
    load_file(name)
"""


def _workbench() -> list[str]:
    script = Path(sys.executable).parent / "workbench"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from workbench.cli import main; main()"]


Command = list[str] | tuple[str, list[str]]  # argv, or (PYTHONPATH, argv)


def run(cmd: Command, env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """``(cpu seconds, wall seconds, exit code)`` of one child process (a command given as
    ``(PYTHONPATH, argv)`` runs with that tree first on the path)."""
    if isinstance(cmd, tuple):
        path, cmd = cmd
        env = {**env, "PYTHONPATH": path}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace")
    if code not in (0, 1) or "Traceback" in message:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({code}):\n{message}")
    return usage.ru_utime + usage.ru_stime, wall, code


def best(commands: dict[str, Command], env: dict[str, str], cwd: Path, repeat: int) -> dict:
    """Best of ``repeat`` for each command, the commands interleaved round by round."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            cpu, wall, _ = run(cmd, env, cwd)
            results[name].append((cpu, wall))
    return {name: (min(c for c, _ in r), min(w for _, w in r)) for name, r in results.items()}


def environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["WORKBENCH_NO_CACHE"] = "1"
    env["NO_COLOR"] = "1"
    return env


def row(label: str, cpu: float, wall: float, base: float | None = None) -> str:
    ratio = f"{cpu / base:8.2f}x" if base else " " * 9
    return f"  {label:<44}{cpu * 1000:>9.0f} ms{wall * 1000:>9.0f} ms {ratio}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1k,10k,100k")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", choices=sorted(SIZES), help="profile the diff of this size")
    ap.add_argument("--keep", type=Path, help="write the generated contracts here and keep them")
    ap.add_argument(
        "--against", type=Path, help="another source tree whose diff runs beside this one's"
    )
    ap.add_argument(
        "--quick", action="store_true", help="a run of a few minutes: 1k and 10k lines, 3 runs"
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = "1k,10k", min(args.repeat, 3)

    tmp = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    folder = args.keep or tmp
    folder.mkdir(parents=True, exist_ok=True)
    env = environment(tmp)
    wb = _workbench()
    py = sys.executable
    ok = True
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}; "
              "CPU time of each child")  # fmt: skip
        print("(user + system), best of", args.repeat, "runs; the wall clock beside it.")
        print(f"\n  {'process':<44}{'cpu':>12}{'wall':>12}  ratio")

        sample_new = folder / "payments-api-new.yaml"
        text = SAMPLE.read_text(encoding="utf-8")
        sample_new.write_text(text.replace("lifetime: 15m", "lifetime: 10m", 1), encoding="utf-8")
        lines = text.count("\n")
        small = {
            "python -c pass": [py, "-c", "pass"],
            "diff": [*wb, "diff", str(SAMPLE), str(sample_new)],
        }
        run(small["diff"], env, tmp)  # fill the byte-code cache
        times = best(small, env, tmp, args.repeat)
        base = times["python -c pass"][0]
        ratio = times["diff"][0] / base
        ok &= ratio <= TARGET_START
        print(f"\n{lines} lines, file to file:")
        print(row("python -c pass", *times["python -c pass"]))
        print(row("workbench diff", *times["diff"], base))
        print(f"  start-up target: within {TARGET_START:.0f}x of python -c pass: "
              f"{'met' if ratio <= TARGET_START else 'MISSED'} ({ratio:.1f}x)")  # fmt: skip

        for size in args.sizes.split(","):
            endpoints, changes = SIZES[size]
            old_text, new_text = pair(endpoints, changes)
            old, new = folder / f"old-{size}.yaml", folder / f"new-{size}.yaml"
            old.write_text(old_text, encoding="utf-8")
            new.write_text(new_text, encoding="utf-8")
            commands: dict[str, Command] = {
                "paused": [py, "-c", C_PARSE, "paused", str(old), str(new)],
                "on": [py, "-c", C_PARSE, "on", str(old), str(new)],
                "load": [py, "-c", LOAD, str(old), str(new)],
                "diff": [*wb, "diff", str(old), str(new)],
            }
            if args.against:
                cli = [py, "-c", "from workbench.cli import main; main()", "diff", str(old)]
                commands["diff"] = (str(ROOT), [*cli, str(new)])
                commands["against"] = (str(args.against.resolve()), [*cli, str(new)])
            repeat = args.repeat if endpoints < 5000 else max(2, args.repeat // 2)
            times = best(commands, env, tmp, repeat)
            paused = times["paused"][0]
            print(
                f"\n{size}: {old_text.count(chr(10)):,} and {new_text.count(chr(10)):,} lines "
                f"(best of {repeat}; ratios against the C parse with the collector paused)"
            )
            print(row("C parse of both, collector paused", *times["paused"], paused))
            print(row("C parse of both, collector on", *times["on"], paused))
            print(row("workbench located load of both", *times["load"], paused))
            print(row("workbench diff (whole process)", *times["diff"], paused))
            if args.against:
                print(row(f"the same diff of {args.against}", *times["against"], paused))
                print(f"  this tree / {args.against}: "
                      f"{times['diff'][0] / times['against'][0]:.2f}x")  # fmt: skip
            ratio = times["diff"][0] / paused
            print(f"  diff / C parse: {ratio:.2f}x with the collector paused, "
                  f"{times['diff'][0] / times['on'][0]:.2f}x with it on")  # fmt: skip
            if size != "1k":
                met = ratio <= TARGET_DIFF
                ok &= met
                print(f"  target: within {TARGET_DIFF}x (paused): {'met' if met else 'MISSED'}")

        print("\nload average after the runs: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        if args.profile:
            endpoints, changes = SIZES[args.profile]
            profile(*pair(endpoints, changes))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def profile(old_text: str, new_text: str) -> None:
    """Where the diff's time goes: phases, then cProfile's top functions."""
    sys.path.insert(0, str(ROOT))
    from workbench.contract.loader import parse_contract_text, validate_contract
    from workbench.report import RenderOptions, render
    from workbench.review import build_report

    def phases() -> dict[str, float]:
        out: dict[str, float] = {}
        t = time.process_time()
        old = parse_contract_text(old_text, "old.yaml")
        new = parse_contract_text(new_text, "new.yaml")
        out["parse (located YAML)"], t = time.process_time() - t, time.process_time()
        validate_contract(old)
        validate_contract(new)
        out["validate (schema, semantics)"], t = time.process_time() - t, time.process_time()
        report = build_report(old, new)
        out["engine and security review"], t = time.process_time() - t, time.process_time()
        render(report, "text", RenderOptions())
        out["render (text)"] = time.process_time() - t
        return out

    phases()  # warm: compiled validators, imports
    split = phases()
    total = sum(split.values())
    print("\nsplit of the diff (in this process, CPU time):")
    for name, seconds in split.items():
        print(f"  {name:<44}{seconds * 1000:>9.0f} ms {seconds / total:6.0%}")
    prof = cProfile.Profile()
    prof.enable()
    phases()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    print(buf.getvalue())


if __name__ == "__main__":
    sys.exit(main())
