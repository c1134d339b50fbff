"""Builders shared by the history tests: small valid contracts and real git repositories.

(No tests here; pytest collects the file harmlessly.)
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

START = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def contract_text(
    version: str = "1.0.0",
    *,
    cid: str = "payments-api",
    lifetime: str = "15m",
    algorithms: tuple[str, ...] = ("RS256",),
    scopes: tuple[str, ...] = ("payments:read", "payments:write"),
    mfa: bool = False,
) -> str:
    """A small valid contract whose fields the tests amend."""
    scope_lines = "".join(f"  {s}: Scope {s}\n" for s in scopes)
    return f"""# {cid}: a test contract
contract: {cid}
title: {cid} authentication
version: {version}
status: active
owners:
  - team: platform
    contact: platform@example.com
consumers:
  - name: checkout-web
    contact: checkout@example.com
    uses: [access_token]
identity_providers:
  - id: corp-idp
    issuer: https://login.example.com
    jwks_uri: https://login.example.com/jwks.json
    protocols: [oidc]
grants: [authorization_code, client_credentials]
tokens:
  access_token:
    format: jwt
    issued_by: [corp-idp]
    signing_algorithms: [{", ".join(algorithms)}]
    audience: [https://api.example.com]
    lifetime: {lifetime}
    clock_skew: 60s
    required_claims: [iss, sub, aud, exp]
mfa:
  required: {"true" if mfa else "false"}
  methods: [webauthn]
scopes:
{scope_lines}"""


class Repo:
    """A real git repository in a temporary directory, with deterministic commits."""

    def __init__(self, root: Path, *, init: bool = True, bare: bool = False):
        self.root = root
        self.tick = 0
        if init:
            root.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
            self.git("config", "user.name", "Dana Draft")
            self.git("config", "user.email", "dana@example.com")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full = {**os.environ, **GIT_ENV, **(env or {})}
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=full, capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def move(self, src: str, dst: str) -> None:
        (self.root / dst).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", src, dst)

    def commit(
        self,
        message: str,
        files: dict[str, str] | None = None,
        *,
        delete: tuple[str, ...] = (),
        author: str = "Ann Author",
        email: str = "ann@example.com",
    ) -> str:
        """Write ``files``, delete ``delete``, stage everything and commit; return the sha."""
        for path, text in (files or {}).items():
            self.write(path, text)
        for path in delete:
            self.git("rm", "-q", path)
        self.git("add", "-A")
        self.tick += 1
        date = (START + dt.timedelta(days=self.tick)).isoformat()
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.sha("HEAD")

    def sha(self, rev: str) -> str:
        return self.git("rev-parse", rev).strip()
