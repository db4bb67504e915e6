"""The pure pieces of steward.health on small hand-made values."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.health.graph import DependencyGraph, PackageDeps, capability_name
from steward.health.history import HistoryError, read_changes
from steward.health.lag import UpstreamRelease, aggregate, technical_lag
from steward.health.maintenance import Change, contributor_absence_factor, maintenance
from steward.health.ownership import OwnershipError, load_ownership
from steward.health.status import classify

from .distrofixture import NOW, SIG_INFO, day


def test_capability_names_drop_versions_and_split_rich_dependencies() -> None:
    assert capability_name("pkgconfig(libzstd) >= 1.4") == ("pkgconfig(libzstd)",)
    assert capability_name("(foo >= 2 with foo < 3)") == ("foo", "foo")
    assert capability_name("/usr/bin/python3") == ()


def test_graph_ignores_self_dependencies_and_lists_unresolved() -> None:
    graph = DependencyGraph.build([
        PackageDeps("lib", binaries=("lib", "lib-devel")),
        PackageDeps("app", build_requires=("lib-devel", "missing-devel"), requires=("app",)),
    ])  # fmt: skip
    assert graph.dependents("lib") == {"app"} and graph.dependents("app") == frozenset()
    assert graph.unresolved == {"app": ("missing-devel",)}
    assert graph.weights() == {"lib": 2.0, "app": 1.0}


def test_lag_with_an_undated_packaged_release_has_no_libyears() -> None:
    releases = [UpstreamRelease("1.0"), UpstreamRelease("1.1", day("2026-06-20"))]
    lag = technical_lag("1.0", releases, now=NOW)
    assert (lag.versions_behind, lag.days_behind, lag.libyears) == (1, 10, None)


def test_lag_counts_a_version_newer_than_upstream_as_current() -> None:
    lag = technical_lag("2.0", [UpstreamRelease("1.0", day("2020-01-01"))], now=NOW)
    assert (lag.versions_behind, lag.days_behind, lag.libyears) == (0, 0, 0.0)


def test_aggregate_leaves_unknown_values_out_and_refuses_unknown_methods() -> None:
    result = aggregate("libyears", {"a": 2.0, "b": None, "c": 4.0}, "mean")
    assert (result.value, result.count) == (3.0, 2)
    assert aggregate("libyears", {"a": None}, "sum").value is None
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate("libyears", {"a": 1.0}, "max")  # type: ignore[arg-type]


def test_absence_factor_breaks_ties_by_counting_the_half() -> None:
    assert contributor_absence_factor(["a", "a", "b", "b", "c"]) == 2  # 2 of 5 < half


def test_maintenance_of_an_empty_history() -> None:
    result = maintenance([], now=NOW)
    assert (result.commits_last_year, result.days_since_last_change) == (0, None)
    assert classify(people=None, lag=None, maintenance=result, review=None).reasons == (
        "no git history",
    )


def test_upgrade_before_the_upstream_date_counts_as_zero_days() -> None:
    changes = [
        Change("a", "x", day("2026-01-01"), "1.0"),
        Change("b", "x", day("2026-02-01"), "2.0"),
    ]
    result = maintenance(changes, now=NOW, release_dates={"2.0": day("2026-03-01")})
    assert [u.days_after_release for u in result.upgrades] == [0]


def test_ownership_folder_is_searched_for_sig_info_files(tmp_path: Path) -> None:
    first, second = SIG_INFO.split("---\n")
    (tmp_path / "sig" / "Base-service").mkdir(parents=True)
    (tmp_path / "sig" / "Base-service" / "sig-info.yaml").write_text(first)
    (tmp_path / "sig" / "Application").mkdir()
    (tmp_path / "sig" / "Application" / "sig-info.yaml").write_text(second)
    ownership = load_ownership(tmp_path / "sig")
    assert ownership.sig_of("jansson") == "Base-service"
    assert ownership.people_of("jansson") == ("alice", "bob")
    assert ownership.people_of("app-b") == ("erin",) and ownership.people_of("app-a") == ()
    assert ownership.sig_of("nothing") is None


def test_broken_ownership_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "sig-info.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(OwnershipError, match=r"sig-info\.yaml: cannot read"):
        load_ownership(bad)
    with pytest.raises(OwnershipError, match=r"no sig-info\.yaml"):
        (tmp_path / "empty").mkdir()
        load_ownership(tmp_path / "empty")


def test_history_of_an_empty_repository_is_a_clear_error(tmp_path: Path) -> None:
    import pygit2

    pygit2.init_repository(str(tmp_path / "pkg"))
    with pytest.raises(HistoryError, match="no commits"):
        read_changes(tmp_path / "pkg")


def test_histories_read_by_worker_processes_match_one_process(health_tree: Path) -> None:
    from steward.health.history import read_histories

    items = [(folder, None) for folder in sorted(health_tree.iterdir()) if folder.is_dir()]
    alone = read_histories(items, jobs=1)
    pooled = read_histories(items, jobs=2)
    assert pooled == alone and [len(c) for c in alone if isinstance(c, list)][:2] == [1, 1]


def test_package_folder_inside_a_larger_repository_counts_only_its_own_commits(
    tmp_path: Path,
) -> None:
    import pygit2

    repo = pygit2.init_repository(str(tmp_path), initial_head="main")
    parents: list[pygit2.Oid] = []
    for number, (folder, version) in enumerate(
        [("a", "1.0"), ("b", "5"), ("a", "1.1"), ("b", "6")]
    ):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / f"{folder}.spec").write_text(f"Name: {folder}\nVersion: {version}\n")
        repo.index.add_all()
        repo.index.write()
        sig = pygit2.Signature("x", f"x{number}@example.org", 1_700_000_000 + number * 86400, 0)
        parents = [repo.create_commit("HEAD", sig, sig, "c", repo.index.write_tree(), parents)]
    changes = read_changes(tmp_path / "a")
    assert [(c.author, c.version) for c in changes] == [
        ("x2@example.org", "1.1"),
        ("x0@example.org", "1.0"),
    ]
