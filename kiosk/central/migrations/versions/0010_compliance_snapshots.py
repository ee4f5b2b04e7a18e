"""Compliance snapshots (`compliance_snapshots`, part "ranking"): each agency's nine aspects, score and
zone in every published catalog, so a compliance history is one indexed query, not a parse of every
catalog ever published.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_snapshots",
        sa.Column("catalog_version_id", sa.Integer, sa.ForeignKey("catalog_versions.id"), primary_key=True),
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("score_x100", sa.Integer, nullable=False),
        sa.Column("zone", sa.String(8), nullable=False),
        sa.Column("aspects", sa.Text, nullable=False),
    )
    op.create_index("compliance_snapshots_agency", "compliance_snapshots", ["agency_id", "catalog_version_id"])


def downgrade() -> None:
    op.drop_index("compliance_snapshots_agency", table_name="compliance_snapshots")
    op.drop_table("compliance_snapshots")
