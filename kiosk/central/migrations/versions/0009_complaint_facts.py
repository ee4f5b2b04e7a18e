"""Complaint handling facts (`complaint_facts`): one row per complaint with its working days and on-time
verdicts, kept by `kiosk central tick` (analytics/handling.py) because working days need the holiday
calendar, which SQL does not have.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_facts",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("class", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("standard_part", sa.String(16)),
        sa.Column("received_day", sa.Date, nullable=False),
        sa.Column("verify_workdays", sa.Integer),
        sa.Column("answer_workdays", sa.Integer),
        sa.Column("verified_on_time", sa.Boolean),
        sa.Column("answered_on_time", sa.Boolean),
    sa.Column("verify_due", sa.Date),
    sa.Column("answer_due", sa.Date),
        sa.Column("reopened", sa.Boolean, nullable=False),
        sa.Column("citizen_rating", sa.SmallInteger),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("is_overdue", sa.Boolean, nullable=False),
        sa.Column("computed_at", UtcDateTime, nullable=False),
    )
    op.create_index("complaint_facts_day", "complaint_facts", ["received_day", "agency_id"])
    op.create_index("complaint_facts_open", "complaint_facts", ["is_open", "agency_id"])


def downgrade() -> None:
    op.drop_table("complaint_facts")
