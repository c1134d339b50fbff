"""The diff path's value classes (once dataclasses, now records or plain classes) keep what the
dataclasses gave: constructors, equality, hashing, repr, read-only fields, pickles, replace."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from dataclasses import FrozenInstanceError

import pytest

from workbench.contract.loc import Loc
from workbench.contract.model import Contract
from workbench.engine.ignore import IgnoreEntry
from workbench.engine.model import ContractSummary, DiffReport, Finding, Verdict
from workbench.security.model import DEFAULT_POLICY, Policy, SessionLimit


def test_loc() -> None:
    loc = Loc(3, 5, 7)
    assert (loc.line, loc.column, loc.end_line) == (3, 5, 7)
    assert loc == Loc(line=3, column=5, end_line=7) and loc != Loc(3, 5, 8) and loc != (3, 5, 7)
    assert hash(loc) == hash((3, 5, 7)) and len({loc, Loc(3, 5, 7)}) == 1
    assert repr(loc) == "Loc(line=3, column=5, end_line=7)"
    assert pickle.loads(pickle.dumps(loc)) == loc and copy.deepcopy(loc) == loc
    assert loc.__getstate__() == (3, 5, 7)
    with pytest.raises(FrozenInstanceError):
        loc.line = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        _ = loc < Loc(4, 1, 4)  # type: ignore[operator]  # no order, as the dataclass had none


def test_contract_compares_by_identity() -> None:
    one = Contract("a.yaml", "x: 1\n", {"x": 1}, {(): Loc(1, 1, 1)}, {})
    two = Contract(source="a.yaml", text="x: 1\n", data={"x": 1}, locs=one.locs, key_locs={})
    assert one != two and one == one and len({one, two}) == 2
    assert repr(one) == "Contract(source='a.yaml', text='x: 1\\n', data={'x': 1})"
    assert one.norm == {"x": 1} and "norm" in vars(one)  # the cached property still caches
    assert pickle.loads(pickle.dumps(one)).data == {"x": 1}


def test_finding_and_summary() -> None:
    f = Finding("r.x", "breaking", "neutral", ("clients",), "a.b", "gone", old=1)
    assert f.new is None and f.consumers == () and f.witness is None and f.bump == ""
    assert repr(f).startswith("Finding(rule='r.x', severity='breaking', security='neutral', ")
    assert f.replace(note="n") == Finding(
        "r.x", "breaking", "neutral", ("clients",), "a.b", "gone", old=1, note="n"
    )
    assert hash(f) == hash(copy.copy(f)) and pickle.loads(pickle.dumps(f)) == f
    s = ContractSummary("a.yaml", "a", "1.0.0")
    assert (s.title, s.kind) == ("", "contract") and s == ContractSummary("a.yaml", "a", "1.0.0")
    assert repr(s) == (
        "ContractSummary(source='a.yaml', contract='a', version='1.0.0', title='', kind='contract')"
    )
    assert s.replace(kind="openapi").shown_version == "1.0.0"
    with pytest.raises(FrozenInstanceError):
        s.version = "2"  # type: ignore[misc]


def test_diff_report() -> None:
    verdict = Verdict("none", "none", "none", True, "f")
    report = DiffReport(None, None, [], verdict)
    assert report.ignored == [] and report.security_findings == []
    assert report.ignored is not DiffReport(None, None, [], verdict).ignored  # a list each
    assert report == DiffReport(None, None, [], verdict, [], [])
    with pytest.raises(TypeError):
        hash(report)
    again = pickle.loads(pickle.dumps(report))
    assert again == report and again.replace(findings=[1]).findings == [1]


def test_policy_and_ignore_entry() -> None:
    assert Policy() == DEFAULT_POLICY and DEFAULT_POLICY.session_limits["aal2"] == SessionLimit(
        24 * 3600, 3600
    )
    assert Policy().max_lifetime is not Policy().max_lifetime  # a dict of its own each
    changed = DEFAULT_POLICY.replace(fail_on="medium", source="s")
    assert (changed.fail_on, changed.source, changed.min_rsa_bits) == ("medium", "s", 2048)
    assert repr(Policy()).startswith("Policy(fail_on='high', disabled_rules=frozenset(), ")
    assert pickle.loads(pickle.dumps(changed)) == changed
    entry = IgnoreEntry("accepted", rule="token.*", expires=dt.date(2030, 1, 1))
    assert entry.matches(
        Finding("token.alg-removed", "breaking", "neutral", (), "tokens.a", "gone")
    )
    assert entry == IgnoreEntry("accepted", rule="token.*", expires=dt.date(2030, 1, 1))
    assert "_rule_re" not in repr(entry) and repr(entry).startswith(
        "IgnoreEntry(reason='accepted', fingerprint=None, rule='token.*', "
    )
    assert entry.replace(path="a.*").matches(Finding("token.x", "safe", "neutral", (), "a.b", "m"))
