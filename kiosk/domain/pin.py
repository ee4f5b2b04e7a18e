"""The staff PIN: salted PBKDF2 hashes and a lockout after repeated failures.

A kiosk stands in a public lobby; a six-digit PIN is only safe behind a slow hash (the config file may
be read off a stolen device) and a lockout (a bystander may watch and try). Time is passed in, so the
lockout is a plain state machine that tests can drive without sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .errors import ValidationError

ITERATIONS = 200_000
# ASCII digits only: str.isdigit() also accepts full-width and other scripts' digits.
_PIN = re.compile(r"[0-9]{4,12}")


def validate_pin(pin: str) -> str:
    if not _PIN.fullmatch(pin):
        raise ValidationError("The PIN must be 4 to 12 digits.", field="pin")
    return pin


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    validate_pin(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


@dataclass
class PinGate:
    """Counts failures; after ``max_attempts`` in a row the gate stays shut for ``lockout_s`` seconds."""

    stored_hash: str
    max_attempts: int = 5
    lockout_s: float = 300.0
    failures: int = 0
    locked_until: float = 0.0

    def locked(self, now: float) -> bool:
        return now < self.locked_until

    def seconds_left(self, now: float) -> int:
        return max(0, int(self.locked_until - now + 0.999))

    def try_pin(self, pin: str, now: float) -> bool:
        if self.locked(now) or not self.stored_hash:
            return False
        if verify_pin(pin, self.stored_hash):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= self.max_attempts:
            self.failures = 0
            self.locked_until = now + self.lockout_s
        return False
