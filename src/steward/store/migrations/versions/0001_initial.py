"""Initial schema: upstreams and their releases, package checks, runs, the HTTP cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Column types are spelled out here rather than imported from ``steward.store.models``, so
that this revision keeps creating the same schema whatever the models become later.
``DateTime(timezone=True)`` is ``timestamptz`` on PostgreSQL and text in UTC on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "upstreams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstreams")),
        sa.UniqueConstraint("key", name=op.f("uq_upstreams_key")),
    )
    op.create_table(
        "upstream_releases",
        sa.Column("upstream_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        _timestamp("released_at", nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("prerelease", sa.Boolean(), nullable=True),
        _timestamp("first_seen"),
        _timestamp("last_seen"),
        sa.ForeignKeyConstraint(
            ["upstream_id"],
            ["upstreams.id"],
            name=op.f("fk_upstream_releases_upstream_id_upstreams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upstream_id", "version", name=op.f("pk_upstream_releases")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree", sa.Text(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("packages_total", sa.Integer(), nullable=False),
        sa.Column("packages_done", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_tree"), "runs", ["tree"], unique=False)
    op.create_table(
        "package_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree", sa.Text(), nullable=False),
        sa.Column("package", sa.Text(), nullable=False),
        _timestamp("checked_at"),
        _timestamp("last_success_at", nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("upstream_id", sa.Integer(), nullable=True),
        sa.Column("upstream_kind", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column("current_version", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("newest", sa.Text(), nullable=True),
        sa.Column("newest_stable", sa.Text(), nullable=True),
        sa.Column("recommended", sa.Text(), nullable=True),
        sa.Column("versions_behind", sa.Integer(), nullable=True),
        sa.Column("days_behind", sa.Integer(), nullable=True),
        sa.Column("current_exists_upstream", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_package_checks_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["upstream_id"],
            ["upstreams.id"],
            name=op.f("fk_package_checks_upstream_id_upstreams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_checks")),
        sa.UniqueConstraint("tree", "package", name=op.f("uq_package_checks_tree_package")),
    )
    op.create_index("ix_package_checks_run_id", "package_checks", ["run_id"], unique=False)
    op.create_table(
        "http_cache",
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        _timestamp("stored_at"),
        sa.PrimaryKeyConstraint("url_hash", name=op.f("pk_http_cache")),
    )


def downgrade() -> None:
    op.drop_table("http_cache")
    op.drop_index("ix_package_checks_run_id", table_name="package_checks")
    op.drop_table("package_checks")
    op.drop_index(op.f("ix_runs_tree"), table_name="runs")
    op.drop_table("runs")
    op.drop_table("upstream_releases")
    op.drop_table("upstreams")
