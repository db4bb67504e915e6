"""The reviewer checklist: items whose condition holds are answered by the rules that decide
them; the rest are listed for the human."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewkit import OFFLINE, upgrade_pair

from steward.review import review_change
from steward.review.checklist import DEFAULT_CHECKLIST, load_checklist
from steward.review.reports import to_dict, to_markdown


def test_an_upgrade_answers_its_items_and_leaves_the_undecidable_to_the_human(
    tmp_path: Path,
) -> None:
    review = review_change(*upgrade_pair(tmp_path, release="2"), OFFLINE)

    answers = {a.id: a.answer for a in review.checklist}
    assert answers["version-forward"] == "no"  # Release not reset
    assert answers["new-files-are-sources"] == "yes"
    assert answers["compatibility"] == "human"  # not built
    assert "removal-no-users" not in answers and "license-confirmed" not in answers
    assert to_dict(review)["checklist"][0]["question"]
    assert "Reviewer checklist" in to_markdown(review)


def test_a_package_repository_may_keep_its_own_checklist(tmp_path: Path) -> None:
    before, after = upgrade_pair(tmp_path)
    (after / "review-checklist.yaml").write_text(
        "version: 1\nitems:\n  - id: sig-approved\n    when: version-change\n"
        "    question: Did the SIG maintainer approve the upgrade?\n"
    )

    review = review_change(before, after, OFFLINE)

    assert [(a.id, a.answer) for a in review.checklist] == [("sig-approved", "human")]


def test_the_default_checklist_loads_and_names_only_known_rules() -> None:
    from steward.review import all_rules

    items = load_checklist(DEFAULT_CHECKLIST.read_text(), "checklist.yaml")
    known = {r.id for r in all_rules()}
    assert items and all(set(i.answered_by) <= known for i in items)


def test_an_unknown_condition_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="unknown condition 'sometimes'"):
        load_checklist("items:\n  - when: sometimes\n", "x.yaml")
