"""The store keeps checks, upstream releases, runs and HTTP responses between runs.

:class:`StoreContract` holds the round-trip behaviour every backend must have; it runs here
against SQLite and in ``test_postgres.py`` against PostgreSQL. The rest of this file is
SQLite and process specific: where the default database lives, pragmas, schema upgrades,
interrupting a writer with SIGKILL, and the speed of a 10,000-package batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from steward.store import CheckRecord, Store, StoreError, database_url
from steward.store.db import DB_ENV, SCHEMA_REVISION, alembic_config
from steward.store.models import Base
from steward.upstream.recommend import Status, recommend_version
from steward.upstream.sources.base import Upstream
from steward.upstream.state import unpack_state
from steward.upstream.versions import Release

UTC = dt.UTC
TREE = "/srv/distro"
CURL = Upstream("github", "curl/curl", origin="metadata")


def day(n: int) -> dt.datetime:
    return dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(days=n)


def releases(*versions: str, dated: bool = True) -> list[Release]:
    return [
        Release(f"v{version}", version, day(index) if dated else None, f"https://x/{version}")
        for index, version in enumerate(versions)
    ]


def checked(
    package: str,
    current: str,
    listed: list[Release],
    *,
    upstream: Upstream = CURL,
    tree: str = TREE,
    at: dt.datetime | None = None,
) -> CheckRecord:
    """A successful check of ``package`` at ``current`` against ``listed``."""
    return CheckRecord(
        tree=tree,
        package=package,
        upstream=upstream,
        current_version=current,
        releases=listed,
        recommendation=recommend_version(current, listed),
        checked_at=at or dt.datetime.now(UTC),
    )


def failed(
    package: str, current: str, *, upstream: Upstream | None = CURL, tree: str = TREE
) -> CheckRecord:
    return CheckRecord(
        tree=tree,
        package=package,
        upstream=upstream,
        current_version=current,
        error_code="http-status",
        error_message="HTTP 503 from https://api.github.com/repos/curl/curl/releases",
    )


class StoreContract:
    """Behaviour every backend of the store must show; subclasses provide ``store``."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:  # pragma: no cover - always overridden
        raise NotImplementedError
        yield

    def test_a_check_is_stored_as_the_packages_latest_check(self, store: Store) -> None:
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0", "8.5.0"))])

        (row,) = store.latest_checks(TREE)
        assert (row.package, row.current_version) == ("curl", "8.4.0")
        assert row.status is Status.OUTDATED
        assert (row.newest, row.newest_stable, row.recommended) == ("8.5.0", "8.5.0", "8.5.0")
        assert (row.versions_behind, row.days_behind) == (1, 1)
        assert row.current_exists_upstream is True
        assert (row.upstream_key, row.upstream_kind, row.origin) == (
            "github:curl/curl",
            "github",
            "metadata",
        )
        assert row.error_code is None and not row.failed
        assert row.checked_at.tzinfo is not None

    def test_a_recheck_replaces_the_latest_check(self, store: Store) -> None:
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0", "8.5.0"))])
        store.record_results(None, [checked("curl", "8.5.0", releases("8.4.0", "8.5.0"))])

        (row,) = store.latest_checks(TREE)
        assert (row.current_version, row.status, row.recommended) == (
            "8.5.0",
            Status.UP_TO_DATE,
            None,
        )

    def test_first_seen_is_written_once_and_new_releases_are_reported(self, store: Store) -> None:
        first = store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0"))])
        before = {s.release.version: s for s in store.releases_for(CURL.key)}
        time.sleep(0.01)
        second = store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0", "8.5.0"))])
        after = {s.release.version: s for s in store.releases_for(CURL.key)}

        assert first.new_upstreams == {CURL.key} and first.fresh_releases() == {}
        assert second.new_upstreams == frozenset()
        assert [r.version for r in second.new_releases[CURL.key]] == ["8.5.0"]
        assert after["8.4.0"].first_seen == before["8.4.0"].first_seen
        assert after["8.4.0"].last_seen > before["8.4.0"].last_seen
        assert after["8.5.0"].first_seen > before["8.4.0"].first_seen

    def test_an_unchanged_upstream_sees_again_what_it_listed_last_time(self, store: Store) -> None:
        store.record_results(None, [checked("curl", "8.4.0", releases("8.3.0", "8.4.0"))])
        time.sleep(0.01)
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0"))])  # 8.3.0 gone
        before = {s.release.version: s for s in store.releases_for(CURL.key)}
        time.sleep(0.01)
        answered_304 = dataclasses.replace(
            checked("curl", "8.4.0", releases("8.4.0")), releases=(), unchanged=True
        )
        outcome = store.record_results(None, [answered_304])
        after = {s.release.version: s for s in store.releases_for(CURL.key)}

        assert outcome.fresh_releases() == {}
        assert after["8.4.0"].last_seen > before["8.4.0"].last_seen
        assert after["8.3.0"].last_seen == before["8.3.0"].last_seen  # not listed any more
        (row,) = store.latest_checks(TREE)
        assert row.newest == "8.4.0"

    def test_upstream_states_are_replaced_kept_and_forgotten(self, store: Store) -> None:
        def record(**changes: object) -> CheckRecord:
            base = checked("curl", "8.4.0", releases("8.4.0"))
            return dataclasses.replace(base, state_key="k", **changes)  # type: ignore[arg-type]

        def states() -> dict[str, str]:
            return {k: unpack_state(v).decode() for k, v in store.upstream_states().items()}

        store.record_results(None, [record(state=b'{"v":[],"r":"[]"}')])
        assert states() == {"k": '{"v":[],"r":"[]"}'}
        store.record_results(None, [record(state=b'{"v":[1],"r":"[]"}')])
        assert states() == {"k": '{"v":[1],"r":"[]"}'}
        store.record_results(None, [record(releases=(), unchanged=True)])  # a 304: kept
        assert states() == {"k": '{"v":[1],"r":"[]"}'}
        store.record_results(None, [record()])  # fetched, nothing to revalidate: forgotten
        assert states() == {}

    def test_stored_releases_answer_when_a_release_was_noticed(self, store: Store) -> None:
        released = dt.datetime.now(UTC) - dt.timedelta(days=3)
        listed = [Release("curl-8_5_0", "8.5.0", released, "https://x/8.5.0", False)]
        store.record_results(None, [checked("curl", "8.4.0", listed)])

        (stored,) = store.releases_for(CURL.key)
        assert stored.release == listed[0]
        assert stored.noticed_after is not None
        assert dt.timedelta(days=3) <= stored.noticed_after < dt.timedelta(days=3, minutes=1)

    def test_release_dates_come_back_in_utc_whatever_zone_they_were_given_in(
        self, store: Store
    ) -> None:
        beijing = dt.timezone(dt.timedelta(hours=8))
        listed = [Release("v1.0", "1.0", dt.datetime(2024, 5, 1, 8, 0, tzinfo=beijing))]
        store.record_results(None, [checked("pkg", "1.0", listed)])

        (stored,) = store.releases_for(CURL.key)
        assert stored.release.date == dt.datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
        assert stored.release.date.utcoffset() == dt.timedelta(0)

    def test_an_upstream_that_stops_giving_dates_keeps_the_stored_ones(self, store: Store) -> None:
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0"))])
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0", dated=False))])

        (stored,) = store.releases_for(CURL.key)
        assert stored.release.date == day(0)

    def test_packages_sharing_an_upstream_share_its_releases(self, store: Store) -> None:
        listed = releases("2.0", "2.1")
        outcome = store.record_results(
            None, [checked("python3-foo", "2.0", listed), checked("python-foo", "2.0", listed)]
        )

        assert [r.version for r in outcome.new_releases[CURL.key]] == ["2.0", "2.1"]
        assert [s.release.version for s in store.releases_for(CURL.key)] == ["2.0", "2.1"]
        assert [row.upstream_key for row in store.latest_checks(TREE)] == [CURL.key] * 2

    def test_upstream_options_that_change_the_releases_make_a_separate_upstream(
        self, store: Store
    ) -> None:
        tags = Upstream("github", "curl/curl", {"use_tags": "true"})
        store.record_results(None, [checked("a", "1.0", releases("1.0"))])
        store.record_results(None, [checked("b", "1.0", releases("1.0", "1.1"), upstream=tags)])

        assert len(store.releases_for(CURL.key)) == 1
        assert len(store.releases_for(tags.key)) == 2
        assert store.releases_for("github:nobody/nothing") == []

    def test_a_failed_recheck_keeps_the_last_known_answer(self, store: Store) -> None:
        success = checked("curl", "8.4.0", releases("8.4.0", "8.5.0"), at=day(10))
        store.record_results(None, [success])
        store.record_results(None, [failed("curl", "8.4.0")])

        row = store.last_known(TREE, "curl")
        assert row is not None and row.failed
        assert row.error_code == "http-status" and "HTTP 503" in (row.error_message or "")
        assert (row.status, row.newest, row.recommended) == (Status.OUTDATED, "8.5.0", "8.5.0")
        assert row.last_success_at == day(10)
        assert row.checked_at > day(10)
        assert row.upstream_key == CURL.key

    def test_a_success_after_a_failure_clears_the_error(self, store: Store) -> None:
        store.record_results(None, [failed("curl", "8.4.0")])
        store.record_results(None, [checked("curl", "8.4.0", releases("8.4.0"))])

        row = store.last_known(TREE, "curl")
        assert row is not None and not row.failed and row.error_message is None
        assert row.status is Status.UP_TO_DATE

    def test_a_package_that_never_succeeded_has_an_error_and_no_answer(self, store: Store) -> None:
        store.record_results(None, [failed("orphan", "1.0", upstream=None)])

        row = store.last_known(TREE, "orphan")
        assert row is not None and row.failed
        assert (row.status, row.newest, row.last_success_at, row.upstream_key) == (
            None,
            None,
            None,
            None,
        )
        assert store.last_known(TREE, "never-checked") is None

    def test_trees_are_kept_apart(self, store: Store) -> None:
        store.record_results(
            None,
            [
                checked("curl", "8.4.0", releases("8.4.0"), tree="/srv/a"),
                checked("curl", "7.0", releases("7.0"), tree="/srv/b"),
            ],
        )

        assert [r.current_version for r in store.latest_checks("/srv/a")] == ["8.4.0"]
        assert [r.current_version for r in store.latest_checks("/srv/b")] == ["7.0"]
        assert store.latest_checks("/srv/c") == []

    def test_the_last_record_of_a_package_in_a_batch_wins(self, store: Store) -> None:
        store.record_results(
            None,
            [checked("curl", "8.4.0", releases("8.4.0")), checked("curl", "8.5.0", releases())],
        )

        (row,) = store.latest_checks(TREE)
        assert row.current_version == "8.5.0"

    def test_an_empty_batch_changes_nothing(self, store: Store) -> None:
        outcome = store.record_results(None, [])

        assert outcome.new_releases == {} and outcome.new_upstreams == frozenset()
        assert store.latest_checks(TREE) == []

    def test_an_interrupted_run_is_resumable_until_finished(self, store: Store) -> None:
        run_id = store.start_run(TREE, total=3, options={"policy": "latest"})
        store.record_results(
            run_id, [checked("a", "1.0", releases("1.0")), failed("b", "2.0", upstream=None)]
        )

        run = store.unfinished_run(TREE)
        assert run is not None and run.id == run_id and not run.finished
        assert (run.packages_total, run.packages_done, run.failures) == (3, 2, 1)
        assert run.options == {"policy": "latest"}
        assert store.done_in_run(run_id) == {"a", "b"}

        store.record_results(run_id, [checked("c", "1.0", releases("1.0"))])
        store.finish_run(run_id)

        assert store.unfinished_run(TREE) is None
        finished = store.run(run_id)
        assert finished is not None and finished.finished
        assert (finished.packages_done, finished.failures) == (3, 1)

    def test_starting_a_new_run_abandons_an_older_unfinished_one(self, store: Store) -> None:
        old = store.start_run(TREE, total=2)
        store.record_results(old, [checked("a", "1.0", releases("1.0"))])
        new = store.start_run(TREE, total=2)

        run = store.unfinished_run(TREE)
        assert run is not None and run.id == new != old
        assert store.done_in_run(new) == set()
        assert store.unfinished_run("/srv/other") is None

    def test_a_package_recorded_twice_in_a_run_counts_once(self, store: Store) -> None:
        run_id = store.start_run(TREE, total=1)
        store.record_results(run_id, [failed("a", "1.0")])
        store.record_results(run_id, [checked("a", "1.0", releases("1.0"))])

        run = store.run(run_id)
        assert run is not None and (run.packages_done, run.failures) == (1, 0)

    def test_the_models_match_the_migrated_schema(self, store: Store) -> None:
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        with Store.open(tmp_path / "steward.db") as store:
            yield store


# ---------------------------------------------------------------------- where the store lives


def test_the_default_store_is_steward_db_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    assert database_url() == f"sqlite:///{tmp_path}/data/steward/steward.db"
    with Store.open() as store:
        store.start_run(TREE, total=0)
    assert (tmp_path / "data" / "steward" / "steward.db").is_file()


def test_steward_db_overrides_the_default_and_an_explicit_url_overrides_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.db"))

    assert database_url() == f"sqlite:///{tmp_path}/env.db"
    assert database_url("sqlite:///elsewhere.db") == "sqlite:///elsewhere.db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_an_unusable_url_is_reported_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql+psycopg://steward:hunter2@127.0.0.1:1/steward")
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


# ---------------------------------------------------------------------- SQLite set-up and schema


def test_sqlite_uses_wal_normal_sync_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store, store.engine.connect() as connection:

        def pragma(name: str) -> object:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("foreign_keys") == 1
        assert int(str(pragma("busy_timeout"))) >= 5000


def test_schema_revision_names_the_head_of_the_shipped_migrations() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


def test_opening_an_up_to_date_store_does_not_run_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(tmp_path / "s.db").close()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("alembic upgrade ran on an up-to-date store")

    monkeypatch.setattr("alembic.command.upgrade", refuse)
    Store.open(tmp_path / "s.db").close()


def test_a_store_written_by_a_newer_steward_is_refused_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path / "s.db").close()
    with sqlite3.connect(tmp_path / "s.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")

    with pytest.raises(StoreError, match=r"revision '9999'.*newer Steward"):
        Store.open(tmp_path / "s.db")
    with sqlite3.connect(tmp_path / "s.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999",)
        ]


def test_processes_opening_a_new_store_at_once_create_it_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    script = "import sys; from steward.store import Store; Store.open(sys.argv[1]).close()"
    openers = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [opener.communicate(timeout=60)[1].decode() for opener in openers]

    assert [opener.returncode for opener in openers] == [0] * 4, errors
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)
        ]


# ---------------------------------------------------------------------- the fetch engine's cache


# ---------------------------------------------------------------------- interrupting a writer

_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from steward.store import CheckRecord, Store
    from steward.upstream.sources.base import Upstream
    from steward.upstream.versions import Release

    store = Store.open(sys.argv[1])
    run_id = store.start_run("/srv/distro", total=100_000)
    print("run", run_id, flush=True)
    for batch in range(1_000):
        records = [
            CheckRecord(
                tree="/srv/distro",
                package=f"pkg-{batch}-{n}",
                upstream=Upstream("pypi", f"project-{batch}-{n}"),
                current_version="1.0",
                releases=[Release(f"v1.{i}", f"1.{i}") for i in range(20)],
            )
            for n in range(100)
        ]
        store.record_results(run_id, records)
        print("committed", batch, flush=True)
    """
)


@pytest.mark.slow
def test_killing_a_writer_keeps_every_committed_batch_and_the_run_resumable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    run_id = int(writer.stdout.readline().split()[1])
    committed: list[int] = []
    while len(committed) < 5:
        committed.append(int(writer.stdout.readline().split()[1]))
    # Let it get into the middle of the next transactions before the kill.
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Store.open(path) as store:
        run = store.unfinished_run(TREE)
        done = store.done_in_run(run_id)
        batches = {int(package.split("-")[1]) for package in done}

        assert run is not None and run.id == run_id
        assert set(committed) <= batches
        # Whole batches or nothing: a transaction cut short by the kill left no trace.
        assert len(done) == 100 * len(batches) == run.packages_done
        assert batches == set(range(len(batches)))
        assert len(store.releases_for("pypi:project-0-0")) == 20
        # The resumed run goes on where the killed one stopped.
        store.record_results(run_id, [checked("late", "1.0", releases("1.0"))])
        store.finish_run(run_id)
        assert store.unfinished_run(TREE) is None


# ---------------------------------------------------------------------- speed


def big_batch(packages: int, per_package: int, *, tree: str = TREE) -> list[CheckRecord]:
    listed = [Release(f"v1.{i}", f"1.{i}", day(i)) for i in range(per_package)]
    recommendation = recommend_version("1.0", listed)
    return [
        CheckRecord(
            tree=tree,
            package=f"package-{n}",
            upstream=Upstream("github", f"owner/project-{n}"),
            current_version="1.0",
            releases=listed,
            recommendation=recommendation,
        )
        for n in range(packages)
    ]


@pytest.mark.slow
def test_ten_thousand_results_with_twenty_releases_each_are_recorded_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = big_batch(10_000, 20)
    with Store.open(tmp_path / "s.db") as store:
        run_id = store.start_run(TREE, total=len(records))
        started = time.perf_counter()
        for start in range(0, len(records), 500):
            store.record_results(run_id, records[start : start + 500])
        cold = time.perf_counter() - started

        started = time.perf_counter()
        outcome = store.record_results(run_id, records)
        recheck = time.perf_counter() - started

        started = time.perf_counter()
        rows = store.latest_checks(TREE)
        read = time.perf_counter() - started

    assert len(rows) == 10_000 and outcome.new_releases == {}
    with capsys.disabled():
        print(
            f"\n10,000 results x 20 releases on SQLite: first record {cold:.2f} s "
            f"(batches of 500), re-record {recheck:.2f} s (one batch), "
            f"latest_checks {read:.2f} s"
        )
