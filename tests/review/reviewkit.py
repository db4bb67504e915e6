"""Builders the review tests share: a before/after pair of small packages, offline options."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from review_cases.cases import entry, set_changelog
from upgrade.buildkit import make_package

from steward.review import ReviewOptions

TODAY = _dt.date(2024, 3, 1)
OFFLINE = ReviewOptions(today=TODAY)


def upgrade_pair(root: Path, *, release: str = "1", name: str = "libdemo") -> tuple[Path, Path]:
    """``root/before/<name>`` at 1.0 and ``root/after/<name>`` at 1.1 with a changelog entry."""
    before = make_package(root / "before" / name, name, "1.0")
    after = make_package(root / "after" / name, name, "1.1", release=release)
    set_changelog(after, [entry("Thu Feb 01 2024", f"1.1-{release}", "update to 1.1")], before)
    return before.parent, after.parent
