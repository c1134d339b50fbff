"""The workbench in headless Chromium: ``workbench serve`` driven through its page, and the HTML
review of every demo amendment.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them when it can);
without them these tests skip and say why. ``WORKBENCH_CHROMIUM`` and ``WORKBENCH_CHROMEDRIVER``
point at other binaries.

Screenshots are kept in ``test-artifacts/`` (``WORKBENCH_TEST_ARTIFACTS`` moves it). The served
TUI's screenshot is compared with ``tests/browser_snapshots/serve.png`` by a tolerant pixel
comparison (mean colour of a grid of cells, so a changed date or a font hinting difference does
not matter, a missing pane or another theme does); ``--snapshot-update`` rewrites the reference.
``WORKBENCH_DOCS_IMAGES=docs/images`` also writes the README's screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.demo import build_demo_repo
from workbench.history.log import amendment_log
from workbench.history.repo import ContractRepo
from workbench.report import RenderOptions
from workbench.report.common import strip_rev
from workbench.report.html import render_html

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "browser_snapshots"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = (
    os.environ.get("WORKBENCH_CHROMEDRIVER")
    or shutil.which("chromedriver")
    or "/usr/bin/chromedriver"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
    "--window-size=1280,860",
)
DEMO_CONTRACTS = ("ledger-service", "wallet-app", "partner-api", "payments-api")
DEMO_ARTEFACTS = ("idp-login-discovery", "openapi-merchant-api", "keycloak-customers")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for name, path in (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} not found: install Debian's {name} (apt-get install {name})"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def artifacts() -> Path:
    folder = Path(os.environ.get("WORKBENCH_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def docs_image(name: str, png: bytes) -> None:
    target = os.environ.get("WORKBENCH_DOCS_IMAGES")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / name).write_bytes(png)


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="workbench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(
    condition,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
    seen=None,
):
    """Poll ``condition`` until it returns something truthy (bounded in time); on a timeout,
    the message ends with ``seen()`` (what the test last saw) when given."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            last = f"; last seen:\n{seen()}" if seen is not None else ""
            raise AssertionError(f"timed out waiting for {what}{last}")
        time.sleep(interval)


# --- workbench serve ------------------------------------------------------------------------

# textual-serve keeps its xterm.js terminal in a closure. This runs before the page's scripts
# and catches the terminal when textual.js assigns it (``this.terminal = new Terminal(...)``),
# so the test reads the screen's text from the terminal buffer, whatever renders it (WebGL,
# canvas or DOM).
TERMINAL_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && !window.__workbenchTerminal) window.__workbenchTerminal = value;
  },
  get() { return undefined; },
});
"""
READ_SCREEN = """
const t = window.__workbenchTerminal;
if (!t) return null;
const buffer = t.buffer.active, lines = [];
for (let i = 0; i < t.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_processes(sid: int) -> list[int]:
    """Live processes of a session (the server and every app it started), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, ppid, pgrp, session
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def served(repo: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(tmp_path / "config"),  # default settings: the default theme
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    env.pop("NO_COLOR", None)
    log = (tmp_path / "serve.log").open("wb")
    command = [sys.executable, "-c", "from workbench.cli import main; main()", "serve"]
    proc = subprocess.Popen(
        [*command, str(repo), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )

    def listening() -> bool:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        return False

    try:
        wait_for(listening, 30, what="the server to listen")
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()
        # whatever the test asserted, nothing it started outlives it
        for pid in session_processes(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def grid_signature(driver, png: bytes, cells: tuple[int, int] = (64, 36)) -> dict:
    """The mean colour of each cell of a grid laid over a PNG, decoded by the browser."""
    script = """
    const [data, cols, rows, done] = arguments;
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = img.width; c.height = img.height;
      const g = c.getContext("2d"); g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data, out = [];
      for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) {
        const x0 = Math.floor(k * c.width / cols), x1 = Math.floor((k + 1) * c.width / cols);
        const y0 = Math.floor(r * c.height / rows), y1 = Math.floor((r + 1) * c.height / rows);
        let s = [0, 0, 0], n = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
          const i = (y * c.width + x) * 4; s[0] += px[i]; s[1] += px[i + 1]; s[2] += px[i + 2]; n++;
        }
        out.push(s.map(v => Math.round(v / Math.max(n, 1))));
      }
      done({width: img.width, height: img.height, cells: out});
    };
    img.onerror = () => done(null);
    img.src = "data:image/png;base64," + data;
    """
    return driver.execute_async_script(script, base64.b64encode(png).decode(), *cells)


def compare_screenshots(driver, actual: bytes, reference: bytes) -> tuple[bool, str]:
    """Tolerant: at most 1% of grid cells may differ by more than 40 in a colour channel (the
    same screen differs in none; another diff in the same layout in about 5%)."""
    a, b = grid_signature(driver, actual), grid_signature(driver, reference)
    assert a is not None and b is not None, "a screenshot could not be decoded"
    if (a["width"], a["height"]) != (b["width"], b["height"]):
        return False, f"size {a['width']}x{a['height']} != {b['width']}x{b['height']}"
    differing = sum(
        1
        for x, y in zip(a["cells"], b["cells"], strict=True)
        if max(abs(p - q) for p, q in zip(x, y, strict=True)) > 40
    )
    share = differing / len(a["cells"])
    return share <= 0.01, f"{differing} of {len(a['cells'])} cells differ ({share:.1%})"


def test_serve_shows_the_tui_and_follows_keys(driver, tmp_path: Path, request):
    from selenium.webdriver.common.by import By

    repo = build_demo_repo(tmp_path / "repo", draft=False)  # no draft: no local date or author
    with served(repo, tmp_path) as (url, proc):
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TERMINAL_HOOK})
        driver.get(url)
        # the page makes no request anywhere but the server (no third-party fonts or scripts)
        assert driver.title == f"workbench: {repo.name}"

        def screen() -> str:
            return driver.execute_script(READ_SCREEN) or ""

        def settled(check) -> str:
            """The screen once ``check`` holds and the text stopped changing."""
            last = None
            seen: list[str] = []  # each different screen, for the message of a timeout

            def stable():
                nonlocal last
                text = screen()
                ok = check(text) and text == last
                if text != last:
                    seen.append(f"--- after {time.monotonic() - start:.1f} s:\n{text}")
                last = text
                return text if ok else None

            def report() -> str:
                log = (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
                return "\n".join(seen[-4:]) + f"\n--- the server's log:\n{log}"

            start = time.monotonic()
            return wait_for(stable, 30, 0.3, what="the screen to settle", seen=report)

        first = settled(lambda s: all(name in s for name in DEMO_CONTRACTS) and "Diff" in s)
        assert "1 Contracts" in first and "2 History" in first and "4 Findings" in first
        diff_title = next(line for line in first.splitlines() if "3 Diff" in line)
        before = driver.get_screenshot_as_png()

        keys = driver.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
        keys.send_keys("j")  # the next contract: its history and its newest amendment's diff
        second = settled(lambda s: "3 Diff" in s and diff_title not in s)
        assert "History · wallet-app" in second
        keys.send_keys("u")  # the diff, unified
        third = settled(lambda s: "unified" in s and s != second)
        assert "split" not in next(line for line in third.splitlines() if "context" in line)

        png = driver.get_screenshot_as_png()
        (artifacts() / "serve.png").write_bytes(png)
        (artifacts() / "serve.txt").write_text(third, encoding="utf-8")
        docs_image("tui-browser.png", png)

        # stopping the server ends it and every session it started
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        wait_for(lambda: not session_processes(proc.pid), 10, what="the app sessions to end")

    driver.get("about:blank")
    reference = SNAPSHOTS / "serve.png"
    if request.config.getoption("--snapshot-update", default=False) or not reference.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        reference.write_bytes(png)
        if not request.config.getoption("--snapshot-update", default=False):
            pytest.fail(f"no reference screenshot: wrote {reference}; check it and commit it")
    same, detail = compare_screenshots(driver, png, reference.read_bytes())
    assert same, f"the served TUI looks different from {reference}: {detail}"
    # and the comparison is not blind: the screen before the keys is another picture
    same, detail = compare_screenshots(driver, before, reference.read_bytes())
    assert not same, detail


def test_serve_refuses_foreign_hosts_and_origins(tmp_path: Path):
    import http.client

    repo = build_demo_repo(tmp_path / "repo", draft=False)
    with served(repo, tmp_path) as (url, _proc):
        port = int(url.rsplit(":", 1)[1].strip("/"))

        def status(path: str, headers: dict[str, str]) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path, headers=headers)
                return conn.getresponse().status
            finally:
                conn.close()

        assert status("/", {}) == 200
        assert status("/", {"Host": f"attacker.example:{port}"}) == 403  # DNS rebinding
        handshake = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        }
        foreign = {**handshake, "Origin": "http://attacker.example"}
        assert status("/ws", foreign) == 403  # another site's page cannot drive the workbench
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        page.request("GET", "/")
        body = page.getresponse().read().decode()
        page.close()
        assert "googleapis" not in body and "https://" not in body


# --- the HTML review of every demo amendment ------------------------------------------------


def test_html_review_of_every_demo_amendment(driver, tmp_path: Path):
    repo_dir = build_demo_repo(tmp_path / "repo")
    pages = tmp_path / "pages"
    pages.mkdir()
    rendered = []
    with ContractRepo.open(repo_dir, cache=False) as repo:
        for entry in amendment_log(repo):
            assert entry.report is not None, entry.error  # the demo's history is all valid
            rev, base = entry.revision, repo.base(entry.revision)
            report = entry.report
            options = RenderOptions(
                old_path=strip_rev(report.old.source) if report.old else None,
                new_path=strip_rev(report.new.source) if report.new else None,
                old_text=repo.raw(base).decode() if base is not None and base.blob else None,
                new_text=repo.raw(rev).decode() if rev.blob else None,
            )
            page = pages / f"{len(rendered):02d}-{rev.short}.html"
            page.write_text(render_html(report, options), encoding="utf-8")
            rendered.append((page, report))
    contracts = {(r.new or r.old).contract for _, r in rendered}
    assert contracts == {*DEMO_CONTRACTS, *DEMO_ARTEFACTS} and len(rendered) >= 52

    driver.get_log("browser")
    driver.get_log("performance")
    kept = None
    marked = 0
    for page, report in rendered:
        driver.get(page.as_uri())
        assert driver.title.startswith("Amendment review: ")
        console = driver.get_log("browser")
        assert console == [], (page.name, console)
        requests = [
            entry
            for entry in driver.get_log("performance")
            if '"Network.requestWillBeSent"' in entry["message"]
            and page.as_uri() not in entry["message"]
        ]
        assert requests == [], (page.name, requests[:2])
        loaders = driver.execute_script(
            "return document.querySelectorAll("
            "'[src], [srcset], link, script, iframe, object, embed, img, form').length"
        )
        assert loaders == 0, page.name
        for f in report.findings:
            if f.severity != "breaking":
                continue
            side, loc = ("new", f.new_loc) if f.new_loc is not None else ("old", f.old_loc)
            assert loc is not None
            mark = driver.execute_script(
                "const ln = document.getElementById(arguments[0]);"
                "if (!ln) return null; const mk = ln.nextElementSibling;"
                "return [mk.className, mk.textContent, ln.checkVisibility()];",
                f"{side}-L{loc.line}",
            )
            assert mark is not None, (page.name, f.rule, side, loc.line)
            klass, text, visible = mark
            assert "s-breaking" in klass and "✖" in text and "breaking" in text, mark
            assert visible, (page.name, f.rule, "the breaking line is folded away")
            marked += 1
        if kept is None and any(f.severity == "breaking" for f in report.findings):
            kept = page
    assert marked >= 5

    # the first breaking amendment, kept as an artefact of the run: top of the page, then diff
    assert kept is not None
    driver.get(kept.as_uri())
    top = driver.get_screenshot_as_png()
    (artifacts() / "html-review.png").write_bytes(top)
    docs_image("html-review.png", top)
    from selenium.webdriver.common.by import By

    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    try:
        driver.get(kept.as_uri())
        background = driver.execute_script(
            "return getComputedStyle(document.documentElement).backgroundColor"
        )
        assert background == "rgb(13, 17, 23)"  # the dark palette applies
        diff = driver.find_element(By.CSS_SELECTOR, ".diff").screenshot_as_png
        (artifacts() / "html-review-diff-dark.png").write_bytes(diff)
        docs_image("html-review-diff-dark.png", diff)
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    # on screen, unchanged stretches are folded; printed, everything is there
    folded = (
        "const row = document.querySelector('details.fold .row');"
        "return [row.checkVisibility(), document.querySelector('nav').checkVisibility()];"
    )
    assert driver.execute_script(folded) == [False, True]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert driver.execute_script(folded) == [True, False]
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
