"""The daily alert digest (issue 14, part "alerts"): one row per local day and recipient, so a digest
goes once a day and a failed one is retried by the next tick (`alert_digests`).

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_digests",
        sa.Column("local_day", sa.Date, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("last_error", sa.String(300)),
    )


def downgrade() -> None:
    op.drop_table("alert_digests")
