"""Build the demo repository: the sample contracts and their scripted histories as real git.

The samples ship with the package (``workbench/_samples`` in a wheel, ``sample_contracts/`` in a
checkout). ``history/<contract>/story.yaml`` lists, oldest first, every revision of one contract:
the full file at that revision, where the repository keeps it (a change of ``path`` is a move),
the author, the date, the commit message and an optional Keep a Changelog entry. A story with a
``kind`` tells the history of a real artefact instead (an OpenID Connect discovery document, an
OpenAPI description, a Keycloak realm export): its files are the artefact as the team keeps it.
``history/_repository/story.yaml`` adds the commits that touch no contract (README, CI, a YAML
file that is not a contract). All commits are interleaved by date into one ``main`` branch,
written with ``git fast-import`` in a single process (well under a second), and a story may
leave a draft amendment uncommitted in the working tree on top.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any

from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import decode_source, load_yaml
from workbench.sources.kinds import KINDS, artefact_id

REPOSITORY_STORY = "_repository"
BRANCH = "main"
CHANGELOG_SECTIONS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")

# Variables that would point our git processes at some other repository or configuration.
_GIT_ENV_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_COMMON_DIR",
)


class DemoError(ValueError):
    """The demo repository cannot be built; the message is one line, ready for the user.

    ``exit_code`` is 2 for a usage problem (a destination that is not an empty directory) and 1
    when the environment fails (git missing, samples missing or malformed).
    """

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class DemoCommit:
    """One commit of the demo repository, in the order it is written."""

    date: datetime
    author: str
    email: str
    message: str
    files: dict[str, bytes] = field(default_factory=dict)  # repository path -> new content
    deletes: tuple[str, ...] = ()
    contract: str | None = None  # contract id (an artefact's: its path, see artefact_id)
    kind: str = "contract"  # or the artefact kind of the story
    path: str | None = None  # where the contract lives after this commit
    version: str | None = None
    tag: str | None = None  # annotated tag placed on this commit

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class DemoDraft:
    """An amendment left uncommitted in the working tree."""

    contract: str
    path: str
    content: bytes
    summary: str


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """Everything the builder writes: commits in order, and the optional draft."""

    commits: tuple[DemoCommit, ...]
    drafts: tuple[DemoDraft, ...]


# --- locating and reading the samples -------------------------------------------------------


def samples_dir() -> Traversable:
    """The sample contracts: packaged in the wheel, else ``sample_contracts/`` of the checkout."""
    packaged = resources.files("workbench") / "_samples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "sample_contracts"
    if checkout.is_dir():
        return checkout
    raise DemoError(
        "the sample contracts are missing (neither workbench/_samples nor sample_contracts/)",
        exit_code=1,
    )


def _load_story(node: Traversable, where: str) -> dict[str, Any]:
    try:
        data = load_yaml(decode_source(node.read_bytes(), where), where).data
    except OSError as exc:
        raise DemoError(f"{where}: cannot read story: {exc.strerror or exc}", exit_code=1) from None
    except ContractError as exc:
        raise DemoError(f"cannot read story: {exc.first.format()}", exit_code=1) from None
    if not isinstance(data, dict) or not isinstance(data.get("revisions"), list):
        raise DemoError(f"{where}: a story is a mapping with a 'revisions' list", exit_code=1)
    return data


def _field(entry: Any, key: str, where: str) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise DemoError(f"{where}: missing or empty {key!r}", exit_code=1)
    return value


def _date(entry: dict, where: str) -> datetime:
    text = _field(entry, "date", where)
    try:
        date = datetime.fromisoformat(text)
    except ValueError:
        raise DemoError(f"{where}: date {text!r} is not ISO 8601", exit_code=1) from None
    if date.tzinfo is None:
        raise DemoError(f"{where}: date {text!r} has no UTC offset", exit_code=1)
    return date


def _repo_path(text: str, where: str) -> str:
    p = PurePosixPath(text)
    if p.is_absolute() or ".." in p.parts or not p.parts or text != str(p):
        raise DemoError(f"{where}: {text!r} is not a plain relative path", exit_code=1)
    return text


def _read(folder: Traversable, name: str, where: str) -> bytes:
    if "/" in name or name.startswith("."):
        raise DemoError(f"{where}: file {name!r} must name a file next to the story", exit_code=1)
    node = folder / name
    if not node.is_file():
        raise DemoError(f"{where}: file {name!r} does not exist", exit_code=1)
    return node.read_bytes()


def changelog_text(contract: str, entries: list[tuple[str, str, dict]]) -> str:
    """A Keep a Changelog file from ``(version, day, {section: [lines]})``, newest first."""
    out = [
        f"# Changelog: {contract}",
        "",
        "All notable changes to this contract. The format follows Keep a Changelog and the",
        "contract's `version` follows Semantic Versioning.",
        "",
        "## [Unreleased]",
    ]
    for version, day, sections in reversed(entries):
        out += ["", f"## [{version}] - {day}"]
        for section in CHANGELOG_SECTIONS:
            items = sections.get(section) or []
            if items:
                out += ["", f"### {section}", *(f"- {item}" for item in items)]
    return "\n".join(out) + "\n"


def _contract_commits(
    folder: Traversable, story_name: str
) -> tuple[list[DemoCommit], DemoDraft | None]:
    where = f"history/{story_name}/story.yaml"
    story = _load_story(folder / "story.yaml", where)
    contract = story.get("contract")
    if contract != story_name:
        raise DemoError(f"{where}: 'contract' must be {story_name!r}", exit_code=1)
    kind = story.get("kind", "contract")
    if kind not in _KINDS:
        raise DemoError(f"{where}: 'kind' must be one of {', '.join(_KINDS)}", exit_code=1)
    commits: list[DemoCommit] = []
    changelog: list[tuple[str, str, dict]] = []
    current: str | None = None
    for i, entry in enumerate(story["revisions"]):
        at = f"{where} revision {i + 1}"
        name = _field(entry, "file", at)
        content = _read(folder, name, at)
        path = _repo_path(_field(entry, "path", at), at)
        date = _date(entry, at)
        version = _version_of(content, kind)
        sections = entry.get("changelog") or {}
        if not isinstance(sections, dict) or any(s not in CHANGELOG_SECTIONS for s in sections):
            raise DemoError(
                f"{at}: changelog sections are {', '.join(CHANGELOG_SECTIONS)}", exit_code=1
            )
        if sections:
            changelog.append((version or "?", date.date().isoformat(), sections))
        log_path = str(PurePosixPath(path).parent / "CHANGELOG.md")
        files = {path: content}
        deletes: tuple[str, ...] = ()
        if current is not None and current != path:
            deletes = (current, str(PurePosixPath(current).parent / "CHANGELOG.md"))
        if sections or deletes:
            files[log_path] = changelog_text(contract, changelog).encode()
        tag = entry.get("tag")
        commits.append(
            DemoCommit(
                date=date,
                author=_field(entry, "author", at),
                email=_field(entry, "email", at),
                message=_field(entry, "message", at),
                files=files,
                deletes=deletes,
                contract=contract if kind == "contract" else artefact_id(path),
                kind=kind,
                path=path,
                version=version,
                tag=tag if isinstance(tag, str) else None,
            )
        )
        current = path
    draft = None
    if isinstance(story.get("draft"), dict):
        at = f"{where} draft"
        entry = story["draft"]
        path = _repo_path(_field(entry, "path", at), at)
        if path != current:
            raise DemoError(f"{at}: path must be the contract's last path {current!r}", exit_code=1)
        draft = DemoDraft(
            contract=contract,
            path=path,
            content=_read(folder, _field(entry, "file", at), at),
            summary=str(entry.get("summary") or "").strip(),
        )
    return commits, draft


_KINDS = ("contract", *KINDS)
_INFO_VERSION = re.compile(
    r"^info:[ \t]*\r?\n(?:[ \t]+.*\r?\n)*?[ \t]+version:[ \t]*(.+?)[ \t]*$", re.M
)


def _version_of(content: bytes, kind: str = "contract") -> str | None:
    """The version a revision carries (read without a parser: the demo builds in a blink):
    a contract's ``version``, an OpenAPI description's ``info.version``; other artefacts
    carry none."""
    text = content.decode("utf-8", "replace")
    if kind == "openapi":
        m = _INFO_VERSION.search(text)
        return m.group(1).strip("'\"") if m else None
    if kind != "contract":
        return None
    for line in text.splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip().strip("'\"") or None
    return None


def _repository_commits(folder: Traversable) -> list[DemoCommit]:
    where = f"history/{REPOSITORY_STORY}/story.yaml"
    story = _load_story(folder / "story.yaml", where)
    commits = []
    for i, entry in enumerate(story["revisions"]):
        at = f"{where} revision {i + 1}"
        files = entry.get("files") if isinstance(entry, dict) else None
        if not isinstance(files, dict) or not files:
            raise DemoError(f"{at}: 'files' maps repository paths to files", exit_code=1)
        commits.append(
            DemoCommit(
                date=_date(entry, at),
                author=_field(entry, "author", at),
                email=_field(entry, "email", at),
                message=_field(entry, "message", at),
                files={_repo_path(str(p), at): _read(folder, str(n), at) for p, n in files.items()},
            )
        )
    return commits


def load_plan(samples: Traversable | None = None) -> DemoPlan:
    """Read every story under ``samples/history`` into one date-ordered list of commits."""
    root = samples if samples is not None else samples_dir()
    history = root / "history"
    if not history.is_dir():
        raise DemoError("the sample contracts have no history/ folder", exit_code=1)
    commits: list[DemoCommit] = []
    drafts: list[DemoDraft] = []
    for folder in sorted(history.iterdir(), key=lambda t: t.name):
        if not folder.is_dir() or not (folder / "story.yaml").is_file():
            continue
        if folder.name == REPOSITORY_STORY:
            commits += _repository_commits(folder)
        else:
            contract_commits, draft = _contract_commits(folder, folder.name)
            commits += contract_commits
            if draft is not None:
                drafts.append(draft)
    if not commits:
        raise DemoError("the sample contracts have no stories", exit_code=1)
    # Stable: commits of one story keep their order even on equal timestamps.
    commits.sort(key=lambda c: c.date)
    return DemoPlan(tuple(commits), tuple(drafts))


# --- writing the repository ----------------------------------------------------------------


def _git_time(date: datetime) -> str:
    offset = date.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{int(date.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _ident(name: str, email: str) -> bytes:
    for value in (name, email):
        if any(ch in value for ch in "<>\n"):
            raise DemoError(f"author {name!r} <{email}> has characters git refuses", exit_code=1)
    return f"{name} <{email}>".encode()


def fast_import_stream(commits: Iterable[DemoCommit], branch: str = BRANCH) -> bytes:
    """The ``git fast-import`` input writing ``commits`` on ``refs/heads/<branch>``, with tags."""
    out: list[bytes] = []
    tags: list[bytes] = []
    for mark, c in enumerate(commits, 1):
        who = _ident(c.author, c.email) + b" " + _git_time(c.date).encode()
        message = c.message.rstrip("\n").encode() + b"\n"
        out += [
            f"commit refs/heads/{branch}\n".encode(),
            b"mark :%d\n" % mark,
            b"author " + who + b"\n",
            b"committer " + who + b"\n",
            _data(message),
        ]
        if mark > 1:
            out.append(b"from :%d\n" % (mark - 1))
        out += [f"D {path}\n".encode() for path in c.deletes]
        for path, content in c.files.items():
            out += [f"M 100644 inline {path}\n".encode(), _data(content)]
        out.append(b"\n")
        if c.tag:
            note = f"{c.contract} {c.version}\n\n{c.subject}\n".encode()
            tags += [
                f"tag {c.tag}\n".encode(),
                b"from :%d\n" % mark,
                b"tagger " + who + b"\n",
                _data(note),
            ]
    return b"".join(out + tags) + b"done\n"


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    # Nothing from the user's or system's git configuration shapes the demo (templates, hooks,
    # autocrlf, default branch); identities come from the stories.
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="workbench demo",
        GIT_AUTHOR_EMAIL="demo@workbench.invalid",
        GIT_COMMITTER_NAME="workbench demo",
        GIT_COMMITTER_EMAIL="demo@workbench.invalid",
        LC_ALL="C",
    )
    return env


def _git(dest: Path, *args: str, stdin: bytes | None = None, env: dict[str, str]) -> None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=dest, input=stdin, capture_output=True, env=env, check=False
        )
    except FileNotFoundError:
        raise DemoError("git is not installed (or not on PATH)", exit_code=1) from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit status {proc.returncode}"
        raise DemoError(f"git {args[0]} failed: {detail}", exit_code=1)


def _prepare(dest: Path) -> Path:
    dest = Path(dest).expanduser()
    try:
        if dest.exists() and not dest.is_dir():
            raise DemoError(f"{dest} exists and is not a directory")
        if dest.is_dir() and any(dest.iterdir()):
            raise DemoError(f"{dest} is not empty; give a new or empty directory")
        dest.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise DemoError(f"{dest}: permission denied") from None
    except OSError as exc:
        raise DemoError(f"{dest}: {exc.strerror or exc}") from None
    return dest.resolve()


def build_demo_repo(dest: Path, *, draft: bool = True) -> Path:
    """Build the demo repository at ``dest`` (new or empty) and return its absolute path.

    One commit per amendment, interleaved by date across contracts, on branch ``main``, with an
    annotated ``<contract>/v<version>`` tag on every new major version. With ``draft``, the
    stories' draft amendments are left uncommitted in the working tree.
    """
    plan = load_plan()
    root = _prepare(dest)
    env = _git_env()
    _git(root, "init", "--quiet", "--template=", env=env)
    _git(root, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}", env=env)
    _git(root, "fast-import", "--quiet", stdin=fast_import_stream(plan.commits), env=env)
    _git(root, "reset", "--quiet", "--hard", "HEAD", env=env)
    if draft:
        for d in plan.drafts:
            (root / d.path).write_bytes(d.content)
    return root
