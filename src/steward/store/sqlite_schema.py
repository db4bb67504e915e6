# ruff: noqa: E501 - generated: the statements are kept exactly as SQLite stores them
"""The SQLite schema at ``SCHEMA_REVISION``, as the migrations create it.

A check run on a new SQLite store creates it from these statements with the standard
library's ``sqlite3`` (:mod:`steward.store.quickread`), so that its writer can answer the
run's first question before SQLAlchemy and Alembic are even loaded. The statements are what
``sqlite_master`` holds after ``alembic upgrade head``; a test creates a store both ways and
compares them. After a new migration, regenerate this file (then ``ruff format`` it):

    python -m steward.store.sqlite_schema > new.py && mv new.py src/steward/store/sqlite_schema.py
"""

from __future__ import annotations

from typing import Final

__all__ = ["REVISION", "STATEMENTS"]

#: The migration these statements are the result of.
REVISION: Final = "0003"

#: ``CREATE`` statements in ``sqlite_master`` order, ``alembic_version`` first.
STATEMENTS: Final[tuple[str, ...]] = (
    "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)",
    'CREATE TABLE upstreams (\n\tid INTEGER NOT NULL, \n\t"key" TEXT NOT NULL, \n\tkind VARCHAR(64) NOT NULL, \n\tproject TEXT NOT NULL, \n\tcreated_at DATETIME NOT NULL, \n\tCONSTRAINT pk_upstreams PRIMARY KEY (id), \n\tCONSTRAINT uq_upstreams_key UNIQUE ("key")\n)',
    "CREATE TABLE upstream_releases (\n\tupstream_id INTEGER NOT NULL, \n\tversion TEXT NOT NULL, \n\ttag TEXT NOT NULL, \n\treleased_at DATETIME, \n\turl TEXT, \n\tprerelease BOOLEAN, \n\tfirst_seen DATETIME NOT NULL, \n\tlast_seen DATETIME NOT NULL, \n\tCONSTRAINT pk_upstream_releases PRIMARY KEY (upstream_id, version), \n\tCONSTRAINT fk_upstream_releases_upstream_id_upstreams FOREIGN KEY(upstream_id) REFERENCES upstreams (id) ON DELETE CASCADE\n)",
    "CREATE TABLE runs (\n\tid INTEGER NOT NULL, \n\ttree TEXT NOT NULL, \n\tstarted_at DATETIME NOT NULL, \n\tfinished_at DATETIME, \n\tpackages_total INTEGER NOT NULL, \n\tpackages_done INTEGER NOT NULL, \n\tfailures INTEGER NOT NULL, \n\toptions JSON NOT NULL, \n\tCONSTRAINT pk_runs PRIMARY KEY (id)\n)",
    "CREATE INDEX ix_runs_tree ON runs (tree)",
    "CREATE TABLE package_checks (\n\tid INTEGER NOT NULL, \n\ttree TEXT NOT NULL, \n\tpackage TEXT NOT NULL, \n\tchecked_at DATETIME NOT NULL, \n\tlast_success_at DATETIME, \n\trun_id INTEGER, \n\tupstream_id INTEGER, \n\tupstream_kind VARCHAR(64), \n\torigin VARCHAR(32), \n\tcurrent_version TEXT, \n\tstatus VARCHAR(32), \n\tnewest TEXT, \n\tnewest_stable TEXT, \n\trecommended TEXT, \n\tversions_behind INTEGER, \n\tdays_behind INTEGER, \n\tcurrent_exists_upstream BOOLEAN, \n\treason TEXT, \n\terror_code VARCHAR(64), \n\terror_message TEXT, \n\tCONSTRAINT pk_package_checks PRIMARY KEY (id), \n\tCONSTRAINT fk_package_checks_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_package_checks_upstream_id_upstreams FOREIGN KEY(upstream_id) REFERENCES upstreams (id) ON DELETE SET NULL, \n\tCONSTRAINT uq_package_checks_tree_package UNIQUE (tree, package)\n)",
    "CREATE INDEX ix_package_checks_run_id ON package_checks (run_id)",
    "CREATE TABLE http_cache (\n\turl_hash VARCHAR(64) NOT NULL, \n\turl TEXT NOT NULL, \n\tstatus INTEGER NOT NULL, \n\tetag TEXT, \n\tlast_modified TEXT, \n\theaders JSON NOT NULL, \n\tbody BLOB NOT NULL, \n\tstored_at DATETIME NOT NULL, \n\tCONSTRAINT pk_http_cache PRIMARY KEY (url_hash)\n)",
    'CREATE TABLE upstream_states (\n\t"key" TEXT NOT NULL, \n\tstate BLOB NOT NULL, \n\tstored_at DATETIME NOT NULL, \n\tCONSTRAINT pk_upstream_states PRIMARY KEY ("key")\n)',
    "CREATE TABLE taken_versions (\n\ttree TEXT NOT NULL, \n\tpackage TEXT NOT NULL, \n\tversion TEXT NOT NULL, \n\treason VARCHAR(16) NOT NULL, \n\ttaken_at DATETIME NOT NULL, \n\tCONSTRAINT pk_taken_versions PRIMARY KEY (tree, package)\n)",
)


def _generate(path: str) -> str:  # pragma: no cover - run by hand after a migration
    import sqlite3
    from pathlib import Path

    from steward.store import Store
    from steward.store.location import SCHEMA_REVISION

    Store.open(path).close()
    connection = sqlite3.connect(path)
    try:
        order = "ORDER BY name != 'alembic_version', rowid"
        found = [
            sql
            for (sql,) in connection.execute(
                f"SELECT sql FROM sqlite_master WHERE sql IS NOT NULL {order}"
            )
        ]
    finally:
        connection.close()
    text = Path(__file__).read_text(encoding="utf-8")
    head, _, rest = text.partition("STATEMENTS: Final[tuple[str, ...]] = (\n")
    _, _, tail = rest.partition("\n)\n")
    head = head.replace(f'REVISION: Final = "{REVISION}"', f'REVISION: Final = "{SCHEMA_REVISION}"')
    lines = "".join(f"    {sql!r},\n" for sql in found)
    return f"{head}STATEMENTS: Final[tuple[str, ...]] = (\n{lines})\n{tail}"


if __name__ == "__main__":  # pragma: no cover
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        sys.stdout.write(_generate(f"{scratch}/schema.db"))
