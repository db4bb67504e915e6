"""Every metric on the example tree with git histories, against hand-computed values.

Inputs: tests/health/distrofixture.py (histories, stored releases, sig-info.yaml), seen at
NOW = 2026-06-30. Day counts in the comments are calendar arithmetic on those dates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.distro import load_tree
from steward.health.ownership import load_ownership
from steward.health.status import StatusRules
from steward.health.summary import DistroHealth, PackageHealth
from steward.store import Store
from steward.workflows.health import HealthOptions, dependency_graph, run_health

from .distrofixture import NOW, day

YEAR = 365.25


@pytest.fixture(scope="module")
def report(health_tree: Path, health_store: Store) -> DistroHealth:
    options = HealthOptions(
        ownership=load_ownership(health_tree.parent / "sig-info.yaml"),
        now=NOW,
        rules=StatusRules(warning_dependents=2),
    )
    return run_health(load_tree(health_tree), store=health_store, options=options)


def _package(report: DistroHealth, name: str) -> PackageHealth:
    return next(p for p in report.packages if p.name == name)


def test_reverse_dependencies_come_from_buildrequires_requires_and_provides(
    health_tree: Path,
) -> None:
    graph = dependency_graph(load_tree(health_tree))
    # app-a: BuildRequires jansson-devel (a jansson subpackage), libzstd-devel (zstd Provides)
    # app-b: BuildRequires jansson-devel >= 2.0, Requires python3-idna (python-idna subpackage)
    # python-requests: BuildRequires and Requires python3-idna
    assert graph.dependents("jansson") == {"app-a", "app-b"}
    assert graph.dependents("zstd") == {"app-a"}
    assert graph.dependents("python-idna") == {"app-b", "python-requests"}
    assert graph.dependents("expat") == frozenset()


def test_technical_lag_counts_versions_days_and_libyears(report: DistroHealth) -> None:
    lag = _package(report, "jansson").lag
    assert lag is not None
    # 2.13.1 packaged; newer stable: 2.14 and 3.0 (3.1rc1 is a pre-release)
    assert (lag.versions_behind, lag.versions_behind_same_major) == (2, 1)
    assert (lag.newest, lag.newest_same_major) == ("3.0", "2.14")
    assert lag.days_behind == 90  # 2026-04-01 (3.0) -> 2026-06-30
    assert lag.libyears == pytest.approx(212 / YEAR)  # 2025-09-01 (2.13.1) -> 2026-04-01


def test_technical_lag_reads_a_macro_defined_version(report: DistroHealth) -> None:
    lag = _package(report, "expat").lag  # Version: %{upstream_version}, 2.2.8
    assert lag is not None and lag.current == "2.2.8"
    assert (lag.versions_behind, lag.versions_behind_same_major) == (3, 3)
    assert lag.days_behind == 460  # 2025-03-27 -> 2026-06-30
    assert lag.libyears == pytest.approx(2022 / YEAR)  # 2019-09-13 -> 2025-03-27


def test_current_package_has_no_lag_and_unchecked_package_none(report: DistroHealth) -> None:
    zstd = _package(report, "zstd").lag
    assert zstd is not None and (zstd.versions_behind, zstd.days_behind, zstd.libyears) == (0, 0, 0)
    assert _package(report, "python-requests").lag is None


def test_distribution_aggregates_are_named_and_weighted_by_reverse_dependencies(
    report: DistroHealth,
) -> None:
    jansson, expat, idna = 212 / YEAR, 2022 / YEAR, 1902 / YEAR
    dist = report.distribution
    assert dist.value("libyears", "sum") == pytest.approx(jansson + expat + idna)
    assert dist.value("libyears", "median") == pytest.approx((jansson + idna) / 2)
    # weights 1 + dependents: jansson 3, expat 1, python-idna 3, zstd 2 (libyears 0)
    weighted = (3 * jansson + expat + 3 * idna) / 9
    assert dist.value("libyears", "weighted") == pytest.approx(weighted)
    assert dist.value("days_behind", "sum") == 90 + 460 + 288
    assert dist.value("versions_behind", "sum") == 2 + 3 + 2


def test_per_sig_summary_follows_sig_info(report: DistroHealth) -> None:
    sigs = {s.name: s for s in report.sigs}
    assert set(sigs) == {"Base-service", "Application", "(no SIG)"}
    assert sigs["Base-service"].packages == 4
    assert sigs["Application"].statuses["no-maintainer"] == 1  # app-a: nobody named
    assert sigs["(no SIG)"].packages == 1  # python-requests


def test_maintenance_from_git_history(report: DistroHealth) -> None:
    m = _package(report, "jansson").maintenance
    assert m is not None
    # since 2025-06-30: 08-01 alice, 10-01 alice, 01-15 carol, 03-01 alice, 06-20 bob
    # (Alice@Example.org is alice: e-mail addresses compare in lower case)
    assert (m.commits_last_year, m.contributors_last_year) == (5, 3)
    assert m.contributor_absence_factor == 1  # alice made 3 of 5
    assert m.days_since_last_change == 10  # 2026-06-20
    # 2.12 -> 2.13 on 2024-09-01, 31 days after 2024-08-01;
    # 2.13 -> 2.13.1 on 2025-10-01, 30 days after 2025-09-01
    assert [(u.from_version, u.to_version, u.days_after_release) for u in m.upgrades] == [
        ("2.12", "2.13", 31),
        ("2.13", "2.13.1", 30),
    ]
    assert m.upgrade_cadence_days == 30.5


def test_upstream_health_counts_recent_stable_releases(report: DistroHealth) -> None:
    up = _package(report, "jansson").upstream
    assert up is not None
    assert up.releases_last_year == 3  # 2.13.1, 2.14, 3.0 (3.1rc1 is a pre-release)
    assert up.days_since_last_release == 90
    assert _package(report, "zstd").upstream.days_since_last_release == 2230  # type: ignore[union-attr]


def test_status_classes_with_reasons(report: DistroHealth) -> None:
    status = {p.name: p.verdict.status.value for p in report.packages}
    assert status == {
        "app-a": "no-maintainer",  # its repository group names no committer, SIG no maintainer
        "python-requests": "no-maintainer",  # no SIG lists it
        "expat": "dormant",  # last change 2024-03-01
        "python-idna": "dormant",  # last change 2024-02-01
        "zstd": "active",  # 6 commits in a year, newest version
        "jansson": "healthy",  # 5 commits, 2 releases behind
        "app-b": "healthy",
    }
    assert _package(report, "expat").verdict.reasons == ("last change 851 days ago (> 365)",)


def test_early_warning_names_dormant_packages_with_moving_upstream_and_dependents(
    report: DistroHealth,
) -> None:
    # python-idna: dormant, upstream released 3.10 in 2025-09, two dependents;
    # expat is dormant and behind too but nothing depends on it.
    assert report.early_warnings == ("python-idna",)


def test_lag_over_time_sums_the_libyears_packaged_at_each_quarter(report: DistroHealth) -> None:
    series = _package(report, "jansson").lag_history
    points = dict(series)
    assert points["2024-09-30"] == 0  # 2.13 packaged 2024-09-01, newest then
    assert points["2026-03-31"] == pytest.approx(153 / YEAR)  # 2.14 of 2026-02-01 out
    assert [d for d, _ in report.lag_over_time][-1] == NOW.date().isoformat()


def test_package_without_git_history_reports_the_error_and_keeps_other_metrics(
    tmp_path: Path, health_store: Store
) -> None:
    import shutil

    from .distrofixture import EXAMPLES

    shutil.copytree(EXAMPLES / "hello", tmp_path / "hello")
    report = run_health(load_tree(tmp_path), options=HealthOptions(now=day("2026-06-30")))
    hello = report.packages[0]
    assert hello.maintenance is None and hello.verdict.status.value == "dormant"
    assert hello.errors and "not in a git repository" in hello.errors[0]
