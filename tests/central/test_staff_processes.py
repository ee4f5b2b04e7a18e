"""Two server processes on one PostgreSQL behave as one server: failures counted on either add up to
one lock, a session made on one is valid on the other and ends on both."""

from __future__ import annotations

import pytest
import requests

from .serverkit import pg_missing_reason, postgres, start_server
from .staffkit import DEFAULT_PASSWORD, csrf_of, make_user, web_sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    if reason := pg_missing_reason():
        pytest.skip(reason)
    url = postgres().new_database()
    a = start_server(url, tmp_path_factory.mktemp("a"), IPLIK_CENTRAL_COOKIE_SECURE="0")
    b = start_server(url, tmp_path_factory.mktemp("b"), IPLIK_CENTRAL_COOKIE_SECURE="0")
    yield a, b
    a.stop()
    b.stop()


def attempt(server, username: str, password: str) -> int:
    s = requests.Session()
    page = s.get(server.url + "/staff/sign-in", timeout=10)
    return s.post(server.url + "/staff/sign-in", data={"username": username, "password": password,
                                                       "csrf_token": csrf_of(page.text)},
                  allow_redirects=False, timeout=30).status_code


def test_failures_on_both_processes_add_up_to_one_lock(two_servers):
    a, b = two_servers
    engine = a.engine()
    make_user(engine, "dua-proses", "viewer")
    assert [attempt(srv, "dua-proses", "salah sekali") for srv in (a, b, a, b)] == [401] * 4
    assert attempt(b, "dua-proses", "salah lagi") == 429  # the fifth, counted across both
    assert attempt(a, "dua-proses", DEFAULT_PASSWORD) == 429
    assert attempt(b, "dua-proses", DEFAULT_PASSWORD) == 429
    engine.dispose()


def test_a_session_is_one_across_processes(two_servers):
    a, b = two_servers
    engine = a.engine()
    make_user(engine, "sesi-bersama", "viewer")
    s = web_sign_in(a, "sesi-bersama")
    raw = next(c.value for c in s.cookies if c.name == "iplik_staff")
    assert s.get(b.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 200
    r = s.post(b.url + "/staff/sign-out", data={"csrf_token": s.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    # The sign-out on B ended the session A issued: the same cookie value is refused by A too.
    replay = requests.Session()
    replay.cookies.set("iplik_staff", raw, domain="127.0.0.1", path="/staff")
    for srv in (a, b):
        assert replay.get(srv.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303
    engine.dispose()
