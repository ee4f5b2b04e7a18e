"""Tokens, enrollment codes, isolation between devices, size and shape limits: always a 4xx, never a 5xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kiosk.central.db import devices, enroll_codes
from kiosk.central.devices import create_enroll_code, revoke
from kiosk.domain import tracking

from .inboxkit import desk_act
from .serverkit import NIK, complaint_record, enroll

PUSH = "/api/v1/sync/push"


def test_requests_without_a_valid_token_get_401_with_a_code(http, server, engine):
    for headers, code in [({}, "401.1"), ({"Authorization": "Bearer nope"}, "401.2"), ({"Authorization": "Basic x"}, "401.1")]:
        for method, path in [("POST", PUSH), ("GET", "/api/v1/sync/catalog"), ("GET", "/api/v1/sync/complaints")]:
            r = http.request(method, server.url + path, json={"records": []} if method == "POST" else None,
                             headers=headers, timeout=10)
            assert r.status_code == 401, (path, r.text)
            assert r.json()["code"] == code
            assert r.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_at_once(http, server, engine, device):
    assert http.post(server.url + PUSH, json={"records": []}, headers=device.headers, timeout=10).status_code == 200
    assert revoke(engine, device.device_id)
    r = http.post(server.url + PUSH, json={"records": [complaint_record()]}, headers=device.headers, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "401.3"
    assert not revoke(engine, device.device_id)  # already revoked


def test_only_the_token_hash_is_stored(server, engine, device):
    with engine.connect() as c:
        stored = c.scalar(sa.select(devices.c.token_hash).where(devices.c.id == device.device_id))
        codes = c.execute(sa.select(enroll_codes.c.code_hash)).scalars().all()
    assert stored != device.token and len(stored) == 64
    assert all(len(h) == 64 for h in codes)


def test_enrollment_codes_work_once_and_expire(http, server, engine):
    code = create_enroll_code(engine, office="Kantor", agency_id="dinkes")
    first = http.post(server.url + "/api/v1/enroll", json={"code": code.code.lower().replace("-", " ")}, timeout=10)
    assert first.status_code == 200 and first.json()["agency_id"] == "dinkes"
    again = http.post(server.url + "/api/v1/enroll", json={"code": code.code}, timeout=10)
    assert again.status_code == 403 and again.json()["code"] == "403.1"
    old = create_enroll_code(engine, office="Kantor", agency_id="dinkes", ttl=timedelta(seconds=-1))
    assert http.post(server.url + "/api/v1/enroll", json={"code": old.code}, timeout=10).json()["code"] == "403.1"
    assert http.post(server.url + "/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC"}, timeout=10).status_code == 403


def test_device_a_cannot_overwrite_or_read_device_b_records(http, server, engine):
    a, b = enroll(server, engine), enroll(server, engine)
    rec = complaint_record()
    assert http.post(server.url + PUSH, json={"records": [rec]}, headers=b.headers, timeout=10).json()["results"][0]["status"] == "stored"
    # A sends the very same body under B's UUID: not a replay for A, a conflict.
    res = http.post(server.url + PUSH, json={"records": [rec]}, headers=a.headers, timeout=10).json()["results"][0]
    assert res["status"] == "conflict" and res["code"] == "409.1"
    # B's complaint moves; only B's pull sees it.
    desk_act(engine, rec["body"]["tracking_code"], "verify")
    seen_b = http.get(server.url + "/api/v1/sync/complaints", headers=b.headers, timeout=10).json()
    seen_a = http.get(server.url + "/api/v1/sync/complaints", headers=a.headers, timeout=10).json()
    assert [u["uuid"] for u in seen_b["updates"]] == [rec["uuid"]]
    assert seen_a["updates"] == []


def test_public_answers_carry_no_personal_data(http, server, device):
    rec = complaint_record(privacy="rahasia")
    http.post(server.url + PUSH, json={"records": [rec]}, headers=device.headers, timeout=10)
    code = rec["body"]["tracking_code"]
    for path in (f"/api/v1/track/{code}", f"/lacak/{code}"):
        r = http.get(server.url + path, timeout=10)
        assert r.status_code == 200
        text = r.text
        for secret in ("Siti", "Rahmawati", NIK, "3456", "7890", "siti.r@example.com", rec["uuid"], device.device_id):
            assert secret not in text, (path, secret)
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["referrer-policy"] == "no-referrer"
    # A rahasia report's text is not public: the page and the tokenless JSON show its status only; the
    # citizen reads it at a kiosk, which asks with its device token (docs/backoffice.md, "The citizen's side").
    assert "uang tambahan" not in http.get(server.url + f"/lacak/{code}", timeout=10).text
    assert "uang tambahan" not in http.get(server.url + f"/api/v1/track/{code}", timeout=10).text
    kiosk = http.get(server.url + f"/api/v1/track/{code}", headers=device.headers, timeout=10).json()
    assert "uang tambahan" in kiosk["description"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "400.1"),
        (b'{"records": 5}', {"Content-Type": "application/json"}, 400, "400.2"),
        (b'{"records": [{"uuid": 1}]}', {"Content-Type": "application/json"}, 400, "400.2"),
        (b'{"records": [], "extra": 1}', {"Content-Type": "application/json"}, 400, "400.2"),
        (b"[" * 50_000 + b"]" * 50_000, {"Content-Type": "application/json"}, 400, None),
        (b'{"records": []}', {"Content-Type": "text/plain"}, 415, "415.1"),
        (b'\xff\xfe{"records": []}', {"Content-Type": "application/json"}, 400, "400.1"),
    ],
)
def test_malformed_requests_get_4xx(http, server, device, body, headers, status, code):
    r = http.post(server.url + PUSH, data=body, headers={**device.headers, **headers}, timeout=10)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code


def test_oversized_requests_are_refused_before_they_are_read(http, server, device):
    big = b'{"records": [], "pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    r = http.post(server.url + PUSH, data=big, headers={**device.headers, "Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and r.json()["code"] == "413.1"

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(80):
            yield b"x" * 65536

    r = http.post(server.url + PUSH, data=chunks(), headers={**device.headers, "Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413


def test_unknown_addresses_and_methods_are_json_4xx(http, server):
    r = http.get(server.url + "/api/v1/nothing", timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "404.1"
    r = http.delete(server.url + PUSH, timeout=10)
    assert r.status_code == 405 and r.json()["code"] == "405.1"
    r = http.get(server.url + "/api/v1/sync/complaints?limit=0", headers={"Authorization": "Bearer x"}, timeout=10)
    assert r.status_code in (400, 401)


# A name and NIK the citizen typed into the text itself (the identity fields are kept apart anyway).
MARK_NAME = "Kadek Penandarahasia"
MARK_NIK = "5271016607880009"
MARK_ANSWER = "Jawaban-penanda-Q7"


def _leaks(text: str) -> list[str]:
    return [m for m in (MARK_NAME, MARK_NIK, MARK_ANSWER, "uang tambahan") if m in text]


@pytest.mark.parametrize("privacy", ["biasa", "anonim", "rahasia"])
def test_only_a_kiosk_or_staff_read_a_confidential_report(http, server, engine, device, privacy):
    rec = complaint_record(privacy=privacy, description=f"Saya {MARK_NAME}, NIK {MARK_NIK}: petugas meminta uang tambahan.")
    assert http.post(server.url + PUSH, json={"records": [rec]}, headers=device.headers, timeout=10).status_code == 200
    code = rec["body"]["tracking_code"]
    desk_act(engine, code, "forward", agency_id="bappenda", note=f"Diteruskan untuk {MARK_NAME}")
    desk_act(engine, code, "respond", text=f"{MARK_ANSWER}: biaya dikembalikan.")
    answers = {
        "page": http.get(server.url + f"/lacak/{code}", timeout=10),
        "page-en": http.get(server.url + f"/lacak/{code}?lang=en", timeout=10),
        "api": http.get(server.url + f"/api/v1/track/{code}", timeout=10),
        # A refused form post renders the page again: it too must hold no text.
        "post": http.post(server.url + f"/lacak/{code}/rating", data={"face": "2", "form_token": "forged"}, timeout=10),
    }
    for name, r in answers.items():
        assert r.status_code in (200, 400), (name, r.status_code)
        if privacy == "rahasia":
            assert _leaks(r.text) == [], name
        else:  # the same test sees the text where it is public: it is not blind
            assert MARK_NAME in r.text and MARK_ANSWER in r.text, name
    if privacy == "rahasia":
        api = answers["api"].json()
        assert api["status"] == "followed_up" and api["status_at"] and api["response_at"]
        assert [e["note"] for e in api["timeline"]] == [None] * len(api["timeline"])
        # The page says where to read it instead.
        assert "Layar Lacak pada anjungan tempat Anda membuat laporan" in answers["page"].text
    # A token that is not a device's is refused, not treated as a kiosk; an enrolled kiosk reads everything.
    bad = http.get(server.url + f"/api/v1/track/{code}", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401 and _leaks(bad.text) == []
    kiosk = http.get(server.url + f"/api/v1/track/{code}", headers=device.headers, timeout=10).json()
    assert MARK_NIK in kiosk["description"] and kiosk["response"].startswith(MARK_ANSWER)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.5", ["1.2.3.4"], (), "203.0.113.5"),  # no trusted proxy: the header is ignored
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7"], ("10.0.0.0/8",), "198.51.100.7"),
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7, 10.0.0.9"], ("10.0.0.0/8",), "198.51.100.7"),
        ("10.0.0.2", ["1.2.3.4", "198.51.100.7"], ("10.0.0.0/8",), "198.51.100.7"),  # two header lines
        ("10.0.0.2", ["1.2.3.4, not-an-address"], ("10.0.0.0/8",), "10.0.0.2"),
        ("198.51.100.7", ["1.2.3.4"], ("10.0.0.0/8",), "198.51.100.7"),  # not from the proxy
        ("::ffff:203.0.113.5", [], (), "203.0.113.5"),
    ],
)
def test_client_address_believes_only_the_right_end(peer, forwarded, trusted, client):
    from kiosk.central.security import client_address

    assert client_address(peer, forwarded, trusted) == client


def test_rate_keys_group_ipv6_by_64():
    from kiosk.central.security import rate_key

    assert rate_key("2001:db8:1:2:aaaa::1") == rate_key("2001:db8:1:2:ffff:1:2:3") == "ip6:2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("203.0.113.5") == rate_key("::ffff:203.0.113.5") == "ip:203.0.113.5"
    assert rate_key("device:kio-1") == "device:kio-1"


def _form_token(page: str, action: str) -> str:
    import re

    form = page[page.index(f'action="{action}"'):]
    return re.search(r'name="form_token" value="([^"]+)"', form).group(1)


@pytest.mark.parametrize("privacy", ["biasa", "rahasia"])
def test_a_confidential_reports_page_keeps_the_reporters_verdict(http, server, engine, device, privacy):
    # Chosen for rahasia: the forms stay (the kiosk has no rating screen, and they show nothing stored),
    # with a word to read the answer at a kiosk first; the face given is not shown to whoever holds the code.
    rec = complaint_record(privacy=privacy)
    http.post(server.url + PUSH, json={"records": [rec]}, headers=device.headers, timeout=10)
    code = tracking.display(rec["body"]["tracking_code"])
    desk_act(engine, code, "forward", agency_id="bappenda")
    desk_act(engine, code, "respond", text="Biaya dikembalikan.")
    page = http.get(server.url + f"/lacak/{code}", timeout=10).text
    assert ("Bacalah jawaban instansi di anjungan tempat" in page) == (privacy == "rahasia")
    action = f"/lacak/{code}/rating"
    r = http.post(server.url + action, data={"face": "1", "form_token": _form_token(page, action)},
                  allow_redirects=False, timeout=10)
    assert r.status_code == 303
    page = http.get(server.url + f"/lacak/{code}", timeout=10).text
    if privacy == "rahasia":
        assert "Anda sudah menilai jawaban ini. Terima kasih." in page and "Sangat tidak puas" not in page
    else:
        assert "Anda sudah menilai jawaban ini: Sangat tidak puas." in page
