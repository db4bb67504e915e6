"""Alembic's entry point for the store: runs the revisions on the connection Steward hands over.

:func:`steward.store.db.migrate` passes its open connection (already inside a locked write
transaction) through ``config.attributes["connection"]``; without one, as when a developer
runs ``alembic`` by hand, a connection to ``sqlalchemy.url`` is made. ``render_as_batch``
lets later revisions alter SQLite tables, which SQLite can only do by copying them.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from steward.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=Base.metadata,
            render_as_batch=True,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as owned:
        _run(owned)
    engine.dispose()


_main()
