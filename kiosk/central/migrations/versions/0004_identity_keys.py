"""Sealed identities and retryable enrollment: the identity keyring, and the enrollment nonce.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("private_key", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("retired_at", UtcDateTime),
    )
    with op.batch_alter_table("enroll_codes") as t:
        t.add_column(sa.Column("nonce_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("enroll_codes") as t:
        t.drop_column("nonce_hash")
    op.drop_table("identity_keys")
