"""Tracking codes cannot be guessed, and guessers cannot lock a citizen out (issue #12, item 12).

Through the real server in a subprocess, on SQLite and PostgreSQL, with the production limits: misses
are counted in the database per client (so a restart or a second process forgets nothing), the client
is the nearest untrusted hop of X-Forwarded-For behind a trusted proxy and the socket otherwise, an
IPv6 /64 is one client, and a code that exists answers while its address is throttled for misses.

The server trusts 127.0.0.1 as its reverse proxy: requests from there write X-Forwarded-For as nginx
would, so each test speaks for addresses of its own. Requests from 127.0.0.2 (another loopback
address, bound as the source) are a client talking to the server directly.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from kiosk.central.db import rate_buckets
from kiosk.central.settings import Settings
from kiosk.domain import tracking

from .serverkit import complaint_record

DEFAULTS = Settings()
# The limits a real server runs with (serverkit's FAST_LIMITS would hide the throttle).
PRODUCTION = {
    "IPLIK_CENTRAL_TRACK_BURST": str(DEFAULTS.track_burst),
    "IPLIK_CENTRAL_TRACK_PER_MINUTE": str(DEFAULTS.track_per_minute),
    "IPLIK_CENTRAL_TRACK_MISSES_PER_10MIN": str(DEFAULTS.track_misses_per_10min),
    "IPLIK_CENTRAL_ENROLL_BURST": str(DEFAULTS.enroll_burst),
    "IPLIK_CENTRAL_ENROLL_PER_MINUTE": str(DEFAULTS.enroll_per_minute),
}
MISSES = DEFAULTS.track_misses_per_10min
DIRECT = "127.0.0.2"
_n = itertools.count(1)


@pytest.fixture(scope="module")
def server_env():
    return {**PRODUCTION, "IPLIK_CENTRAL_TRUSTED_PROXIES": "127.0.0.1"}


class _FromAddress(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (DIRECT, 0)
        super().init_poolmanager(*args, **kwargs)


def direct_session() -> requests.Session:
    """A client connecting from 127.0.0.2: not the trusted proxy."""
    s = requests.Session()
    s.mount("http://", _FromAddress())
    return s


def spoof() -> str:
    return f"{random.randrange(1, 224)}.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def guess(http, server, xff: str | None, *, path: str = "/api/v1/track/") -> int:
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return http.get(server.url + path + tracking.generate(), headers=headers, timeout=10).status_code


def many_guesses(server, n: int, xff) -> list[int]:
    """``n`` guesses from 127.0.0.2, 8 connections at once (as a script would); ``xff()`` writes the header."""
    local = threading.local()
    sessions = []

    def one(_i: int) -> int:
        if not hasattr(local, "http"):
            local.http = direct_session()
            sessions.append(local.http)
        return guess(local.http, server, xff())

    try:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, range(n)))
    finally:
        for s in sessions:
            s.close()


def throttled_after_misses(statuses: list[int], elapsed_s: float = 0.0) -> bool:
    """The first misses answered 404, then 429. A miss comes back every 40 s, so a slow run may see
    one more 404 per 40 s (the test machine is shared); never more."""
    refilled = 1 + int(elapsed_s * MISSES / 600)
    rest = statuses[MISSES:]
    return statuses[:MISSES] == [404] * MISSES and set(rest) <= {404, 429} and rest.count(404) <= refilled


def _miss_keys(engine) -> list[str]:
    with engine.connect() as c:
        return c.execute(sa.select(rate_buckets.c.key).where(rate_buckets.c.key.like("track-miss:%"))).scalars().all()


def test_1000_guesses_with_spoofed_forwarded_for_are_throttled(server, engine):
    # From a client that is not the proxy, X-Forwarded-For is the client's word and counts for nothing.
    started = time.monotonic()
    statuses = many_guesses(server, 1000, lambda: f"{spoof()}, {spoof()}")
    elapsed = time.monotonic() - started
    # Sent over 8 connections at once, so counted rather than in order.
    counts = {s: statuses.count(s) for s in set(statuses)}
    assert set(counts) == {404, 429}, counts
    assert MISSES <= counts[404] <= MISSES + 1 + int(elapsed * MISSES / 600), (counts, elapsed)
    assert _miss_keys(engine) == [f"track-miss:ip:{DIRECT}"]  # one bucket, no spoofed address


def test_behind_a_trusted_proxy_the_client_is_the_nearest_untrusted_hop(http, server, engine):
    client = f"198.51.100.{next(_n)}"
    # The left end is whatever the client wrote; the proxy appended the address it saw.
    statuses = [guess(http, server, f"{spoof()}, {client}") for _ in range(MISSES + 20)]
    assert throttled_after_misses(statuses)
    # Another proxy in front of ours (trusted too) is skipped: still the same client.
    assert guess(http, server, f"{spoof()}, {client}, 127.0.0.1") == 429
    # Naming the throttled address on the left changes nothing for another client.
    other = f"198.51.100.{next(_n) + 100}"
    assert guess(http, server, f"{client}, {other}") == 404
    keys = set(_miss_keys(engine))
    assert {f"track-miss:ip:{client}", f"track-miss:ip:{other}"} <= keys
    assert len(keys) <= 3, keys  # and none for any spoofed address


def test_ipv6_addresses_in_one_64_share_a_bucket(http, server):
    net = f"2001:db8:{next(_n):x}"
    statuses = [guess(http, server, f"{net}:1:{i:x}:{i * 7:x}::{i:x}") for i in range(1, MISSES + 10)]
    assert throttled_after_misses(statuses)
    assert guess(http, server, f"{net}:1:ffff:ffff:ffff:ffff") == 429
    assert guess(http, server, f"{net}:2::1") == 404  # the next /64 is another subscriber


def test_a_code_that_exists_answers_while_its_address_is_throttled_for_misses(http, server, device):
    rec = complaint_record(privacy="biasa")
    assert requests.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers,
                         timeout=10).status_code == 200
    code = rec["body"]["tracking_code"]
    office = f"203.0.113.{next(_n)}"  # one NAT address: a guesser and a citizen behind it
    statuses = [guess(http, server, office) for _ in range(40)]
    statuses += [guess(http, server, office, path="/lacak/") for _ in range(5)]
    assert throttled_after_misses(statuses)
    for path in (f"/api/v1/track/{code}", f"/lacak/{tracking.display(code)}", f"/lacak/{code.lower()}"):
        r = http.get(server.url + path, headers={"X-Forwarded-For": office}, timeout=10)
        assert r.status_code == 200, (path, r.status_code)
    # The page tells the citizen behind that address that a real code still opens.
    page = http.get(server.url + "/lacak/" + tracking.generate(), headers={"X-Forwarded-For": office}, timeout=10)
    assert page.status_code == 429 and "Kode pada tanda terima Anda tetap dapat dibuka" in page.text
    bad_check = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert http.get(server.url + f"/api/v1/track/{bad_check}", headers={"X-Forwarded-For": office}, timeout=10).status_code == 429
    assert guess(http, server, office) == 429  # and the guesser is still throttled


@pytest.mark.slow
def test_the_limits_outlive_a_restart(server):
    """Last in this module: it restarts the module's server (same database, same port)."""
    client = f"192.0.2.{next(_n)}"
    with requests.Session() as http:
        statuses = [guess(http, server, client) for _ in range(MISSES + 5)]
        assert throttled_after_misses(statuses)
        enrolls = [http.post(server.url + "/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC"},
                             headers={"X-Forwarded-For": client}, timeout=10).status_code
                   for _ in range(DEFAULTS.enroll_burst + 1)]
        assert enrolls == [403] * DEFAULTS.enroll_burst + [429]
    server.stop()
    server.start()
    with requests.Session() as http:
        # A fresh limit would answer all of these (404, 403); at most one token came back meanwhile.
        after = [http.get(server.url + "/api/v1/track/" + tracking.generate(), headers={"X-Forwarded-For": client},
                          timeout=10) for _ in range(5)]
        assert [r.status_code for r in after].count(429) >= 4
        assert all(int(r.headers["retry-after"]) >= 1 for r in after if r.status_code == 429)
        enrolls = [http.post(server.url + "/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC"},
                             headers={"X-Forwarded-For": client}, timeout=10).status_code for _ in range(3)]
        assert enrolls.count(429) >= 2, enrolls
