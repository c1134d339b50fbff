"""Builders shared by the amendment tests: a small contract and real git repositories.

(No tests here; pytest collects the file harmlessly.)
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

TODAY = dt.date(2026, 1, 15)
NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
CONTRACT_PATH = "contracts/orders/orders-api.yaml"

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}

CONTRACT = """\
# Orders API: comments, quoting and key order must survive every rewrite.
contract: orders-api
title: Orders API authentication
version: "1.4.0"   # quoted on purpose
status: active
owners:
  - team: orders
    contact: orders@example.com
consumers:
  - name: web-shop
    contact: web@example.com
    uses: [access_token, create_order]
  - name: warehouse
    contact: warehouse@example.com
    uses: [list_orders]
  - name: auditor
    uses: [audit_token]
identity_providers:
  - id: corp
    issuer: https://login.example.com
    jwks_uri: https://login.example.com/jwks.json
    protocols: [oidc]
grants: [authorization_code, client_credentials]
pkce: {required: true, methods: [S256]}
client_authentication: [private_key_jwt]
tokens:
  access_token:
    format: jwt
    type: at+jwt
    description: Access tokens for the Orders API.
    issued_by: [corp]
    signing_algorithms: [ES256, RS256]
    audience: [https://api.example.com/orders]
    lifetime: 15m
    clock_skew: 60s
    required_claims: [iss, sub, aud, exp, iat, jti, client_id]
  audit_token:
    format: opaque
    description: Opaque tokens of the audit export.
    introspection: true
    lifetime: 5m
scopes:
  orders:read: Read orders
  orders:write: Create orders
endpoints:
  create_order:
    summary: Create an order
    method: POST
    path: /v1/orders
    security:
      - access_token: [orders:write]
    request:
      content_type: application/json
      schema: {$ref: "#/components/schemas/Order"}
    responses:
      "201": {description: Created, schema: {$ref: "#/components/schemas/Order"}}
    errors: [invalid_token]
  list_orders:
    summary: List orders
    method: GET
    path: /v1/orders
    security:
      - access_token: [orders:read]
    responses:
      "200":
        description: The orders
        schema: {type: array, items: {$ref: "#/components/schemas/Order"}}
    errors: [invalid_token]
errors:
  invalid_token:
    status: 401
    description: The access token is missing, expired or invalid.
components:
  schemas:
    Order:
      type: object
      required: [id]
      properties:
        id: {type: string, description: The order id}
"""


def git_env(home: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    if home is not None:
        env["HOME"] = str(home)
    env.update(extra)
    return env


class Repo:
    """A real git repository in a temporary directory, with an author identity."""

    def __init__(self, root: Path, name: str = "Ada Author", email: str = "ada@example.com"):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.env = git_env()
        self.git("init", "--quiet", "--template=", "-b", "main")
        self.git("config", "user.name", name)
        self.git("config", "user.email", email)
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, check: bool = True, env: dict | None = None) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=env or self.env,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def commit(self, message: str, *paths: str, date: str = "2025-06-01T10:00:00+00:00") -> str:
        self.git("add", "--", *(paths or ["."]))
        env = {**self.env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        self.git("commit", "--quiet", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, count))


def orders_repo(root: Path, text: str = CONTRACT, **commit_kw: str) -> Repo:
    """A repository with the orders contract committed at 1.4.0."""
    repo = Repo(root)
    repo.write(CONTRACT_PATH, text)
    repo.commit("Add the orders contract", **commit_kw)
    return repo


# The CLI as a git hook would run it: this interpreter, the real entry point function.
WORKBENCH = [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())"]


def workbench(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess."""
    return subprocess.run(
        [*WORKBENCH, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env or git_env(),
    )


def cli(*args: str, repo: Path | None = None):
    """Run a CLI command in this process (fast); ``--repo`` is added for commands that take it.

    Returns click's result: ``exit_code``, ``stdout``, ``stderr``.
    """
    from click.testing import CliRunner

    from workbench.cli import main

    argv = list(args)
    if repo is not None:
        depth = 2 if argv[0] == "amend" else 1
        argv[depth:depth] = ["--repo", str(repo)]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


REVIEWER = ("Grace Reviewer", "grace@example.com")


class identity_of:
    """Within the block, git (and so the workbench) knows the person at the keyboard as
    ``name <email>``: the repository's user.name/user.email are switched and restored."""

    def __init__(self, repo: Repo, name: str, email: str):
        self.repo, self.name, self.email = repo, name, email

    def __enter__(self) -> Repo:
        self.saved = (
            self.repo.git("config", "user.name").strip(),
            self.repo.git("config", "user.email").strip(),
        )
        self.repo.git("config", "user.name", self.name)
        self.repo.git("config", "user.email", self.email)
        return self.repo

    def __exit__(self, *exc: object) -> None:
        self.repo.git("config", "user.name", self.saved[0])
        self.repo.git("config", "user.email", self.saved[1])


def commit_all(repo: Repo, message: str, date: str = "2025-06-02T10:00:00+00:00") -> str:
    """Commit every change of the working tree (as the identity configured now)."""
    return repo.commit(message, date=date)


def review(
    repo: Repo,
    contract: str = CONTRACT_PATH,
    *,
    base: str = "main",
    reviewer: tuple[str, str] = REVIEWER,
    today: dt.date | None = None,
    commit: bool = True,
) -> str:
    """The reviewer's part, as in life: in their checkout of the author's (committed) branch,
    as themselves, ``workbench amend sign-off --base BASE``, then they commit the record.
    Returns the commit (or the sign-off's line when ``commit`` is false)."""
    args = ["amend", "sign-off", "--base", base, "--contract", contract]
    if today is not None:
        args += ["--today", today.isoformat()]
    with identity_of(repo, *reviewer):
        result = cli(*args, repo=repo.root)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        if not commit:
            return result.stdout
        return repo.commit("Security review: sign-off", date="2025-06-03T10:00:00+00:00")
