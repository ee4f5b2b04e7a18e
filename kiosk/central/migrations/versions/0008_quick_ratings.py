"""Quick ratings (issue 14, part "quick"): discarded taps per kiosk and day (`tap_discards`), the hourly
rollups of the faces (`quick_hours`, `quick_days`), and the two ratings indexes its refresh reads through.

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tap_discards",
        sa.Column("device_id", sa.String(40), primary_key=True),
        sa.Column("local_day", sa.Date, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "quick_hours",
        sa.Column("local_day", sa.Date, primary_key=True),
        sa.Column("hour", sa.SmallInteger, primary_key=True),
        sa.Column("device_id", sa.String(40), primary_key=True),
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("f1", sa.Integer, nullable=False),
        sa.Column("f2", sa.Integer, nullable=False),
        sa.Column("f3", sa.Integer, nullable=False),
        sa.Column("f4", sa.Integer, nullable=False),
    )
    op.create_index("quick_hours_agency_day", "quick_hours", ["agency_id", "local_day"])
    op.create_index("quick_hours_device_day", "quick_hours", ["device_id", "local_day"])
    op.create_table(
        "quick_days",
        sa.Column("local_day", sa.Date, primary_key=True),
        sa.Column("device_id", sa.String(40), primary_key=True),
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("f1", sa.Integer, nullable=False),
        sa.Column("f2", sa.Integer, nullable=False),
        sa.Column("f3", sa.Integer, nullable=False),
        sa.Column("f4", sa.Integer, nullable=False),
    )
    op.create_index("quick_days_agency_day", "quick_days", ["agency_id", "local_day"])
    op.create_index("quick_days_device_day", "quick_days", ["device_id", "local_day"])
    op.create_index("ratings_quick_received", "ratings", ["kind", "received_at"])
    op.create_index("ratings_quick_device_created", "ratings", ["kind", "device_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ratings_quick_device_created", table_name="ratings")
    op.drop_index("ratings_quick_received", table_name="ratings")
    op.drop_index("quick_days_device_day", table_name="quick_days")
    op.drop_index("quick_days_agency_day", table_name="quick_days")
    op.drop_table("quick_days")
    op.drop_index("quick_hours_device_day", table_name="quick_hours")
    op.drop_index("quick_hours_agency_day", table_name="quick_hours")
    op.drop_table("quick_hours")
    op.drop_table("tap_discards")
