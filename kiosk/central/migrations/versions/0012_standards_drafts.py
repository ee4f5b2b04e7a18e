"""The standards editor (issue 15, part "editor"): one open draft per agency (`catalog_drafts`) and who
published each catalog version, for which agency, with which note (three columns on `catalog_versions`;
NULL for versions published from the command line before this).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_versions") as batch:
        batch.add_column(sa.Column("published_by", sa.String(64)))
        batch.add_column(sa.Column("agency_id", sa.String(64)))
        batch.add_column(sa.Column("note", sa.String(500)))
    op.create_table(
        "catalog_drafts",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("base_version_id", sa.Integer, sa.ForeignKey("catalog_versions.id"), nullable=False),
        sa.Column("base_digest", sa.String(64), nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("submitted_by", sa.String(64)),
        sa.Column("submitted_at", UtcDateTime),
        sa.Column("review_note", sa.String(1000)),
    )


def downgrade() -> None:
    op.drop_table("catalog_drafts")
    with op.batch_alter_table("catalog_versions") as batch:
        batch.drop_column("note")
        batch.drop_column("agency_id")
        batch.drop_column("published_by")
