"""Fleet health and alerts (issue 15, part "fleet"): the incidents of each kiosk (`fleet_incidents`, one
e-mail per incident and one per recovery) and which technicians look after which office
(`office_technicians`). kiosk/central/db.py says what each column holds.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fleet_incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("notified_at", UtcDateTime),
        sa.Column("recovery_notified_at", UtcDateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(300)),
        sa.Column("detail", sa.Text),
    )
    still_open = sa.text("resolved_at IS NULL")
    op.create_index("fleet_incidents_open", "fleet_incidents", ["device_id", "kind"], unique=True,
                    postgresql_where=still_open, sqlite_where=still_open)
    op.create_index("fleet_incidents_device", "fleet_incidents", ["device_id", "opened_at"])
    op.create_table(
        "office_technicians",
        sa.Column("office", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("office_technicians")
    op.drop_index("fleet_incidents_device", table_name="fleet_incidents")
    op.drop_index("fleet_incidents_open", table_name="fleet_incidents")
    op.drop_table("fleet_incidents")
