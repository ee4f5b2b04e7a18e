"""Devices and enrollment codes, records with their body hashes, complaints and their events, ratings,
catalog versions and IKM snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("office", sa.String(200), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.Column("last_seen_at", UtcDateTime),
        sa.Column("heartbeat_at", UtcDateTime),
        sa.Column("version", sa.String(64)),
        sa.Column("outbox_pending", sa.Integer),
        sa.Column("outbox_failed", sa.Integer),
        sa.Column("printer_state", sa.String(64)),
        sa.Column("paper_state", sa.String(64)),
        sa.Column("heartbeat", sa.Text),
    )
    op.create_table(
        "enroll_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("office", sa.String(200), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.Column("device_id", sa.String(40)),
    )
    op.create_table(
        "records",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("records_device", "records", ["device_id"])
    op.create_table(
        "complaints",
        sa.Column("uuid", sa.String(36), sa.ForeignKey("records.uuid"), primary_key=True),
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("class", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("agency_id", sa.String(64)),
        sa.Column("service_id", sa.String(64)),
        sa.Column("privacy", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("incident_date", sa.String(10)),
        sa.Column("identity", sa.Text),
        sa.Column("consent_version", sa.String(40), nullable=False),
        sa.Column("consent_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_at", UtcDateTime, nullable=False),
        sa.Column("handling_agency_id", sa.String(64)),
        sa.Column("verified_at", UtcDateTime),
        sa.Column("response", sa.Text),
        sa.Column("response_at", UtcDateTime),
        sa.Column("closed_at", UtcDateTime),
    )
    op.create_index("complaints_status", "complaints", ["status", "created_at"])
    op.create_index("complaints_device", "complaints", ["device_id"])
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("complaint_uuid", sa.String(36), sa.ForeignKey("complaints.uuid"), nullable=False),
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(100)),
    )
    op.create_index("complaint_events_device", "complaint_events", ["device_id", "id"])
    op.create_index("complaint_events_complaint", "complaint_events", ["complaint_uuid", "id"])
    op.create_table(
        "ratings",
        sa.Column("uuid", sa.String(36), sa.ForeignKey("records.uuid"), primary_key=True),
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("service_id", sa.String(64)),
        sa.Column("agency_id", sa.String(64)),
        *[sa.Column(f"u{i}", sa.SmallInteger) for i in range(1, 10)],
        sa.Column("face", sa.SmallInteger),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ratings_service", "ratings", ["kind", "service_id"])
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "ikm_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("computed_at", UtcDateTime, nullable=False),
        sa.Column("ratings_seen", sa.Integer, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "ikm_snapshots",
        "catalog_versions",
        "ratings",
        "complaint_events",
        "complaints",
        "records",
        "enroll_codes",
        "devices",
    ):
        op.drop_table(table)
