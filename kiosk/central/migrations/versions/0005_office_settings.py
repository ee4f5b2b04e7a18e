"""Per-office settings sent to the kiosks: the staff PIN hash (`office_settings`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_settings",
        sa.Column("office", sa.String(200), primary_key=True),
        sa.Column("pin_hash", sa.String(255)),
        sa.Column("pin_set_at", UtcDateTime),
        sa.Column("pin_set_by", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("office_settings")
