"""The central server's settings: one object, checked once at start (a bad URL fails the start, not the
first request at 3 a.m.).

Values come from keyword arguments (tests, the CLI) or ``IPLIK_CENTRAL_*`` environment variables
(a systemd unit). The database is a SQLite file by default; any PostgreSQL is reached through
``postgresql+psycopg://user:pass@host/db``.
"""

from __future__ import annotations

import dataclasses
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
    # Public tracking lookups per client (IP, or device for enrolled kiosks): a burst and a refill rate.
    track_burst: int = 20
    track_per_minute: float = 10.0
    # Lookups of codes that do not exist count extra: this many misses per 10 minutes, then 429.
    track_misses_per_10min: int = 15
    device_track_burst: int = 120
    device_track_per_minute: float = 60.0
    # Enrollment attempts per client IP (codes are guessable only by brute force: keep it slow).
    enroll_burst: int = 10
    enroll_per_minute: float = 2.0
    # How often the per-service IKM aggregates shipped with the catalog are recomputed at most.
    ikm_refresh_s: float = 3600.0
    # Trust X-Forwarded-For from a reverse proxy for the client address (rate limits).
    trust_forwarded_for: bool = False
    timezone: str = "Asia/Makassar"
    holidays: tuple[str, ...] = ()
    # SQLite only: seconds a writer waits for the file lock before the request gets 503.
    sqlite_busy_timeout_s: float = 30.0

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
    for d in s.holidays:
        try:
            date.fromisoformat(d)
        except ValueError:
            fail("holidays", f"has {d!r}, not a date like 2026-12-25")
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
