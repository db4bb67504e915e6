"""Rules tuned on real src-openeuler commits (benchmarks/review_corpus.py): what maintainers
merge every day must not read as a problem, and what rpm itself rejects must."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from review_cases.cases import entry, fix_patch, set_changelog, write_tarball
from reviewkit import OFFLINE
from upgrade.buildkit import make_package, upstream_files

from steward.review import Severity, State, review_change
from steward.workflows.review import review_git_range


def test_a_patch_that_only_moved_by_an_offset_is_a_note_not_a_warning(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "greeter", "greeter", "1.0", variant="program")
    after = make_package(tmp_path / "a" / "greeter", "greeter", "1.1", variant="program",
                         patches=["local-repeat.patch"])
    set_changelog(after, [entry("Thu Feb 01 2024", "1.1-1",
                                "update to 1.1, drop fix-greeting.patch")], before)

    review = review_change(before.parent, after.parent, OFFLINE)

    applied = next(r for r in review.results if r.id == "patches.apply")
    assert applied.state is State.FAIL and applied.severity is Severity.NOTE
    assert "offset" in applied.message


def test_a_backport_naming_its_upstream_commit_but_no_bug_is_only_a_note(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    header = ("From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"
              "Subject: [PATCH] psx: free allocated memory at exit\n\n---\n")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.0", release="2",
                         patches={"backport-free-memory.patch": fix_patch("libdemo", None, header)})
    set_changelog(after, [entry("Thu Feb 01 2024", "1.0-2", "backport upstream fix")], before)

    review = review_change(before.parent, after.parent, OFFLINE)

    backport = next(r for r in review.results if r.id == "patches.backport-id")
    assert backport.state is State.FAIL and backport.severity is Severity.NOTE


def test_a_copyright_year_bump_in_license_is_not_a_license_change(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.1", with_tarball=False)
    files = dict(upstream_files("libdemo", "1.1"))
    files["LICENSE"] = files["LICENSE"].replace("2024", "2024-2025")
    write_tarball(after.parent / "libdemo-1.1.tar.gz", "libdemo-1.1", files)
    set_changelog(after, [entry("Thu Feb 01 2024", "1.1-1", "update to 1.1")], before)

    review = review_change(before.parent, after.parent, OFFLINE)

    text = next(r for r in review.results if r.id == "license.upstream-text")
    assert text.state is State.PASS, text.message


def test_a_range_whose_base_folder_has_no_spec_yet_is_a_new_package(tmp_path: Path) -> None:
    repo = tmp_path / "libdemo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(repo)}

    def git(*argv: str) -> None:
        subprocess.run(["git", *argv], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "master")
    (repo / "README.md").write_text("libdemo package\n")  # src-openeuler repos start so
    git("add", "-A")
    git("commit", "-qm", "Initial commit")
    make_package(repo, "libdemo", "1.0")
    git("add", "-A")
    git("commit", "-qm", "package init")

    review = review_git_range(repo, "HEAD~1..HEAD", OFFLINE)

    assert review.classification.kind.value == "new-package"


def test_a_patch_named_only_in_an_inactive_ifarch_branch_is_referenced(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.0", release="2")
    text = after.read_text().replace(
        "BuildRequires:", "%ifarch s390x\nPatch9: s390-only.patch\n%endif\nBuildRequires:", 1
    )
    after.write_text(text)
    (after.parent / "s390-only.patch").write_text("--- a/x\n+++ b/x\n")
    set_changelog(after, [entry("Thu Feb 01 2024", "1.0-2", "add the s390 patch")], before)

    review = review_change(before.parent, after.parent, OFFLINE)

    unreferenced = [r for r in review.results if r.id == "files.unreferenced" and r.failed]
    assert not unreferenced, unreferenced


def test_a_cve_claimed_for_a_new_version_without_advisory_data_needs_a_human(
    tmp_path: Path,
) -> None:
    from reviewkit import upgrade_pair

    before, after = upgrade_pair(tmp_path)
    spec = after / "libdemo.spec"
    spec.write_text(spec.read_text().replace("DESC:update to 1.1", "DESC:update to 1.1 for CVE-2018-25032"))

    review = review_change(before, after, OFFLINE)

    cve = next(r for r in review.results if r.id == "claims.cve-fixed")
    assert cve.state is State.UNDECIDED and cve.subject == "CVE-2018-25032"


def test_fixing_a_typo_in_an_old_changelog_entry_needs_no_release_bump(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.0")
    after.write_text(after.read_text().replace("DESC:package libdemo", "DESC:packaged libdemo"))

    review = review_change(before.parent, after.parent, OFFLINE)

    states = {r.id: r.state for r in review.results}
    assert states["spec.evr-forward"] is State.NOT_APPLICABLE
    assert states["spec.changelog-entry"] is State.NOT_APPLICABLE


def test_a_build_change_without_a_release_bump_is_still_a_blocker(tmp_path: Path) -> None:
    before = make_package(tmp_path / "b" / "libdemo", "libdemo", "1.0")
    after = make_package(tmp_path / "a" / "libdemo", "libdemo", "1.0", build_requires=["gcc"])

    review = review_change(before.parent, after.parent, OFFLINE)

    assert "spec.evr-forward" in {r.id for r in review.blockers}
