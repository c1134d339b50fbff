"""The fast paths keep every answer: what a command imports, the bounded caches, the code
fingerprint, tuple pickling of findings, quick piece copies, the terminal gate's ASCII search,
and schema roots judged once per component pair."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from history_support import Repo, contract_text

from workbench.contract import load_contract_text
from workbench.contract.loc import Loc
from workbench.engine import compare, schemadiff, schemajudge
from workbench.engine.inclusion.normal import Piece, replace
from workbench.engine.model import Finding, Verdict
from workbench.history.cache import LRU, _sources
from workbench.textsafe import UNSAFE, terminal_safe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_contracts" / "payments-api.yaml"
BASE = yaml.safe_load((Path(__file__).parent / "cases" / "_base.yaml").read_text("utf-8"))

# --- what a command imports ---------------------------------------------------------------------

RUN = """
import json, sys
sys.argv = ["workbench", *sys.argv[2:]]
from workbench.cli import main
try:
    main()
except SystemExit:
    pass
with open(OUT, "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""


def _modules(tmp_path: Path, cwd: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    code = RUN.replace("OUT", repr(str(out)))
    subprocess.run(
        [sys.executable, "-c", code, "x", *args],
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "HOME": str(tmp_path),
        },
        capture_output=True,
        check=True,
    )
    return set(json.loads(out.read_text())) - _at_start_up()


@functools.cache
def _at_start_up() -> frozenset[str]:
    """What the interpreter imports before any command runs (site hooks of the environment
    may import modules such as ``tempfile``): not the command's doing."""
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(json.loads(done.stdout)) - {"__main__"}


def test_a_file_to_file_diff_imports_neither_git_nor_the_prover(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    (plain / "old.yaml").write_text(text, encoding="utf-8")
    (plain / "new.yaml").write_text(text.replace("lifetime: 15m", "lifetime: 10m", 1), "utf-8")
    modules = _modules(tmp_path, plain, "diff", "old.yaml", "new.yaml")
    assert "workbench.engine.rules" in modules  # it did judge
    for heavy in (
        "workbench.history.gitio",  # no repository around the files
        "subprocess",
        "workbench.engine.schemajudge",  # no schema changed
        "workbench.engine.inclusion",
        "jsonschema",  # the files are valid
        "deepdiff",
        "tempfile",  # no --output
        "dataclasses",  # the diff's value classes generate no code at import
        "inspect",  # (which would import ast, dis and tokenize)
        "hashlib",  # fingerprints use the builtin SHA-256, not OpenSSL's
    ):
        assert heavy not in modules, heavy


def test_a_warm_log_loads_no_rule_parser_or_validator(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("contracts/a.yaml", contract_text(version="1.0.0"))
    repo.commit("v1")
    repo.write("contracts/a.yaml", contract_text(version="1.1.0", lifetime="10m"))
    repo.commit("v2")
    cold = _modules(tmp_path, repo.root, "log", "contracts/a.yaml")
    assert "workbench.engine.rules" in cold  # judged once, cached on disk
    warm = _modules(tmp_path, repo.root, "log", "contracts/a.yaml")
    for heavy in (
        "yaml",
        "workbench.contract.loader",
        "workbench.engine.rules",
        "workbench.security.rules",
        "jsonschema",
        "tempfile",
    ):
        assert heavy not in warm, heavy


# --- bounded caches -------------------------------------------------------------------------------


def test_a_weighted_lru_keeps_its_budget_and_always_the_newest() -> None:
    lru: LRU[str, str] = LRU(10, weight=len, budget=10)
    lru.put("a", "x" * 4)
    lru.put("b", "x" * 4)
    lru.put("c", "x" * 4)  # 12 > 10: the least recently used goes
    assert "a" not in lru and lru.total == 8
    assert lru.get("b") is not None
    lru.put("d", "x" * 50)  # heavier than the budget: kept alone
    assert list(lru._data) == ["d"] and lru.total == 50
    lru.put("d", "x")  # a new value for a key replaces its weight
    assert lru.total == 1
    lru.clear()
    assert lru.total == 0 and len(lru) == 0


def test_browsing_a_long_history_keeps_few_parsed_revisions(tmp_path: Path) -> None:
    from workbench.history.repo import ContractRepo

    repo = Repo(tmp_path / "repo")
    for i in range(24):
        repo.write("contracts/a.yaml", contract_text(version=f"1.{i}.0"))
        repo.commit(f"v{i}")
    with ContractRepo.open(repo.root) as opened:
        for revision in opened.history("contracts/a.yaml"):
            opened.report(revision)
        judge = opened.judge
        assert 2 <= len(judge._contracts) <= 16
        assert judge._contracts.total <= 2_000_000


def test_the_code_fingerprint_leaves_byte_code_out(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "schema.json").write_text("{}")
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "pkg" / "b.pyc").write_bytes(b"\0")
    found: list[str] = []
    _sources(str(tmp_path / "pkg"), found)
    assert sorted(Path(f).name for f in found) == ["a.py", "schema.json"]


# --- pickling, copies, the gate ----------------------------------------------------------------


def test_findings_pickle_copy_and_replace_as_before() -> None:
    finding = Finding(
        "token.alg-removed",
        "breaking",
        "strengthens",
        ("issuer",),
        "tokens.access_token.signing_algorithms[HS256]",
        "gone",
        old="HS256",
        old_loc=Loc(64, 5, 64),
        witness={"instance": {"a": 1}, "valid": "old", "invalid": "new"},
    )
    for other in (pickle.loads(pickle.dumps(finding)), copy.copy(finding), copy.deepcopy(finding)):
        assert other == finding and other.old_loc == Loc(64, 5, 64)
    assert finding.replace(note="n").note == "n"
    verdict = Verdict("safe", "none", "none", True, "f", {"breaking": 0})
    assert pickle.loads(pickle.dumps(verdict)) == verdict


def test_piece_copies_match_dataclasses_replace() -> None:
    piece = Piece("number", integral=True, mults=(2,), notes=("n",))
    for changes in ({"int_only": True}, {"lo": 1, "lo_x": True}, {}, {"values": (1, 2)}):
        quick, slow = replace(piece, **changes), dataclasses.replace(piece, **changes)
        assert quick == slow and hash(quick) == hash(slow) and quick.notes == slow.notes
    with pytest.raises(TypeError):
        replace(piece, nonsense=1)


def test_the_gate_searches_ascii_text_for_exactly_the_ascii_unsafe_characters() -> None:
    for code in range(128):
        char = chr(code)
        text = f"ok {char} ok"
        expected = UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
        assert terminal_safe(text) == expected, code


# --- schema roots judged once per component pair ---------------------------------------------


def _contract(name: str, edit) -> object:
    data = copy.deepcopy(BASE)
    edit(data)
    return load_contract_text(yaml.safe_dump(data, sort_keys=False), name)


def _status_widened(data: dict) -> None:
    data["components"]["schemas"]["Item"]["properties"]["status"]["enum"].append("deleted")


def test_roots_referring_to_one_component_get_the_verdicts_each_would_get_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = _contract("old.yaml", lambda d: None), _contract("new.yaml", _status_widened)
    judges = []
    real = schemajudge.RootJudge

    def counted(*args, **kwargs):
        judges.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(schemajudge, "RootJudge", counted)
    shared = compare(old, new)
    once = len(judges)
    monkeypatch.setattr(schemadiff, "_ref_root_key", lambda *a: None)
    judges.clear()
    alone = compare(old, new)
    assert len(judges) > once  # both responses return Item: judged once, then twice
    assert [f.to_dict() for f in shared.findings] == [f.to_dict() for f in alone.findings]
    responses = [f for f in shared.findings if f.path.startswith("endpoints.")]
    assert len(responses) == 2 and responses[0].witness is not responses[1].witness
    assert responses[0].severity == responses[1].severity == "risky"


def test_the_builtin_sha256_gives_hashlibs_digests() -> None:
    import hashlib

    from workbench.contract.digest import sha256_hex

    for data in (b"", b"abc", "caf\u00e9\x1f".encode(), bytes(range(256)) * 300):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
