"""staff.py on a real SQLite file, without a server: the password policy, re-hashing, TOTP steps, the
throttle window, purging, and the CLI's sign-in."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from kiosk.central import audit, staff
from kiosk.central.db import audit_log, login_throttle, now, open_database, staff_sessions, staff_users
from kiosk.central.settings import Settings, sqlite_url
from kiosk.cli import main

from .staffkit import DEFAULT_PASSWORD, make_user, totp_now


@pytest.fixture
def settings(tmp_path):
    return Settings(database_url=sqlite_url(tmp_path / "central.db"))


@pytest.fixture
def engine(settings):
    e = open_database(settings)
    yield e
    e.dispose()


@pytest.mark.parametrize(("password", "why"), [
    ("short pw 1", "at least 12"),
    ("password123456", "too easy"),
    ("qwertyuiop123", "too easy"),
    ("budi.santoso.1990!", "user name or your name"),
    ("Santoso kopi jahe 9", "user name or your name"),
    ("x" * 300, "at most"),
])
def test_weak_passwords_are_refused(password, why):
    with pytest.raises(staff.PasswordRejected) as err:
        staff.check_password_policy(password, username="budi.santoso", display_name="Budi Santoso")
    assert why in str(err.value)


def test_a_good_passphrase_passes():
    staff.check_password_policy("kopi jahe merah 2026 lombok", username="budi", display_name="Budi Santoso")


def test_officer_agencies_must_be_in_the_catalog(engine):
    with pytest.raises(staff.ValidationError) as err:
        staff.create_user(engine, username="salah", display_name="Salah Dinas", role="officer",
                          password=DEFAULT_PASSWORD, agencies=["dinkes", "nope"], by=audit.SYSTEM,
                          known_agencies={"dinkes", "bappenda"})
    assert err.value.field == "agencies" and "nope" in str(err.value)
    uid = staff.create_user(engine, username="benar", display_name="Benar Dinas", role="officer",
                            password=DEFAULT_PASSWORD, agencies=["dinkes"], by=audit.SYSTEM, known_agencies={"dinkes"})
    assert staff.staff_by_id(engine, uid).agencies == frozenset({"dinkes"})
    # Only officers are bound to agencies: the province's roles see all of them.
    uid = staff.create_user(engine, username="meja1", display_name="Meja Satu", role="desk",
                            password=DEFAULT_PASSWORD, agencies=["dinkes"], by=audit.SYSTEM)
    assert staff.staff_by_id(engine, uid).agencies == frozenset()


def test_old_hash_parameters_are_upgraded_at_sign_in(engine, settings):
    uid, _ = make_user(engine, "lama", "viewer")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(DEFAULT_PASSWORD)
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == uid).values(password_hash=weak))
    assert staff.authenticate(engine, settings, "lama", DEFAULT_PASSWORD, "10.0.0.1").outcome is staff.Outcome.OK
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(staff_users.c.password_hash).where(staff_users.c.id == uid))
    assert stored != weak and stored.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(stored)


def test_totp_steps_are_used_once_and_drift_is_one_step(engine, settings):
    uid, secret = make_user(engine, "waktu", "admin", totp=True)
    t0 = now()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(t0)
    assert staff.verify_totp(engine, settings, uid, totp.generate_otp(step), "ip", now=t0).outcome is staff.Outcome.OK
    # The same step again, or an older one: refused.
    assert staff.verify_totp(engine, settings, uid, totp.generate_otp(step), "ip", now=t0).outcome is staff.Outcome.FAILED
    assert staff.verify_totp(engine, settings, uid, totp.generate_otp(step - 1), "ip", now=t0).outcome is staff.Outcome.FAILED
    # One step ahead (a phone's clock a little fast) is fine; two are not.
    assert staff.verify_totp(engine, settings, uid, totp.generate_otp(step + 2), "ip", now=t0).outcome is staff.Outcome.FAILED
    assert staff.verify_totp(engine, settings, uid, totp.generate_otp(step + 1), "ip", now=t0).outcome is staff.Outcome.OK


def test_failures_outside_the_window_start_a_new_count(engine, settings):
    make_user(engine, "jendela", "viewer")
    t0 = now()
    for i in range(4):
        assert staff.authenticate(engine, settings, "jendela", "salah", "ip", now=t0 + timedelta(seconds=i)).outcome \
            is staff.Outcome.FAILED
    later = t0 + timedelta(minutes=settings.login_lock_minutes + 1)
    assert staff.authenticate(engine, settings, "jendela", "salah", "ip", now=later).outcome is staff.Outcome.FAILED
    with engine.connect() as conn:
        assert conn.scalar(sa.select(login_throttle.c.failures).where(login_throttle.c.key == "user:jendela")) == 1


def test_an_address_is_locked_after_many_names(engine, settings):
    limit = settings.login_max_failures * staff.IP_FACTOR
    outcomes = [staff.authenticate(engine, settings, f"nama{i}", "salah", "203.0.113.9").outcome for i in range(limit)]
    assert outcomes[-1] is staff.Outcome.LOCKED and staff.Outcome.LOCKED not in outcomes[:-1]
    make_user(engine, "korban", "viewer")
    # That address is locked for everyone; another is not.
    assert staff.authenticate(engine, settings, "korban", DEFAULT_PASSWORD, "203.0.113.9").outcome is staff.Outcome.LOCKED
    assert staff.authenticate(engine, settings, "korban", DEFAULT_PASSWORD, "203.0.113.10").outcome is staff.Outcome.OK


def test_purge_expired(engine, settings):
    uid, _ = make_user(engine, "purge", "viewer")
    t0 = now()
    live, _ = staff.start_session(engine, settings, uid, now=t0)
    staff.start_session(engine, settings, uid, now=t0 - timedelta(hours=settings.session_absolute_hours + 1))
    assert staff.purge_expired(engine, t0) == 1
    assert staff.session_for(engine, settings, live, now=t0) is not None


def test_audit_detail_has_no_password(engine, settings):
    make_user(engine, "rahasia", "viewer")
    staff.authenticate(engine, settings, "rahasia", "my secret typed wrong", "ip")
    staff.authenticate(engine, settings, "my secret in the name field", "x", "ip")
    with engine.connect() as conn:
        text = json.dumps([list(r) for r in conn.execute(sa.select(audit_log)).all()], default=str)
    assert "my secret" not in text


def test_default_cookie_is_secure():
    assert Settings().cookie_secure is True


# --- the command line --------------------------------------------------------------------------------


def cli(capsys, tmp_path, settings, *args):
    code = main(["--data-dir", str(tmp_path), "--json", "central", *args, "--db", settings.database_url])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_cli_user_commands(capsys, tmp_path, engine, settings, monkeypatch):
    monkeypatch.setenv("IPLIK_NEW_PASSWORD", "senggigi pantai 8 ombak")
    # No administrator yet: the first one is made without a sign-in (the audit row says so).
    code, out, _ = cli(capsys, tmp_path, settings, "user", "add", "ayu", "--name", "Ayu Pratiwi", "--role", "admin",
                       "--with-totp", "--no-change")
    assert code == 0 and out["totp_secret"]
    secret = out["totp_secret"]
    # From now on an administrator must sign in.
    code, _, err = cli(capsys, tmp_path, settings, "user", "add", "budi", "--name", "Budi", "--role", "viewer")
    assert code == 2 and "--user" in err
    monkeypatch.setenv("IPLIK_STAFF_PASSWORD", "senggigi pantai 8 ombak")
    code, out, _ = cli(capsys, tmp_path, settings, "user", "add", "budi", "--name", "Budi", "--role", "officer",
                       "--agency", "dinkes", "--user", "ayu", "--totp", totp_now(secret))
    assert code == 0
    code, rows, _ = cli(capsys, tmp_path, settings, "user", "list", "--user", "ayu", "--totp", totp_now(secret))
    assert {r["username"]: r["agencies"] for r in rows} == {"ayu": [], "budi": ["dinkes"]}
    assert next(r for r in rows if r["username"] == "budi")["must_change_password"]
    code, _, _ = cli(capsys, tmp_path, settings, "user", "disable", "budi", "--user", "ayu", "--totp", totp_now(secret))
    assert code == 0
    # A wrong code is a refused sign-in, counted and audited like the web's.
    code, _, err = cli(capsys, tmp_path, settings, "user", "list", "--user", "ayu", "--totp", "000000")
    assert code == 2
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.target)
                            .order_by(audit_log.c.id)).all()
    assert rows[0] == ("cli-bootstrap", "user_created", "user:ayu")
    assert ("ayu", "sign_in", "cli") in rows and ("ayu", "user_disabled", "user:budi") in rows
    assert rows[-1][:2] == ("ayu", "sign_in_failed")


def test_cli_complaint_actions_need_a_role_that_may(capsys, tmp_path, engine, settings, monkeypatch):
    make_user(engine, "petugas", "officer", agencies=["dinkes"])
    monkeypatch.setenv("IPLIK_STAFF_PASSWORD", DEFAULT_PASSWORD)
    code, _, err = cli(capsys, tmp_path, settings, "complaints", "verify", "AAAA-AAAA-AAA", "--user", "petugas")
    assert code == 2 and "may not" in err
    code, _, err = cli(capsys, tmp_path, settings, "complaints", "verify", "AAAA-AAAA-AAA")
    assert code == 2 and "--user" in err
    monkeypatch.setenv("IPLIK_STAFF_PASSWORD", "wrong")
    code, _, err = cli(capsys, tmp_path, settings, "complaints", "list", "--user", "petugas")
    assert code == 2
