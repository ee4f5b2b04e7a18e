"""The central server's settings: one object, checked once at start (a bad URL fails the start, not the
first request at 3 a.m.).

Values come from keyword arguments (tests, the CLI) or ``IPLIK_CENTRAL_*`` environment variables
(a systemd unit). The database is a SQLite file by default; any PostgreSQL is reached through
``postgresql+psycopg://user:pass@host/db``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..sync import wire

ENV_PREFIX = "IPLIK_CENTRAL_"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/central.db"
    # Request bodies above this are refused with 413 before they are read into memory.
    max_request_bytes: int = wire.MAX_REQUEST_BYTES
    max_batch_records: int = wire.MAX_BATCH_RECORDS
    # Public tracking lookups per client (an IPv4 address, an IPv6 /64, or an enrolled kiosk), kept in
    # the database. Misses (codes that do not exist or fail the check symbol): this many per 10 minutes,
    # then 429. All lookups together: a burst and a refill rate, generous (a whole office behind one
    # NAT shares it, and a code that exists answers whatever the misses); it only keeps one address
    # from keeping the database busy.
    track_misses_per_10min: int = 15
    track_burst: int = 120
    track_per_minute: float = 60.0
    device_track_burst: int = 120
    device_track_per_minute: float = 60.0
    # Enrollment attempts per client IP (codes are guessable only by brute force: keep it slow).
    enroll_burst: int = 10
    enroll_per_minute: float = 2.0
    # How often the per-service IKM aggregates shipped with the catalog are recomputed at most.
    ikm_refresh_s: float = 3600.0
    # Reverse proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed for the client's
    # address: walked from the right, the first hop that is not one of them is the client (what lies
    # left of it the client wrote itself). A request from anywhere else is known by its socket address.
    trusted_proxies: tuple[str, ...] = ()
    timezone: str = "Asia/Makassar"
    holidays: tuple[str, ...] = ()
    # SQLite only: seconds a writer waits for the file lock before the request gets 503.
    sqlite_busy_timeout_s: float = 30.0
    # --- the staff back office ---
    # The address citizens and staff reach this server at, for links in e-mails (no trailing slash).
    public_url: str = "http://127.0.0.1:8080"
    # Session cookies carry the Secure flag (browsers still send them to http://localhost).
    cookie_secure: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    min_password_length: int = 12
    # Failed sign-ins (per account, and per client address) before a lock of login_lock_minutes.
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    # The named rule set of service levels (docs/backoffice.md): working days to verify, answer, close.
    deadline_rules: str = "permenpanrb-62-2018"
    # Mail to citizens who left an address. An empty smtp_host means nothing is sent (messages wait).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # "starttls", "ssl" or "none" (a relay on the same host)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "iPLiK <no-reply@localhost>"
    # --- the push endpoint under abuse and load (issue 12) ---
    # A record time further than this ahead of the server's clock is a kiosk clock running fast: the
    # record is stored with the server's receive time instead (docs/ingest.md).
    max_clock_skew_s: float = 86400.0
    # Records per device: a burst and a refill rate (one device token once stored 49,996 fake
    # complaints in 26 s). The burst covers a kiosk catching up after weeks offline; it is never below
    # one full batch. Kept in the database, so it holds across server workers and restarts.
    push_burst: int = 10_000
    push_per_minute: float = 1_000.0
    # One push per device at a time: a second one while the first runs gets 429. A server killed
    # mid-push frees the device after this many seconds.
    push_lease_s: float = 120.0
    # --- the award ranking (issue 14, part "ranking"; docs/analytics.md) ---
    # Weights of the composite's components; none negative, and they add up to 1.
    award_weight_ikm: float = 0.40
    award_weight_on_time: float = 0.20
    award_weight_citizen_rating: float = 0.10
    award_weight_compliance: float = 0.30
    # --- alerts and the daily digest (issue 14, part "alerts"; docs/analytics.md) ---
    # A unit's IKM or quick-rating index falling this many points (or more) below its previous period.
    alert_ikm_drop: float = 5.0
    alert_quick_drop: float = 5.0
    # A topic spikes when this week's complaints reach ratio x the mean of the 8 weeks before and at
    # least spike_min of them; pungli (illegal fees) needs only pungli_spike_min, its usual being ~0.
    alert_topic_spike_ratio: float = 2.0
    alert_topic_spike_min: int = 5
    alert_pungli_spike_min: int = 2
    # Local hour (0-23) from which the day's alert digest is e-mailed to officers and the desk.
    digest_hour: int = 7
    # --- compliance evidence (issue 15, part "evidence"; docs/compliance-evidence.md) ---
    # Where uploaded evidence files live (never under the web root or the package); "" means an
    # "evidence" directory next to the SQLite database, or var/evidence under the working directory
    # with PostgreSQL. A deployment sets /var/lib/iplik-central/evidence.
    evidence_dir: str = ""
    # One upload's size; the whole form must also fit in max_request_bytes (the body limit answers first).
    evidence_max_bytes: int = 3 * 1024 * 1024
    # --- fleet health and alerts (issue 15, part "fleet"; docs/fleet.md) ---
    # A kiosk silent this long while its office is open (office hours, not a holiday) is offline.
    fleet_offline_minutes: int = 30
    # Records stuck: the oldest unsent record on a kiosk has waited this long (or the kiosk has refused ones).
    fleet_stuck_minutes: int = 60
    # The kiosk's clock further than this from the server's.
    fleet_clock_skew_s: int = 300
    # A kiosk older than the server's own version for this long is "version behind" (a fresh server
    # release gives the kiosks this long to update before anyone is e-mailed).
    fleet_version_grace_hours: int = 72

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.holidays)

    def replace(self, **changes: object) -> Settings:
        return validate(dataclasses.replace(self, **changes))


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def validate(s: Settings) -> Settings:
    """Return ``s`` or raise ConfigError naming the first bad setting."""

    def fail(key: str, problem: str) -> None:
        raise ConfigError(f"central server setting {key} {problem}")

    url = s.database_url
    if url.startswith("sqlite:///"):
        if url == "sqlite:///" or url == "sqlite:///:memory:":
            fail("database_url", "must name a SQLite file (an in-memory database loses everything)")
    elif url.startswith("postgresql+psycopg://"):
        pass
    elif url.startswith(("postgresql://", "postgres://")):
        fail("database_url", "must use the psycopg 3 driver: postgresql+psycopg://user:pass@host/db")
    else:
        fail("database_url", "must be sqlite:///FILE or postgresql+psycopg://user:pass@host/db")
    if not 1024 <= s.max_request_bytes <= 64 * 1024 * 1024:
        fail("max_request_bytes", "must be between 1 KiB and 64 MiB")
    if not 1 <= s.max_batch_records <= 10_000:
        fail("max_batch_records", "must be between 1 and 10000")
    for key in ("track_burst", "device_track_burst", "enroll_burst", "track_misses_per_10min"):
        if getattr(s, key) < 1:
            fail(key, "must be at least 1")
    for key in ("track_per_minute", "device_track_per_minute", "enroll_per_minute"):
        if getattr(s, key) <= 0:
            fail(key, "must be more than 0")
    if s.ikm_refresh_s < 0:
        fail("ikm_refresh_s", "must not be negative")
    try:
        ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("timezone", "must be a time zone such as Asia/Makassar")
    for proxy in s.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            fail("trusted_proxies", f"has {proxy!r}, not an address or CIDR block")
    if not s.public_url.startswith(("http://", "https://")) or s.public_url.endswith("/"):
        fail("public_url", "must be an http(s) address without a trailing slash")
    if not 5 <= s.session_idle_minutes <= 24 * 60:
        fail("session_idle_minutes", "must be between 5 and 1440")
    if not 1 <= s.session_absolute_hours <= 24 * 7:
        fail("session_absolute_hours", "must be between 1 and 168")
    if not 8 <= s.min_password_length <= 128:
        fail("min_password_length", "must be between 8 and 128")
    if s.login_max_failures < 1 or s.login_lock_minutes < 1:
        fail("login_max_failures", "and login_lock_minutes must be at least 1")
    if s.smtp_tls not in ("starttls", "ssl", "none"):
        fail("smtp_tls", "must be starttls, ssl or none")
    if not 1 <= s.smtp_port <= 65535:
        fail("smtp_port", "must be a TCP port")
    if not 60 <= s.max_clock_skew_s <= 30 * 86400:
        fail("max_clock_skew_s", "must be between 60 seconds and 30 days")
    if s.push_burst < s.max_batch_records:
        fail("push_burst", f"must be at least max_batch_records ({s.max_batch_records}): a full batch must fit")
    if s.push_per_minute <= 0:
        fail("push_per_minute", "must be more than 0")
    if not 5 <= s.push_lease_s <= 3600:
        fail("push_lease_s", "must be between 5 and 3600 seconds")
    for d in s.holidays:
        try:
            date.fromisoformat(d)
        except ValueError:
            fail("holidays", f"has {d!r}, not a date like 2026-12-25")
    # The award ranking's weights: a negative weight would reward a worse figure, and a sum other than
    # 1 would move every composite off the 0..100 scale its components share.
    award_weights = ("award_weight_ikm", "award_weight_on_time", "award_weight_citizen_rating",
                     "award_weight_compliance")
    for key in award_weights:
        if not math.isfinite(getattr(s, key)) or getattr(s, key) < 0:
            fail(key, "must be a number of at least 0")
    total = math.fsum(getattr(s, key) for key in award_weights)
    if abs(total - 1.0) > 1e-9:
        fail("award_weight_ikm", f"and the other award_weight_* settings must add up to 1 (they add up to {total:g})")
    # alerts (issue 14)
    for key in ("alert_ikm_drop", "alert_quick_drop"):
        if not 0 < getattr(s, key) <= 75:
            fail(key, "must be more than 0 and at most 75 points")
    if not 1 < s.alert_topic_spike_ratio <= 100:
        fail("alert_topic_spike_ratio", "must be more than 1 and at most 100")
    for key in ("alert_topic_spike_min", "alert_pungli_spike_min"):
        if not 1 <= getattr(s, key) <= 10_000:
            fail(key, "must be between 1 and 10000")
    if not 0 <= s.digest_hour <= 23:
        fail("digest_hour", "must be an hour between 0 and 23")
    # compliance evidence (issue 15): the form around the file needs room under the body limit
    if not 64 * 1024 <= s.evidence_max_bytes <= s.max_request_bytes - 64 * 1024:
        fail("evidence_max_bytes", "must be between 64 KiB and max_request_bytes minus 64 KiB")
    # fleet (issue 15)
    if not 5 <= s.fleet_offline_minutes <= 7 * 24 * 60:
        fail("fleet_offline_minutes", "must be between 5 minutes and 7 days")
    if not 5 <= s.fleet_stuck_minutes <= 30 * 24 * 60:
        fail("fleet_stuck_minutes", "must be between 5 minutes and 30 days")
    if not 10 <= s.fleet_clock_skew_s <= 86400:
        fail("fleet_clock_skew_s", "must be between 10 seconds and one day")
    if not 0 <= s.fleet_version_grace_hours <= 90 * 24:
        fail("fleet_version_grace_hours", "must be between 0 and 2160 hours")
    return s


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``IPLIK_CENTRAL_<NAME>`` variables, then ``overrides`` (None means not given)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, f in _FIELDS.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        values[name] = _convert(name, raw, f.type)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "holidays" in values and isinstance(values["holidays"], list):
        values["holidays"] = tuple(values["holidays"])  # type: ignore[arg-type]
    return validate(Settings(**values))  # type: ignore[arg-type]


def _convert(name: str, raw: str, tp: object) -> object:
    tp = str(tp)
    try:
        if tp == "int":
            return int(raw)
        if tp == "float":
            return float(raw)
        if tp == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if tp.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"environment variable {ENV_PREFIX}{name.upper()} has a bad value {raw!r}") from None
    return raw


def to_env(s: Settings) -> dict[str, str]:
    """``s`` as ``IPLIK_CENTRAL_*`` variables that :func:`from_env` reads back into an equal Settings
    (how ``serve --workers N`` hands the settings to each worker process)."""
    out: dict[str, str] = {}
    for name in _FIELDS:
        value = getattr(s, name)
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, tuple):
            text = ",".join(value)
        else:
            text = str(value)
        out[ENV_PREFIX + name.upper()] = text
    return out
