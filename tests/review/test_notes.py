"""Upstream release notes between the two versions, security fixes and breaking changes
quoted with file and line."""

from __future__ import annotations

from pathlib import Path

from review_cases.cases import entry, set_changelog, write_tarball
from reviewkit import OFFLINE
from upgrade.buildkit import make_package, upstream_files

from steward.review import State, review_change
from steward.review.checks.notes import notes_between

NEWS = """\
libdemo 1.1 (2024-02-01)
* Fix CVE-2024-1111: demo_scale overflowed on large inputs.
* demo_add() is deprecated; use demo_sum().
* Faster builds.

libdemo 1.0 (2024-01-01)
* First release, fixes nothing.
"""


def test_notes_between_takes_the_new_versions_section_down_to_the_old_one() -> None:
    first, lines = notes_between(NEWS, "1.0", "1.1") or (0, [])
    assert first == 1 and lines[-1] == "" and len(lines) == 5
    assert notes_between(NEWS, "1.0", "1.2") is None
    assert notes_between("libdemo 1.10 released\n", "1.0", "1.1") is None


def test_an_upgrade_quotes_the_security_fixes_and_breaking_changes_of_its_notes(
    tmp_path: Path,
) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.1", with_tarball=False)
    files = {**upstream_files("libdemo", "1.1"), "NEWS": NEWS}
    write_tarball(after.parent / "libdemo-1.1.tar.gz", "libdemo-1.1", files)
    set_changelog(after, [entry("Thu Feb 01 2024", "1.1-1", "update to 1.1")], before)

    review = review_change(before.parent, after.parent, OFFLINE)

    by_id = {r.id: r for r in review.results if r.check == "notes"}
    assert by_id["notes.release-notes"].state is State.PASS
    security = by_id["notes.security"]
    assert [(e.file, e.line) for e in security.evidence] == [("NEWS", 2)]
    breaking = by_id["notes.breaking"]
    assert breaking.state is State.UNDECIDED and breaking.evidence[0].line == 3
    assert "First release" not in "".join(e.value or "" for e in security.evidence)
