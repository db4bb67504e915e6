"""Advisories kept by ``steward vulns sync``: their sources, normalised records and names.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advisory_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("advisories", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_sources")),
        sa.UniqueConstraint("key", name=op.f("uq_advisory_sources_key")),
    )
    op.create_table(
        "advisories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("advisory_id", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["advisory_sources.id"],
            name=op.f("fk_advisories_source_id_advisory_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisories")),
    )
    op.create_index("ix_advisories_source_id", "advisories", ["source_id"])
    op.create_table(
        "advisory_names",
        sa.Column("advisory_row", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("ecosystem", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_row"],
            ["advisories.id"],
            name=op.f("fk_advisory_names_advisory_row_advisories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "advisory_row", "name", "ecosystem", name=op.f("pk_advisory_names")
        ),
    )
    op.create_index("ix_advisory_names_name", "advisory_names", ["name"])


def downgrade() -> None:
    op.drop_index("ix_advisory_names_name", table_name="advisory_names")
    op.drop_table("advisory_names")
    op.drop_index("ix_advisories_source_id", table_name="advisories")
    op.drop_table("advisories")
    op.drop_table("advisory_sources")
