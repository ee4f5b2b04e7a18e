"""Compliance evidence (issue 15, part "evidence"): each agency's nine aspects as staff edit them, their
review state and the copy the desk approved (`evidence_items`; kiosk/central/db.py says what each
column holds). The uploaded files live on disk, not in the database.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("agency_id", sa.String(64), primary_key=True),
        sa.Column("aspect", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("file_type", sa.String(32)),
        sa.Column("file_bytes", sa.Integer),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("review_note", sa.String(500)),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", UtcDateTime),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("approved_status", sa.String(16)),
        sa.Column("approved_evidence", sa.Text),
        sa.Column("approved_public", sa.Boolean),
        sa.Column("approved_sha256", sa.String(64)),
        sa.Column("approved_type", sa.String(32)),
        sa.Column("approved_bytes", sa.Integer),
    )
    op.create_index("evidence_items_state", "evidence_items", ["state"])
    op.create_index("evidence_items_file", "evidence_items", ["file_sha256"])
    op.create_index("evidence_items_approved_file", "evidence_items", ["approved_sha256"])


def downgrade() -> None:
    op.drop_index("evidence_items_approved_file", table_name="evidence_items")
    op.drop_index("evidence_items_file", table_name="evidence_items")
    op.drop_index("evidence_items_state", table_name="evidence_items")
    op.drop_table("evidence_items")
