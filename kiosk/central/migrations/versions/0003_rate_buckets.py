"""Token buckets in the database (`ratelimit`): limits that hold across processes and restarts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    op.create_index("rate_buckets_updated", "rate_buckets", ["updated"])


def downgrade() -> None:
    op.drop_index("rate_buckets_updated", "rate_buckets")
    op.drop_table("rate_buckets")
