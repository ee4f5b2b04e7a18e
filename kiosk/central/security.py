"""Device tokens, enrollment codes, the client's address and the per-client rate limits.

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

from sqlalchemy.engine import Engine

from ..sync import wire
from .ratelimit import DbRateLimiter, Rule

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


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as written in a header or by the socket; an IPv4 address mapped into IPv6
    (``::ffff:203.0.113.7``, from a dual-stack socket) is that IPv4 address."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_address(peer: str, forwarded: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """Walk X-Forwarded-For from the right while the hop is a trusted proxy; the first untrusted hop
    is the client. A request that did not come from a trusted proxy is known by its peer address.

    Only the right end can be believed: each trusted proxy appends the address it was reached from,
    while everything left of that is whatever the client chose to write."""
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return ip is not None and any(ip.version == n.version and ip in n for n in networks)

    peer_ip = _address(peer)
    peer_text = str(peer_ip) if peer_ip is not None else peer[:64]
    if not networks or not trusted(peer_ip):
        return peer_text
    hops = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _address(hop)
        if not trusted(ip):
            # Garbage where a trusted proxy writes the address it saw: believe only the proxy itself.
            return str(ip) if ip is not None else peer_text
    return peer_text


def rate_key(client: str) -> str:
    """The bucket a client counts in: ``ip:ADDR`` for IPv4, ``ip6:NET/64`` for IPv6, other keys as given.

    An IPv6 subscriber gets a whole /64 (often far more): counted one address at a time, one home
    would have 2**64 fresh buckets. A key that is not an address (``device:ID``) passes unchanged."""
    ip = _address(client)
    if ip is None:
        return client[:100]
    if ip.version == 6:
        return "ip6:" + str(ipaddress.ip_network((ip, 64), strict=False))
    return f"ip:{ip}"


# --- rate limiting ---------------------------------------------------------------------------------


class ClientLimiter:
    """A :class:`ratelimit.Rule` per client (grouped by :func:`rate_key`), kept in the database, so it
    holds across server processes and restarts.

    A key this process saw refused is refused again without the database until its bucket could have
    refilled: a flood of refused requests costs no transaction. Safe across processes, since another
    process can only spend tokens, never add them."""

    MAX_MEMO = 10_000

    def __init__(self, engine: Engine, rule: Rule) -> None:
        self.rule = rule
        self.db = DbRateLimiter(engine, rule)
        self._refused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0, now: float | None = None) -> float:
        """Spend ``cost`` from the client's bucket: 0 when allowed, else the seconds to wait."""
        k = rate_key(key)
        now = self.db.clock() if now is None else now
        with self._lock:
            until = self._refused_until.get(k)
        if until is not None and now < until:
            return until - now
        wait = self.db.take(k, cost, now=now)
        if wait:
            with self._lock:
                if len(self._refused_until) >= self.MAX_MEMO:
                    self._refused_until = {x: t for x, t in self._refused_until.items() if t > now}
                    if len(self._refused_until) >= self.MAX_MEMO:
                        self._refused_until.clear()
                self._refused_until[k] = now + wait
        return wait
