"""Settings for the whole suite."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
from envneeds import ENVIRONMENT

# Parsed-tree caches go to a folder of the test session, never the user's cache directory.
os.environ.setdefault("STEWARD_CACHE_DIR", tempfile.mkdtemp(prefix="steward-test-cache-"))


@pytest.fixture
def anyio_backend() -> str:
    """The event loop of the async tests (pytest's anyio plugin): asyncio, which Steward uses."""
    return "asyncio"


#: ``STEWARD_STRICT_SKIPS=1``: a skip for want of something in the environment fails.
STRICT_SKIPS = os.environ.get("STEWARD_STRICT_SKIPS", "") not in ("", "0")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if not (STRICT_SKIPS and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: ") :]
    if reason.startswith(ENVIRONMENT):
        report.outcome = "failed"
        report.longrepr = f"STEWARD_STRICT_SKIPS is set, and this test was skipped: {reason}"
