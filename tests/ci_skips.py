"""Under CI (``CI=true``) a skipped test fails the run: a missing tool or package is a missing
install step, not a reason to pass. A skip that depends on the platform rather than on an install
is declared with ``@pytest.mark.may_skip`` and stays a skip.

Loaded by tests/conftest.py (``pytest_plugins``); ``pytest -p tests.ci_skips`` loads it alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

CI_MESSAGE = "CI=true: a skipped test fails the run (install what it needs: make install / make browser)"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2])
    return str(longrepr)


def _fail(report: pytest.CollectReport | pytest.TestReport) -> None:
    report.longrepr = f"{CI_MESSAGE}. {_reason(report)}"
    report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    """A module skipped at import (``pytest.skip(allow_module_level=True)``, ``importorskip``)."""
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if under_ci() and report.skipped:
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if (
        under_ci()
        and report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("may_skip") is None
    ):
        _fail(report)
