"""Builders shared by the history tests: small valid contracts and real git repositories."""

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
        self.git("commit", "-q", "--allow-empty", "-m", message, env=self._ident(author, email))
        return self.sha("HEAD")

    def merge(self, branch: str, *, author: str = "Ann Author", email: str = "ann@example.com"):
        """Merge ``branch`` with a merge commit (dated like the others); return its sha."""
        env = self._ident(author, email)
        self.git("merge", "-q", "--no-ff", "--no-edit", branch, env=env)
        return self.sha("HEAD")

    def _ident(self, author: str, email: str) -> dict[str, str]:
        """Author, committer and a date one day after the previous commit's."""
        self.tick += 1
        date = (START + dt.timedelta(days=self.tick)).isoformat()
        return {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }

    def sha(self, rev: str) -> str:
        return self.git("rev-parse", rev).strip()


# --- the story repository shared by the history tests ---------------------------------------

P = "contracts/payments.yaml"
P2 = "contracts/pay/payments.yaml"
W = "contracts/wallet.yaml"
L = "contracts/legacy.yaml"
SCOPES3 = ("payments:read", "payments:write", "payments:refund")
BROKEN = "contract: payments-api\nversion: 1.3.0\ntokens: [\n"


class Story:
    """Shas of the story repository, by step."""

    def __init__(self, root: Path):
        self.root = root
        self.sha: dict[str, str] = {}


def build_story(root: Path) -> Story:
    """The story repository: payments: added, amended, renamed, amended on a branch and on main, merged, broken,
    repaired; wallet: staged and unstaged drafts; legacy: added then deleted; plus a
    non-contract YAML, an excluded directory and a new untracked contract."""
    r = Repo(root)
    s = Story(r.root)
    s.sha["c1"] = r.commit(
        "Add payments and wallet",
        {
            P: contract_text("1.0.0"),
            W: contract_text("1.0.0", cid="wallet-app"),
            "ci/pipeline.yaml": "name: ci\nversion: 2\nsteps: [test]\n",
            "contracts/ignored/other.yaml": contract_text("1.0.0", cid="ignored-api"),
            ".workbench.yaml": 'contracts:\n  exclude: ["contracts/ignored/**"]\n',
        },
    )
    r.git("tag", "v1")
    s.sha["c2"] = r.commit("Add the refunds scope", {P: contract_text("1.1.0", scopes=SCOPES3)})
    r.move(P, P2)
    s.sha["c3"] = r.commit("Move payments under contracts/pay/")
    r.git("checkout", "-q", "-b", "feature")
    s.sha["c4"] = r.commit(
        "Lengthen the access-token lifetime",
        {P2: contract_text("1.2.0", scopes=SCOPES3, lifetime="30m")},
    )
    r.git("checkout", "-q", "main")
    s.sha["c5"] = r.commit("Require MFA", {P2: contract_text("1.1.0", scopes=SCOPES3, mfa=True)})
    s.sha["c6"] = r.merge("feature")
    s.sha["c7"] = r.commit("Break payments by accident", {P2: BROKEN})
    s.sha["c8"] = r.commit(
        "Repair payments; ES256 only",
        {
            P2: contract_text(
                "2.0.0", scopes=SCOPES3, lifetime="30m", mfa=True, algorithms=("ES256",)
            )
        },
    )
    s.sha["c9"] = r.commit("Add legacy", {L: contract_text("1.0.0", cid="legacy-api")})
    s.sha["c10"] = r.commit("Retire legacy", delete=(L,))
    # drafts: wallet staged, then edited further; a new contract; a non-contract YAML
    r.write(W, contract_text("1.1.0", cid="wallet-app", scopes=SCOPES3))
    r.git("add", W)
    r.write(W, contract_text("1.2.0", cid="wallet-app", scopes=SCOPES3, lifetime="5m"))
    r.write("contracts/new.yaml", contract_text("0.1.0", cid="new-api"))
    r.write("contracts/notes.yaml", "notes: [a, b]\n")
    return s
