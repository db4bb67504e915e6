"""Settings for the whole suite."""

from __future__ import annotations

import os
import tempfile

# Parsed-tree caches go to a folder of the test session, never the user's cache directory.
os.environ.setdefault("STEWARD_CACHE_DIR", tempfile.mkdtemp(prefix="steward-test-cache-"))
