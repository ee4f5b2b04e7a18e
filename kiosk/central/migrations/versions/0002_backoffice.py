"""The staff back office: accounts, agencies, sessions, sign-in throttles, the append-only audit log,
response templates, citizen e-mails, job leases and server secrets; complaints gain their due day,
forwarding time, the citizen's verdict and the breached part of the standard; events gain staff-only notes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.central.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as t:
        t.add_column(sa.Column("standard_part", sa.String(16)))
        t.add_column(sa.Column("forwarded_at", UtcDateTime))
        t.add_column(sa.Column("due_on", sa.Date))
        t.add_column(sa.Column("overdue_at", UtcDateTime))
        t.add_column(sa.Column("reopened_count", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("citizen_rating", sa.SmallInteger))
        t.add_column(sa.Column("citizen_comment", sa.Text))
        t.add_column(sa.Column("citizen_rated_at", UtcDateTime))
        t.add_column(sa.Column("reopen_requested_at", UtcDateTime))
    op.create_index("complaints_due", "complaints", ["due_on", "tracking_code"])
    op.create_index("complaints_handling", "complaints", ["handling_agency_id", "due_on"])
    with op.batch_alter_table("complaint_events") as t:
        t.add_column(sa.Column("internal_note", sa.Text))
        t.add_column(sa.Column("user_id", sa.Integer))

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("password_changed_at", UtcDateTime, nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_last_step", sa.BigInteger),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("disabled_at", UtcDateTime),
    )
    op.create_table(
        "staff_agencies",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
        sa.Column("agency_id", sa.String(64), primary_key=True),
    )
    op.create_index("staff_agencies_agency", "staff_agencies", ["agency_id"])
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(200)),
    )
    op.create_index("staff_sessions_user", "staff_sessions", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", UtcDateTime, nullable=False),
        sa.Column("locked_until", UtcDateTime),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("username", sa.String(64)),
        sa.Column("ip", sa.String(64)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("complaint_uuid", sa.String(36)),
        sa.Column("target", sa.String(200)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("audit_log_at", "audit_log", ["at"])
    op.create_index("audit_log_user", "audit_log", ["user_id", "at"])
    op.create_index("audit_log_complaint", "audit_log", ["complaint_uuid"])
    _append_only("audit_log")
    op.create_table(
        "response_templates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.String(64)),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.Integer),
    )
    op.create_index("response_templates_agency", "response_templates", ["agency_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("complaint_uuid", sa.String(36), sa.ForeignKey("complaints.uuid"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(300)),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime),
    )
    op.create_index("notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_index("notifications_complaint", "notifications", ["complaint_uuid"])
    op.create_table(
        "server_locks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def _append_only(table: str) -> None:
    """The database itself refuses to change or delete a row, whoever connects."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "server_secrets", "server_locks", "notifications", "response_templates", "audit_log",
        "login_throttle", "staff_sessions", "staff_agencies", "staff_users",
    ):
        op.drop_table(table)
    op.drop_index("complaints_handling", "complaints")
    op.drop_index("complaints_due", "complaints")
    with op.batch_alter_table("complaint_events") as t:
        t.drop_column("user_id")
        t.drop_column("internal_note")
    with op.batch_alter_table("complaints") as t:
        for col in ("reopen_requested_at", "citizen_rated_at", "citizen_comment", "citizen_rating", "reopened_count",
                    "overdue_at", "due_on", "forwarded_at", "standard_part"):
            t.drop_column(col)
