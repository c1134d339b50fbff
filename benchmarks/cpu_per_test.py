"""A pytest plugin for ``benchmarks/tui_tests.py``: the CPU time of each test (setup, call and
teardown; every thread of the process, and the child processes it waited for, such as git),
written as JSON ``{test name: seconds}`` to the file named by ``WORKBENCH_CPU_PER_TEST``.

Loaded from outside the checkout under test (``-p cpu_per_test`` with this folder on
``PYTHONPATH``), so an older checkout is measured the same way without being changed.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

_SECONDS: dict[str, float] = {}


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = _cpu()
    yield
    _SECONDS[item.name] = _SECONDS.get(item.name, 0.0) + _cpu() - started


def pytest_sessionfinish(session) -> None:
    path = os.environ.get("WORKBENCH_CPU_PER_TEST")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(_SECONDS, out)
