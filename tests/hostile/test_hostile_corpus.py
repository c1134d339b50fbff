"""The hostile corpus: every command run as a user would, on a pseudo-terminal, against inputs
and environments an attacker (or bad luck) provides.

Each case asserts that nothing a terminal would interpret reaches it (no ESC but the painter's
colours, no C1, no bidi or invisible format character), that there is no traceback, that the
exit code is the expected one (1 or 2 for refusals, 0 where the input is legitimately fine),
that the command ends within the timeout and the memory limit (``hostile_world``), and that
nothing outside the work tree is touched (a sentinel tree, snapshotted; read-only commands must
not change the work tree either).

Worlds are built once per session from ``data/`` and the builders below; a case that writes
runs on a copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from hostile_world import (
    CLEAR,
    DATA,
    EVIL,
    EVIL_SHORT,
    OSC52,
    RLO,
    TIMEOUT,
    TRACEBACK,
    WALL_FACTOR,
    Result,
    World,
    changed,
    contract,
    q,
    run_workbench,
    screen_text,
    snapshot,
    unsafe_in,
)

from workbench.report import FORMATS
from workbench.report.review import REVIEW_RENDERERS

C = "contracts/payments-api.yaml"
EVIL_NAME = f"contracts/\x1b]0;t\x07{RLO}evil\x1b[2J.yaml"
LONG_ID = "a" * 300
LONG_VERSION = "1.0.1-" + "r" * 300


def data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# --- worlds ---------------------------------------------------------------------------------


def evil_draft(w: World, path: str = C) -> None:
    """A valid amendment whose values, consumer name and extension key carry escapes."""
    w.write(
        path,
        contract(
            title=f"Payments {RLO}API{ISOLATE_END}",
            audience=f"https://api.example.com/{EVIL}",
            consumer=f"checkout-{EVIL_SHORT}",
            extra=f"{q('x-' + EVIL)}: {q(EVIL)}\n",
        ),
    )


ISOLATE_END = "\u2069"


def values_world(w: World) -> None:
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    evil_draft(w)


def staged_world(w: World) -> None:
    values_world(w)
    w.git("add", "-A")


def escape_key_world(w: World) -> None:
    """The issue's first probe: an unknown top-level key made of OSC 52, a screen clear and a
    title change (a validation error quotes the key, twice)."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write(
        C, contract(lifetime="30m", extra=f"{q(OSC52 + CLEAR + chr(27) + ']0;t' + chr(7))}: 1\n")
    )
    w.git("add", "-A")


def filename_world(w: World) -> None:
    w.write(EVIL_NAME, contract())
    w.commit(f"add {EVIL_SHORT}")
    w.write(EVIL_NAME, contract(lifetime="30m"))


NEWLINE_NAME = "contracts/a (FAIL)\nok   contracts/b.yaml"  # a file name that forges a line


def newline_world(w: World) -> None:
    """A contract whose file name holds a newline: checked like any other (not invisible to
    the globs, nor new for want of its old side), and never printed as two lines."""
    w.write(NEWLINE_NAME, contract(cid="a-api"))
    w.commit("a-api 1.0.0")
    w.write(NEWLINE_NAME, contract(cid="a-api", lifetime="30m"))
    w.git("add", "-A")


def tui_settings_world(w: World) -> None:
    """The terminal UI's own settings file with an invalid tag value and a raw escape."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    settings = w.home / ".config" / "workbench" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("theme: !!int notanint\nkeymap: {\x1b]0;t\x07: q}\n", encoding="utf-8")


def permissions_world(w: World) -> None:
    """A record directory and a contract the user may not write (EACCES)."""
    record_world(w)
    for path in (w.repo / "amendments" / "payments-api", w.repo / "contracts"):
        for child in path.iterdir():
            child.chmod(0o444)
        path.chmod(0o555)


def git_world(w: World) -> None:
    """History whose author names, subjects and tag names carry escapes; one revision does not
    load (a bad tag value) and a later one fixes it."""
    w.write(C, contract())
    w.commit(f"first {OSC52}{RLO}", author=f"Mallory {EVIL_SHORT}\x1b[31m", date="2025-01-01")
    w.git("tag", f"v1{RLO}evil")
    w.write(C, contract(version="1.1.0", extra="x-count: !!int notanint\n"))
    w.commit(f"break it {CLEAR}", date="2025-01-02")
    w.write(C, contract(version="1.1.1", lifetime="10m"))
    w.commit(f"fix it\n\nbody {TITLE_SEQ}", author=f"{RLO}Eve", date="2025-01-03")
    w.git("branch", f"topic{RLO}x")


TITLE_SEQ = "\x1b]0;title\x07"


def record_world(w: World) -> None:
    """A record whose summary, acceptance reasons and author (from GIT_AUTHOR_NAME), reviewer
    name and email carry escapes, made through the amendment session (as the commands do)."""
    from workbench.amendment.session import AmendmentSession

    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))
    author = {"GIT_AUTHOR_NAME": f"Ada {EVIL_SHORT}", "GIT_AUTHOR_EMAIL": f"ada{RLO}@example.com"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**w.env(), **author}.items():
            patch.setenv(key, value)
        session = AmendmentSession.open(C, repo=w.repo)
        try:
            session.start(summary=f"Summary {EVIL}")
            assert session.checklist is not None
            for step in session.checklist.to_dict()["steps"]:
                for item in step["items"]:
                    if item["action"] == "accept" and item["status"] == "missing":
                        session.accept(item["target"], f"Reason {EVIL}")
            fingerprint = session.checklist.fingerprint
        finally:
            session.close()
    # the reviewer's sign-off as an attacker writes it into the record (the gate verifies it
    # against git, and says so, but shows the names)
    record_path = w.repo / "amendments" / "payments-api" / "2.0.0.yaml"
    record = yaml.safe_load(record_path.read_text(encoding="utf-8"))
    record["steps"]["security_review"]["sign_off"] = {
        "reviewer": f"Grace {EVIL_SHORT}",
        "email": f"g{OSC52}@x",
        "at": "2025-06-02T10:00:00+00:00",
        "fingerprint": fingerprint,
    }
    record_path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    w.git("add", "-A")


def bad_tags_world(w: World) -> None:
    """Explicit tags with invalid values and a 5,000-digit integer, in every YAML the
    workbench reads."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    for name in ("int", "float", "bool"):
        w.write(f"bad/{name}.yaml", contract(extra=data(f"tag-{name}.yaml")))
    w.write("bad/huge-int.yaml", contract(extra=f"x-big: {'9' * 5000}\n"))
    w.write("bad/policy.yaml", data("policy-bad-tag.yaml"))
    w.write("bad/ignore.yaml", data("ignore-bad-tag.yaml"))
    w.write("bad/raw-escape.yaml", contract().replace("Payments API", "Pay\x1b]0;t\x07", 1))


def config_world(name: str) -> Callable[[World], None]:
    """A repository whose settings file (``.workbench.yaml``) or ignore file is ``name``."""

    def build(w: World) -> None:
        w.write(C, contract())
        w.commit("payments-api 1.0.0")
        target = ".workbench-ignore.yaml" if name.startswith("ignore") else ".workbench.yaml"
        w.write(target, data(name))
        w.commit("settings")
        w.write(C, contract(lifetime="30m"))

    return build


def bad_record_world(w: World) -> None:
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))
    w.write("amendments/payments-api/2.0.0.yaml", data("record-bad-tag.yaml"))


def long_world(w: World) -> None:
    """A 300-character contract id and version: record paths longer than a file name may be."""
    w.write("contracts/long.yaml", contract(cid=LONG_ID, version="1.0.0"))
    w.commit("long 1.0.0")
    w.write("contracts/long.yaml", contract(cid=LONG_ID, version=LONG_VERSION, lifetime="30m"))
    w.git("add", "-A")


def bombs_world(w: World) -> None:
    """A 370-byte alias bomb (untracked), a small contract whose aliases expand inside
    components.schemas, a FIFO and a big file."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write("contracts/schemas.yaml", data("schema-aliases.yaml").replace("1.0.0", "1.0.0", 1))
    w.commit("schemas 1.0.0")
    w.write(
        "contracts/schemas.yaml",
        data("schema-aliases.yaml").replace("version: 1.0.0", "version: 1.0.1", 1),
    )
    w.write("contracts/bomb.yaml", data("alias-bomb.yaml"))
    os.mkfifo(w.repo / "contracts" / "fifo.yaml")
    w.write("deep.yaml", "contract: deep\nversion: 1.0.0\nx: " + "[" * 5000 + "]" * 5000 + "\n")


def bombs_staged_world(w: World) -> None:
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write("contracts/bomb.yaml", data("alias-bomb.yaml"))
    w.write("contracts/schemas.yaml", data("schema-aliases.yaml"))
    w.git("add", "-A")


def history_bomb_world(w: World) -> None:
    """A committed revision that is an alias bomb, then a fix: ``log`` must show the error and
    go on."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0", date="2025-01-01")
    w.write(C, data("schema-aliases.yaml").replace("schemas-api", "payments-api"))
    w.commit("aliases", date="2025-01-02")
    w.write(C, contract(version="1.0.2"))
    w.commit("fix", date="2025-01-03")


def extension_world(w: World) -> None:
    """Extension fields whose aliases expand to about 72,000 values, one of them changed under
    every copy: shown and compared without being expanded again (nor diffed without order)."""

    def text(version: str, more: str = "") -> str:
        items = ", ".join(f"v{i}" for i in range(30)) + more
        levels = [f"x-a: &a [{items}]"]
        for name, prev in zip("bcde", "abcd", strict=True):
            anchor = f"&{name} " if name != "e" else ""
            levels.append(f"x-{name}: {anchor}[{', '.join(['*' + prev] * 7)}]")
        return contract(version=version, extra="\n".join(levels) + "\n")

    w.write(C, text("1.0.0"))
    w.commit("payments-api 1.0.0")
    w.write(C, text("1.0.1", ", v99"))


def special_world(w: World) -> None:
    """Files that are not what they seem: a tracked contract replaced by a FIFO, a committed
    symlink to /dev/zero, a sparse 64 GiB file, bytes that are not UTF-8, a NUL."""
    w.write(C, contract())
    os.symlink("/dev/zero", w.repo / "contracts" / "zero.yaml")
    w.commit("payments-api 1.0.0, and a symlink")
    (w.repo / C).unlink()
    os.mkfifo(w.repo / C)
    with open(w.repo / "contracts" / "huge.yaml", "wb") as fh:
        fh.write(b"contract: huge\nversion: 1.0.0\n")
        fh.truncate(64 << 30)
    w.write("contracts/latin1.yaml", contract().encode().replace(b"Payments API", b"Caf\xe9"))
    w.write("contracts/nul.yaml", contract().encode().replace(b"Payments API", b"a\x00b"))


def fifo_settings_world(w: World) -> None:
    """Settings, ignore file and record that are FIFOs: nothing may wait on them."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))
    os.mkfifo(w.repo / ".workbench.yaml")
    os.mkfifo(w.repo / ".workbench-ignore.yaml")
    (w.repo / "amendments" / "payments-api").mkdir(parents=True)
    os.mkfifo(w.repo / "amendments" / "payments-api" / "2.0.0.yaml")


def near_limit_world(w: World) -> None:
    """A 480-byte contract whose aliases expand inside components.schemas to just under the
    loader's limit (about 90,000 values), amended where every copy sees it: accepted, so the
    engine must not expand it again, per finding or per component."""
    text = data("schema-aliases-near-limit.yaml")
    w.write("contracts/schemas.yaml", text)
    w.commit("schemas 1.0.0")
    amended = text.replace("version: 1.0.0", "version: 1.0.1").replace("y,z]", "y,z,zz]")
    assert amended.count("zz") == 1
    w.write("contracts/schemas.yaml", amended)
    w.git("add", "-A")


def noise_world(w: World) -> None:
    """A commit that adds 100,000 YAML files that are not contracts, out of the working tree (a
    sparse checkout). 1,000 different contents, so that git builds it in about a second
    (benchmarks/gate.py measures 100,000 different ones, checked out)."""
    w.write(C, contract())
    w.write("README.md", "noise\n")
    w.commit("payments-api 1.0.0")
    blobs = b"".join(
        b"blob\nmark :%d\ndata %d\n%s\n" % (i + 1, len(body), body)
        for i, body in enumerate(b"id: %d\nname: item %d\n" % (i, i) for i in range(1000))
    )
    files = b"".join(
        b"M 100644 :%d noise/%03d/f%06d.yaml\n" % (i % 1000 + 1, i // 1000, i)
        for i in range(100_000)
    )
    head = w.git("rev-parse", "HEAD").strip().encode()
    commit = b"commit refs/heads/main\ncommitter Ada <ada@example.com> 1750000000 +0000\n"
    commit += b"data 11\nnoise files\nfrom " + head + b"\n"
    w.git("fast-import", "--quiet", input=blobs + commit + files + b"\n")
    w.git("read-tree", "HEAD")
    w.git("sparse-checkout", "set", "--no-cone", "/*", "!/noise/")


def outside_world(w: World) -> None:
    """Committed symlinks that lead out of the repository."""
    w.write(C, contract())
    os.symlink(w.outside, w.repo / "amendments")
    os.symlink(w.outside / "secret.txt", w.repo / "contracts" / "CHANGELOG.md")
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))


def hooks_world(w: World) -> None:
    w.write(C, contract())
    w.write(".workbench.yaml", "amendments:\n  directory: .git/hooks\n")
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))


def isdir_world(w: World) -> None:
    """The record's path is a directory."""
    w.write(C, contract())
    w.commit("payments-api 1.0.0")
    w.write(C, contract(version="2.0.0", audience="https://new.example.com"))
    (w.repo / "amendments" / "payments-api" / "2.0.0.yaml").mkdir(parents=True)


def readonly_world(w: World) -> None:
    record_world(w)


WORLDS: dict[str, Callable[[World], None]] = {
    "values": values_world,
    "staged": staged_world,
    "escape-key": escape_key_world,
    "filename": filename_world,
    "newline": newline_world,
    "tui-settings": tui_settings_world,
    "permissions": permissions_world,
    "git": git_world,
    "record": record_world,
    "bad-tags": bad_tags_world,
    "config-bad-tag": config_world("config-bad-tag.yaml"),
    "config-huge-int": config_world("config-huge-int.yaml"),
    "config-escapes": config_world("config-escapes.yaml"),
    "ignore-bad-tag": config_world("ignore-bad-tag.yaml"),
    "bad-record": bad_record_world,
    "long": long_world,
    "bombs": bombs_world,
    "bombs-staged": bombs_staged_world,
    "history-bomb": history_bomb_world,
    "noise": noise_world,
    "near-limit": near_limit_world,
    "special": special_world,
    "extension": extension_world,
    "fifo-settings": fifo_settings_world,
    "outside": outside_world,
    "hooks": hooks_world,
    "isdir": isdir_world,
}

# --- cases ----------------------------------------------------------------------------------

ERR = frozenset({1, 2})
OK = frozenset({0})
FOUND = frozenset({1})  # findings or refusals the command reports
USAGE = frozenset({2})


@dataclass(frozen=True)
class Case:
    id: str
    world: str
    args: tuple[str, ...]
    codes: frozenset[int] = ERR
    shows: str | None = None  # must appear in the output: the hostile data, visibly escaped
    json: bool = False  # standard output on a pipe: must parse, and keep ``keeps``
    keeps: str | None = None
    writes: bool = False  # may change the work tree: runs on a copy
    env: tuple[tuple[str, str], ...] = ()
    mount: str | None = None  # "readonly" or "full": the repository in a mount namespace
    xfail: str | None = None
    not_shows: tuple[str, ...] = field(default=())
    xml: bool = False  # standard output on a pipe: must be well-formed XML
    output_file: str | None = None  # written with --output: held to the terminal's standard
    keys: tuple[tuple[float | str, bytes], ...] = ()  # the terminal UI: keys and their cues
    as_user: bool = False  # needs permission bits to bind: skipped as root
    timeout: float = TIMEOUT


def case(id: str, world: str, *args: str, **kw) -> Case:
    return Case(id, world, tuple(args), **kw)


ESC52 = "\\x1b]52"  # how OSC 52 looks once escaped
ESC_RLO = "\\u202e"
# the terminal UI: the main screen drawn (a cue, then a moment for the bindings)
TUI_READY = (("payments-api", b""), (1.0, b""))


def tui_edit(notice: str) -> tuple[tuple[float | str, bytes], ...]:
    """c opens the checklist and, once it says what is left to answer, E opens the editor;
    once the app says what became of it (``notice``), escape goes back to the main screen and,
    once that is drawn, q quits (a second q if the first was lost). Each key waits on what the
    screen shows, not on a delay: a loaded machine is slow, never early."""
    return (
        *TUI_READY,
        (0.0, b"c"),
        ("to answer", b"E"),
        (notice, b"\x1b"),
        ("WORKTREE", b"q"),
        (3.0, b"q"),
    )


CASES = [
    # terminal injection: the unknown key of the issue, in every command it reached
    case("key-validate", "escape-key", "validate", C, codes=FOUND, shows=ESC52),
    case("key-diff", "escape-key", "diff", f"HEAD:{C}", C, codes=USAGE, shows=ESC52),
    case("key-review", "escape-key", "review", C, codes=USAGE, shows=ESC52),
    case("key-check", "escape-key", "check", codes=FOUND, shows=ESC52),
    case("key-check-staged", "escape-key", "check", "--staged", codes=FOUND, shows=ESC52),
    case("key-amend-status", "escape-key", "amend", "status", codes=FOUND, shows=ESC52),
    case("key-amend-start", "escape-key", "amend", "start", codes=FOUND, shows=ESC52, writes=True),
    case("key-notice", "escape-key", "notice", f"HEAD:{C}", C, codes=USAGE, shows=ESC52),
    # escapes and bidi controls in values, consumer names and extension keys, every format
    *[
        case(
            f"values-diff-{fmt}",
            "values",
            "diff",
            f"HEAD:{C}",
            C,
            "-f",
            fmt,
            codes=FOUND,
            json=fmt in ("json", "sarif"),
            xml=fmt == "junit",
            keeps=OSC52 if fmt == "json" else None,
        )
        for fmt in FORMATS
    ],
    *[
        case(
            f"values-review-{fmt}",
            "values",
            "review",
            f"HEAD:{C}",
            C,
            "-f",
            fmt,
            codes=OK | ERR,
            json=fmt in ("json", "sarif"),
            xml=fmt == "junit",
        )
        for fmt in REVIEW_RENDERERS
        if fmt in ("text", "json", "junit", "github")  # a sample: diff runs every format
    ],
    case("values-review-one", "values", "review", C, codes=OK | FOUND),
    case(
        "values-diff-output-file",
        "values",
        "diff",
        f"HEAD:{C}",
        C,
        "-o",
        "report.txt",
        codes=FOUND,
        writes=True,
        output_file="report.txt",
    ),
    case("values-check", "values", "check", codes=FOUND),
    case(
        "values-check-json",
        "values",
        "check",
        "-f",
        "json",
        codes=FOUND,
        json=True,
        keeps=EVIL_SHORT,
    ),
    case("values-check-staged", "staged", "check", "--staged", codes=FOUND),
    case("values-amend-status", "values", "amend", "status", "--all", codes=FOUND, shows=ESC_RLO),
    case(
        "values-amend-status-json",
        "values",
        "amend",
        "status",
        "-f",
        "json",
        codes=FOUND,
        json=True,
    ),
    case(
        "values-amend-start", "values", "amend", "start", "--summary", EVIL, codes=OK, writes=True
    ),
    case("values-notice", "values", "notice", f"HEAD:{C}", C, codes=OK, shows="aGVsbG8="),
    # a contract file named with escapes and a right-to-left override
    case("name-validate", "filename", "validate", EVIL_NAME, codes=OK),
    case(
        "name-validate-missing",
        "filename",
        "validate",
        EVIL_NAME + "x",
        codes=FOUND,
        shows="\\x1b[2J",
    ),
    case(
        "name-diff",
        "filename",
        "diff",
        f"HEAD:{EVIL_NAME}",
        EVIL_NAME,
        codes=OK | FOUND,
        shows=ESC_RLO,
    ),
    case("name-check", "filename", "check", codes=FOUND, shows=ESC_RLO),
    case(
        "name-check-json",
        "filename",
        "check",
        "-f",
        "json",
        codes=FOUND,
        json=True,
    ),
    case("name-log", "filename", "log", codes=OK),
    case("name-amend-status", "filename", "amend", "status", codes=FOUND, shows=ESC_RLO),
    case("name-amend-start", "filename", "amend", "start", codes=OK | FOUND, writes=True),
    # a file name with a newline: seen by the gate, shown on one line
    *[
        case(
            f"newline-{'-'.join(args)}",
            "newline",
            *args,
            codes=FOUND,
            shows="(FAIL)\\nok",
            not_shows=("\nok   contracts/b.yaml",),
        )
        for args in (("check",), ("check", "--staged"), ("amend", "status"))
    ],
    case("newline-log", "newline", "log", NEWLINE_NAME, codes=OK, shows="a-api"),
    # git metadata: author names, subjects, tags, branches; a bad revision between good ones
    case("git-log", "git", "log", codes=OK, shows="\\x1b]52"),
    case("git-log-path", "git", "log", C, codes=OK, shows=ESC_RLO),
    case("git-log-json", "git", "log", "-f", "json", codes=OK, json=True, keeps=OSC52),
    case("git-check-base-tag", "git", "check", "--base", f"v1{RLO}evil", codes=OK | FOUND),
    case(
        "git-check-base-missing",
        "git",
        "check",
        "--base",
        f"nope{CLEAR}",
        codes=USAGE,
        shows="\\x1b[2J",
    ),
    case("git-diff-bad-revision", "git", "diff", f"HEAD~2:{C}", f"HEAD~1:{C}", codes=USAGE),
    # amendment records: summary, reason, author (GIT_AUTHOR_NAME), reviewer name and email
    case(
        "record-status-all",
        "record",
        "amend",
        "status",
        "--all",
        codes=OK | FOUND,
        shows="Reason \\x1b]52",
    ),
    case(
        "record-status-json",
        "record",
        "amend",
        "status",
        "-f",
        "json",
        codes=OK | FOUND,
        json=True,
        keeps=f"Reason {OSC52}",
    ),
    case("record-check", "record", "check", codes=OK | FOUND),
    case("record-notice", "record", "notice", f"HEAD:{C}", C, codes=OK, shows="aGVsbG8="),
    case(
        "record-amend-notice", "record", "amend", "notice", "--print", codes=OK | FOUND, writes=True
    ),
    case("record-amend-changelog", "record", "amend", "changelog", codes=OK | FOUND, writes=True),
    case(
        "record-amend-summary", "record", "amend", "summary", f"again {EVIL}", codes=OK, writes=True
    ),
    # invalid tag values and huge integers, in every YAML the workbench reads
    *[
        case(f"tag-validate-{name}", "bad-tags", "validate", f"bad/{name}.yaml", codes=FOUND)
        for name in ("int", "float", "bool", "huge-int", "raw-escape")
    ],
    case("tag-diff", "bad-tags", "diff", C, "bad/int.yaml", codes=USAGE),
    case("tag-review-policy", "bad-tags", "review", C, "--policy", "bad/policy.yaml", codes=USAGE),
    case(
        "tag-diff-ignore-file",
        "bad-tags",
        "diff",
        f"HEAD:{C}",
        C,
        "--ignore-file",
        "bad/ignore.yaml",
        codes=USAGE,
    ),
    case("tag-config-check", "config-bad-tag", "check", codes=USAGE),
    case("tag-config-amend-status", "config-bad-tag", "amend", "status", codes=USAGE),
    case("tag-config-huge-int", "config-huge-int", "check", codes=USAGE),
    case("config-escapes-check", "config-escapes", "check", codes=USAGE, shows=ESC52),
    case("tag-ignore-check", "ignore-bad-tag", "check", codes=USAGE),
    case("tag-record-status", "bad-record", "amend", "status", codes=ERR),
    case("tag-record-check", "bad-record", "check", codes=FOUND),
    # names longer than a file name may be
    case("long-check", "long", "check", codes=FOUND),
    case("long-check-staged", "long", "check", "--staged", codes=FOUND),
    case("long-amend-start", "long", "amend", "start", codes=FOUND, writes=True),
    case(
        "long-contract-option",
        "long",
        "amend",
        "status",
        "--contract",
        "x" * 300 + ".yaml",
        codes=USAGE,
    ),
    case("long-validate-path", "long", "validate", "d/" * 3000 + "x.yaml", codes=FOUND),
    # environments: read-only repository, full disk, a directory where a file goes
    case("erofs-amend-start", "record", "amend", "start", codes=ERR, writes=True, mount="readonly"),
    case(
        "erofs-amend-notice", "record", "amend", "notice", codes=ERR, writes=True, mount="readonly"
    ),
    case(
        "erofs-amend-bump",
        "record",
        "amend",
        "bump",
        "--version",
        "3.0.0",
        codes=ERR,
        writes=True,
        mount="readonly",
    ),
    case(
        "erofs-diff-output",
        "record",
        "diff",
        f"HEAD:{C}",
        C,
        "-o",
        "r.txt",
        codes=USAGE,
        writes=True,
        mount="readonly",
    ),
    case(
        "enospc-amend-summary",
        "record",
        "amend",
        "summary",
        "x" * 20000,
        codes=ERR,
        writes=True,
        mount="full",
    ),
    case("enospc-amend-notice", "record", "amend", "notice", codes=ERR, writes=True, mount="full"),
    case("eisdir-amend-start", "isdir", "amend", "start", codes=ERR, writes=True),
    case("validate-dev-zero", "values", "validate", "/dev/zero", codes=FOUND),
    # a directory stands for every contract under it (the values world's contracts are valid)
    case("validate-directory", "values", "validate", "contracts", codes=OK),
    # unbounded work: alias bombs, deep nesting, FIFOs, 100,000 files
    case("bomb-check", "bombs", "check", codes=FOUND),
    case("bomb-log", "bombs", "log", codes=OK | ERR),
    case(
        "bomb-amend-status",
        "bombs",
        "amend",
        "status",
        "--contract",
        "contracts/bomb.yaml",
        codes=ERR,
    ),
    case("bomb-check-staged", "bombs-staged", "check", "--staged", codes=FOUND),
    case(
        "schemas-diff",
        "bombs",
        "diff",
        "HEAD:contracts/schemas.yaml",
        "contracts/schemas.yaml",
        codes=OK | ERR,
    ),
    case(
        "schemas-amend-status",
        "bombs",
        "amend",
        "status",
        "--contract",
        "contracts/schemas.yaml",
        codes=OK | ERR,
    ),
    case("schemas-log", "history-bomb", "log", C, codes=OK),
    case("bomb-diff", "bombs", "diff", C, "contracts/bomb.yaml", codes=USAGE),
    case(
        "near-limit-diff",
        "near-limit",
        "diff",
        "HEAD:contracts/schemas.yaml",
        "contracts/schemas.yaml",
        codes=OK,
    ),
    case("near-limit-check-staged", "near-limit", "check", "--staged", codes=FOUND),
    case("near-limit-amend-status", "near-limit", "amend", "status", codes=FOUND),
    case("extension-diff", "extension", "diff", f"HEAD:{C}", C, codes=OK),
    case("extension-amend-status", "extension", "amend", "status", "--all", codes=FOUND),
    case("deep-validate", "bombs", "validate", "deep.yaml", codes=FOUND),
    # files that are not what they seem
    case("special-validate-fifo", "special", "validate", C, codes=FOUND),
    case("special-validate-zero-link", "special", "validate", "contracts/zero.yaml", codes=FOUND),
    case("special-validate-sparse", "special", "validate", "contracts/huge.yaml", codes=FOUND),
    case("special-validate-latin1", "special", "validate", "contracts/latin1.yaml", codes=FOUND),
    case("special-validate-nul", "special", "validate", "contracts/nul.yaml", codes=FOUND),
    case("special-check", "special", "check", codes=ERR),
    case("special-log", "special", "log", codes=OK | ERR),
    case("special-diff", "special", "diff", f"HEAD:{C}", C, codes=USAGE),
    case("special-amend-status", "special", "amend", "status", "--contract", C, codes=ERR),
    case(
        "special-review-policy",
        "special",
        "review",
        f"HEAD:{C}",
        "--policy",
        C,
        codes=USAGE,
    ),
    case("fifo-settings-check", "fifo-settings", "check", codes=ERR),
    case("fifo-settings-amend-status", "fifo-settings", "amend", "status", codes=ERR),
    case("fifo-validate", "bombs", "validate", "contracts/fifo.yaml", codes=FOUND),
    case("noise-check-base", "noise", "check", "--base", "HEAD~1", codes=OK),
    case("noise-check", "noise", "check", codes=OK),
    # outside the repository (symlinks, settings pointing into .git)
    case("outside-amend-start", "outside", "amend", "start", codes=ERR, writes=True),
    case(
        "outside-amend-changelog",
        "outside",
        "amend",
        "changelog",
        codes=ERR,
        writes=True,
        not_shows=("TOP SECRET",),
    ),
    case("hooks-amend-start", "hooks", "amend", "start", codes=ERR, writes=True),
    case("outside-check", "outside", "check", codes=ERR),
    # the terminal UI: an editor that cannot start leaves the app usable (escape, q quits)
    case(
        "tui-editor-missing",
        "values",
        codes=OK,
        env=(("EDITOR", "/nonexistent/editor"),),
        keys=tui_edit("editor not found"),
        timeout=12,
        shows="editor",
        writes=True,
    ),
    case(
        "tui-editor-fails",
        "values",
        codes=OK,
        env=(("EDITOR", "false"),),
        keys=tui_edit("exited with status 1"),
        timeout=15,
        writes=True,
    ),
    case(
        "tui-bad-settings",
        "tui-settings",
        codes=OK,
        keys=(*TUI_READY, (0.0, b"q"), (3.0, b"q")),
        timeout=12,
    ),
    # permission denied (as any user but root, who writes through permission bits)
    *[
        case(f"eacces-amend-{args[0]}", "permissions", "amend", *args, codes=ERR, as_user=True)
        for args in (("summary", "new"), ("notice",), ("bump", "--version", "3.0.0"))
    ],
    # usage errors quote the command line through the same gate
    case(
        "usage-format",
        "values",
        "diff",
        f"HEAD:{C}",
        C,
        "-f",
        f"x{OSC52}",
        codes=USAGE,
        shows=ESC52,
    ),
    case(
        "usage-repo", "values", "check", "--repo", f"/nonexistent/{OSC52}", codes=USAGE, shows=ESC52
    ),
]


# --- running a case -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], World]:
    built: dict[str, World] = {}

    def get(name: str) -> World:
        if name not in built:
            world = World(tmp_path_factory.mktemp(f"world-{name}")).create()
            WORLDS[name](world)
            built[name] = world
        return built[name]

    return get


def _mount_prefix(kind: str, repo: Path, result: Path) -> list[str]:
    """Run inside a private mount namespace where the repository is read-only, or on a full
    tmpfs (``nsrun.py``), which records what changed inside the namespace in ``result``."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("no unshare(1)/mount(8): a read-only or full file system cannot be simulated")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespace here (unprivileged): EROFS/ENOSPC cannot be simulated")
    nsrun = Path(__file__).with_name("nsrun.py")
    return ["unshare", "-m", sys.executable, str(nsrun), kind, str(repo), str(result), "--"]


PARAMS = [
    pytest.param(
        c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
    )
    for c in CASES
]


@pytest.mark.parametrize("c", PARAMS)
def test_hostile(c: Case, worlds: Callable[[str], World], tmp_path: Path) -> None:
    if c.as_user and os.geteuid() == 0:
        pytest.skip("root writes through permission bits: EACCES cannot be simulated here")
    world = worlds(c.world)
    if c.writes:
        world = world.copy(tmp_path / "world")
    inside = tmp_path / "changed-inside.json"
    prefix = _mount_prefix(c.mount, world.repo, inside) if c.mount else []
    skip_cache = [world.home / ".cache"]
    outside_before = snapshot(world.base, skip=[world.repo, *skip_cache])
    tree_before = snapshot(world.repo, skip=[world.repo / ".git"])
    result = run_workbench(
        c.args,
        cwd=world.repo,
        env=world.env(**dict(c.env)),
        prefix=prefix,
        stdout_pipe=c.json or c.xml,
        keys=c.keys,
        timeout=c.timeout,
    )
    if os.environ.get("HOSTILE_SHOW"):  # pytest -s: see what every case printed
        shown = screen_text(result.output)[-1500:] if c.keys else result
        print(f"\n{shown}\n({result.elapsed:.2f} s, {result.peak_kib // 1024} MiB)")
    check_result(c, result)
    assert changed(outside_before, snapshot(world.base, skip=[world.repo, *skip_cache])) == [], (
        f"touched outside the work tree\n{result}"
    )
    tree_after = snapshot(world.repo, skip=[world.repo / ".git"])
    if not c.writes:
        assert changed(tree_before, tree_after) == [], f"a read changed the work tree\n{result}"
    for rel in changed(tree_before, tree_after):  # what the workbench wrote reads as it is
        path = world.repo / rel
        written = rel not in tree_before or rel.startswith("amendments/") or "CHANGELOG" in rel
        if written and path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            assert unsafe_in(text) == [], f"{rel} holds raw unsafe characters\n{result}"
    if c.output_file is not None:
        written = (world.repo / c.output_file).read_text(encoding="utf-8", errors="surrogateescape")
        assert unsafe_in(written) == [] and "\x1b" not in written
    if c.mount:  # a refused write leaves every file as it was (seen inside the namespace)
        assert json.loads(inside.read_text()) == [], f"a refused write changed files\n{result}"


def check_result(c: Case, result: Result) -> None:
    assert not result.timed_out, (
        f"killed: over {c.timeout} s of CPU time or {c.timeout * WALL_FACTOR} s on the clock\n"
        f"{result}"
    )
    text = screen_text(result.output) if c.keys else result.output
    assert TRACEBACK.search(text) is None, f"traceback\n{result}"
    if not c.keys:  # a terminal UI draws with escape sequences: only its words are checked
        assert unsafe_in(text) == [], f"unsafe characters reached the terminal\n{result}"
    assert result.code in c.codes, f"exit code {result.code}, expected {sorted(c.codes)}\n{result}"
    assert not result.lingering, f"a process outlived the command\n{result}"
    if c.shows is not None:
        assert c.shows in text, f"{c.shows!r} not shown\n{result}"
    for hidden in c.not_shows:
        assert hidden not in text
    if c.xml:
        assert result.stdout is not None and unsafe_in(result.stdout) == []
        ElementTree.fromstring(result.stdout)
    if c.json:
        assert result.stdout is not None
        assert unsafe_in(result.stdout) == [] and "\x1b" not in result.stdout
        data = json.loads(result.stdout)
        if c.keeps is not None:
            assert any(c.keeps in s for s in strings(data)), f"JSON lost {c.keeps!r}"


def strings(data: object) -> list[str]:
    """Every string of parsed JSON, keys included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (k, *strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return []


def test_unbounded_work_is_killed_by_its_cpu_limit(tmp_path: Path) -> None:
    """The bound each case is held to counts CPU time, so a loaded machine does not fail a
    case, and work that never ends is still killed: a busy loop in place of the command."""
    result = run_workbench(
        [],
        cwd=tmp_path,
        env=dict(os.environ),
        prefix=(sys.executable, "-c", "while True: pass", "--"),
        timeout=1,
    )
    assert result.timed_out, result
