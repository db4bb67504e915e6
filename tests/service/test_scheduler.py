"""The adaptive scheduler: intervals from release cadence, jitter, quota plans, and its run."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PACKAGES, Service

from steward.service.scheduler import (
    Due,
    Scheduler,
    check_interval,
    jitter,
    next_check,
    plan,
)

NOW = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC)


def every(days: float, count: int, *, last: dt.datetime = NOW) -> list[dt.datetime]:
    return [last - dt.timedelta(days=days * i) for i in range(count)]


def test_a_weekly_releaser_is_checked_hourly() -> None:
    assert check_interval(every(7, 10), NOW) == dt.timedelta(hours=1)


def test_a_daily_releaser_is_checked_every_quarter_hour_at_most() -> None:
    assert check_interval(every(1, 10), NOW) == dt.timedelta(minutes=15)


def test_a_monthly_releaser_is_checked_every_few_hours() -> None:
    interval = check_interval(every(30, 10), NOW)
    assert dt.timedelta(hours=4) <= interval <= dt.timedelta(hours=5)


def test_a_dormant_upstream_is_checked_daily_or_less() -> None:
    two_years = every(30, 5, last=NOW - dt.timedelta(days=730))
    assert check_interval(every(30, 5, last=NOW - dt.timedelta(days=400)), NOW) >= dt.timedelta(
        days=1
    )
    assert check_interval(two_years, NOW) == dt.timedelta(days=2)
    assert check_interval(every(30, 5, last=NOW - dt.timedelta(days=5000)), NOW) == dt.timedelta(
        days=7
    )


def test_a_project_quiet_for_longer_than_its_cadence_slows_down() -> None:
    weekly_then_silent = every(7, 10, last=NOW - dt.timedelta(days=60))
    assert check_interval(weekly_then_silent, NOW) > dt.timedelta(hours=4)


def test_no_dated_release_means_daily() -> None:
    assert check_interval([], NOW) == dt.timedelta(days=1)
    assert check_interval([NOW - dt.timedelta(days=3)], NOW) == dt.timedelta(days=1)


def test_webhook_covered_upstreams_are_polled_only_as_a_slow_fallback() -> None:
    assert check_interval(every(7, 10), NOW, webhook_covered=True) == dt.timedelta(days=1)


def test_jitter_is_stable_per_upstream_and_bounded() -> None:
    hour = dt.timedelta(hours=1)
    offsets = {jitter(f"github:o/r{i}", hour) for i in range(200)}
    assert all(abs(o) <= hour * 0.1 for o in offsets)
    assert len(offsets) > 150  # upstreams spread out
    assert jitter("github:o/r1", hour) == jitter("github:o/r1", hour)


def test_next_check_is_now_for_a_never_checked_upstream() -> None:
    assert next_check("pypi:x", None, [], NOW) == NOW
    later = next_check("pypi:x", NOW, every(7, 10), NOW)
    assert dt.timedelta(minutes=54) <= later - NOW <= dt.timedelta(minutes=66)


def test_plan_spreads_each_backend_across_the_hour_within_its_budget() -> None:
    due = [
        Due(f"github:o/r{i}", "github", NOW - dt.timedelta(minutes=i), cost=2) for i in range(10)
    ]
    due += [Due(f"pypi:p{i}", "pypi", NOW) for i in range(3)]
    result = plan(due, {"github": 8}, NOW)
    github = [s for s in result.slots if s.backend == "github"]
    assert len(github) == 4  # 4 checks x 2 requests = the budget of 8
    # The longest-due go first, evenly spaced: 0, 15, 30, 45 minutes.
    assert [s.key for s in github] == [f"github:o/r{i}" for i in (9, 8, 7, 6)]
    assert [(s.at - NOW).total_seconds() / 60 for s in github] == [0, 15, 30, 45]
    assert {d.key for d in result.deferred} == {f"github:o/r{i}" for i in range(6)}
    assert [s.at for s in result.slots if s.backend == "pypi"] == [NOW] * 3


@pytest.mark.parametrize("budget", [0, 1])
def test_plan_defers_everything_that_does_not_fit(budget: int) -> None:
    result = plan([Due("github:o/r", "github", NOW, cost=2)], {"github": budget}, NOW)
    assert result.slots == () and len(result.deferred) == 1


def test_the_scheduler_queues_due_packages_of_the_running_service(service: Service) -> None:
    scheduler = Scheduler(service.state)
    assert scheduler.step(dt.datetime.now(dt.UTC)) == []  # everything was just checked
    service.state.note_hook("github", "acme/gh-release")
    in_two_days = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    queued = scheduler.step(in_two_days)
    # The forges released this year (checked daily at most); the PyPI projects' last
    # releases are from 2020 (dormant: checked weekly), so they are not due yet.
    forges = {name for name, (source, _, _) in PACKAGES.items() if source != "pypi"}
    assert set(queued) == forges
    assert service.state.idle(30)
    # Checked again just now: nothing is due half a day on; in eight days everything is.
    now = dt.datetime.now(dt.UTC)
    assert scheduler.step(now + dt.timedelta(hours=12)) == []
    assert set(scheduler.step(now + dt.timedelta(days=8))) == set(PACKAGES)
    assert service.state.idle(30)


def test_the_scheduler_keeps_a_backends_checks_within_its_quota(service: Service) -> None:
    config = service.state.config
    limited = config.model_copy(
        update={"service": config.service.model_copy(update={"quotas": {"github": 4}})}
    )
    service.state.config = limited
    try:
        scheduler = Scheduler(service.state)
        in_a_week = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
        queued = scheduler.step(in_a_week)
        github = [p for p in queued if PACKAGES[p][0] == "github"]
        assert len(github) == 1  # the first slot; the second waits half an hour
        assert service.state.idle(30)

        def github_at(minutes: int) -> list[str]:
            queued = scheduler.step(in_a_week + dt.timedelta(minutes=minutes))
            assert service.state.idle(30)
            return [p for p in queued if PACKAGES[p][0] == "github"]

        # Whatever becomes due meanwhile, the hour's budget of 4 requests (2 checks) holds.
        assert len(github_at(10)) == 0
        assert len(github_at(31)) == 1
        assert len(github_at(50)) == 0
        assert len(github_at(61)) == 1  # a new hour, a new budget
    finally:
        service.state.config = config
