"""Sign-in, sessions and the admin pages against the real server (uvicorn subprocess), on a SQLite file
and on PostgreSQL: throttles, second factor, CSRF, expiry, disabling, the role gates."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from kiosk.central import audit
from kiosk.central.db import audit_log, login_throttle, now, staff_sessions, staff_users
from kiosk.central.settings import Settings

from .staffkit import DEFAULT_PASSWORD, csrf_of, make_user, totp_now, web_sign_in


@pytest.fixture(scope="module")
def server_env():
    return {"IPLIK_CENTRAL_COOKIE_SECURE": "0"}


@pytest.fixture(autouse=True)
def fresh_throttles(engine):
    """Every test starts with no failed sign-ins counted (they all come from 127.0.0.1)."""
    with engine.begin() as conn:
        conn.execute(login_throttle.delete())


_n = 0


def unique(prefix: str) -> str:
    global _n
    _n += 1
    return f"{prefix}{_n}"


def post_sign_in(server, session: requests.Session, username: str, password: str, **extra) -> requests.Response:
    page = session.get(server.url + "/staff/sign-in", timeout=10)
    return session.post(server.url + "/staff/sign-in", data={
        "username": username, "password": password, "csrf_token": csrf_of(page.text), **extra,
    }, allow_redirects=False, timeout=30)


def actions_of(engine, username: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(audit_log.c.action).where(audit_log.c.username == username)
                                 .order_by(audit_log.c.id)))


def test_officer_signs_in_and_cannot_reach_admin_pages(server, engine):
    name = unique("petugas")
    make_user(engine, name, "officer", agencies=["dinkes"])
    s = web_sign_in(server, name)
    account = s.get(server.url + "/staff/account", timeout=10)
    assert account.status_code == 200 and name in account.text
    cookie = s.cookies.get("iplik_staff", path="/staff")
    assert cookie and len(cookie) >= 43
    for path in ("/staff/users", "/staff/users/new", "/staff/audit", "/staff/users/1"):
        r = s.get(server.url + path, allow_redirects=False, timeout=10)
        assert r.status_code == 403, path
    r = s.post(server.url + "/staff/users/new", data={"csrf_token": s.csrf, "username": "x", "role": "admin"},
               allow_redirects=False, timeout=10)
    assert r.status_code == 403
    assert audit.SIGN_IN in actions_of(engine, name)


def test_cookie_flags(server, engine):
    name = unique("flag")
    make_user(engine, name, "viewer")
    s = requests.Session()
    r = post_sign_in(server, s, name, DEFAULT_PASSWORD)
    assert r.status_code == 303
    staff_cookie = next(c for c in r.raw.headers.getlist("set-cookie") if c.startswith("iplik_staff="))
    assert "HttpOnly" in staff_cookie and "Path=/staff" in staff_cookie and "SameSite=lax" in staff_cookie
    # This server runs with IPLIK_CENTRAL_COOKIE_SECURE=0; the default (see test_staff_units) is Secure.
    assert "Secure" not in staff_cookie


def test_signed_out_visitor_is_sent_to_sign_in_and_back(server, engine):
    r = requests.get(server.url + "/staff/users?x=1&y=2", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/staff/sign-in?next=/staff/users%3Fx%3D1%26y%3D2"
    name = unique("admin")
    _uid, secret = make_user(engine, name, "admin", totp=True)
    s = requests.Session()
    page = s.get(server.url + r.headers["location"], timeout=10)
    assert 'name="next" value="/staff/users?x=1&amp;y=2"' in page.text
    r = s.post(server.url + "/staff/sign-in", data={"username": name, "password": DEFAULT_PASSWORD, "next": "/staff/users?x=1&y=2",
                                                    "csrf_token": csrf_of(page.text)}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in/totp")
    page = s.get(server.url + r.headers["location"], timeout=10)
    assert 'name="next" value="/staff/users?x=1&amp;y=2"' in page.text
    r = s.post(server.url + "/staff/sign-in/totp", data={"code": totp_now(secret), "csrf_token": csrf_of(page.text),
                                                         "next": "/staff/users?x=1&y=2"}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["location"] == "/staff/users?x=1&y=2"


@pytest.mark.parametrize("evil", ["//evil.example/staff", "https://evil.example/", "/staff\\@evil", "/lacak/x",
                                  "/staffevil.example", "/staff/\r\nSet-Cookie: x=1"])
def test_next_is_never_an_open_redirect(server, engine, evil):
    name = unique("nx")
    make_user(engine, name, "viewer")
    s = requests.Session()
    r = post_sign_in(server, s, name, DEFAULT_PASSWORD, next=evil)
    assert r.status_code == 303 and r.headers["location"] == "/staff"


def test_unknown_user_and_wrong_password_get_the_same_answer(server, engine):
    name = unique("sama")
    make_user(engine, name, "viewer")
    a = post_sign_in(server, requests.Session(), name, "wrong password here")
    b = post_sign_in(server, requests.Session(), unique("nobody"), "wrong password here")
    assert a.status_code == b.status_code == 401
    msg = "Nama pengguna atau kata sandi tidak benar."
    assert msg in a.text and msg in b.text
    assert "iplik_staff" not in a.headers.get("set-cookie", "")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.username, audit_log.c.action).where(
            audit_log.c.action == audit.SIGN_IN_FAILED).order_by(audit_log.c.id.desc()).limit(2)).all()
    # The typed unknown name is not stored (people type passwords into the name field).
    assert {r.username for r in rows} == {name, "(unknown)"}


def test_sign_in_form_needs_its_token(server, engine):
    name = unique("tok")
    make_user(engine, name, "viewer")
    r = requests.post(server.url + "/staff/sign-in", data={"username": name, "password": DEFAULT_PASSWORD},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "iplik_staff" not in r.headers.get("set-cookie", "")


def test_lockout_after_n_failures_survives_a_restart(server, engine):
    name = unique("kunci")
    make_user(engine, name, "viewer")
    s = requests.Session()
    for i in range(4):
        assert post_sign_in(server, s, name, f"wrong {i}").status_code == 401
    assert post_sign_in(server, s, name, "wrong 5").status_code == 429  # the 5th failure locks
    assert post_sign_in(server, s, name, DEFAULT_PASSWORD).status_code == 429  # even the right one now
    server.stop()
    server.start()
    r = post_sign_in(server, requests.Session(), name, DEFAULT_PASSWORD)
    assert r.status_code == 429 and "15" in r.text
    actions = actions_of(engine, name)
    assert actions.count(audit.SIGN_IN_FAILED) == 5 and actions.count(audit.SIGN_IN_LOCKED) == 2
    # When the lock is over, the right password works again.
    with engine.begin() as conn:
        conn.execute(login_throttle.update().where(login_throttle.c.key == f"user:{name}")
                     .values(locked_until=now() - timedelta(seconds=1)))
    assert post_sign_in(server, requests.Session(), name, DEFAULT_PASSWORD).status_code == 303


def test_pre_sign_in_session_id_is_worthless_after(server, engine):
    name = unique("meja")
    _uid, secret = make_user(engine, name, "desk", totp=True)
    s = requests.Session()
    # A cookie planted before the sign-in (session fixation) is replaced, never adopted.
    s.cookies.set("iplik_staff", "planted-by-someone-else", domain="127.0.0.1", path="/staff")
    r = post_sign_in(server, s, name, DEFAULT_PASSWORD)
    half = s.cookies.get("iplik_staff", path="/staff")
    assert half != "planted-by-someone-else"
    # The half-way session (password given, no code yet) reaches no page.
    assert s.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303
    page = s.get(server.url + r.headers["location"], timeout=10)
    r = s.post(server.url + "/staff/sign-in/totp", data={"code": totp_now(secret), "csrf_token": csrf_of(page.text)},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    full = s.cookies.get("iplik_staff", path="/staff")
    assert full != half
    assert s.get(server.url + "/staff/account", timeout=10).status_code == 200
    old = requests.Session()
    old.cookies.set("iplik_staff", half, domain="127.0.0.1", path="/staff")
    assert old.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(staff_sessions).where(
            staff_sessions.c.user_id == _uid)) == 1


def test_totp_code_is_accepted_once_and_wrong_codes_count(server, engine):
    name = unique("dua")
    uid, secret = make_user(engine, name, "admin", totp=True)
    code = totp_now(secret)

    def second_step(c: str) -> int:
        s = requests.Session()
        r = post_sign_in(server, s, name, DEFAULT_PASSWORD)
        page = s.get(server.url + r.headers["location"], timeout=10)
        return s.post(server.url + "/staff/sign-in/totp", data={"code": c, "csrf_token": csrf_of(page.text)},
                      allow_redirects=False, timeout=30).status_code

    assert second_step(code) == 303
    assert second_step(code) == 401  # the same code again: refused
    assert second_step("000000" if code != "000000" else "111111") == 401
    with engine.connect() as conn:
        failures = conn.scalar(sa.select(login_throttle.c.failures).where(login_throttle.c.key == f"user:{name}"))
    assert failures == 2


def test_first_sign_in_of_a_desk_user_sets_up_the_second_factor(server, engine):
    import pyotp

    name = unique("baru")
    uid, _ = make_user(engine, name, "desk")
    s = requests.Session()
    r = post_sign_in(server, s, name, DEFAULT_PASSWORD)
    page = s.get(server.url + r.headers["location"], timeout=10)
    assert 'src="data:image/svg+xml;base64,' in page.text and "otpauth://totp/" in page.text
    secret = re.search(r'<code class="secret">([^<]*)</code>', page.text).group(1).replace(" ", "")
    r = s.post(server.url + "/staff/sign-in/totp", data={"code": "123456" if pyotp.TOTP(secret).now() != "123456" else "654321",
                                                         "csrf_token": csrf_of(page.text)}, allow_redirects=False, timeout=30)
    assert r.status_code == 401
    r = s.post(server.url + "/staff/sign-in/totp", data={"code": totp_now(secret), "csrf_token": csrf_of(page.text)},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    with engine.connect() as conn:
        assert conn.scalar(sa.select(staff_users.c.totp_secret).where(staff_users.c.id == uid)) == secret
    assert audit.TOTP_ENROLLED in actions_of(engine, name)
    # From now on, the code is asked.
    r = post_sign_in(server, requests.Session(), name, DEFAULT_PASSWORD)
    assert r.headers["location"].startswith("/staff/sign-in/totp")


def test_csrf_missing_or_wrong_is_403(server, engine):
    name = unique("csrf")
    make_user(engine, name, "viewer")
    s = web_sign_in(server, name)
    url = server.url + "/staff/account/sign-out-everywhere"
    assert s.post(url, allow_redirects=False, timeout=10).status_code == 403
    assert s.post(url, data={"csrf_token": "x" * 43}, allow_redirects=False, timeout=10).status_code == 403
    assert s.post(url, headers={"X-CSRF-Token": "nope"}, allow_redirects=False, timeout=10).status_code == 403
    # A wrong token changed nothing: still signed in.
    assert s.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 200
    r = s.post(url, headers={"X-CSRF-Token": s.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert s.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303


def test_idle_and_absolute_expiry(server, engine):
    name = unique("idle")
    uid, _ = make_user(engine, name, "viewer")
    idle = web_sign_in(server, name)
    absolute = web_sign_in(server, name)
    ids = {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(staff_sessions.c.id_hash, staff_sessions.c.created_at)
                            .where(staff_sessions.c.user_id == uid).order_by(staff_sessions.c.created_at)).all()
    ids["idle"], ids["absolute"] = rows[0].id_hash, rows[1].id_hash
    with engine.begin() as conn:
        # 31 minutes without a request (the default idle limit is 30).
        conn.execute(staff_sessions.update().where(staff_sessions.c.id_hash == ids["idle"])
                     .values(last_seen_at=now() - timedelta(minutes=31)))
        # Seen a second ago, but past its absolute end.
        conn.execute(staff_sessions.update().where(staff_sessions.c.id_hash == ids["absolute"])
                     .values(expires_at=now() - timedelta(seconds=1)))
    for s in (idle, absolute):
        r = s.get(server.url + "/staff/account", allow_redirects=False, timeout=10)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in")
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(staff_sessions)
                           .where(staff_sessions.c.user_id == uid)) == 0
    # A session in use is kept alive: 29 minutes idle, then a request, is fine.
    live = web_sign_in(server, name)
    with engine.begin() as conn:
        conn.execute(staff_sessions.update().where(staff_sessions.c.user_id == uid)
                     .values(last_seen_at=now() - timedelta(minutes=29)))
    assert live.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 200
    with engine.connect() as conn:
        seen = conn.scalar(sa.select(staff_sessions.c.last_seen_at).where(staff_sessions.c.user_id == uid))
    assert now() - seen < timedelta(minutes=1)


def test_admin_creates_disables_and_resets(server, engine):
    admin = unique("adm")
    _aid, secret = make_user(engine, admin, "admin", totp=True)
    s = web_sign_in(server, admin, totp_secret=secret)
    officer = unique("ofc")
    form = s.get(server.url + "/staff/users/new", timeout=10)
    assert form.status_code == 200
    bad = s.post(server.url + "/staff/users/new", data={
        "csrf_token": s.csrf, "username": officer, "display_name": "Rina", "role": "officer", "agencies": ["dinkes"],
        "password": "password123456",
    }, allow_redirects=False, timeout=30)
    assert bad.status_code == 400 and "terlalu mudah ditebak" in bad.text
    bad = s.post(server.url + "/staff/users/new", data={
        "csrf_token": s.csrf, "username": officer, "display_name": "Rina", "role": "officer",
        "password": "kopi jahe merah 2026 lombok",
    }, allow_redirects=False, timeout=30)
    assert bad.status_code == 400 and "memerlukan paling sedikit satu perangkat daerah" in bad.text
    r = s.post(server.url + "/staff/users/new", data={
        "csrf_token": s.csrf, "username": officer, "display_name": "Rina Wulandari", "role": "officer",
        "agencies": ["dinkes", "bappenda"], "password": "kopi jahe merah 2026 lombok",
    }, allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text[:300]
    user_url = server.url + r.headers["location"].split("?")[0]
    with engine.connect() as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.username == officer)).one()
    assert row.must_change_password
    # The new officer must change the password before any other page.
    o = requests.Session()
    assert post_sign_in(server, o, officer, "kopi jahe merah 2026 lombok").status_code == 303
    r = o.get(server.url + "/staff", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/staff/account"
    page = o.get(server.url + "/staff/account", timeout=10)
    assert "Pilih kata sandi baru" in page.text
    r = o.post(server.url + "/staff/account/password", data={
        "csrf_token": csrf_of(page.text), "current_password": "kopi jahe merah 2026 lombok",
        "new_password": "sate rembiga pedas 77 malam", "confirm_password": "sate rembiga pedas 77 malam",
    }, allow_redirects=False, timeout=30)
    assert r.status_code == 303
    assert o.get(server.url + "/staff/users", allow_redirects=False, timeout=10).status_code == 403  # past the gate
    # Reset by the admin: the officer's session dies, and the change is due again.
    r = s.post(user_url + "/password", data={"csrf_token": s.csrf, "new_password": "gili trawangan senja 4 biru"},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    assert o.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303
    # Disabled: sessions die and no sign-in works.
    o2 = requests.Session()
    assert post_sign_in(server, o2, officer, "gili trawangan senja 4 biru").status_code == 303
    assert o2.get(server.url + "/staff/account", timeout=10).status_code == 200
    r = s.post(user_url + "/disable", data={"csrf_token": s.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert o2.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 303
    assert post_sign_in(server, requests.Session(), officer, "gili trawangan senja 4 biru").status_code == 401
    listing = s.get(server.url + "/staff/users", timeout=10).text
    assert officer in listing and "Dinonaktifkan" in listing
    # Every change is in the audit log, and the audit page finds it.
    audit_page = s.get(server.url + "/staff/audit", params={"action": "user_disabled"}, timeout=10)
    assert audit_page.status_code == 200 and f"user:{officer}" in audit_page.text
    acts = actions_of(engine, admin)
    for a in (audit.USER_CREATED, audit.PASSWORD_RESET, audit.USER_DISABLED):
        assert a in acts
    assert audit.PASSWORD_CHANGED in actions_of(engine, officer)


@pytest.mark.parametrize("path", ["/staff/users/0", "/staff/users/99999999999999999999", "/staff/users/abc"])
def test_bad_user_ids_are_4xx_pages(server, engine, path):
    admin = unique("ids")
    _aid, secret = make_user(engine, admin, "admin", totp=True)
    s = web_sign_in(server, admin, totp_secret=secret)
    r = s.get(server.url + path, allow_redirects=False, timeout=10)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert s.get(server.url + "/staff/users/424242", timeout=10).status_code == 404


def test_admin_cannot_disable_themself(server, engine):
    admin = unique("self")
    aid, secret = make_user(engine, admin, "admin", totp=True)
    s = web_sign_in(server, admin, totp_secret=secret)
    r = s.post(server.url + f"/staff/users/{aid}/disable", data={"csrf_token": s.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 400
    assert s.get(server.url + "/staff/account", allow_redirects=False, timeout=10).status_code == 200


def test_audit_page_filters_and_pages(server, engine):
    admin = unique("aud")
    _aid, secret = make_user(engine, admin, "admin", totp=True)
    s = web_sign_in(server, admin, totp_secret=secret)
    with engine.begin() as conn:
        for i in range(60):
            audit.record(conn, audit.Actor(None, "pager", None), audit.EXPORT, target=f"row-{i}")
    first = s.get(server.url + "/staff/audit", params={"user": "pager"}, timeout=10)
    assert first.status_code == 200
    shown = re.findall(r"row-(\d+)", first.text)
    assert len(shown) == 50 and shown[0] == "59"
    older = re.search(r'href="([^"]*cursor=\d+[^"]*)"', first.text).group(1).replace("&amp;", "&")
    second = s.get(server.url + older, timeout=10)
    assert re.findall(r"row-(\d+)", second.text) == [str(i) for i in range(9, -1, -1)]
    bad = s.get(server.url + "/staff/audit", params={"code": "ZZZ", "from": "kemarin", "cursor": "x"}, timeout=10)
    assert bad.status_code == 400 and "Masukkan kode lacak" in bad.text and "Masukkan tanggal" in bad.text
    # The filter's days are the server's (WITA): between 16:00 and 24:00 UTC the UTC date is yesterday there.
    today = now().astimezone(ZoneInfo(Settings().timezone)).date().isoformat()
    assert "row-59" in s.get(server.url + "/staff/audit", params={"user": "pager", "from": today, "to": today}, timeout=10).text
    assert "row-59" not in s.get(server.url + "/staff/audit", params={"user": "pager", "to": "2020-01-01"}, timeout=10).text
