"""Caches of the history layer: in-memory LRUs (of values, of blob contents), and an optional
on-disk report cache.

Reports depend only on the two blobs compared, the day they are judged on, and the code of the
engine, so they are keyed by ``(old blob, new blob, day)`` (the judge keeps the problems of
invalid contents and the bases behind invalid parents beside them) under a directory named after the
workbench version and a fingerprint of the engine and loader sources: upgrading (or editing a
rule) starts a fresh cache instead of serving stale verdicts. The committed walks of contracts
(``history/walk.py``'s ``WalkStore``) live there too, one entry per path, each naming in its head
the state of the repository it was read from (:meth:`DiskCache.get_if`). The cache lives under
``$XDG_CACHE_HOME/workbench`` (``~/.cache/workbench``), is safe to delete at any time, is
disabled by ``WORKBENCH_NO_CACHE=1``, and treats any unreadable or corrupt entry as a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import workbench

K = TypeVar("K")
V = TypeVar("V")

CACHE_FORMAT = 2  # 2: every entry is (key, head) then the value, see DiskCache
_MISSING = object()


class LRU(Generic[K, V]):
    """A thread-safe least-recently-used mapping holding at most ``size`` entries and, with a
    ``weight`` function, at most ``budget`` of their total weight (the most recent entry is
    always kept, however heavy)."""

    def __init__(self, size: int, *, weight: Callable[[V], int] | None = None, budget: int = 0):
        self.size = size
        self.weight = weight
        self.budget = budget
        self.total = 0  # the weight held
        self._data: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if self.weight is not None:
                weight = self.weight(value)
                self.total += weight - self._weights.get(key, 0)
                self._weights[key] = weight
            while len(self._data) > self.size or (
                self.weight is not None and self.total > self.budget and len(self._data) > 1
            ):
                dropped, _ = self._data.popitem(last=False)
                self.total -= self._weights.pop(dropped, 0)

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        value = self.get(key, _MISSING)  # type: ignore[arg-type]
        if value is _MISSING:
            value = compute()
            self.put(key, value)
        return value  # type: ignore[return-value]

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._weights.clear()
            self.total = 0

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


class BlobCache:
    """Contents by blob sha, as last read, holding at most ``limit`` bytes (least recently used
    go first): what a listing read to identify contracts is not read again to load them."""

    def __init__(self, limit: int):
        self.limit = limit
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, blob: str) -> bytes | None:
        with self._lock:
            raw = self._data.get(blob)
            if raw is not None:
                self._data.move_to_end(blob)
            return raw

    def put(self, blob: str, raw: bytes) -> None:
        if len(raw) > self.limit // 4:
            return  # one huge file would push out everything else
        with self._lock:
            old = self._data.pop(blob, None)
            if old is not None:
                self._size -= len(old)
            self._data[blob] = raw
            self._size += len(raw)
            while self._size > self.limit:
                _, dropped = self._data.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._data)


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/workbench``, else ``~/.cache/workbench``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "workbench"


def cache_disabled() -> bool:
    return os.environ.get("WORKBENCH_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


@functools.cache
def code_fingerprint() -> str:
    """A short hash of the sources that decide a verdict (engine, loader, artefact readers,
    review) or an identity (the contract sniffer).

    Each file counts by its path, size and modification time (not its bytes: reading them all
    cost every warm log ~9 ms); an edit changes its time, so an edit is never missed, and a
    file touched without an edit only costs one cold run. Byte-code caches are left out (their
    writing changed the key, so each new interpreter started cold)."""
    package = os.path.dirname(workbench.__file__)
    h = hashlib.sha256(f"{workbench.__version__}/{CACHE_FORMAT}".encode())
    files: list[str] = []
    for part in ("engine", "contract", "security", "sources"):
        _sources(os.path.join(package, part), files)
    files += [os.path.join(package, "review.py"), os.path.join(package, "history", "meta.py")]
    for path in sorted(files):
        with contextlib.suppress(OSError):
            st = os.stat(path)
            rel = os.path.relpath(path, package).replace(os.sep, "/")
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _sources(directory: str, into: list[str]) -> None:
    """Every file under ``directory`` except byte-code caches."""
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _sources(entry.path, into)
            elif entry.is_file() and not entry.name.endswith((".pyc", ".pyo")):
                into.append(entry.path)


class DiskCache:
    """Pickled values in one file per key, written atomically; every failure is a miss.

    A file holds two pickles: ``(key, head)`` (the key it was written for, and an optional small
    summary of the value) and then the value, so a reader that needs only the summary stops
    after the first."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.enabled = True
        self._made: set[str] = set()
        self._root = os.fspath(directory)
        # Probing for an entry that is not there costs an ``open`` each, and a cold log probes
        # thousands (its reports, validities and bases are all new). The folders that did not
        # exist when this cache first looked hold only what this process wrote since: their
        # entries are known by name, and a probe of anything else there answers without a
        # system call. (An entry another process writes there meanwhile is a miss: computed
        # again, never wrong.)
        self._existing: set[str] | None = None  # the folders present at the first look
        self._written: dict[str, set[str]] = {}  # new folder -> the file names written there
        self._serial = 0  # names the temporary file of each write

    @classmethod
    def default(cls, namespace: str = "reports") -> DiskCache | None:
        """The user's report cache, or ``None`` when disabled by ``WORKBENCH_NO_CACHE``."""
        if cache_disabled():
            return None
        name = f"{namespace}-v{CACHE_FORMAT}-{workbench.__version__}-{code_fingerprint()}"
        return cls(cache_root() / name)

    def _file(self, key: str) -> tuple[str, str]:
        """The directory and file of ``key`` (plain strings: a warm log asks thousands)."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        folder = f"{self._root}/{digest[:2]}"
        return folder, f"{folder}/{digest[2:]}.pkl"

    def _absent(self, folder: str, path: str) -> bool:
        """Whether ``path`` is certainly not there: its folder is new since this cache first
        looked and this process never wrote it (see ``__init__``)."""
        existing = self._existing
        if existing is None:
            try:
                existing = set(os.listdir(self._root))
            except OSError:
                existing = set()
            self._existing = existing
        if folder[-2:] in existing:
            return False
        written = self._written.get(folder)
        return written is None or path not in written

    def get(self, key: str, expected: type | tuple[type, ...]) -> object | None:
        """The value stored for ``key`` if it is an instance of ``expected``, else ``None``."""
        value = self._read(key, whole=True)
        return value if isinstance(value, expected) else None

    def head(self, key: str, missing: object = None) -> object | None:
        """The small value stored beside ``key``'s value (``put(..., head=)``; ``missing``
        when there is no entry), read without unpickling the value itself: a warm log reads a
        compact row, never the report (nor the engine's modules its classes need)."""
        return self._read(key, whole=False, missing=missing)

    def get_if(
        self, key: str, accept: Callable[[object], bool], expected: type | tuple[type, ...]
    ) -> object | None:
        """The value stored for ``key`` when its head passes ``accept`` and the value is an
        instance of ``expected``, else ``None``: an entry kept for something that changes
        (a walk, for one HEAD) says in its head what it was written for, and is overwritten
        rather than piled up beside its successors. A head that fails is left in place."""
        value = self._read(key, whole=True, accept=accept)
        return value if isinstance(value, expected) else None

    def _read(
        self,
        key: str,
        *,
        whole: bool,
        missing: object = None,
        accept: Callable[[object], bool] | None = None,
    ) -> object | None:
        if not self.enabled:
            return missing
        folder, path = self._file(key)
        if self._absent(folder, path):
            return missing
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below; OSError is a miss
        except OSError:
            return missing
        try:
            with fh:
                stored_key, head = pickle.load(fh)
                if stored_key != key:
                    raise ValueError("an entry written for another key")
                if accept is not None and not accept(head):
                    return missing  # written for another state: a miss, rewritten later
                return pickle.load(fh) if whole else head
        except Exception:  # any corruption: forget the entry, compute again
            with contextlib.suppress(OSError):
                os.unlink(path)
            return missing

    def put(self, key: str, value: object, head: object = None) -> None:
        """Store ``value`` for ``key``, with a small ``head`` before it (see :meth:`head`)."""
        if not self.enabled:
            return
        folder, path = self._file(key)
        tmp = None
        try:
            data = pickle.dumps((key, head), protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(
                value, protocol=pickle.HIGHEST_PROTOCOL
            )
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return  # this value cannot be stored; others still can
        try:
            if folder not in self._made:
                self._absent(folder, path)  # the first look, before this write changes it
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            # written whole under a name no other writer uses, then renamed over the entry
            while True:
                self._serial += 1
                tmp = f"{folder}/.tmp-{os.getpid()}-{threading.get_ident()}-{self._serial}"
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    break
                except FileExistsError:
                    continue
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
            if self._existing is not None and folder[-2:] not in self._existing:
                self._written.setdefault(folder, set()).add(path)
        except OSError:
            self.enabled = False  # a read-only or full disk: carry on without the disk cache
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
