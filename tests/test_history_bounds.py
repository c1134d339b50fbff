"""A repository opened with small memory bounds (what the terminal UI asks for) keeps no more
than those bounds in memory, and gives the same answers as one opened with the defaults."""

from __future__ import annotations

import json
from pathlib import Path

from history_support import Repo, contract_text

from workbench.history.repo import BROWSER_BOUNDS, ContractRepo, MemoryBounds

PATH = "contracts/payments-api.yaml"
REVISIONS = 12


def _history(root: Path) -> Path:
    repo = Repo(root)
    for i in range(REVISIONS):
        algorithms = ("RS256",) if i % 3 else ("RS256", "ES256")
        text = contract_text(f"1.{i}.0", lifetime=f"{10 + i % 5}m", algorithms=algorithms)
        repo.commit(f"amend {i}", {PATH: text})
    return root


def _answers(repo: ContractRepo) -> list[str]:
    revisions = repo.history(PATH, limit=REVISIONS)
    assert len(revisions) == REVISIONS
    reports = [repo.report(r) for r in revisions]
    reports += [repo.report(r) for r in revisions]  # again: from memory, or judged again
    return [json.dumps(r.to_dict(), sort_keys=True, default=str) for r in reports]


def test_small_bounds_hold_little_and_change_no_answer(tmp_path: Path) -> None:
    root = _history(tmp_path / "repo")
    bounds = MemoryBounds(reports=2, parsed=2, blob_bytes=4096, pause_collector=False)
    with (
        ContractRepo.open(root, cache=False) as wide,
        ContractRepo.open(root, cache=False, bounds=bounds) as narrow,
    ):
        assert _answers(narrow) == _answers(wide)
        judge = narrow.judge
        assert len(judge._reports) <= 2
        assert len(judge._contracts) <= 2
        assert narrow._blobs._size <= 4096
        # the defaults keep every report judged here
        assert len(wide.judge._reports) == REVISIONS


def test_browser_bounds_are_smaller_than_the_defaults() -> None:
    defaults = MemoryBounds()
    assert BROWSER_BOUNDS.reports < defaults.reports
    assert BROWSER_BOUNDS.parsed < defaults.parsed
    assert BROWSER_BOUNDS.blob_bytes < defaults.blob_bytes


def test_a_bounded_schema_memo_keeps_few_answers_and_changes_none(tmp_path: Path) -> None:
    from workbench.contract import dialects

    root = _history(tmp_path / "repo")
    with ContractRepo.open(root, cache=False) as repo:
        wide = _answers(repo)
    size = dialects._MEMO_SIZE
    try:
        dialects.bound_memo(2)
        with ContractRepo.open(root, cache=False) as repo:
            assert _answers(repo) == wide
        assert all(len(generation) <= 2 for generation in dialects._memo)
    finally:
        dialects.bound_memo(size)
