"""Benchmark of the terminal UI: first paint, and switching revisions of a 10,000-line contract.

    python benchmarks/tui.py [--repeat 5] [--switches 10] [--skip-big]

Measures, side by side in one run:
  (a) first paint: from the start of a ``python`` process to the history of the demo's biggest
      contract being painted (``create_app(...).run_test()`` headless; a hook on the history
      list's ``render_line`` stamps the first paint with rows), timed from outside over the
      whole subprocess, and in-process (from the app's creation, imports done); next to a bare
      Textual app painting a ``DataTable`` of as many rows with a footer, measured the same way
      in a fresh interpreter, to the bare start-up of ``python -c "import textual"`` and of
      ``from textual.app import App``, and to ``git log`` of the same contract. The same on the
      10,000-commit repository of ``benchmarks/history.py`` (its 1,000-revision contract),
      unless ``--skip-big``;
  (b) revision switch: in a repository whose contract has about 10,000 lines (the generator of
      ``benchmarks/engine.py``) and a dozen revisions, the time from pressing ``j``/``k`` in the
      history to the diff of the newly selected revision being on screen, while the verdict
      badges still compute (cold) and after they are done (warm); next to ``git diff`` of the
      same two revisions; and the time until its findings (engine + security review) arrive.
Targets: first paint under 0.5 s on the demo (2 s on the 10,000-commit repository); revision
switch under 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_PAINT_TARGET = 0.5
FIRST_PAINT_BIG_TARGET = 2.0
SWITCH_TARGET = 0.150


def _sibling(name: str):
    """A sibling benchmark module (its generator), imported by path."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- the child process of the first-paint measurement ---------------------------------------

CHILD = """
import asyncio, os, sys, time
IMPORTING = time.time()
from workbench.tui.app import create_app
from workbench.tui.settings import Settings
from workbench.tui.widgets.lists import HistoryTable

PAINTED = []
_render_line = HistoryTable.render_line

def render_line(self, y):  # the hook: the compositor paints the history with its rows
    strip = _render_line(self, y)
    if not PAINTED and self.row_count and self.screen.current_path == sys.argv[2]:
        PAINTED.append((time.time(), self.row_count))
    return strip

HistoryTable.render_line = render_line

async def main(repo, path):
    created = time.time()
    app = create_app(repo, settings=Settings(), select=path)
    async with app.run_test(size=(120, 40)):
        while not PAINTED:
            await asyncio.sleep(0.001)
        stamp, rows = PAINTED[0]
        sys.stdout.write(f"SHOWN {stamp!r} {rows} {stamp - created!r} {created - IMPORTING!r}\\n")
        sys.stdout.flush()
        os._exit(0)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""

# The baseline: a bare Textual app painting a DataTable of ROWS rows and a footer.
BARE = """
import asyncio, os, sys, time
IMPORTING = time.time()
from textual.app import App
from textual.widgets import DataTable, Footer

PAINTED = []
ROWS = int(sys.argv[1])

class Table(DataTable):
    def render_line(self, y):
        strip = super().render_line(y)
        if not PAINTED and self.row_count:
            PAINTED.append((time.time(), self.row_count))
        return strip

class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Table(cursor_type="row")
        yield Footer()

    def on_mount(self):
        table = self.query_one(Table)
        table.add_columns("sha", "version", "subject", "author")
        for i in range(ROWS):
            table.add_row(f"{i:07x}", f"1.{i}.0", f"Amendment {i}", "Bench")

async def main():
    created = time.time()
    app = Bare()
    async with app.run_test(size=(120, 40)):
        while not PAINTED:
            await asyncio.sleep(0.001)
        stamp, rows = PAINTED[0]
        sys.stdout.write(f"SHOWN {stamp!r} {rows} {stamp - created!r} {created - IMPORTING!r}\\n")
        sys.stdout.flush()
        os._exit(0)

asyncio.run(main())
"""


def run_wall(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None) -> float:
    start = time.time()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.time() - start


def first_paint(repo: Path, path: str, env: dict) -> tuple[float, int, float, float]:
    """Seconds from spawning ``python`` to the history of ``path`` shown; rows shown; seconds
    from creating the app to the paint (in-process); seconds importing the app."""
    return _paint([sys.executable, "-c", CHILD, str(repo), path], env)


def bare_paint(rows: int, env: dict) -> tuple[float, int, float, float]:
    """The same for a bare Textual app painting a ``DataTable`` of ``rows`` rows."""
    return _paint([sys.executable, "-c", BARE, str(rows)], env)


def _paint(cmd: list[str], env: dict) -> tuple[float, int, float, float]:
    start = time.time()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("SHOWN "))
    _, stamp, rows, in_process, importing = line.split()
    return float(stamp) - start, int(rows), float(in_process), float(importing)


def best_median(samples: list[float]) -> tuple[float, float]:
    return min(samples), statistics.median(samples)


# --- the 10,000-line contract -----------------------------------------------------------------


def build_large_repo(dest: Path, revisions: int, seed: int = 11) -> tuple[str, int]:
    """A repository whose one contract has about 10,000 lines and ``revisions`` amendments."""
    engine_bench = _sibling("generate")
    rng = random.Random(seed)
    model = engine_bench.Model(1000, rng)
    path = "contracts/bench-api.yaml"
    dest.mkdir(parents=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, env=env, check=True)
    (dest / "contracts").mkdir()
    lines = 0
    for i in range(revisions):
        if i:
            engine_bench.amend(model, rng.randint(3, 30), rng)
            major, minor, _ = (int(x) for x in model.version.split("."))
            model.version = f"{major}.{minor + 1}.0"
        text = model.render()
        lines = text.count("\n")
        (dest / path).write_text(text, encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=dest, env=env, check=True)
        subprocess.run(
            ["git", "commit", "-q", "-m", f"Amendment {i}"], cwd=dest, env=env, check=True
        )
    return path, lines


async def measure_switches(repo: Path, path: str, switches: int) -> dict[str, list[float]]:
    from workbench.tui.app import create_app
    from workbench.tui.screens.main import MainScreen
    from workbench.tui.settings import Settings

    result: dict[str, list[float]] = {"cold": [], "warm": [], "findings": []}
    app = create_app(repo, settings=Settings(), select=path)
    async with app.run_test(size=(160, 50)) as pilot:
        while not (
            isinstance(app.screen, MainScreen)
            and app.screen.current_path == path
            and app.screen.history_table.row_count
            and app.screen.diff.document is not None
        ):
            await asyncio.sleep(0.001)
        screen: MainScreen = app.screen
        table = screen.history_table
        table.focus()
        count = min(switches, table.row_count - 1)

        async def switch(key: str, bucket: str) -> None:
            start = time.perf_counter()
            await pilot.press(key)
            target = table.current_key
            while not (screen.current_key == target and (screen.diff_shown_at or 0) > start):
                await asyncio.sleep(0.0005)
            result[bucket].append(screen.diff_shown_at - start)

        # cold: right away, while the badges of the whole list are being computed
        for _ in range(count):
            await switch("j", "cold")
        while not screen.settled:
            await asyncio.sleep(0.01)
        # warm: badges done; contracts parsed and cached by the previous passes
        for _ in range(count):
            await switch("k", "warm")
        # findings: from a switch to the findings (engine + security review) being listed
        for key in ["j"] * count:
            start = time.perf_counter()
            await pilot.press(key)
            target = table.current_key
            while not (
                screen.current_key == target and screen.settled and screen.report is not None
            ):
                await asyncio.sleep(0.001)
            result["findings"].append(time.perf_counter() - start)
    return result


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each first-paint measurement")
    ap.add_argument("--switches", type=int, default=10, help="revision switches per pass")
    ap.add_argument("--revisions", type=int, default=12, help="revisions of the large contract")
    ap.add_argument("--skip-big", action="store_true", help="skip the 10,000-commit repository")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="a run of a few minutes: the demo and 5 switches, 2 runs",
    )
    args = ap.parse_args()
    if args.quick:
        args.repeat, args.switches, args.skip_big = min(args.repeat, 2), 5, True

    work = Path(tempfile.mkdtemp(prefix="workbench-tui-bench-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("WORKBENCH_NO_CACHE", None)
    os.environ.update({"XDG_CACHE_HOME": env["XDG_CACHE_HOME"]})
    rows: list[tuple[str, str, str]] = []
    ok = True
    try:
        from workbench.demo import build_demo_repo
        from workbench.history.repo import ContractRepo

        demo = build_demo_repo(work / "demo")
        with ContractRepo.open(demo, cache=False) as repo:
            sizes = {e.path: (demo / e.path).read_text().count("\n") for e in repo.contracts()}
        biggest = max(sizes, key=lambda p: sizes[p])

        py = [sys.executable, "-c"]
        base_python = best_median([run_wall([*py, "pass"]) for _ in range(args.repeat)])
        base_textual = best_median([run_wall([*py, "import textual"]) for _ in range(args.repeat)])
        base_app = best_median(
            [run_wall([*py, "from textual.app import App"]) for _ in range(args.repeat)]
        )
        git_log = best_median(
            [
                run_wall(["git", "log", "--format=%H", "--follow", "--", biggest], cwd=demo)
                for _ in range(args.repeat)
            ]
        )
        paints, bares = [], []
        for _ in range(args.repeat):  # interleaved: the same machine load for both
            paints.append(first_paint(demo, biggest, env))
            bares.append(bare_paint(paints[0][1], env))
        paint = best_median([p[0] for p in paints])
        bare = best_median([p[0] for p in bares])
        paint_in = best_median([p[2] for p in paints])
        bare_in = best_median([p[2] for p in bares])
        imports = best_median([p[3] for p in paints])
        rows += [
            ("python -c pass", f"{base_python[0] * 1000:7.0f} ms", ""),
            ('python -c "import textual"', f"{base_textual[0] * 1000:7.0f} ms", ""),
            ('python -c "from textual.app import App"', f"{base_app[0] * 1000:7.0f} ms", ""),
            (f"git log --follow {biggest} (demo)", f"{git_log[0] * 1000:7.0f} ms", ""),
            (
                f"bare Textual app: DataTable of {bares[0][1]} rows + footer, first paint",
                f"{bare[0] * 1000:7.0f} ms",
                f"median {bare[1] * 1000:.0f} ms; in-process {bare_in[0] * 1000:.0f} ms",
            ),
            (
                f"first paint: demo, {Path(biggest).name} ({sizes[biggest]} lines, "
                f"{paints[0][1]} revisions)",
                f"{paint[0] * 1000:7.0f} ms",
                f"median {paint[1] * 1000:.0f} ms; {paint[0] / bare[0]:.2f}x the bare app; "
                f"target < {FIRST_PAINT_TARGET * 1000:.0f} ms",
            ),
            (
                "  ... in-process: from create_app to the paint",
                f"{paint_in[0] * 1000:7.0f} ms",
                f"median {paint_in[1] * 1000:.0f} ms; {paint_in[0] / bare_in[0]:.2f}x the bare "
                f"app's; importing the app {imports[0] * 1000:.0f} ms",
            ),
        ]
        ok &= paint[0] < FIRST_PAINT_TARGET

        if not args.skip_big:
            history_bench = _sibling("history")
            big = work / "big"
            start = time.perf_counter()
            history_bench.generate(big, 10_000, 50, 1_000)
            gen = time.perf_counter() - start
            hot = history_bench.HOT_PATH
            big_log = best_median(
                [
                    run_wall(["git", "log", "--format=%H", "--follow", "--", hot], cwd=big)
                    for _ in range(args.repeat)
                ]
            )
            big_paints = [first_paint(big, hot, env) for _ in range(args.repeat)]
            big_paint = best_median([p[0] for p in big_paints])
            rows += [
                (f"(generated the 10,000-commit repository in {gen:.1f} s)", "", ""),
                (
                    "git log --follow of its 1,000-revision contract",
                    f"{big_log[0] * 1000:7.0f} ms",
                    "",
                ),
                (
                    "first paint: 10,000 commits, 1,000-revision contract",
                    f"{big_paint[0] * 1000:7.0f} ms",
                    f"median {big_paint[1] * 1000:.0f} ms; first page of "
                    f"{big_paints[0][1]} rows; target < {FIRST_PAINT_BIG_TARGET * 1000:.0f} ms",
                ),
            ]
            ok &= big_paint[0] < FIRST_PAINT_BIG_TARGET

        large = work / "large"
        path, lines = build_large_repo(large, args.revisions)
        git_diff = best_median(
            [
                run_wall(["git", "diff", "HEAD~2", "HEAD~1", "--", path], cwd=large)
                for _ in range(args.repeat)
            ]
        )
        switches = asyncio.run(measure_switches(large, path, args.switches))
        cold = best_median(switches["cold"])
        warm = best_median(switches["warm"])
        worst = max(switches["cold"] + switches["warm"])  # shown per pass below
        findings = best_median(switches["findings"])
        rows += [
            (f"git diff of two revisions ({lines} lines)", f"{git_diff[0] * 1000:7.1f} ms", ""),
            (
                "revision switch, badges computing (cold)",
                f"{cold[1] * 1000:7.1f} ms",
                f"median; best {cold[0] * 1000:.1f} ms, worst {max(switches['cold']) * 1000:.1f}"
                f" ms; {cold[1] / git_diff[0]:.1f}x git diff",
            ),
            (
                "revision switch, badges done (warm)",
                f"{warm[1] * 1000:7.1f} ms",
                f"median; best {warm[0] * 1000:.1f} ms, worst {max(switches['warm']) * 1000:.1f}"
                f" ms; {warm[1] / git_diff[0]:.1f}x git diff; target < {SWITCH_TARGET * 1000:.0f} ms",
            ),
            (
                "  ... until its findings are listed",
                f"{findings[1] * 1000:7.0f} ms",
                "median (engine + security review of both 10,000-line sides)",
            ),
        ]
        ok &= warm[1] < SWITCH_TARGET and cold[1] < SWITCH_TARGET
        del worst
    finally:
        shutil.rmtree(work, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'time':>10}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
