"""Caches, contract sniffing and path globs of the history layer."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from history_support import P2, Repo, Story, contract_text

import workbench
from workbench.history.cache import LRU, DiskCache, cache_root
from workbench.history.gitio import GitRepo
from workbench.history.globs import PathFilter
from workbench.history.meta import ContractMeta, sniff
from workbench.history.repo import ContractRepo

# --- LRU and disk cache ----------------------------------------------------------------------


def test_lru_evicts_the_least_recently_used() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert "b" not in lru and lru.get("a") == 1 and lru.get("c") == 3
    assert lru.get_or_compute("d", lambda: 4) == 4 and len(lru) == 2


def test_disk_cache_round_trip_and_corruption(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    cache.put("k1", ("x", 1))
    assert cache.get("k1", tuple) == ("x", 1)
    assert cache.get("k1", dict) is None  # not the expected type: a miss
    assert cache.get("missing", tuple) is None
    (entry,) = (tmp_path / "c").rglob("*.pkl")
    entry.write_bytes(b"\x80\x05garbage")
    assert cache.get("k1", tuple) is None
    assert not entry.exists()  # a corrupt entry is dropped
    cache.put("k2", ("y",))
    (other,) = (tmp_path / "c").rglob("*.pkl")
    other.write_bytes(pickle.dumps(("someone-else", ("z",))))
    assert cache.get("k2", tuple) is None  # an entry written for another key


def test_disk_cache_location_and_switch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    assert cache_root() == tmp_path / "workbench"
    cache = DiskCache.default()
    assert cache is not None
    assert cache.directory.parent == tmp_path / "workbench"
    assert f"-{workbench.__version__}-" in cache.directory.name
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    assert DiskCache.default() is None
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "workbench"


def test_unwritable_cache_is_disabled_quietly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DiskCache(blocker / "sub")
    cache.put("k", (1,))
    assert cache.enabled is False
    assert cache.get("k", tuple) is None


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    r = Repo(tmp_path_factory.mktemp("cache") / "repo")
    r.commit("Add", {"a.yaml": contract_text("1.0.0")})
    r.commit("Shorten", {"a.yaml": contract_text("1.1.0", lifetime="5m")})
    return r


def test_reports_come_from_disk_without_parsing(
    small: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    with ContractRepo.open(small.root) as repo:
        first = repo.report(repo.history("a.yaml")[0])
    assert list((tmp_path / "workbench").rglob("*.pkl"))

    def refuse(*args, **kwargs):
        raise AssertionError("parsed or judged again")

    import workbench.history.judge as judge
    import workbench.review as review

    monkeypatch.setattr(judge, "load_document_bytes", refuse)
    monkeypatch.setattr(review, "build_report", refuse)
    with ContractRepo.open(small.root) as repo:
        again = repo.report(repo.history("a.yaml")[0])
        assert again.verdict == first.verdict
        assert again.findings == first.findings
        # the in-memory cache answers too, relabelled for the revision asked
        assert repo.report(repo.history("a.yaml")[0]).new.source == again.new.source


def test_a_history_listed_before_is_listed_without_reading_blobs(
    story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The versions of a whole history come from the identities kept on disk."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    with ContractRepo.open(story.root) as repo:
        first = repo.history(P2)

    def refuse(*args, **kwargs):
        raise AssertionError("read a blob again")

    monkeypatch.setattr(GitRepo, "read_blobs", refuse)
    monkeypatch.setattr(GitRepo, "read_blob", refuse)
    with ContractRepo.open(story.root) as repo:
        assert repo.history(P2) == first
    assert [r.version for r in first] == [
        "2.0.0",
        "1.3.0",
        "1.2.0",
        "1.1.0",
        "1.2.0",
        "1.1.0",
        "1.1.0",
        "1.0.0",
    ]


def test_no_cache_env_leaves_nothing_on_disk(
    small: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    with ContractRepo.open(small.root) as repo:
        assert repo.disk_cache is None
        repo.report(repo.history("a.yaml")[0])
    assert not (tmp_path / "workbench").exists()


# --- recognizing contracts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (contract_text("1.2.3").encode(), ("payments-api", "1.2.3", "payments-api authentication")),
        (b'"contract": "a"\n"version": \'2.0.0\'  # c\n', ("a", "2.0.0", "")),
        (b"{contract: a, version: 1.0.0, title: T}", ("a", "1.0.0", "T")),
        (
            b"---\ncontract: a\nversion: 0.1.0\ntitle: >\n  folded\n  title\n",
            ("a", "0.1.0", "folded title"),
        ),
        (b"\xef\xbb\xbfcontract: bom\nversion: 1.0.0\n", ("bom", "1.0.0", "")),
        (b"contract: broken\nversion: [1\n", ("broken", "", "")),
    ],
)
def test_sniff_recognizes_contracts(raw: bytes, expected: tuple[str, str, str]) -> None:
    meta = sniff(raw)
    assert isinstance(meta, ContractMeta)
    assert (meta.id, meta.version, meta.title) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"name: ci\nversion: 2\n",  # a versioned YAML that is not a contract
        b"- contract: a\n  version: 1.0.0\n",  # a list
        b"metadata:\n  contract: a\n  version: 1.0.0\n",  # keys not at the top level
        b"\x00\x01binary contract version",
        b"",
    ],
)
def test_sniff_ignores_other_yaml(raw: bytes) -> None:
    assert sniff(raw) is None


# --- globs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("include", "exclude", "path", "selected"),
    [
        (["**/*.yaml"], [], "a.yaml", True),
        (["**/*.yaml"], [], "x/y/a.yaml", True),
        (["**/*.yaml"], [], "a.yml", False),
        (["*.yml"], [], "deep/down/a.yml", True),  # no slash: any directory, as .gitignore
        (["contracts/*.yaml"], [], "contracts/a.yaml", True),
        (["contracts/*.yaml"], [], "contracts/x/a.yaml", False),
        (["contracts/**"], [], "contracts/x/a.yaml", True),
        (["**/*.yaml"], ["amendments/**"], "amendments/p/1.0.0.yaml", False),
        (["**/*.yaml"], ["legacy/"], "legacy/a.yaml", False),
        (["c/[ab].yaml"], [], "c/b.yaml", True),
        (["c/[!ab].yaml"], [], "c/b.yaml", False),
        (["c/?.yaml"], [], "c/z.yaml", True),
    ],
)
def test_path_filter(include: list[str], exclude: list[str], path: str, selected: bool) -> None:
    assert PathFilter(include, exclude)(path) is selected


def test_settings_globs_select_contracts(tmp_path: Path) -> None:
    r = Repo(tmp_path / "globs")
    r.commit(
        "Add",
        {
            "contracts/a.yaml": contract_text(cid="a-api"),
            "contracts/drafts/b.yaml": contract_text(cid="b-api"),
            "other/c.yaml": contract_text(cid="c-api"),
            "amendments/a-api/1.0.0.yaml": contract_text(cid="a-api"),
            ".workbench.yaml": (
                "contracts:\n  include: ['contracts/**/*.yaml']\n  exclude: ['**/drafts/**']\n"
            ),
        },
    )
    with ContractRepo.open(r.root) as repo:
        assert [e.path for e in repo.contracts()] == ["contracts/a.yaml"]


# --- the log stream parser -------------------------------------------------------------------


def _record(sha: str, subject: bytes, path: bytes) -> bytes:
    meta = b":100644 100644 " + b"a" * 40 + b" " + b"b" * 40 + b" M"
    head = (
        b"\x01"
        + sha.encode()
        + b"\x00"
        + b"\x00Ann\x00ann@example.com\x002024-01-01T00:00:00+00:00"
        + b"\x002024-01-02T00:00:00+00:00\x00"  # author date, then committer date
    )
    return head + subject + b"\x00\n" + meta + b"\x00" + path + b"\x00"


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 16])
def test_log_parser_is_robust_to_markers_and_chunking(chunk: int) -> None:
    import io

    from workbench.history.gitio import iter_log

    stream = b"".join(
        [
            _record("1" * 40, b"plain", b"a.yaml"),
            _record("2" * 40, b"\x01starts with the marker", "ü dir/b c.yaml".encode()),
            _record("3" * 40, b"last", b"\x01odd.yaml"),
        ]
    )
    commits = list(iter_log(io.BytesIO(stream), chunk=chunk))
    assert [c.sha[0] for c in commits] == ["1", "2", "3"]
    assert commits[1].subject == "\x01starts with the marker"
    assert commits[1].changes[0].new_path == "ü dir/b c.yaml"
    assert commits[2].changes[0].old_path == "\x01odd.yaml"
    assert all(c.changes[0].status == "M" for c in commits)
    assert all(c.committed == "2024-01-02T00:00:00+00:00" for c in commits)
    assert all(c.date == "2024-01-01T00:00:00+00:00" for c in commits)


def test_disk_cache_probes_its_new_folders_without_opening_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that did not exist when the cache first looked holds only what it wrote: a
    probe of anything else there is a miss without a system call. Folders that existed (or
    another cache's entries, seen by a cache opened after them) are read from disk."""
    import builtins

    import workbench.history.cache as cache_module

    opened: list[str] = []
    real_open = builtins.open

    def counting(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(cache_module, "open", counting, raising=False)
    first = DiskCache(tmp_path / "c")
    keys = [f"report:{n}" for n in range(600)]  # more keys than folders: every folder is used
    for key in keys[:300]:
        assert first.get(key, tuple) is None
        first.put(key, (key,))
    assert opened == []
    for key in keys[300:]:
        assert first.get(key, tuple) is None  # folders it made: known empty of these
    assert opened == []
    assert all(first.get(key, tuple) == (key,) for key in keys[:300])
    assert len(opened) == 300

    second = DiskCache(tmp_path / "c")  # opened after: every folder exists, read from disk
    assert all(second.get(key, tuple) == (key,) for key in keys[:300])
    assert second.get(keys[400], tuple) is None
    second.put(keys[400], ("again",))
    assert DiskCache(tmp_path / "c").get(keys[400], tuple) == ("again",)
