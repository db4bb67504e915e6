"""The writer's first answer read with sqlite3 alone: the same as the store's, or none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from steward.store import CheckRecord, Store
from steward.store.quickread import read_begin
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
    assert read_begin(str(tmp_path / "new.db"), "/trees/a", True) is None  # not created yet
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
    assert not (tmp_path / "new.db").exists()  # nothing was created on the way


def test_the_default_store_is_read_from_steward_db(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_DB", str(db))
    assert read_begin(None, "/trees/a", True) == _through_the_store(db, "/trees/a", True)
