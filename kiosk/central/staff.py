"""Staff accounts: passwords, the second factor, sign-in throttles and sessions, all in the database.

Nothing here lives in process memory, so several server processes (or hosts on one PostgreSQL) agree
on who is signed in and who is locked out, and a restart changes neither (docs/backoffice.md,
"Accounts and sign-in").

- Passwords are Argon2id (argon2-cffi's defaults; a stored hash made with older parameters is
  re-made at the next good sign-in). A new password must be long enough and not guessable (zxcvbn
  score 3 or more, the username and display name counting as known words).
- Sign-in failures are counted per account name and per client address in ``login_throttle``; past
  the limit the key is locked for ``login_lock_minutes``. An unknown name costs the same hash work
  and gets the same answer as a wrong password, and its name is throttled the same way, so neither
  the answer, its timing nor a lock tells whether an account exists.
- TOTP (RFC 6238) is required for the admin and desk roles; a code is accepted once (the step is
  stored and must grow).
- A session id is 32 random bytes in the cookie; the table keeps its sha256. Every step of a sign-in
  (password, then code) makes a new id and deletes the one before, so an id planted before the
  sign-in is worthless after it. Sessions end after ``session_idle_minutes`` without a request, after
  ``session_absolute_hours`` in any case, and all at once on a password reset or when the account is
  disabled.

Every sign-in (good, failed, locked), sign-out and account change writes an audit row in the same
transaction as the change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from ..domain.errors import ValidationError
from ..errors import NotFound
from . import audit, server_secrets
from .access import TOTP_REQUIRED, Role, Staff
from .db import login_throttle, now as db_now, reader, staff_agencies, staff_sessions, staff_users, upsert
from .settings import Settings

_HASHER = PasswordHasher()  # Argon2id, RFC 9106's second recommended parameter set

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_PASSWORD_LENGTH = 256  # hashing a megabyte on every attempt would be a cheap denial of service
# A client address may fail this many times the per-account limit: one office behind one NAT
# address must not lock out everyone because of one person's typing.
IP_FACTOR = 4
TOTP_ISSUER = "iPLiK"
# last_seen_at is written at most this often, not on every request (SQLite has one writer).
TOUCH_EVERY = timedelta(seconds=30)
# session_idle_minutes is at most a day (settings.validate): a session idle longer is dead whatever the settings.
MAX_IDLE = timedelta(hours=24)

STAGE_TOTP = "totp"  # password given, the code is next
STAGE_ENROL = "enrol"  # password given, the second factor must be set up first
STAGE_FULL = "full"

UNKNOWN_USER = "(unknown)"  # what the audit row names when the typed name is no account


# --- errors ----------------------------------------------------------------------------------------


class PasswordRejected(ValidationError):
    """A new password that breaks the policy; ``message`` is a msgid of staff_auth.po."""


class StaffNotFound(NotFound):
    pass


def _now(at: datetime | None) -> datetime:
    return at or db_now()


# --- passwords -------------------------------------------------------------------------------------


def check_password_policy(password: str, *, username: str = "", display_name: str = "",
                          min_length: int = 12, field: str = "password") -> None:
    """Raise PasswordRejected unless ``password`` is long and hard enough to guess."""
    if len(password) < min_length:
        raise PasswordRejected("The password must have at least {n} characters.", field=field, n=min_length)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected("The password must have at most {n} characters.", field=field, n=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    words = [w for w in (username.lower(), *display_name.lower().split()) if len(w) >= 3]
    if any(w in lowered for w in words):
        raise PasswordRejected("The password must not contain your user name or your name.", field=field)
    from zxcvbn import zxcvbn  # 40 ms to import its dictionaries: only when a password is set

    # zxcvbn's time grows fast with length; the first 100 characters decide anyway.
    result = zxcvbn(password[:100], user_inputs=[*words, "iplik", "kiosk", "ntb", "pemprov", "admin"])
    if result["score"] < 3:
        raise PasswordRejected(
            "This password is too easy to guess. Use a few unrelated words, or a longer phrase.", field=field
        )


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


_DUMMY_HASH: str | None = None


def dummy_hash() -> str:
    """A hash with the current parameters, to verify against when the account does not exist. Made
    once per process; the server makes it at start (web/auth.py) so that not even the first unknown
    name takes longer than a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _verify(stored: str | None, password: str) -> bool:
    """Argon2 verification; with no stored hash it still does the same work, then says no."""
    if stored is None:
        stored = dummy_hash()
        try:
            _HASHER.verify(stored, password[:MAX_PASSWORD_LENGTH])
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _HASHER.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        return False


# --- accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: Role
    email: str | None
    agencies: tuple[str, ...]
    totp: bool
    must_change_password: bool
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None
    locked_until: datetime | None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def _check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError("Choose one of the roles.", field="role") from None


def _check_agencies(role: Role, agencies: Iterable[str], known: Collection[str] | None = None) -> tuple[str, ...]:
    cleaned = tuple(sorted({a.strip() for a in agencies if a and a.strip()}))
    if role is Role.OFFICER and not cleaned:
        raise ValidationError("An agency officer needs at least one agency.", field="agencies")
    if known is not None and role is Role.OFFICER and (unknown := [a for a in cleaned if a not in known]):
        raise ValidationError("{agency} is not an agency of the published catalog.", field="agencies",
                              agency=unknown[0][:64])
    # Only officers are bound to agencies; the province sees all of them (access.Staff).
    return cleaned if role is Role.OFFICER else ()


def _check_display_name(display_name: str) -> str:
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationError("Enter the person's name.", field="display_name")
    if len(name) > 200:
        raise ValidationError("The name must have at most {n} characters.", field="display_name", n=200)
    return name


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError("Enter an e-mail address like nama@ntbprov.go.id.", field="email")
    return email


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32(32)


def create_user(
    engine: Engine,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    agencies: Iterable[str] = (),
    email: str | None = None,
    by: audit.Actor,
    totp_secret: str | None = None,
    must_change_password: bool = False,
    min_password_length: int = Settings.min_password_length,
    known_agencies: Collection[str] | None = None,
) -> int:
    """A new account; raises ValidationError (with ``field``) on bad input or a taken name.
    ``known_agencies``, when given, are the only agency ids an officer may be bound to."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise ValidationError(
            "A user name has 2 to 64 characters: lower-case letters, digits, dot, dash or underscore.",
            field="username",
        )
    display = _check_display_name(display_name)
    role = _check_role(role)
    agencies = _check_agencies(role, agencies, known_agencies)
    email = _check_email(email)
    check_password_policy(password, username=name, display_name=display, min_length=min_password_length)
    hashed = hash_password(password)
    at = db_now()
    with engine.begin() as conn:
        if conn.scalar(sa.select(staff_users.c.id).where(staff_users.c.username == name)) is not None:
            raise ValidationError("This user name is taken.", field="username")
        user_id = conn.execute(
            staff_users.insert().values(
                username=name, display_name=display, role=role.value, email=email, password_hash=hashed,
                password_changed_at=at, must_change_password=must_change_password, totp_secret=totp_secret,
                created_at=at,
            )
        ).inserted_primary_key[0]
        for agency in agencies:
            conn.execute(staff_agencies.insert().values(user_id=user_id, agency_id=agency))
        audit.record(conn, by, audit.USER_CREATED, target=f"user:{name}",
                     detail={"role": role.value, "agencies": list(agencies)}, at=at)
    return int(user_id)


def update_user(
    engine: Engine,
    user_id: int,
    *,
    display_name: str,
    role: Role | str,
    agencies: Iterable[str] = (),
    email: str | None = None,
    by: audit.Actor,
    known_agencies: Collection[str] | None = None,
) -> None:
    display = _check_display_name(display_name)
    role = _check_role(role)
    agencies = _check_agencies(role, agencies, known_agencies)
    email = _check_email(email)
    with engine.begin() as conn:
        row = _user_row(conn, user_id)
        if row.id == by.user_id and role is not Role.ADMIN and row.role is Role.ADMIN:
            # An administrator cannot take their own rights away (and leave nobody to give them back).
            raise ValidationError("You cannot change your own role.", field="role")
        conn.execute(staff_users.update().where(staff_users.c.id == user_id).values(
            display_name=display, role=role.value, email=email))
        conn.execute(staff_agencies.delete().where(staff_agencies.c.user_id == user_id))
        for agency in agencies:
            conn.execute(staff_agencies.insert().values(user_id=user_id, agency_id=agency))
        changed = [k for k, old, new in (("display_name", row.display_name, display), ("email", row.email, email),
                                         ("role", row.role.value, role.value),
                                         ("agencies", list(row.agencies), list(agencies))) if old != new]
        audit.record(conn, by, audit.USER_CHANGED, target=f"user:{row.username}",
                     detail={"changed": changed, "role": role.value, "agencies": list(agencies)})


def disable(engine: Engine, user_id: int, *, by: audit.Actor) -> None:
    """The account can no longer sign in; its sessions end now."""
    with engine.begin() as conn:
        row = _user_row(conn, user_id)
        if row.id == by.user_id:
            raise ValidationError("You cannot disable your own account.")
        if row.disabled_at is None:
            conn.execute(staff_users.update().where(staff_users.c.id == user_id).values(disabled_at=db_now()))
        n = conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id)).rowcount
        audit.record(conn, by, audit.USER_DISABLED, target=f"user:{row.username}", detail={"sessions_ended": n})


def reset_password(engine: Engine, user_id: int, password: str, *, by: audit.Actor,
                   min_password_length: int = Settings.min_password_length) -> None:
    """An administrator sets a new password: the person must change it at their next sign-in, every
    session of theirs ends, and a lock on their name is lifted."""
    with reader(engine) as conn:
        row = _user_row(conn, user_id)
    check_password_policy(password, username=row.username, display_name=row.display_name,
                          min_length=min_password_length)
    hashed = hash_password(password)
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == user_id).values(
            password_hash=hashed, password_changed_at=db_now(), must_change_password=True,
            failed_logins=0, locked_until=None))
        n = conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id)).rowcount
        conn.execute(login_throttle.delete().where(login_throttle.c.key == _user_key(row.username)))
        audit.record(conn, by, audit.PASSWORD_RESET, target=f"user:{row.username}", detail={"sessions_ended": n})


def set_password(engine: Engine, user_id: int, current: str, new: str, *, by: audit.Actor,
                 keep_session: str | None = None, settings: Settings | None = None,
                 min_password_length: int = Settings.min_password_length) -> None:
    """A person changes their own password (the current one is asked again); their other sessions end.
    With ``settings``, a wrong current password counts as a failed sign-in (a stolen session must not
    become a way to try passwords without limit), and a locked account cannot change it."""
    at = db_now()
    with reader(engine) as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.id == user_id)).first()
    if row is None:
        raise StaffNotFound("No such user.")
    if settings is not None:
        with reader(engine) as conn:
            locked = _locked_until(conn, [_user_key(row.username)], at)
        if locked is not None:
            raise ValidationError("Too many failed sign-ins. Try again after {minutes} minutes.",
                                  field="current_password", minutes=settings.login_lock_minutes)
    if not _verify(row.password_hash, current):
        if settings is not None:
            with engine.begin() as conn:
                now_locked = _fail(conn, settings, row.username, by.ip, at)
                audit.record(conn, by, audit.SIGN_IN_FAILED, target="password_change",
                             detail={"reason": "current_password", "locked": now_locked}, at=at)
        raise ValidationError("The current password is not right.", field="current_password")
    if current == new:
        raise PasswordRejected("Choose a password different from the current one.", field="new_password")
    check_password_policy(new, username=row.username, display_name=row.display_name,
                          min_length=min_password_length, field="new_password")
    hashed = hash_password(new)
    keep = _hash_id(keep_session) if keep_session else ""
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == user_id).values(
            password_hash=hashed, password_changed_at=db_now(), must_change_password=False))
        n = conn.execute(staff_sessions.delete().where(
            staff_sessions.c.user_id == user_id, staff_sessions.c.id_hash != keep)).rowcount
        audit.record(conn, by, audit.PASSWORD_CHANGED, target=f"user:{row.username}", detail={"sessions_ended": n})


def _agencies_of(conn: sa.Connection, user_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    if user_ids:
        for uid, agency in conn.execute(
            sa.select(staff_agencies.c.user_id, staff_agencies.c.agency_id)
            .where(staff_agencies.c.user_id.in_(user_ids))
            .order_by(staff_agencies.c.agency_id)
        ):
            out.setdefault(uid, []).append(agency)
    return {k: tuple(v) for k, v in out.items()}


def _to_row(r, agencies: tuple[str, ...], locked_until: datetime | None) -> UserRow:
    return UserRow(
        id=r.id, username=r.username, display_name=r.display_name, role=Role(r.role), email=r.email,
        agencies=agencies, totp=r.totp_secret is not None, must_change_password=bool(r.must_change_password),
        created_at=r.created_at, password_changed_at=r.password_changed_at, disabled_at=r.disabled_at,
        locked_until=locked_until,
    )


def _locks(conn: sa.Connection, usernames: list[str], at: datetime) -> dict[str, datetime]:
    if not usernames:
        return {}
    rows = conn.execute(sa.select(login_throttle.c.key, login_throttle.c.locked_until).where(
        login_throttle.c.key.in_([_user_key(u) for u in usernames]), login_throttle.c.locked_until > at))
    return {key.removeprefix("user:"): until for key, until in rows}


def _user_row(conn: sa.Connection, user_id: int) -> UserRow:
    r = conn.execute(sa.select(staff_users).where(staff_users.c.id == user_id)).first()
    if r is None:
        raise StaffNotFound("No such user.")
    return _to_row(r, _agencies_of(conn, [r.id]).get(r.id, ()),
                   _locks(conn, [r.username], db_now()).get(r.username))


def get_user(engine: Engine, user_id: int) -> UserRow:
    with reader(engine) as conn:
        return _user_row(conn, user_id)


def list_users(engine: Engine) -> list[UserRow]:
    """Every account, active ones first, by name."""
    with reader(engine) as conn:
        rows = conn.execute(sa.select(staff_users).order_by(
            staff_users.c.disabled_at.is_not(None), staff_users.c.username)).all()
        ids = [r.id for r in rows]
        agencies = _agencies_of(conn, ids)
        locks = _locks(conn, [r.username for r in rows], db_now())
    return [_to_row(r, agencies.get(r.id, ()), locks.get(r.username)) for r in rows]


def user_id_of(engine: Engine, username: str) -> int | None:
    with reader(engine) as conn:
        return conn.scalar(sa.select(staff_users.c.id).where(staff_users.c.username == normalize_username(username)))


def staff_by_id(engine: Engine, user_id: int) -> Staff:
    with reader(engine) as conn:
        return _staff(conn, user_id)


def _staff(conn: sa.Connection, user_id: int) -> Staff:
    r = conn.execute(sa.select(staff_users.c.id, staff_users.c.username, staff_users.c.display_name,
                               staff_users.c.role).where(staff_users.c.id == user_id)).first()
    if r is None:
        raise StaffNotFound("No such user.")
    role = Role(r.role)
    agencies = frozenset(_agencies_of(conn, [r.id]).get(r.id, ())) if role is Role.OFFICER else frozenset()
    return Staff(r.id, r.username, r.display_name, role, agencies)


# --- throttles -------------------------------------------------------------------------------------


def _user_key(username: str) -> str:
    return "user:" + normalize_username(username)[:150]


def _ip_key(ip: str | None) -> str:
    return "ip:" + (ip or "unknown")[:64]


def _locked_until(conn: sa.Connection, keys: list[str], at: datetime) -> datetime | None:
    return conn.scalar(sa.select(sa.func.max(login_throttle.c.locked_until)).where(
        login_throttle.c.key.in_(keys), login_throttle.c.locked_until > at))


def _count_failure(conn: sa.Connection, key: str, limit: int, settings: Settings, at: datetime) -> bool:
    """One more failure for ``key``, atomically (two processes failing at once both count); True when
    this failure locks the key."""
    window = timedelta(minutes=settings.login_lock_minutes)
    conn.execute(upsert(conn, login_throttle).values(key=key, failures=0, window_start=at).on_conflict_do_nothing())
    fresh = login_throttle.c.window_start < at - window  # the old window is over: count from one
    conn.execute(login_throttle.update().where(login_throttle.c.key == key).values(
        failures=sa.case((fresh, 1), else_=login_throttle.c.failures + 1),
        window_start=sa.case((fresh, at), else_=login_throttle.c.window_start),
    ))
    failures = conn.scalar(sa.select(login_throttle.c.failures).where(login_throttle.c.key == key))
    if failures >= limit:
        conn.execute(login_throttle.update().where(login_throttle.c.key == key).values(
            locked_until=at + timedelta(minutes=settings.login_lock_minutes), failures=0, window_start=at))
        return True
    return False


def _fail(conn: sa.Connection, settings: Settings, username: str, ip: str | None, at: datetime) -> bool:
    locked = _count_failure(conn, _user_key(username), settings.login_max_failures, settings, at)
    locked |= _count_failure(conn, _ip_key(ip), settings.login_max_failures * IP_FACTOR, settings, at)
    return locked


# --- sign-in ---------------------------------------------------------------------------------------


class Outcome(str, Enum):
    OK = "ok"  # signed in (no second factor for this account)
    TOTP = "totp"  # password right; the code is next
    ENROL = "enrol"  # password right; the second factor must be set up first
    FAILED = "failed"  # unknown name or wrong password or code: one answer for all
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: Outcome
    user_id: int | None = None
    locked_until: datetime | None = None

    @property
    def stage(self) -> str | None:
        return {Outcome.OK: STAGE_FULL, Outcome.TOTP: STAGE_TOTP, Outcome.ENROL: STAGE_ENROL}.get(self.outcome)


def authenticate(engine: Engine, settings: Settings, username: str, password: str, ip: str | None, *,
                 now: datetime | None = None, via: str = "web") -> SignIn:
    """Check a name and password; count and audit the failure, or say what comes next."""
    at = _now(now)
    name = normalize_username(username)
    with reader(engine) as conn:
        locked = _locked_until(conn, [_user_key(name), _ip_key(ip)], at)
        row = conn.execute(sa.select(staff_users).where(staff_users.c.username == name)).first() if name else None
    actor = audit.Actor(row.id if row else None, row.username if row else UNKNOWN_USER, ip)
    if locked is not None:
        with engine.begin() as conn:
            audit.record(conn, actor, audit.SIGN_IN_LOCKED, target=via, at=at)
        return SignIn(Outcome.LOCKED, locked_until=locked)
    good = _verify(row.password_hash if row else None, password or "")
    if not good or row is None or row.disabled_at is not None:
        with engine.begin() as conn:
            now_locked = _fail(conn, settings, name or "-", ip, at)
            audit.record(conn, actor, audit.SIGN_IN_FAILED, target=via,
                         detail={"reason": "disabled" if good and row is not None else "password",
                                 "locked": now_locked}, at=at)
        if now_locked:
            return SignIn(Outcome.LOCKED, locked_until=at + timedelta(minutes=settings.login_lock_minutes))
        return SignIn(Outcome.FAILED)
    if _HASHER.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(staff_users.update().where(staff_users.c.id == row.id).values(
                password_hash=hash_password(password)))
    role = Role(row.role)
    if row.totp_secret:
        return SignIn(Outcome.TOTP, row.id)
    if role in TOTP_REQUIRED:
        return SignIn(Outcome.ENROL, row.id)
    with engine.begin() as conn:
        _succeed(conn, row.username, actor, at, factor="password", via=via)
    return SignIn(Outcome.OK, row.id)


def _succeed(conn: sa.Connection, username: str, actor: audit.Actor, at: datetime, *, factor: str,
             via: str) -> None:
    conn.execute(login_throttle.delete().where(login_throttle.c.key == _user_key(username)))
    audit.record(conn, actor, audit.SIGN_IN, target=via, detail={"factor": factor}, at=at)


def _totp_step(secret: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (this one or one either side, for clock drift), if it is newer
    than the last one used."""
    import pyotp

    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(engine: Engine, settings: Settings, user_id: int, code: str, ip: str | None, *,
                now: datetime | None = None, via: str = "web") -> SignIn:
    """The second step of a sign-in: a code is accepted once; a wrong one counts as a failed sign-in."""
    at = _now(now)
    with reader(engine) as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.id == user_id)).first()
        if row is None:
            return SignIn(Outcome.FAILED)
        locked = _locked_until(conn, [_user_key(row.username), _ip_key(ip)], at)
    actor = audit.Actor(row.id, row.username, ip)
    if locked is not None:
        with engine.begin() as conn:
            audit.record(conn, actor, audit.SIGN_IN_LOCKED, target=via, detail={"factor": "totp"}, at=at)
        return SignIn(Outcome.LOCKED, locked_until=locked)
    step = _totp_step(row.totp_secret, code, at, row.totp_last_step) if row.totp_secret else None
    with engine.begin() as conn:
        if step is not None and row.disabled_at is None:
            # The WHERE makes "accepted once" hold when two requests bring the same code at once.
            won = conn.execute(staff_users.update().where(
                staff_users.c.id == user_id,
                sa.or_(staff_users.c.totp_last_step.is_(None), staff_users.c.totp_last_step < step),
            ).values(totp_last_step=step)).rowcount
            if won:
                _succeed(conn, row.username, actor, at, factor="totp", via=via)
                return SignIn(Outcome.OK, row.id)
        now_locked = _fail(conn, settings, row.username, ip, at)
        audit.record(conn, actor, audit.SIGN_IN_FAILED, target=via,
                     detail={"reason": "totp", "locked": now_locked}, at=at)
    if now_locked:
        return SignIn(Outcome.LOCKED, locked_until=at + timedelta(minutes=settings.login_lock_minutes))
    return SignIn(Outcome.FAILED)


def totp_uri(secret: str, username: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def enrol_secret(engine: Engine, raw_session_id: str) -> str:
    """The secret offered to a person setting up their second factor in this (not yet full) session:
    derived from the session, so nothing half-made is stored and a new sign-in offers a new one."""
    # The key as its stored hex text, as it has been keyed since the first enrolment.
    key = server_secrets.get_or_create(engine, "totp-enrol").hex()
    digest = hmac.new(key.encode(), _hash_id(raw_session_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def enrol_totp(engine: Engine, settings: Settings, user_id: int, secret: str, code: str, ip: str | None, *,
               now: datetime | None = None) -> bool:
    """Store ``secret`` as the account's second factor once ``code`` proves the person's app has it."""
    at = _now(now)
    step = _totp_step(secret, code, at, None)
    with engine.begin() as conn:
        row = conn.execute(sa.select(staff_users.c.username).where(staff_users.c.id == user_id)).first()
        if row is None:
            return False
        actor = audit.Actor(user_id, row.username, ip)
        if step is None:
            _fail(conn, settings, row.username, ip, at)
            audit.record(conn, actor, audit.SIGN_IN_FAILED, target="web", detail={"reason": "totp_enrol"}, at=at)
            return False
        # Only where none is set: an existing second factor is never replaced from a session.
        won = conn.execute(staff_users.update().where(
            staff_users.c.id == user_id, staff_users.c.totp_secret.is_(None)).values(
            totp_secret=secret, totp_last_step=step)).rowcount
        if not won:
            return False
        audit.record(conn, actor, audit.TOTP_ENROLLED, target=f"user:{row.username}", at=at)
    return True


def record_sign_in(engine: Engine, user_id: int, ip: str | None, *, factor: str, via: str = "web") -> None:
    """A sign-in completed outside authenticate/verify_totp (the first one, that set up the second factor)."""
    at = db_now()
    with engine.begin() as conn:
        username = conn.scalar(sa.select(staff_users.c.username).where(staff_users.c.id == user_id))
        _succeed(conn, username, audit.Actor(user_id, username, ip), at, factor=factor, via=via)


def message_of(exc: ValidationError, translate=lambda s: s) -> str:
    """An error's message in one language, without the field name in front."""
    return translate(exc.message).format(**exc.params)


# --- sessions --------------------------------------------------------------------------------------


def _hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_session_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user_id: int
    stage: str
    csrf: str
    must_change_password: bool
    created_at: datetime


def start_session(engine: Engine, settings: Settings, user_id: int, *, stage: str = STAGE_FULL,
                  ip: str | None = None, user_agent: str | None = None, replaces: str | None = None,
                  now: datetime | None = None) -> tuple[str, str]:
    """A new session (id, csrf token). ``replaces`` is the id the browser had: it is deleted, so an id
    known before a sign-in step is never valid after it."""
    at = _now(now)
    raw = new_session_id()
    csrf = secrets.token_urlsafe(32)
    # A half-done sign-in (password given, code not yet) may not outlive a few minutes.
    expires = at + (timedelta(hours=settings.session_absolute_hours) if stage == STAGE_FULL else timedelta(minutes=10))
    with engine.begin() as conn:
        if replaces:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.id_hash == _hash_id(replaces)))
        conn.execute(staff_sessions.insert().values(
            id_hash=_hash_id(raw), user_id=user_id, stage=stage, csrf_token=csrf, created_at=at, last_seen_at=at,
            expires_at=expires, ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:200] or None))
    return raw, csrf


def session_info(engine: Engine, settings: Settings, raw_id: str | None, *,
                 now: datetime | None = None) -> SessionInfo | None:
    """The live session behind a cookie value, at any stage; refreshes its idle clock."""
    if not raw_id or len(raw_id) > 100:
        return None
    at = _now(now)
    id_hash = _hash_id(raw_id)
    with reader(engine) as conn:
        r = conn.execute(
            sa.select(staff_sessions, staff_users.c.disabled_at, staff_users.c.must_change_password)
            .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
            .where(staff_sessions.c.id_hash == id_hash)
        ).first()
    if r is None:
        return None
    idle = timedelta(minutes=settings.session_idle_minutes)
    if r.disabled_at is not None or r.expires_at <= at or r.last_seen_at + idle <= at:
        with engine.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.id_hash == id_hash))
        return None
    if at - r.last_seen_at >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(staff_sessions.update().where(staff_sessions.c.id_hash == id_hash).values(last_seen_at=at))
    return SessionInfo(r.user_id, r.stage, r.csrf_token, bool(r.must_change_password), r.created_at)


def session_for(engine: Engine, settings: Settings, raw_id: str | None, *,
                now: datetime | None = None) -> tuple[Staff, str] | None:
    """(Staff, csrf token) for a fully signed-in session, else None."""
    info = session_info(engine, settings, raw_id, now=now)
    if info is None or info.stage != STAGE_FULL:
        return None
    try:
        return staff_by_id(engine, info.user_id), info.csrf
    except StaffNotFound:
        return None


def end_session(engine: Engine, raw_id: str | None, *, by: audit.Actor | None = None) -> bool:
    if not raw_id:
        return False
    with engine.begin() as conn:
        n = conn.execute(staff_sessions.delete().where(staff_sessions.c.id_hash == _hash_id(raw_id))).rowcount
        if n and by is not None:
            audit.record(conn, by, audit.SIGN_OUT, target="web")
    return bool(n)


def end_all_sessions(engine: Engine, user_id: int, *, by: audit.Actor) -> int:
    """Sign a person out everywhere (every browser, every process)."""
    with engine.begin() as conn:
        n = conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id)).rowcount
        audit.record(conn, by, audit.SIGN_OUT_EVERYWHERE, target=f"user_id:{user_id}", detail={"sessions_ended": n})
    return n


def purge_expired(engine: Engine, now: datetime) -> int:
    """Delete sessions past their absolute expiry or idle for longer than any setting allows, and
    throttle rows whose lock and window are long over; returns the number of sessions deleted."""
    with engine.begin() as conn:
        n = conn.execute(staff_sessions.delete().where(sa.or_(
            staff_sessions.c.expires_at <= now, staff_sessions.c.last_seen_at <= now - MAX_IDLE))).rowcount
        conn.execute(login_throttle.delete().where(
            login_throttle.c.window_start < now - MAX_IDLE,
            sa.or_(login_throttle.c.locked_until.is_(None), login_throttle.c.locked_until < now)))
    return n
