"""The checks' own rules on small inputs, and the review's promise that one broken check
never sinks a review."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewkit import OFFLINE, upgrade_pair

from steward.review import Severity, State, Verdict, review_change
from steward.review.checks import CHECK_MODULES, load_checks
from steward.review.checks.claims import claimed_versions
from steward.review.checks.license import to_spdx
from steward.review.checks.sources import classify_extra
from steward.review.classify import find_cves


def test_every_check_module_declares_unique_rule_ids_under_its_own_name() -> None:
    ids = []
    for name, check in zip(CHECK_MODULES, load_checks(), strict=True):
        assert check.RULES, name
        for rule in check.RULES:
            assert rule.id.startswith(f"{name}."), rule.id
            assert rule.help and rule.title
            ids.append(rule.id)
    assert len(ids) == len(set(ids))


def test_an_unknown_check_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown review check 'nope'"):
        load_checks(("nope",))


def test_a_check_that_raises_becomes_an_undecided_result_and_the_rest_still_run(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import steward.review.checks.license as license_check

    def broken(ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(license_check, "run", broken)

    review = review_change(*pair, OFFLINE)

    crashed = [r for r in review.results if r.id == "review.check-crashed"]
    assert len(crashed) == 1 and crashed[0].state is State.UNDECIDED
    assert "boom" in crashed[0].message and crashed[0].subject == "license"
    assert any(r.id == "dependencies.diff" for r in review.results)
    assert review.verdict is Verdict.COMMENT


@pytest.mark.parametrize(
    ("value", "spdx", "mapped"),
    [
        ("MIT", "MIT", []),
        ("GPLv2+", "GPL-2.0-or-later", ["GPLv2+"]),
        ("ASL 2.0 and MIT", "Apache-2.0 AND MIT", ["ASL 2.0"]),
        ("LGPLv2+ or GPLv3+", "LGPL-2.0-or-later OR GPL-3.0-or-later", ["LGPLv2+", "GPLv3+"]),
        ("MulanPSL-2.0", "MulanPSL-2.0", []),
    ],
)
def test_license_values_are_read_as_spdx_with_legacy_names_mapped(
    value: str, spdx: str, mapped: list[str]
) -> None:
    got, legacy, errors = to_spdx(value)
    assert (got, sorted(legacy), errors) == (spdx, sorted(mapped), [])


def test_an_unknown_license_is_not_valid_spdx() -> None:
    got, _, errors = to_spdx("MIT or Bogus-1")
    assert got is None and "Bogus-1" in errors[0]


def test_a_legacy_license_name_is_a_note_naming_the_spdx_spelling(tmp_path: Path) -> None:
    before, after = upgrade_pair(tmp_path)
    spec = after / "libdemo.spec"
    spec.write_text(spec.read_text().replace("License:        MIT", "License:        GPLv2+"))

    review = review_change(before, after, OFFLINE)

    spdx = next(r for r in review.results if r.id == "license.spdx")
    assert spdx.state is State.FAIL and spdx.severity is Severity.NOTE
    assert "GPL-2.0-or-later" in spdx.message
    changed = next(r for r in review.results if r.id == "license.changed")
    assert changed.state is State.UNDECIDED


@pytest.mark.parametrize(
    ("text", "versions"),
    [
        ("- Type:requirement ID:NA SUG:NA DESC:update to 2.4.1", ["2.4.1"]),
        ("Update libfoo to version v3.0", ["3.0"]),
        ("upgraded to 1.2~rc1 for the fix", ["1.2~rc1"]),
        ("fix the build", []),
    ],
)
def test_update_claims_name_their_version(text: str, versions: list[str]) -> None:
    assert claimed_versions(text) == versions


def test_cves_are_found_in_any_case_and_sorted() -> None:
    assert find_cves("fix cve-2024-12345, CVE-2023-0001 and CVE-2024-12345") == (
        "CVE-2023-0001",
        "CVE-2024-12345",
    )


@pytest.mark.parametrize(
    ("path", "data", "executable", "severity"),
    [
        ("configure", b"#!/bin/sh\n", True, Severity.NOTE),
        ("m4/libtool.m4", b"dnl\n", False, Severity.NOTE),
        ("build-aux/ltmain.sh", b"#!/bin/sh\n", True, Severity.NOTE),
        ("m4/build-to-host.m4", b"dnl evil\n", False, Severity.BLOCKER),
        ("tests/files/bad-3-corrupt_lzma2.xz", b"\xfd7zXZ\x00\x00", False, Severity.BLOCKER),
        ("src/helper.o", b"\x7fELF", False, Severity.BLOCKER),
        ("tools/run", b"echo hi\n", True, Severity.BLOCKER),
        ("docs/extra.txt", b"words\n", False, Severity.WARNING),
    ],
)
def test_files_only_in_the_tarball_are_judged_by_what_they_are(
    path: str, data: bytes, executable: bool, severity: Severity
) -> None:
    assert classify_extra(path, data, executable)[0] is severity


def test_without_a_tree_a_new_dependency_needs_a_human(tmp_path: Path) -> None:
    before, after = upgrade_pair(tmp_path)
    spec = after / "libdemo.spec"
    spec.write_text(spec.read_text().replace("BuildRequires:  gcc make", "BuildRequires:  gcc make zlib-devel"))

    review = review_change(before, after, OFFLINE)

    provided = [r for r in review.results if r.id == "dependencies.provided"]
    assert [(r.subject, r.state) for r in provided] == [("zlib-devel", State.UNDECIDED)]
    diff = next(r for r in review.results if r.id == "dependencies.diff")
    assert "BuildRequires added: zlib-devel" in diff.message


def test_offline_the_source_checks_say_not_applicable_rather_than_guess(
    pair: tuple[Path, Path],
) -> None:
    review = review_change(*pair, OFFLINE)

    states = {r.id: r.state for r in review.results if r.check == "sources"}
    assert states == {
        "sources.upstream-digest": State.NOT_APPLICABLE,
        "sources.signature": State.NOT_APPLICABLE,  # no keyring in the folder
        "sources.tree-vs-tag": State.NOT_APPLICABLE,
    }


def test_a_review_needs_at_least_one_side() -> None:
    with pytest.raises(ValueError, match="at least one side"):
        review_change(None, None)
