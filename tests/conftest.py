"""Settings for the whole suite."""

from __future__ import annotations

import os
import tempfile

import pytest

# Parsed-tree caches go to a folder of the test session, never the user's cache directory.
os.environ.setdefault("STEWARD_CACHE_DIR", tempfile.mkdtemp(prefix="steward-test-cache-"))


@pytest.fixture
def anyio_backend() -> str:
    """The event loop of the async tests (pytest's anyio plugin): asyncio, which Steward uses."""
    return "asyncio"
