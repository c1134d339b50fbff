"""The HTML review (``--format html``) without a browser: its DOM, parsed with ``html.parser``.

Hostile values (tags, ``</style>``, quote-breaking attributes, control characters, bidi
overrides) go into every field a page shows: contract texts, paths, messages, sources, versions,
titles, notes, reasons, witnesses, log subjects and authors. The parsed page must contain exactly
the elements and attributes the renderer writes, and the hostile text only as text.
tests/test_browser.py opens the pages of the demo repository in Chromium.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workbench.contract.yamlsrc import Loc
from workbench.engine.model import ContractSummary, DiffReport, Finding, Verdict
from workbench.report import FORMATS, RENDERERS, RenderOptions, render
from workbench.report.html import (
    CSS,
    markdown_html,
    render_html,
    render_log_html,
    render_notice_html,
    render_review_html,
    side_by_side,
)
from workbench.security.model import SecurityFinding

EVIL = (
    "<script>alert(1)</script></style><img src=x onerror=alert(2)>"
    "\" onmouseover=\"alert(3)\" ' onfocus='alert(4)' "
    "\x1b[31mred\x07 \u202egnp.exe\u202c \u2066iso\u2069 `tick` **b** \\| | <code>x"
)
EVIL_URL = "javascript:alert(5)"

# Everything the renderer writes, and nothing else may be in the DOM.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "span", "div", "code", "pre",
    "strong", "table", "tr", "th", "td", "ul", "ol", "li", "dl", "dt", "dd", "details",
    "summary", "article", "del", "ins", "time", "br", "sub",
}  # fmt: skip
ALLOWED_ATTRS = {
    "lang", "charset", "http-equiv", "content", "name", "class", "id", "href", "rel", "title",
    "role", "aria-label", "aria-labelledby", "aria-hidden", "data-ln",
}  # fmt: skip


class Dom(HTMLParser):
    """Every element with its attributes, and the text in order."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def assert_inert(page: str) -> Dom:
    dom = Dom(page)
    tags = {tag for tag, _ in dom.elements}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in dom.elements:
        assert set(attrs) <= ALLOWED_ATTRS, (tag, set(attrs) - ALLOWED_ATTRS)
        for name, value in attrs.items():
            assert not name.startswith("on")
            if name == "href":
                assert value and (value.startswith("#") or value.startswith("https://")), value
            if name == "id":
                assert re.fullmatch(r"[A-Za-z0-9-]+", value or ""), value
            if name == "class":
                assert re.fullmatch(r"[a-z0-9 -]*", value or ""), value
    assert [t for t, _ in dom.elements].count("style") == 1
    assert dom.styles == [CSS]  # the one stylesheet, whole: nothing broke out of it
    assert [t for t, _ in dom.elements].count("script") == 0
    # no control character and no bidi override reaches the page, in text or attributes
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]", page)
    return dom


class Witnessed(Finding):
    """A finding that carries a witness (an instance one schema accepts and the other not)."""

    __slots__ = ()

    def to_dict(self):
        return {**Finding.to_dict(self), "witness": {"amount": EVIL, "n": -1}}


def hostile_report() -> DiffReport:
    findings = [
        Witnessed(
            rule="token.alg-removed",
            severity="breaking",
            security="neutral",
            breaks=("relying_parties", EVIL),
            path=f"tokens.access_token.signing_algorithms[{EVIL}]",
            message=EVIL,
            old=EVIL,
            old_loc=Loc(3, 5, 3),
            fingerprint=EVIL,
            note=EVIL,
            consumers=(EVIL,),
        ),
        Finding(
            rule=EVIL,
            severity="risky",
            security="weakens",
            breaks=("clients",),
            path=EVIL,
            message=EVIL,
            old={"k": EVIL},
            new=[EVIL, 1],
            old_loc=Loc(4, 1, 5),
            new_loc=Loc(4, 1, 6),
            fingerprint="1234567890abcdef",
        ),
    ]
    ignored = [
        Finding(
            rule="scope.removed",
            severity="breaking",
            security="neutral",
            breaks=("clients",),
            path=EVIL,
            message=EVIL,
            old_loc=Loc(7, 3, 7),
            fingerprint="9999888877776666",
            ignored=EVIL,
        )
    ]
    security = [
        SecurityFinding(
            rule=EVIL,
            severity="critical",
            title=EVIL,
            message=EVIL,
            fix=EVIL,
            citation=EVIL + " RFC 8725 §3.1",
            path=EVIL,
            location=Loc(2, 1, 2),
            kind="regression",
            fingerprint=EVIL,
            source=EVIL,
        ),
        SecurityFinding(
            rule="jwt.alg-none",
            severity="high",
            title=EVIL,
            message=EVIL,
            fix=EVIL,
            citation=EVIL_URL,
            path=EVIL,
            location=Loc(99, 1, 99),
            kind="state",
            fingerprint="7766554433221100",
            side="old",
            ignored=EVIL,
        ),
    ]
    return DiffReport(
        old=ContractSummary(f"HEAD~1:{EVIL}", EVIL, EVIL, EVIL),
        new=ContractSummary(EVIL, EVIL, EVIL + "2", EVIL),
        findings=findings,
        verdict=Verdict("breaking", "major", "minor", False, EVIL, {}, bump_note=EVIL),
        ignored=ignored,
        security_findings=security,
    )


OLD_TEXT = f"contract: a\n# {EVIL}\nalgs: [{EVIL}]\nx: 1\ny: 2\n</div></span>\n"
NEW_TEXT = f"contract: a\n# {EVIL}\nalgs: [{EVIL}, ES256]\nx: 1\ny: 3\nz: '{EVIL}'\n"


def hostile_options() -> RenderOptions:
    return RenderOptions(old_path=EVIL, new_path=EVIL, old_text=OLD_TEXT, new_text=NEW_TEXT)


@pytest.mark.parametrize(
    "make",
    [
        lambda: render_html(hostile_report(), hostile_options()),
        lambda: render_review_html(hostile_report(), hostile_options()),
        lambda: render_notice_html(
            hostile_report(),
            f"# Notice {EVIL}\n\n| a | {EVIL} |\n|---|---|\n| {EVIL} | <code>{EVIL}</code> |\n\n"
            f"- {EVIL}\n  {EVIL}\n\n```http\n{EVIL}\n```\n",
            hostile_options(),
        ),
    ],
    ids=["diff", "review", "notice"],
)
def test_hostile_values_are_only_text(make):
    page = make()
    dom = assert_inert(page)
    text = dom.all_text
    # the hostile value is there, literally, with its control characters shown escaped
    assert "<script>alert(1)</script></style><img src=x onerror=alert(2)>" in text
    assert "\\x1b[31mred\\x07" in text and "\\u202egnp.exe\\u202c" in text
    # attributes hold hostile text only where the renderer puts text (tooltips), escaped
    titles = [a["title"] for _, a in dom.elements if "title" in a]
    assert any("<script>" in t for t in titles)


def test_hostile_log_rows_are_only_text():
    row = {
        "contract": EVIL,
        "path": EVIL,
        "kind": "commit",
        "rev": EVIL,
        "short": EVIL,
        "date": EVIL,
        "author": {"name": EVIL, "email": EVIL},
        "subject": EVIL,
        "change": "modified",
        "version": EVIL,
        "merge": True,
        "compared_with": {"rev": EVIL, "path": EVIL},
        "severity": EVIL,
        "required_bump": EVIL,
        "actual_bump": EVIL,
        "version_bump_ok": False,
        "counts": {"breaking": 1, "risky": 0, "safe": 0, "weakens": 1, "security": 2},
        "invalid": False,
        "error": EVIL,
    }
    page = render_log_html([(row, hostile_report()), ({**row, "severity": None}, None)])
    dom = assert_inert(page)
    assert dom.all_text.count("<script>alert(1)</script>") >= 4


def test_markdown_subset():
    html_text = markdown_html(
        "# Title \\*x\\*\n\n| | |\n|---|---|\n| Contract | <code>a\\_b</code> \\| c |\n\n"
        "- one **bold** `tick`\n  continued\n- two\n\npara <b>no</b> </code> **open\n\n"
        '```http\nLink: <https://x>; rel="a"\n```\n'
    )
    assert "<h2>Title *x*</h2>" in html_text
    assert "<td>Contract</td><td><code>a_b</code> | c</td>" in html_text
    assert "<th>" not in html_text  # the empty header row of a key/value table is dropped
    assert "<li>one <strong>bold</strong> <code>tick</code><br>continued</li>" in html_text
    assert "para &lt;b&gt;no&lt;/b&gt; &lt;/code&gt; <strong>open</strong></p>" in html_text
    assert "<pre><code>Link: &lt;https://x&gt;; rel=&quot;a&quot;</code></pre>" in html_text


def test_side_by_side_marks_intraline_and_folds():
    old = "\n".join(f"line {i}" for i in range(1, 41)) + "\n"
    new = old.replace("line 20\n", "line twenty\n").replace("line 30\n", "")
    rows = "\n".join(side_by_side(old, new))
    assert 'id="old-L20"' in rows and 'id="new-L20"' in rows
    assert "line <del>20</del>" in rows and "line <ins>twenty</ins>" in rows
    assert rows.count('<details class="fold">') == 2  # lines 1-16, 34-40 folded
    assert "16 unchanged lines (lines 1–16)" in rows
    # the deleted line 30 is on the old side only
    assert re.search(r'id="old-L30"[^\n]*class="ln empty"', rows)


def test_page_without_texts_says_so_and_still_has_findings():
    report = hostile_report()
    page = render(report, "html")
    assert "The contract texts were not given to this report" in page
    assert 'href="#old-L3"' not in page  # no links to lines that are not on the page
    assert page.count('<article class="finding') == 2 + 2 + 1  # findings, security, ignored


def test_registry_and_every_page_is_self_contained():
    assert "html" in FORMATS and RENDERERS["html"] is render_html
    page = render_html(hostile_report(), hostile_options())
    head = page.split("</head>", 1)[0]
    assert "default-src 'none'" in head and "script-src 'none'" in head
    loaders = {"src", "srcset", "action", "formaction", "background", "poster", "style"}
    assert not any(loaders & set(attrs) for _, attrs in Dom(page).elements)
    assert "url(" not in CSS and "@import" not in CSS
    assert "@media print" in CSS and "prefers-color-scheme:dark" in CSS


# --- the commands, on the demo repository -------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_diff_review_notice_and_log_pages_of_the_demo(demo_repo: Path, tmp_path: Path):
    spec = "contracts/payments/payments-api.yaml"
    old, new = f"HEAD:{spec}", spec  # the draft: a breaking amendment on top of HEAD
    out = tmp_path / "diff.html"
    proc = run("diff", old, new, "-f", "html", "-o", str(out), cwd=demo_repo)
    assert proc.returncode == 1, proc.stderr  # breaking: the gate fails, the page is written
    page = out.read_text(encoding="utf-8")
    assert_inert(page)
    breaking = re.findall(r'<span class="mk (?:del|ins)? ?s-breaking"', page)
    assert breaking, "the breaking lines are marked in the diff"

    proc = run("review", old, new, "-f", "html", cwd=demo_repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Security review" in proc.stdout and "Findings (" not in proc.stdout
    assert_inert(proc.stdout)

    proc = run("notice", old, new, "--format", "html", cwd=demo_repo)
    assert proc.returncode == 0, proc.stderr
    assert_inert(proc.stdout)
    assert '<section id="notice" class="notice">' in proc.stdout
    assert "What you must do, and by when" in proc.stdout

    proc = run("log", spec, "--format", "html", cwd=demo_repo)
    assert proc.returncode == 0, proc.stderr
    dom = assert_inert(proc.stdout)
    assert proc.stdout.count("<li>\n<time>") >= 10
    assert "WORKTREE" in dom.all_text and "not enough" in dom.all_text


def test_a_contract_reviewed_alone_is_listed_not_diffed():
    report = hostile_report()
    report.old = None
    page = render_review_html(report, RenderOptions(new_text=NEW_TEXT * 5))
    assert_inert(page)
    assert '<h2 id="diff-h">The contract</h2>' in page and 'class="diff single"' in page
    assert 'id="old-L' not in page and "ln ins" not in page  # no side, nothing "added"
    assert "lines without findings" in page
    assert re.search(r'id="new-L2"[^\n]*class="mk +s-critical"', page)  # the finding's line
