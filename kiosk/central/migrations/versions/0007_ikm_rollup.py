"""IKM per unit (issue 14, part "ikm"): the daily rollups `ikm_days` and `ikm_profile_days`, their monthly
sums `ikm_months` and `ikm_profile_months`, the services' yearly users (`service_populations`), and the indexes on `ratings` the refresh reads by.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_KEY = ("local_day", "device_id", "agency_id", "service_id")
_MONTH_KEY = ("month", "device_id", "agency_id", "service_id")


def _key_columns(first: str = "local_day") -> list[sa.Column]:
    return [
        sa.Column(first, sa.Date, nullable=False),
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "ikm_days",
        *_key_columns(),
        sa.Column("respondents", sa.Integer, nullable=False),
        *[sa.Column(f"s{i}", sa.Integer, nullable=False) for i in range(1, 10)],
        *[sa.Column(f"c{i}", sa.Integer, nullable=False) for i in range(1, 10)],
        sa.PrimaryKeyConstraint(*_KEY),
    )
    op.create_index("ikm_days_agency", "ikm_days", ["agency_id", "local_day"])
    op.create_index("ikm_days_service", "ikm_days", ["service_id", "local_day"])
    op.create_table(
        "ikm_profile_days",
        *_key_columns(),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "dimension", "value"),
    )
    op.create_index("ikm_profile_days_service", "ikm_profile_days", ["service_id", "local_day"])
    op.create_table(
        "ikm_months",
        *_key_columns("month"),
        sa.Column("respondents", sa.Integer, nullable=False),
        *[sa.Column(f"s{i}", sa.Integer, nullable=False) for i in range(1, 10)],
        *[sa.Column(f"c{i}", sa.Integer, nullable=False) for i in range(1, 10)],
        sa.PrimaryKeyConstraint(*_MONTH_KEY),
    )
    op.create_table(
        "ikm_profile_months",
        *_key_columns("month"),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*_MONTH_KEY, "dimension", "value"),
    )
    for table in ("ikm_months", "ikm_profile_months"):
        for column in ("agency_id", "service_id", "device_id"):
            op.create_index(f"{table}_{column.removesuffix('_id')}", table, [column, "month"])
    op.create_index("ikm_profile_days_agency", "ikm_profile_days", ["agency_id", "local_day"])
    op.create_table(
        "service_populations",
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("yearly_users", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64)),
    )
    op.create_index("ratings_received", "ratings", ["received_at"])
    op.create_index("ratings_kind_created", "ratings", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ratings_kind_created", table_name="ratings")
    op.drop_index("ratings_received", table_name="ratings")
    op.drop_table("service_populations")
    op.drop_table("ikm_profile_months")
    op.drop_table("ikm_months")
    op.drop_table("ikm_profile_days")
    op.drop_table("ikm_days")
