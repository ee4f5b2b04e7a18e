"""Device tokens, enrollment codes and the per-client rate limiter.

A token is 32 random bytes; the server keeps only its sha256, so a copy of the database lets nobody
push as a kiosk. Enrollment codes are short enough to type on a kiosk's keyboard, used once, and
expire; they too are stored only as hashes.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass

from ..sync import wire

# Crockford-style alphabet without 0/O, 1/I/L, U: nothing to misread on a printed slip.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ENROLL_CODE_GROUPS = 3  # "7KQ4-M2XT-9HBC": 12 symbols, about 59 bits


def new_token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(wire.TOKEN_BYTES)).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_device_id() -> str:
    return "kio-" + secrets.token_hex(6)


def new_enroll_code() -> str:
    groups = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(ENROLL_CODE_GROUPS)]
    return "-".join(groups)


def normalize_enroll_code(code: str) -> str:
    """What the technician typed, in the form that was hashed: upper case, no separators."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def enroll_code_hash(code: str) -> str:
    return hashlib.sha256(normalize_enroll_code(code).encode()).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def client_address(peer: str, forwarded: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """Walk X-Forwarded-For from the right while the hop is a trusted proxy; the first untrusted hop
    is the client. A request that did not come from a trusted proxy is known by its peer address."""
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in n for n in networks)

    if not networks or not trusted(peer):
        return peer[:64]
    hops = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer[:64]  # garbage written by the client: fall back to what we know
    return peer[:64]


# --- rate limiting ---------------------------------------------------------------------------------


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by client: ``burst`` requests at once, refilled at ``per_minute``.

    In memory, per server process: enough to make enumerating tracking codes hopeless (a few
    thousand tries a day per address against a space of billions), and it needs no extra service.
    """

    def __init__(self, burst: int, per_minute: float, *, max_keys: int = 100_000) -> None:
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0, now: float | None = None) -> float:
        """Spend ``cost`` from ``key``'s bucket. Returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) >= self.max_keys:
                    self._evict(now)
                b = self._buckets[key] = _Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.updated) * self.rate)
            b.updated = now
            if b.tokens >= cost:
                b.tokens -= cost
                return 0.0
            return (cost - b.tokens) / self.rate if self.rate > 0 else 3600.0

    def _evict(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()
