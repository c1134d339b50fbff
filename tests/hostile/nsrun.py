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

FILLER = ".hostile-filler"


def snapshot(root: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if name == FILLER:
                continue
            st = os.lstat(path)
            digest = ""
            if os.path.isdir(path) and not os.path.islink(path):  # entries are compared, not mtimes
                out[os.path.relpath(path, root)] = [st.st_mode]
                continue
            if os.path.isfile(path) and not os.path.islink(path) and st.st_size < 1 << 24:
                with open(path, "rb") as fh:  # (huge sparse files: their size and time)
                    digest = hashlib.sha1(fh.read()).hexdigest()
            out[os.path.relpath(path, root)] = [st.st_mode, st.st_size, st.st_mtime_ns, digest]
    return out


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
    before = snapshot(repo)
    code = subprocess.call(command)
    after = snapshot(repo)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    with open(result, "w", encoding="utf-8") as fh:
        json.dump(changed, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
