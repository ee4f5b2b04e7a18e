"""Watermarks of the analytics rollups (`rollup_marks`): how far each rollup has read its source.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_marks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("source_until", UtcDateTime, nullable=False),
        sa.Column("refreshed_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rollup_marks")
