"""The review quality set: every seeded defect is found, no clean change gets a blocker, and
every change is classified as what it is (see cases.py for the changes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream
from review_cases.cases import CASES, Case, Env

from steward.review import Verdict, review_change

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with FakeUpstream() as server:
        yield Env(server, tmp_path_factory.mktemp("review-cases"))


def test_the_quality_set_has_forty_changes_with_clean_ones_of_every_class() -> None:
    assert len(CASES) >= 40
    assert {c.kind for c in CASES if c.clean} >= {c.kind for c in CASES}
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_review_finds_the_seeded_defect_and_passes_clean_changes(
    case: Case, env: Env, tmp_path: Path
) -> None:
    inputs = case.build(env, tmp_path)

    review = review_change(inputs.before, inputs.after, inputs.options)

    assert review.classification.kind is case.kind, review.classification
    crashed = [r.message for r in review.results if r.id == "review.check-crashed"]
    assert not crashed
    if case.clean:
        assert review.verdict is not Verdict.REQUEST_CHANGES, [
            (r.id, r.message) for r in review.blockers
        ]
    else:
        failed = {r.id for r in review.results if r.failed}
        assert case.expect in failed, sorted(failed)
