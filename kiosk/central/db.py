"""The central database: SQLAlchemy Core tables, the engine, and the migration run at start.

The tables below describe the schema for queries; the schema itself is made only by the Alembic
migrations in ``migrations/`` (``tests/central/test_migrations.py`` checks they agree). There is no
``create_all`` anywhere: a production database changes only through a migration.

SQLite notes: WAL and ``synchronous=FULL`` (an acknowledged record survives a power cut), a busy
timeout, and every write transaction opened with ``BEGIN IMMEDIATE`` so that two writers queue on the
lock instead of failing when a reader upgrades (pysqlite's deferred BEGIN is what makes SQLite
report "database is locked" under concurrent writers).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from ..filemodes import create_private
from .settings import Settings

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


devices = sa.Table(
    "devices",
    metadata,
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

enroll_codes = sa.Table(
    "enroll_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("office", sa.String(200), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
    sa.Column("device_id", sa.String(40)),
    # sha256 of the kiosk's enrollment nonce: the same code and nonce again is a retry, not a theft.
    sa.Column("nonce_hash", sa.String(64)),
)

# Every record ever accepted, whatever its kind: the replay / conflict decision reads only this.
records = sa.Table(
    "records",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("records_device", "device_id"),
)

complaints = sa.Table(
    "complaints",
    metadata,
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
    # Personal data (name, NIK, phone, email) as JSON; never in any public answer.
    sa.Column("identity", sa.Text),
    sa.Column("consent_version", sa.String(40), nullable=False),
    sa.Column("consent_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_at", UtcDateTime, nullable=False),
    # The agency that must answer: the one named at filing, or the one it was forwarded to.
    sa.Column("handling_agency_id", sa.String(64)),
    sa.Column("verified_at", UtcDateTime),
    sa.Column("response", sa.Text),
    sa.Column("response_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
    # --- back office (0002) ---
    # The part of the service's standard the citizen says was not kept (domain.complaint.StandardPart).
    sa.Column("standard_part", sa.String(16)),
    sa.Column("forwarded_at", UtcDateTime),
    # The day (office time zone) the next service level falls due; NULL while no clock runs. Set at
    # every status change so the inbox can sort and filter by it in SQL (docs/backoffice.md).
    sa.Column("due_on", sa.Date),
    # Set by `kiosk central tick` when due_on has passed; cleared by the next status change.
    sa.Column("overdue_at", UtcDateTime),
    sa.Column("reopened_count", sa.Integer, nullable=False, server_default="0"),
    # The citizen's own verdict on the answer (four faces, 1..4), given once on the tracking page.
    sa.Column("citizen_rating", sa.SmallInteger),
    sa.Column("citizen_comment", sa.Text),
    sa.Column("citizen_rated_at", UtcDateTime),
    sa.Column("reopen_requested_at", UtcDateTime),
    sa.Index("complaints_status", "status", "created_at"),
    sa.Index("complaints_device", "device_id"),
    sa.Index("complaints_due", "due_on", "tracking_code"),
    sa.Index("complaints_handling", "handling_agency_id", "due_on"),
)

# The server's part of each complaint's timeline. ``id`` is the pull cursor: writers of this table
# are serialised (see queries.lock_events) so ids become visible in order.
complaint_events = sa.Table(
    "complaint_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("complaint_uuid", sa.String(36), sa.ForeignKey("complaints.uuid"), nullable=False),
    sa.Column("device_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("actor", sa.String(100)),
    # Staff-only text (never pulled by kiosks, never on the public page) and the staff account that acted.
    sa.Column("internal_note", sa.Text),
    sa.Column("user_id", sa.Integer),
    sa.Index("complaint_events_device", "device_id", "id"),
    sa.Index("complaint_events_complaint", "complaint_uuid", "id"),
)

ratings = sa.Table(
    "ratings",
    metadata,
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
    sa.Index("ratings_service", "kind", "service_id"),
)

catalog_versions = sa.Table(
    "catalog_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
    # Who published the version, for which agency, why (the standards editor, issue 15; NULL from the CLI).
    sa.Column("published_by", sa.String(64)),
    sa.Column("agency_id", sa.String(64)),
    sa.Column("note", sa.String(500)),
)

# Per-service IKM aggregates over all kiosks, recomputed at most every ikm_refresh_s and shipped
# with the catalog. ``ratings_seen`` is how many IKM surveys the snapshot counted.
ikm_snapshots = sa.Table(
    "ikm_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("computed_at", UtcDateTime, nullable=False),
    sa.Column("ratings_seen", sa.Integer, nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
)


# --- the back office's own state (0002): everything several server processes must agree on --------

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),  # lower case
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # staff.Role
    sa.Column("email", sa.String(254)),
    sa.Column("password_hash", sa.String(255), nullable=False),  # Argon2id, PHC string
    sa.Column("password_changed_at", UtcDateTime, nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("totp_last_step", sa.BigInteger),  # a TOTP code is accepted once (no replay)
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("disabled_at", UtcDateTime),
)

# An officer's agencies (catalog agency ids).
staff_agencies = sa.Table(
    "staff_agencies",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Index("staff_agencies_agency", "agency_id"),
)

# Server-side sessions: the cookie holds a random id, the table only its sha256.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
    sa.Column("stage", sa.String(8), nullable=False),  # "totp" (password given), "full"
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),  # absolute expiry
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.String(200)),
    sa.Index("staff_sessions_user", "user_id"),
)

# Failed sign-ins per key ("user:NAME", "ip:ADDR"): a sliding window and a lock, shared by every process.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime),
)

# Append-only (triggers refuse UPDATE and DELETE): sign-ins, identity views, changes, exports.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("user_id", sa.Integer),
    sa.Column("username", sa.String(64)),
    sa.Column("ip", sa.String(64)),
    sa.Column("action", sa.String(48), nullable=False),
    sa.Column("complaint_uuid", sa.String(36)),
    sa.Column("target", sa.String(200)),
    sa.Column("detail", sa.Text),  # JSON, never personal data
    sa.Index("audit_log_at", "at"),
    sa.Index("audit_log_user", "user_id", "at"),
    sa.Index("audit_log_complaint", "complaint_uuid"),
)

response_templates = sa.Table(
    "response_templates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency_id", sa.String(64)),  # NULL: for every agency
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer),
    sa.Index("response_templates_agency", "agency_id"),
)

# E-mails to citizens who left an address: one row per message, sent and retried by `tick`. The
# address is read from the complaint at send time, so this table holds no personal data.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("complaint_uuid", sa.String(36), sa.ForeignKey("complaints.uuid"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # "forwarded", "answered"
    sa.Column("status", sa.String(8), nullable=False),  # "pending", "sent", "failed", "skipped"
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(300)),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Index("notifications_due", "status", "next_attempt_at"),
    sa.Index("notifications_complaint", "complaint_uuid"),
)

# Leases for jobs that one host at a time must run (`tick`), where PostgreSQL's advisory locks are not there.
server_locks = sa.Table(
    "server_locks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

# Random keys made once per database (e.g. to sign the public feedback form), so every process agrees.
server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


# Token buckets of `ratelimit` (tracking lookups, enrollment, pushes per device): shared by every process.
rate_buckets = sa.Table(
    "rate_buckets",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),  # seconds since the epoch (time.time)
    sa.Index("rate_buckets_updated", "updated"),
)


# Per-office settings sent down to the kiosks (issue 12, item 13): the staff PIN hash, never the PIN.
office_settings = sa.Table(
    "office_settings",
    metadata,
    sa.Column("office", sa.String(200), primary_key=True),  # as devices.office (the enrollment's --office)
    sa.Column("pin_hash", sa.String(255)),  # kiosk.domain.pin's scrypt string; NULL: config.toml's PIN applies
    sa.Column("pin_set_at", UtcDateTime),
    sa.Column("pin_set_by", sa.String(64)),  # the staff username
)


# The keyring for identities the kiosks seal (`identity_keys`): the newest key not retired is current;
# retired keys still open the records sealed with them. The private keys live here: whoever reads this
# database reads the identities, as they would in `complaints.identity` (docs/sealed-identities.md).
identity_keys = sa.Table(
    "identity_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("private_key", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("retired_at", UtcDateTime),
)


# --- analytics (issue 14) ---------------------------------------------------------------------------

# How far each rollup of ``analytics/`` has read its source (analytics/rollup.py): ``source_until`` is a
# time of the source's own clock column (e.g. ratings.received_at); ``refreshed_at`` shows on the pages
# as "figures as of".
rollup_marks = sa.Table(
    "rollup_marks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("source_until", UtcDateTime, nullable=False),
    sa.Column("refreshed_at", UtcDateTime, nullable=False),
)

# --- part "ikm" (migration 0007): IKM per unit and period (analytics/ikm.py) --------------------------

# The official survey summed per local day (server time zone), kiosk, agency and service: what every IKM
# figure reads, so a year's dashboard adds up a few thousand rows, not a million ratings. '' stands for a
# rating without an agency (the query falls back to the catalog's) so the key is never NULL. s1..s9 are
# the sums of the answers to U1..U9, c1..c9 how many answers each element got (an element may be skipped).
ikm_days = sa.Table(
    "ikm_days",
    metadata,
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("respondents", sa.Integer, nullable=False),
    *[sa.Column(f"s{i}", sa.Integer, nullable=False) for i in range(1, 10)],
    *[sa.Column(f"c{i}", sa.Integer, nullable=False) for i in range(1, 10)],
    sa.Index("ikm_days_agency", "agency_id", "local_day"),
    sa.Index("ikm_days_service", "service_id", "local_day"),
)

# The respondents' profile on the same key: dimension (jenis_kelamin, usia, pendidikan, pekerjaan) and
# value (ages as bands "<20" .. "60+"; '' for not given) -> respondents.
ikm_profile_days = sa.Table(
    "ikm_profile_days",
    metadata,
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(32), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ikm_profile_days_service", "service_id", "local_day"),
    sa.Index("ikm_profile_days_agency", "agency_id", "local_day"),
)

# The same sums per calendar month (``month`` = its first day), rebuilt from the days by the same refresh:
# a year's figure reads twelve months of rows, not 365 days of them; only a period's partial months
# (a free date range) read days.
ikm_months = sa.Table(
    "ikm_months",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("respondents", sa.Integer, nullable=False),
    *[sa.Column(f"s{i}", sa.Integer, nullable=False) for i in range(1, 10)],
    *[sa.Column(f"c{i}", sa.Integer, nullable=False) for i in range(1, 10)],
    # One unit's year (a unit's own page, its SKM report) reads by these, not the whole province's months.
    sa.Index("ikm_months_agency", "agency_id", "month"),
    sa.Index("ikm_months_service", "service_id", "month"),
    sa.Index("ikm_months_device", "device_id", "month"),
)

ikm_profile_months = sa.Table(
    "ikm_profile_months",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(32), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ikm_profile_months_agency", "agency_id", "month"),
    sa.Index("ikm_profile_months_service", "service_id", "month"),
    sa.Index("ikm_profile_months_device", "device_id", "month"),
)

# A service's yearly users, set by staff (populations.py): the survey's minimum sample follows from it.
service_populations = sa.Table(
    "service_populations",
    metadata,
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("yearly_users", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64)),  # the staff username
)

# The refresh finds new ratings by when they arrived and rebuilds days by when they were made. The kind
# leads the second so that SQLite, which has no statistics, prefers it to ratings_service for
# "kind = 'ikm' AND created_at in a day" (with ratings_service it scans every survey for each day).
sa.Index("ratings_received", ratings.c.received_at)
sa.Index("ratings_kind_created", ratings.c.kind, ratings.c.created_at)


# --- quick ratings (issue 14, part "quick"; migration 0008) ---------------------------------------------

# Taps each kiosk's repeated-tap filter dropped per local day, as its heartbeat reports them; the kiosk's
# count is the truth for its day, so a heartbeat overwrites (and a replay changes nothing).
tap_discards = sa.Table(
    "tap_discards",
    metadata,
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Quick ratings counted per face, by local day and hour (the server's time zone), kiosk, agency and
# service ('' when the rating names none); kept current by analytics/quick.py ``refresh``. The agency is
# the rating's, else its kiosk's. Dashboards read this, never ``ratings``.
quick_hours = sa.Table(
    "quick_hours",
    metadata,
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("hour", sa.SmallInteger, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("f1", sa.Integer, nullable=False),
    sa.Column("f2", sa.Integer, nullable=False),
    sa.Column("f3", sa.Integer, nullable=False),
    sa.Column("f4", sa.Integer, nullable=False),
    sa.Index("quick_hours_agency_day", "agency_id", "local_day"),
    sa.Index("quick_hours_device_day", "device_id", "local_day"),  # an office's or a kiosk's heatmap
)

# The same counts summed over the day (refreshed with quick_hours): the totals and the weekly trend read
# this, a 24th of the rows; only the weekday x hour heatmap reads quick_hours.
quick_days = sa.Table(
    "quick_days",
    metadata,
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("f1", sa.Integer, nullable=False),
    sa.Column("f2", sa.Integer, nullable=False),
    sa.Column("f3", sa.Integer, nullable=False),
    sa.Column("f4", sa.Integer, nullable=False),
    sa.Index("quick_days_agency_day", "agency_id", "local_day"),
    sa.Index("quick_days_device_day", "device_id", "local_day"),
)

# The refresh finds new quick ratings by their arrival, then recounts their kiosks' days by rating time.
sa.Index("ratings_quick_received", ratings.c.kind, ratings.c.received_at)
sa.Index("ratings_quick_device_created", ratings.c.kind, ratings.c.device_id, ratings.c.created_at)


# --- analytics: complaint handling (part "handling", migration 0009) ---------------------------------

# One row per complaint, rewritten by analytics/handling.refresh: the handling agency (else the named one,
# else ''), the local day it reached the server, working days to verify and to answer, whether each
# service level was kept (NULL while undecided and not yet late) and its due day (so each tick finds in SQL
# the undecided rows whose due day has just passed). No personal data, no texts.
complaint_facts = sa.Table(
    "complaint_facts",
    metadata,
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
    sa.Index("complaint_facts_day", "received_day", "agency_id"),
    sa.Index("complaint_facts_open", "is_open", "agency_id"),
)


# --- part "ranking" (0010): compliance snapshots -------------------------------------------------------

# Each agency's compliance in each published catalog (analytics/compliance.py fills it on `tick`): the
# score in hundredths (8333 = 83.33; an integer is exact on both databases, SQLite has no decimal
# type), its zone, and the nine aspects as JSON [{aspect, status, evidence}].
compliance_snapshots = sa.Table(
    "compliance_snapshots",
    metadata,
    sa.Column("catalog_version_id", sa.Integer, sa.ForeignKey("catalog_versions.id"), primary_key=True),
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("score_x100", sa.Integer, nullable=False),
    sa.Column("zone", sa.String(8), nullable=False),
    sa.Column("aspects", sa.Text, nullable=False),
    sa.Index("compliance_snapshots_agency", "agency_id", "catalog_version_id"),
)


# --- alerts (issue 14, part "alerts") ---

# The daily alert digest: one row per local day and recipient (staff_users with an e-mail address),
# written when a digest was tried. "sent" ends the day; "pending" is tried again by the next tick until
# it has failed MAX_ATTEMPTS times, then "failed" (kiosk/central/alert_digest.py). No address stored.
alert_digests = sa.Table(
    "alert_digests",
    metadata,
    sa.Column("local_day", sa.Date, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
    sa.Column("status", sa.String(8), nullable=False),  # "sent", "pending", "failed"
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("last_error", sa.String(300)),
)

# What the alerts read on every visit of the hub (analytics/alerts.py): the complaints overdue now (few,
# hence partial) by handling agency, and a topic's complaints by creation time, covered so the 9 weeks
# of a spike are counted from the index alone.
sa.Index("complaints_overdue_now", complaints.c.handling_agency_id, complaints.c.forwarded_at,
         postgresql_where=complaints.c.overdue_at.is_not(None), sqlite_where=complaints.c.overdue_at.is_not(None))
sa.Index("complaints_created_topic", complaints.c.created_at, complaints.c.topic, complaints.c.handling_agency_id,
         complaints.c.agency_id)

# --- part "evidence" (issue 15, migration 0013): compliance evidence ------------------------------------

# Each agency's nine compliance aspects as staff edit them (kiosk/central/evidence.py), one row per
# agency and aspect: the working copy (status, evidence text, an optional uploaded file named by its
# sha256, whether the kiosk may show it) and its review state (draft -> submitted -> approved | returned),
# plus the copy the desk last approved (approved_*), which is all that reaches the catalog at publish.
# The files themselves live on disk under settings.evidence_dir (evidence_files.py), never in the table.
evidence_items = sa.Table(
    "evidence_items",
    metadata,
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("aspect", sa.String(32), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # ada, sebagian, belum
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("file_sha256", sa.String(64)),
    sa.Column("file_type", sa.String(32)),
    sa.Column("file_bytes", sa.Integer),
    sa.Column("state", sa.String(16), nullable=False),  # draft, submitted, approved, returned
    sa.Column("review_note", sa.String(500)),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("reviewed_at", UtcDateTime),
    sa.Column("reviewed_by", sa.String(64)),
    sa.Column("approved_status", sa.String(16)),  # NULL until first approved
    sa.Column("approved_evidence", sa.Text),
    sa.Column("approved_public", sa.Boolean),
    sa.Column("approved_sha256", sa.String(64)),
    sa.Column("approved_type", sa.String(32)),
    sa.Column("approved_bytes", sa.Integer),
    sa.Index("evidence_items_state", "state"),
    sa.Index("evidence_items_file", "file_sha256"),
    sa.Index("evidence_items_approved_file", "approved_sha256"),
)

# --- fleet health and alerts (issue 15, part "fleet"; migration 0014; docs/fleet.md) ------------------

# One row per incident of one kiosk and one kind (offline, paper_low, paper_out, stuck, clock_skew,
# version_behind): opened by the tick when the condition starts, resolved when it ends. ``notified_at`` and
# ``recovery_notified_at`` make each incident e-mail once and its recovery once (kiosk/central/fleet_alerts.py);
# ``attempts``/``last_error`` hold the failed tries of the mail due next. At most one open incident per
# kiosk and kind (the partial unique index). ``detail`` is small JSON with figures only, never personal data.
fleet_incidents = sa.Table(
    "fleet_incidents",
    metadata,
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
    sa.Index("fleet_incidents_open", "device_id", "kind", unique=True,
             postgresql_where=sa.text("resolved_at IS NULL"), sqlite_where=sa.text("resolved_at IS NULL")),
    sa.Index("fleet_incidents_device", "device_id", "opened_at"),
)

# Which technicians look after which office's kiosks (edited by the administrator on the fleet page): they
# get those kiosks' alerts. A technician with no row here gets every kiosk's alerts.
office_technicians = sa.Table(
    "office_technicians",
    metadata,
    sa.Column("office", sa.String(200), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), primary_key=True),
)
# --- kiosk settings from the centre (issue 15, part "settings", migration 0015) -----------------------

# Settings staff set on the server for an office's kiosks or for one kiosk (kiosk/central/kiosk_settings.py,
# keys and bounds in kiosk/domain/kiosk_settings.py). One row per (scope, target, key): scope "office"
# (target: devices.office) or "device" (target: devices.id). The value is JSON; a cleared value is no row.
# A per-kiosk staff PIN is a row of key "staff_pin" holding the hash only (the office's stays in
# office_settings).
kiosk_settings = sa.Table(
    "kiosk_settings",
    metadata,
    sa.Column("scope", sa.String(8), primary_key=True),
    sa.Column("target", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
    sa.Column("set_by", sa.String(64), nullable=False),
)


# --- standards editor (issue 15, part "editor") ---

# One open draft per agency: its record and services as catalog JSON (``{"agency": {...}, "services":
# [...]}``), started from catalog version ``base_version_id`` whose part for this agency had the digest
# ``base_digest`` (a publish refuses when the published part changed since: docs/standards-editor.md).
# ``status``: "draft", "returned" (with the reviewer's ``review_note``) or "review". Deleted at publish.
catalog_drafts = sa.Table(
    "catalog_drafts",
    metadata,
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("base_version_id", sa.Integer, sa.ForeignKey("catalog_versions.id"), nullable=False),
    sa.Column("base_digest", sa.String(64), nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
    sa.Column("started_by", sa.String(64), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("submitted_by", sa.String(64)),
    sa.Column("submitted_at", UtcDateTime),
    sa.Column("review_note", sa.String(1000)),
)

# --- engine ----------------------------------------------------------------------------------------


def make_engine(settings: Settings) -> Engine:
    """The engine, with ``hide_parameters``: a database error's text (which reaches the log) must not
    carry the bound values, and those include names, NIKs and complaint texts."""
    url = settings.database_url
    if settings.is_sqlite:
        path = url.removeprefix("sqlite:///")
        # Every complaint is in this file: made 0600 before SQLite writes to it (its -wal, -shm and
        # -journal then get the same mode from SQLite).
        create_private(Path(path))
        engine = sa.create_engine(
            url,
            connect_args={"timeout": settings.sqlite_busy_timeout_s, "check_same_thread": False},
            pool_size=8,
            max_overflow=32,
            hide_parameters=True,
        )
        _sqlite_setup(engine)
    else:
        engine = sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)
    return engine


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def upsert(conn: Connection, table: sa.Table):
    """``INSERT`` into ``table`` in the dialect of ``conn`` (it has ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``, which Core's generic insert lacks)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def reader(engine: Engine) -> Connection:
    """A connection for read-only work: on SQLite it does not take the write lock."""
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two servers started together must not both create the tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(740001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(settings: Settings) -> Engine:
    engine = make_engine(settings)
    upgrade(engine)
    return engine
