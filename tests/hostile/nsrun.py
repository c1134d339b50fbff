"""Run a command on a repository that is read-only or on a full disk, for real.

``unshare -m python nsrun.py MODE REPO RESULT -- COMMAND...`` runs in a private mount
namespace (the mounts vanish with it): ``readonly`` bind-mounts REPO read-only over itself
(EROFS); ``full`` puts a copy of REPO on a small tmpfs mounted over it and fills the tmpfs
(ENOSPC). It snapshots the tree inside the namespace before and after COMMAND, writes the
paths that changed to RESULT (JSON) and exits with COMMAND's status.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

FILLER = ".hostile-filler"


def snapshot(
    root: str | os.PathLike,
    *,
    skip: Sequence[str | os.PathLike] = (),
    skip_names: Sequence[str] = (),
) -> dict[str, tuple]:
    """Every entry under ``root`` (without following symlinks) but the paths ``skip`` and the
    names ``skip_names``: type, mode, size, mtime and a digest of regular files' contents (a
    link's target). The hostile tests compare them too (``hostile_world``)."""
    out: dict[str, tuple] = {}
    skipped = {str(p) for p in skip}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skipped]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if path in skipped or name in skip_names:
                continue
            st = os.lstat(path)
            digest = ""
            if os.path.isdir(path) and not os.path.islink(path):  # entries are compared, not mtimes
                out[os.path.relpath(path, root)] = (st.st_mode,)
                continue
            if os.path.isfile(path) and not os.path.islink(path) and st.st_size < 1 << 24:
                with open(path, "rb") as fh:  # (huge sparse files: their size and time)
                    digest = hashlib.sha1(fh.read()).hexdigest()
            elif os.path.islink(path):
                digest = os.readlink(path)
            out[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def changed(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """The entries added, removed or changed between two snapshots."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


def fill(root: str) -> None:
    """Write until the file system is full."""
    block = b"\0" * 65536
    with open(os.path.join(root, FILLER), "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(block)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0")
        except OSError:
            pass


def main() -> int:
    mode, repo, result = sys.argv[1:4]
    command = sys.argv[sys.argv.index("--") + 1 :]
    if mode == "readonly":
        mount("--bind", repo, repo)
        mount("-o", "remount,bind,ro", repo)
    elif mode == "full":
        keep = tempfile.mkdtemp(prefix="hostile-full-")
        shutil.copytree(repo, os.path.join(keep, "r"), symlinks=True)
        mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", repo)
        shutil.copytree(os.path.join(keep, "r"), repo, symlinks=True, dirs_exist_ok=True)
        shutil.rmtree(keep)
        fill(repo)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    before = snapshot(repo, skip_names=[FILLER])
    code = subprocess.call(command)
    after = snapshot(repo, skip_names=[FILLER])
    with open(result, "w", encoding="utf-8") as fh:
        json.dump(changed(before, after), fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
