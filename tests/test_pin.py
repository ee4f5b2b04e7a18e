"""The staff PIN: salted slow hashes, the rules for a new PIN, and a lockout driven by a fake clock, kept in
the kiosk database (a real SQLite file) so that a restart does not end it."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.config import AdminSection, load_config
from kiosk.domain.errors import ValidationError
from kiosk.domain.pin import PinGate, check_new_pin, hash_pin, is_pin_hash, verify_pin
from kiosk.store import staff_pin
from kiosk.store.db import Store


def test_hash_round_trip_and_salt():
    a, b = hash_pin("1234", iterations=1000), hash_pin("1234", iterations=1000)
    assert a != b  # fresh salt each time
    assert verify_pin("1234", a) and verify_pin("1234", b)
    assert not verify_pin("1235", a)


@pytest.mark.parametrize("stored", ["", "plain", "pbkdf2_sha256$x$00$00", "md5$1$00$00", "pbkdf2_sha256$1$zz$00"])
def test_garbage_hashes_never_verify(stored):
    assert verify_pin("1234", stored) is False


@pytest.mark.parametrize("pin", ["", "123", "12a4", "1" * 13, "１２３４"])
def test_pin_format(pin):
    with pytest.raises(ValidationError):
        hash_pin(pin)


def test_demo_config_pin_is_the_documented_one():
    assert verify_pin("246810", load_config().admin.pin_hash)


def test_lockout_after_max_attempts_and_release_after_timeout():
    gate = PinGate(hash_pin("2468", iterations=1000), max_attempts=3, lockout_s=60)
    t = 1000.0
    assert not gate.try_pin("0000", t)
    assert not gate.try_pin("0000", t + 1)
    assert not gate.locked(t + 1)
    assert not gate.try_pin("0000", t + 2)
    assert gate.locked(t + 2) and gate.seconds_left(t + 2) == 60
    # While locked even the right PIN is refused.
    assert not gate.try_pin("2468", t + 30)
    assert gate.try_pin("2468", t + 62)
    assert gate.failures == 0


def test_success_resets_the_failure_count():
    gate = PinGate(hash_pin("2468", iterations=1000), max_attempts=3)
    gate.try_pin("1", 0)
    gate.try_pin("2", 0)
    assert gate.try_pin("2468", 0)
    gate.try_pin("1", 0)
    gate.try_pin("2", 0)
    assert not gate.locked(0)


def test_no_pin_configured_means_no_admin_access():
    assert not PinGate("").try_pin("", 0)


# --- issue 12, item 13: the lockout in the kiosk database, a clock that goes back, PINs from the server ---

FAST = 2**10  # scrypt's N in these tests (the smallest a hash from elsewhere may have)


def _admin(pin_hash: str, **kw) -> AdminSection:
    return AdminSection(pin_hash=pin_hash, max_attempts=kw.get("max_attempts", 3), lockout_s=kw.get("lockout_s", 300))


def test_the_lockout_survives_a_restart(tmp_path):
    """Issue 12 #13: three wrong PINs, the process ends, a new one opens the same file: still locked."""
    admin = _admin(hash_pin("246810", n=FAST))
    t = 1_800_000_000.0
    store = Store(tmp_path / "kiosk.db")
    for i in range(3):
        assert not staff_pin.attempt(store, admin, "111111", now=t + i).ok
    store.close()

    again = Store(tmp_path / "kiosk.db")  # a restart: nothing in memory carries over
    state = staff_pin.state(again, admin, now=t + 10)
    assert state.locked_s == 300 - 8
    refused = staff_pin.attempt(again, admin, "246810", now=t + 10)  # even the right PIN
    assert not refused.ok and refused.locked_s > 0
    assert staff_pin.attempt(again, admin, "246810", now=t + 2 + 300).ok
    again.close()


def test_failures_below_the_limit_are_counted_across_restarts_too(tmp_path):
    admin = _admin(hash_pin("246810", n=FAST))
    store = Store(tmp_path / "kiosk.db")
    assert staff_pin.attempt(store, admin, "111111", now=100.0).tries_left == 2
    assert staff_pin.attempt(store, admin, "111111", now=101.0).tries_left == 1
    store.close()
    again = Store(tmp_path / "kiosk.db")
    assert staff_pin.attempt(again, admin, "111111", now=102.0).locked_s == 300
    again.close()


def test_a_clock_set_back_does_not_end_the_lockout_early():
    gate = PinGate(hash_pin("2468", n=FAST), max_attempts=2, lockout_s=60)
    t = 1_800_000_000.0
    gate.try_pin("0", t)
    gate.try_pin("0", t)
    assert gate.locked(t) and gate.locked_until == t + 60
    back = t - 86_400  # a day back (an RTC-less board booting with an old time)
    assert gate.locked(back) and gate.seconds_left(back) == 60
    assert not gate.try_pin("2468", back)  # refused, and the full lockout starts from the clock as it is
    assert gate.locked(back + 59) and not gate.try_pin("2468", back + 59)
    assert gate.try_pin("2468", back + 60)


def test_a_clock_set_back_is_stored_like_any_other_try(tmp_path):
    admin = _admin(hash_pin("246810", n=FAST), lockout_s=60)
    store = Store(tmp_path / "kiosk.db")
    t = 1_800_000_000.0
    for _ in range(3):
        staff_pin.attempt(store, admin, "000000", now=t)
    assert not staff_pin.attempt(store, admin, "246810", now=t - 3600).ok
    store.close()
    again = Store(tmp_path / "kiosk.db")
    assert staff_pin.state(again, admin, now=t - 3600 + 59).locked_s == 1
    assert staff_pin.attempt(again, admin, "246810", now=t - 3600 + 60).ok
    again.close()


def test_the_server_pin_is_preferred_to_config_and_says_so(tmp_path):
    admin = _admin(hash_pin("246810", n=FAST))
    store = Store(tmp_path / "kiosk.db")
    assert staff_pin.state(store, admin).source == staff_pin.SOURCE_CONFIG
    sent = {"pin_hash": hash_pin("735194", n=FAST), "set_at": "2026-12-07T05:00:00+00:00"}
    assert staff_pin.store_server_pin(store.db, sent)
    assert not staff_pin.store_server_pin(store.db, dict(sent))  # the same again: nothing to write
    check = staff_pin.attempt(store, admin, "735194")
    assert check.ok and check.source == staff_pin.SOURCE_SERVER and check.set_at == sent["set_at"]
    assert not staff_pin.attempt(store, admin, "246810").ok  # config.toml's no longer opens it
    assert staff_pin.store_server_pin(store.db, None)  # the office's PIN was cleared on the server
    assert staff_pin.attempt(store, admin, "246810").ok
    store.close()


@pytest.mark.parametrize("bad", [
    "", "plain", {"pin_hash": "md5$1$00$00"}, {"pin_hash": "pbkdf2_sha256$10$" + "00" * 16 + "$" + "0" * 64},
    {"pin_hash": "pbkdf2_sha256$999999999$" + "00" * 16 + "$" + "0" * 64}, {"pin_hash": 7},
    {"pin_hash": "scrypt$1048576$8$1$" + "00" * 16 + "$" + "0" * 64},  # 1 GB of memory per try
    {"pin_hash": "scrypt$16384$64$1$" + "00" * 16 + "$" + "0" * 64}, {"pin_hash": "scrypt$1000$8$1$" + "00" * 16 + "$" + "0" * 64},
])
def test_a_hash_the_kiosk_cannot_check_at_a_sane_cost_is_refused_and_the_old_one_kept(tmp_path, bad):
    store = Store(tmp_path / "kiosk.db")
    good = {"pin_hash": hash_pin("735194", n=FAST), "set_at": None}
    staff_pin.store_server_pin(store.db, good)
    with pytest.raises(ValueError):
        staff_pin.store_server_pin(store.db, bad)
    assert staff_pin.server_pin(store.db).pin_hash == good["pin_hash"]
    store.close()


def test_the_tables_hold_no_pin(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    admin = _admin(hash_pin("246810", n=FAST))
    staff_pin.store_server_pin(store.db, {"pin_hash": hash_pin("735194", n=FAST), "set_at": None})
    staff_pin.attempt(store, admin, "918273")
    store.close()
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "735194" not in dump and "918273" not in dump


@pytest.mark.parametrize("pin", ["1234", "12345", "000000", "123456", "654321", "890123", "121212", "1111111111"])
def test_new_pins_must_not_be_trivial(pin):
    with pytest.raises(ValidationError):
        check_new_pin(pin)


@pytest.mark.parametrize("pin", ["735194", "246810", "90817263"])
def test_new_pins_that_pass(pin):
    assert check_new_pin(pin) == pin


def test_is_pin_hash_accepts_what_hash_pin_makes_and_the_demo_config():
    assert is_pin_hash(hash_pin("735194"))
    assert is_pin_hash(load_config().admin.pin_hash)
    assert not is_pin_hash(hash_pin("735194", iterations=10))
    assert not is_pin_hash(hash_pin("735194", n=2**9))


def test_new_hashes_are_scrypt_and_old_pbkdf2_ones_still_open():
    new = hash_pin("735194")
    assert new.startswith("scrypt$16384$8$1$") and verify_pin("735194", new) and not verify_pin("735195", new)
    old = hash_pin("735194", iterations=FAST)
    assert old.startswith("pbkdf2_sha256$") and verify_pin("735194", old)


def test_no_pin_anywhere_opens_nothing(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    check = staff_pin.attempt(store, _admin(""), "")
    assert not check.ok and check.source == "" and staff_pin.state(store, _admin("")).source == ""
    store.close()
