"""The writer's first answer read with sqlite3 alone: the same as the store's, or none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from steward.store import CheckRecord, Store
from steward.store.location import SCHEMA_REVISION
from steward.store.quickread import read_begin
from steward.store.sqlite_schema import REVISION
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release


def _record(tree: str, package: str, state: bytes | None = None) -> CheckRecord:
    return CheckRecord(
        tree=tree,
        package=package,
        upstream=Upstream("github", f"acme/{package}"),
        current_version="1.0",
        releases=[Release("v1.1", "1.1")],
        state_key=f"github:acme/{package} @" if state else None,
        state=state,
    )


def _through_the_store(db: Path, tree: str, resume: bool) -> tuple[object, ...]:
    with Store.open(db) as store:
        previous = store.unfinished_run(tree) if resume else None
        done = store.done_in_run(previous.id) if previous is not None else set()
        return (
            previous.id if previous else None,
            previous.packages_total if previous else None,
            done,
            store.upstream_states(),
        )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        finished = store.start_run("/trees/a", 2, {})
        store.record_results(finished, [_record("/trees/a", "curl", b'{"v":[],"r":"[]"}')])
        store.finish_run(finished)
        interrupted = store.start_run("/trees/a", 3, {})
        store.record_results(
            interrupted,
            [_record("/trees/a", "zlib", b'{"v":[1],"r":"[]"}'), _record("/trees/a", "jq")],
        )
        done = store.start_run("/trees/b", 1, {})
        store.finish_run(done)
    return path


@pytest.mark.parametrize("tree", ["/trees/a", "/trees/b", "/trees/never-checked"])
@pytest.mark.parametrize("resume", [True, False])
def test_the_quick_answer_is_the_stores(db: Path, tree: str, resume: bool) -> None:
    quick = read_begin(str(db), tree, resume)
    assert quick is not None
    assert quick == _through_the_store(db, tree, resume)


def test_an_interrupted_run_is_found_with_what_it_stored(db: Path) -> None:
    quick = read_begin(str(db), "/trees/a", True)
    assert quick is not None
    _, total, done, states = quick
    assert (total, done) == (3, {"zlib", "jq"})
    assert set(states) == {"github:acme/curl @", "github:acme/zlib @"}


def test_what_sqlite3_alone_cannot_answer_goes_the_ordinary_way(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STEWARD_DB", raising=False)
    assert read_begin("postgresql://steward@127.0.0.1/steward", "/trees/a", True) is None
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    assert read_begin(str(not_a_db), "/trees/a", True) is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert read_begin(str(empty), "/trees/a", True) is None  # no schema: migrations first
    with sqlite3.connect(db) as connection:  # an older schema: migrations first
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert read_begin(str(db), "/trees/a", True) is None
    blocked = tmp_path / "file"
    blocked.write_text("a file where the store's folder would be")
    assert read_begin(str(blocked / "new.db"), "/trees/a", True) is None


def test_the_default_store_is_read_from_steward_db(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_DB", str(db))
    assert read_begin(None, "/trees/a", True) == _through_the_store(db, "/trees/a", True)


def _schema(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        rows.append(connection.execute("SELECT version_num FROM alembic_version").fetchone())
        rows.append(connection.execute("PRAGMA journal_mode").fetchone())
    return rows


def test_a_new_store_is_created_as_the_migrations_create_it(tmp_path: Path) -> None:
    assert REVISION == SCHEMA_REVISION  # after a migration: regenerate steward.store.sqlite_schema
    migrated = tmp_path / "migrated.db"
    Store.open(migrated).close()
    quick = tmp_path / "deeper" / "quick.db"
    assert read_begin(str(quick), "/trees/a", True) == (None, None, set(), {})
    assert _schema(quick) == _schema(migrated)
    # The store takes it as up to date and works on it; the next run finds what it stored.
    with Store.open(quick) as store:
        run = store.start_run("/trees/a", 1, {})
        store.record_results(run, [_record("/trees/a", "zlib", b'{"v":[],"r":"[]"}')])
    answer = read_begin(str(quick), "/trees/a", True)
    assert answer is not None and answer == _through_the_store(quick, "/trees/a", True)
    assert answer[1:3] == (1, {"zlib"})


def test_a_store_created_meanwhile_by_another_process_is_left_to_it(tmp_path: Path) -> None:
    from steward.store.quickread import _create

    path = tmp_path / "store.db"
    # Another run created it between read_begin's look for the file and _create.
    with Store.open(path) as store:
        store.start_run("/trees/a", 1, {})
    before = _schema(path)
    assert _create(path) is None  # answered the ordinary way, from what is there
    assert _schema(path) == before
