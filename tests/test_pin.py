"""The staff PIN: salted slow hashes and a lockout driven by a fake clock."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.domain.errors import ValidationError
from kiosk.domain.pin import PinGate, hash_pin, verify_pin


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
