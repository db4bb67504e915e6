"""Fixtures of the review tests (the builders are in reviewkit.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewkit import upgrade_pair


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return upgrade_pair(tmp_path)
