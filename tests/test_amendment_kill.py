"""No answer is lost when the process dies: SIGKILL right after an answer, and at random moments
in the middle of a stream of answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_amendment_support import CONTRACT_PATH, git_env, orders_repo, workbench

from workbench.amendment.record import load_record

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

RECORD = "amendments/orders-api/2.0.0.yaml"

DRIVER = textwrap.dedent(
    """
    import sys, time
    from workbench.amendment.session import AmendmentSession

    root, mode = sys.argv[1], sys.argv[2]
    s = AmendmentSession.open("contracts/orders/orders-api.yaml", repo=root)
    issuer = next(f for f in s.report.findings if f.rule == "idp.issuer-changed")
    overlap = next(f for f in s.report.security_findings if f.rule == "regression.rotation-overlap")
    if mode == "once":
        s.accept(issuer.fingerprint, "answer before the kill")
        print("saved", flush=True)
        time.sleep(60)
    else:
        i = 0
        while True:
            target = issuer if i % 2 == 0 else overlap
            s.accept(target.fingerprint, f"answer number {i}")
            print(i, flush=True)
            i += 1
    """
)


def _start(tmp_path: Path, root: Path, mode: str) -> subprocess.Popen:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    return subprocess.Popen(
        [sys.executable, str(driver), str(root), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=git_env(),
    )


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "amendments").rglob("*") if p.name.endswith(".tmp"))


@pytest.fixture
def repo(tmp_path: Path):
    repo = orders_repo(tmp_path / "repo")
    repo.edit(CONTRACT_PATH, "issuer: https://login.example.com", "issuer: https://id.example.com")
    return repo


def test_sigkill_right_after_an_answer_loses_nothing(tmp_path: Path, repo) -> None:
    proc = _start(tmp_path, repo.root, "once")
    try:
        line = proc.stdout.readline()
        assert line.strip() == "saved", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    record = load_record(repo.root / RECORD)
    [acc] = record.step("compatibility").accepted
    assert acc.reason == "answer before the kill" and acc.rule == "idp.issuer-changed"
    assert _leftovers(repo.root) == []
    # the command line sees the answer too
    status = workbench("amend", "status", "--all", cwd=repo.root)
    assert "accepted by Ada Author <ada@example.com>: answer before the kill" in status.stdout


def test_sigkill_in_the_middle_of_a_stream_of_answers(tmp_path: Path, repo) -> None:
    for round_ in range(2):
        proc = _start(tmp_path, repo.root, "loop")
        seen = -1
        try:
            deadline = time.monotonic() + 30
            while seen < 3 + round_ * 2 and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                seen = int(line)
            assert seen >= 0, proc.stderr.read()
            os.kill(proc.pid, signal.SIGKILL)  # somewhere inside the next answer
        finally:
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()
        record = load_record(repo.root / RECORD)  # never torn: parses and validates
        reasons = {
            a.rule: int(a.reason.split()[-1])
            for step in ("compatibility", "security_review")
            for a in record.step(step).accepted
        }
        # every answer reported as saved is there (or a later one replaced it)
        last_issuer = seen if seen % 2 == 0 else seen - 1
        assert reasons["idp.issuer-changed"] >= last_issuer
        if seen >= 1:
            last_overlap = seen if seen % 2 == 1 else seen - 1
            assert reasons["regression.rotation-overlap"] >= last_overlap
    # the next answer cleans up whatever a killed writer left behind
    result = workbench("amend", "summary", "after the crashes", cwd=repo.root)
    assert result.returncode == 0, result.stderr
    assert _leftovers(repo.root) == []
    assert load_record(repo.root / RECORD).summary == "after the crashes"
