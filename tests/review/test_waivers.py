"""Waivers in the package repository: scoped, dated, reported when expired, unused or added
by the change itself; waived results stay in the review, marked waived."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewkit import OFFLINE

from steward.config import ConfigError, parse_tree_config
from steward.review import State, Verdict, review_change

WAIVER = """[[review.waivers]]
check = "spec.release-reset"
reason = "the 1.1 tarball was re-spun upstream; release kept on purpose"
expires = {expires}
"""


def with_waiver(pair: tuple[Path, Path], text: str, *, also_before: bool = True) -> None:
    for side in pair if also_before else pair[1:]:
        (side / "steward.toml").write_text(text)


@pytest.fixture
def unreset(tmp_path: Path) -> tuple[Path, Path]:
    from reviewkit import upgrade_pair

    return upgrade_pair(tmp_path, release="2")


def test_a_live_waiver_marks_the_failure_waived_and_the_change_is_approved(
    unreset: tuple[Path, Path],
) -> None:
    with_waiver(unreset, WAIVER.format(expires="2099-01-01"))

    review = review_change(*unreset, OFFLINE)

    result = next(r for r in review.results if r.id == "spec.release-reset")
    assert result.state is State.FAIL and result.waived is not None
    assert "re-spun" in result.waived
    assert review.verdict is Verdict.APPROVE


def test_an_expired_waiver_waives_nothing_and_is_reported(unreset: tuple[Path, Path]) -> None:
    with_waiver(unreset, WAIVER.format(expires="2024-02-01"))

    review = review_change(*unreset, OFFLINE)

    assert next(r for r in review.results if r.id == "spec.release-reset").waived is None
    expired = [r for r in review.results if r.id == "waivers.expired" and r.failed]
    assert expired and "2024-02-01" in expired[0].message
    assert review.verdict is Verdict.COMMENT


def test_an_unused_waiver_is_reported(pair: tuple[Path, Path]) -> None:
    with_waiver(pair, WAIVER.format(expires="2099-01-01"))

    review = review_change(*pair, OFFLINE)

    assert any(r.id == "waivers.unused" and r.failed for r in review.results)


def test_a_waiver_the_change_adds_for_itself_needs_a_human(unreset: tuple[Path, Path]) -> None:
    with_waiver(unreset, WAIVER.format(expires="2099-01-01"), also_before=False)

    review = review_change(*unreset, OFFLINE)

    added = [r for r in review.results if r.id == "waivers.added"]
    assert added and added[0].state is State.UNDECIDED
    assert review.verdict is Verdict.COMMENT


def test_a_waiver_scoped_to_a_path_covers_only_that_file(pair: tuple[Path, Path]) -> None:
    after = pair[1]
    (after / "NOTES.txt").write_text("n\n")
    (after / "OTHER.txt").write_text("o\n")
    (after / "review.yaml").write_text(
        "waivers:\n  - check: files.unreferenced\n    path: NOTES.*\n"
        "    reason: notes\n    expires: 2099-01-01\n"
    )

    review = review_change(*pair, OFFLINE)

    unreferenced = {r.subject: r.waived for r in review.results if r.id == "files.unreferenced"}
    assert unreferenced["NOTES.txt"] is not None
    assert unreferenced["OTHER.txt"] is None


def test_a_broken_waiver_is_a_result_not_a_crash(pair: tuple[Path, Path]) -> None:
    with_waiver(pair, '[[review.waivers]]\ncheck = "spec.release-reset"\nexpires = 2099-01-01\n')

    review = review_change(*pair, OFFLINE)

    invalid = [r for r in review.results if r.id == "waivers.valid"]
    assert invalid and "reason" in invalid[0].message


def test_a_tree_steward_toml_may_hold_review_but_still_not_network(tmp_path: Path) -> None:
    assert parse_tree_config(WAIVER.format(expires="2099-01-01"), tmp_path / "steward.toml").review
    with pytest.raises(ConfigError, match="network"):
        parse_tree_config("[network]\nallow_private = true\n", tmp_path / "steward.toml")
