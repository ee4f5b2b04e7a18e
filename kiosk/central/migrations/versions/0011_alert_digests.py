"""The daily alert digest (issue 14, part "alerts"): one row per local day and recipient, so a digest
goes once a day and a failed one is retried by the next tick (`alert_digests`); two indexes on
`complaints` for the alerts the hub computes on every visit.

Revision ID: 0011
Revises: 0010 (re-chained as main grew: 0009 handling, 0010 compliance; was 0006)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0011"
down_revision = "0010"
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
    # What the alerts read on every visit of the hub (kiosk/central/db.py says why).
    overdue = sa.text("overdue_at IS NOT NULL")
    op.create_index("complaints_overdue_now", "complaints", ["handling_agency_id", "forwarded_at"],
                    postgresql_where=overdue, sqlite_where=overdue)
    op.create_index("complaints_created_topic", "complaints", ["created_at", "topic", "handling_agency_id", "agency_id"])


def downgrade() -> None:
    op.drop_index("complaints_created_topic", table_name="complaints")
    op.drop_index("complaints_overdue_now", table_name="complaints")
    op.drop_table("alert_digests")
