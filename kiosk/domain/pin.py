"""The staff PIN: salted slow hashes, the rules for a new PIN, and a lockout after repeated failures.

A kiosk stands in a public lobby; a PIN is only safe behind a slow hash (the config file and the
database may be read off a stolen device) and a lockout (a bystander may watch and try).

New hashes are scrypt (N=2^14, r=8, p=1: 16 MB of memory per try), which costs a graphics card far
more than PBKDF2 does for the same time on the kiosk: about 0.07 s on a PC and, by our estimate, 0.2 s
on a Raspberry Pi 4 (bench/bench_pin_hash.py). Hashes made before (PBKDF2-SHA256, e.g. the demo
config.toml's) are still checked. A six-digit PIN has only 10^6 values, so no hash stops an offline
search of a stolen disk for long: the real defences are the lockout on the kiosk and the sealing of
personal data, which the PIN does not open (docs/staff_pin.md).

Time is passed in (wall-clock seconds, so that a lockout stored in the kiosk database survives a
restart), and the lockout is a plain state machine that tests drive without sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .errors import ValidationError

SCRYPT = "scrypt"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2 = "pbkdf2_sha256"  # hashes made before scrypt; still checked, no longer made by default
ITERATIONS = 200_000
# A hash that arrives from elsewhere (config.toml, the central server) is used only within these
# bounds: a cheaper one would make a stolen hash cheap to search, a dearer one would freeze the PIN
# check or exhaust a Pi's memory.
MIN_ITERATIONS, MAX_ITERATIONS = 1_000, 2_000_000
MIN_SCRYPT_N, MAX_SCRYPT_N = 2**10, 2**16
_SCRYPT_MAXMEM = 2**27  # 128 MB: above what MAX_SCRYPT_N with r <= 8 needs (64 MB)
# ASCII digits only: str.isdigit() also accepts full-width and other scripts' digits.
_PIN = re.compile(r"[0-9]{4,12}")
_SALT, _DIGEST = r"([0-9a-f]{16,128})", r"([0-9a-f]{64})"
_PBKDF2_HASH = re.compile(PBKDF2 + r"\$([0-9]{1,8})\$" + _SALT + r"\$" + _DIGEST)
_SCRYPT_HASH = re.compile(SCRYPT + r"\$([0-9]{1,8})\$([0-9]{1,2})\$([0-9])\$" + _SALT + r"\$" + _DIGEST)
NEW_PIN_MIN = 6
_ASCENDING = "01234567890123456789"
_DESCENDING = _ASCENDING[::-1]


def validate_pin(pin: str) -> str:
    if not _PIN.fullmatch(pin):
        raise ValidationError("The PIN must be 4 to 12 digits.", field="pin")
    return pin


def check_new_pin(pin: str) -> str:
    """A PIN being set now: the format above, at least six digits, and not one of the first guesses
    (one digit repeated, a run up or down such as 123456, or a pair repeated such as 121212)."""
    validate_pin(pin)
    if len(pin) < NEW_PIN_MIN:
        raise ValidationError("A new PIN must have at least {min} digits.", field="pin", min=NEW_PIN_MIN)
    if len(set(pin)) <= 2 or pin in _ASCENDING or pin in _DESCENDING:
        raise ValidationError("This PIN is too easy to guess. Choose one without repeats or runs like 123456.",
                              field="pin")
    return pin


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = SCRYPT_N, iterations: int | None = None) -> str:
    """An scrypt hash (``iterations``: a PBKDF2 one instead, as made before; tests use few rounds)."""
    validate_pin(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    if iterations is not None:
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
        return f"{PBKDF2}${iterations}${salt.hex()}${digest.hex()}"
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=_SCRYPT_MAXMEM, dklen=32)
    return f"{SCRYPT}${n}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def _sane_scrypt(n: int, r: int, p: int) -> bool:
    return MIN_SCRYPT_N <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 8 and 1 <= p <= 4


def is_pin_hash(stored: str) -> bool:
    """True for a hash this module can check at a sane cost (what config.toml and the server may send)."""
    if m := _PBKDF2_HASH.fullmatch(stored):
        return MIN_ITERATIONS <= int(m.group(1)) <= MAX_ITERATIONS and len(m.group(2)) % 2 == 0
    if m := _SCRYPT_HASH.fullmatch(stored):
        return _sane_scrypt(int(m.group(1)), int(m.group(2)), int(m.group(3))) and len(m.group(4)) % 2 == 0
    return False


def verify_pin(pin: str, stored: str) -> bool:
    try:
        if m := _SCRYPT_HASH.fullmatch(stored):
            n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if not _sane_scrypt(n, r, p):
                return False
            digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(m.group(4)), n=n, r=r, p=p,
                                    maxmem=_SCRYPT_MAXMEM, dklen=32)
            expected = m.group(5)
        else:
            scheme, iterations, salt_hex, expected = stored.split("$")
            if scheme != PBKDF2 or not 1 <= int(iterations) <= MAX_ITERATIONS:
                return False
            digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


@dataclass
class PinGate:
    """Counts failures; after ``max_attempts`` in a row the gate stays shut for ``lockout_s`` seconds.

    ``locked_at`` guards against the clock: if the wall clock is ever earlier than the moment the
    lockout began (set back by hand, or a Raspberry Pi without a battery clock booting with an old
    time), nobody can tell how long the lockout has lasted, so the gate stays shut and the next try
    starts the full lockout again from the new clock. A clock going back never opens it early, and
    never keeps it shut for longer than one lockout after the clock is believed again.
    """

    stored_hash: str
    max_attempts: int = 5
    lockout_s: float = 300.0
    failures: int = 0
    locked_until: float = 0.0
    locked_at: float = 0.0

    def locked(self, now: float) -> bool:
        return now < self.locked_until or now < self.locked_at

    def seconds_left(self, now: float) -> int:
        if now < self.locked_at:
            return max(0, int(self.lockout_s + 0.999))
        return max(0, int(self.locked_until - now + 0.999))

    def tries_left(self) -> int:
        return max(0, self.max_attempts - self.failures)

    def try_pin(self, pin: str, now: float, *, verified: bool | None = None) -> bool:
        """``verified``: the outcome of ``verify_pin(pin, stored_hash)`` when the caller already ran
        the slow hash (outside its database transaction)."""
        if now < self.locked_at:
            self._lock(now)  # the clock went back: the lockout restarts from the clock as it is now
            return False
        if self.locked(now) or not self.stored_hash:
            return False
        if verify_pin(pin, self.stored_hash) if verified is None else verified:
            self.failures = 0
            self.locked_until = self.locked_at = 0.0
            return True
        self.failures += 1
        if self.failures >= self.max_attempts:
            self._lock(now)
        return False

    def _lock(self, now: float) -> None:
        self.failures = 0
        self.locked_at = now
        self.locked_until = now + self.lockout_s
