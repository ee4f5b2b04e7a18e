"""Kiosk settings set on the server per office or per kiosk (issue 15, part "settings"): `kiosk_settings`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk_settings",
        sa.Column("scope", sa.String(8), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("set_at", UtcDateTime, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kiosk_settings")
