"""``REV:PATH`` contract specs, as ``workbench diff main:contracts/payments.yaml ./draft.yaml``.

``REV`` is any git revision (``main``, ``v2.0``, ``HEAD~3``, a sha) or one of the pseudo
revisions ``WORKTREE`` (the file on disk) and ``INDEX`` (the staged copy; ``:PATH`` means the
same, as in git). ``PATH`` is relative to the repository root, unless it starts with ``./`` or
``../`` (then relative to the current directory, as git does).

Parsing a spec needs no git, so it lives here, at the bottom of the stack, where the reports
(which strip ``REV:`` from a source label) can use it; reading one is
``workbench.history.read_contract_at``.
"""

from __future__ import annotations

import os
import re

WORKTREE = "WORKTREE"
INDEX = "INDEX"
PSEUDO_REVS = (WORKTREE, INDEX)

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def parse_rev_path(spec: str) -> tuple[str, str] | None:
    """Split ``REV:PATH`` into ``(rev, path)``; ``None`` when ``spec`` is a plain file path.

    A spec that names an existing file, a Windows drive path (``C:\\x``) or a URL is a path.
    ``:PATH`` gives ``("INDEX", PATH)``. The path may be empty (``main:``); reading it then
    fails with a clear message.
    """
    if ":" not in spec or _DRIVE.match(spec) or "://" in spec:
        return None
    if os.path.exists(spec):
        return None
    rev, _, path = spec.partition(":")
    return (rev or INDEX, path)
