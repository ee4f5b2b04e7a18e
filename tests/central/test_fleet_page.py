"""The fleet page over real HTTP (uvicorn subprocess on a SQLite file): who may see it, revoking a kiosk
(confirm step, CSRF, audit row, the kiosk's token refused, its incidents closed without a mail), the
technicians' offices, and the heartbeat's new fields as the server checks them. The alert rules are in
test_fleet_alerts.py and test_fleet_rules.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from kiosk.central import audit
from kiosk.central.db import audit_log, fleet_incidents, office_technicians
from kiosk.sync import wire

from .pagekit import session_for
from .serverkit import enroll


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # the incident queries run on PostgreSQL in test_fleet_alerts.py


@pytest.fixture(scope="module")
def people(server, engine):
    return {role: session_for(server, engine, role, *agencies) for role, agencies in (
        ("admin", ()), ("technician", ()), ("desk", ()), ("officer", ("bappenda",)), ("viewer", ()))}


def push_heartbeat(server, cred, **extra) -> requests.Response:
    body = wire.heartbeat_body(at=datetime.now(UTC).isoformat(timespec="seconds"), version="0.1.0",
                               outbox_pending=2, outbox_failed=0, printer={"state": "ok"}, catalog_version="ntb-1")
    return requests.post(server.url + wire.PUSH_PATH, headers=cred.headers, timeout=10,
                         json={"records": [{"uuid": str(uuid.uuid4()), "kind": "heartbeat", "body": {**body, **extra}}]})


def status_of(r: requests.Response) -> str:
    assert r.status_code == 200, r.text
    return r.json()["results"][0]["status"]


@pytest.mark.parametrize("role,status", [("admin", 200), ("technician", 200), ("desk", 403), ("officer", 403),
                                         ("viewer", 403)])
def test_only_administrators_and_technicians_see_the_fleet(server, people, role, status):
    session = people[role][0]
    assert session.get(server.url + "/staff/fleet", timeout=10).status_code == status
    menu = session.get(server.url + "/staff/account", timeout=10).text
    assert ('href="/staff/fleet"' in menu) is (status == 200)


def test_signed_out_goes_to_sign_in(server, http):
    r = http.get(server.url + "/staff/fleet", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in")


def test_the_page_shows_the_new_heartbeat_fields_in_words(server, engine, people):
    cred = enroll(server, engine, office="Samsat Praya")
    assert status_of(push_heartbeat(server, cred, oldest_pending_s=5400, sync_error="offline",
                                    disk_free_mb=12_345)) == "stored"
    html = people["technician"][0].get(server.url + "/staff/fleet?lang=en", timeout=10).text
    row = html.split(f'id="kiosk-{cred.device_id}"')[1].split("</tr>")[0]
    assert "2, oldest 1 h 30 min" in row  # 5400 s
    assert "offline" in row and "12 GB" in row and "Samsat Praya" in row
    assert "less than a minute ago" in row or "1 min ago" in row


def test_bad_heartbeat_fields_are_refused_and_an_older_kiosk_is_still_taken(server, engine):
    cred = enroll(server, engine)
    assert status_of(push_heartbeat(server, cred)) == "stored"  # no new field at all
    for extra in ({"oldest_pending_s": -1}, {"oldest_pending_s": "1h"}, {"oldest_pending_s": True},
                  {"oldest_pending_s": 400_000_000}, {"sync_error": "Siti's NIK 5271010101900003 refused!"},
                  {"sync_error": "x" * 65}, {"sync_error": ""}, {"sync_error": 3}):
        assert status_of(push_heartbeat(server, cred, **extra)) == "rejected", extra
    assert status_of(push_heartbeat(server, cred, oldest_pending_s=0, sync_error="http.503")) == "stored"


def test_revoking_asks_first_needs_the_form_token_and_is_audited(server, engine, people):
    cred = enroll(server, engine, office="Samsat Selong")
    with engine.begin() as conn:  # an open incident, alerted already: the revoke must close it quietly
        conn.execute(fleet_incidents.insert().values(device_id=cred.device_id, kind="paper_out", attempts=0,
                                                     opened_at=datetime.now(UTC) - timedelta(hours=1),
                                                     notified_at=datetime.now(UTC) - timedelta(minutes=55)))
    tech, _uid, username = people["technician"]
    url = f"{server.url}/staff/fleet/{cred.device_id}/revoke"
    confirm = tech.get(url, timeout=10)
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    # No form token: refused. The token but no confirm=yes (a forged link): back to the question.
    assert tech.post(url, data={"confirm": "yes"}, allow_redirects=False, timeout=10).status_code == 403
    r = tech.post(url, data={"csrf_token": tech.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].endswith("/revoke")
    assert status_of(push_heartbeat(server, cred)) == "stored"  # still enrolled
    # The desk may not revoke.
    desk = people["desk"][0]
    assert desk.post(url, data={"csrf_token": desk.csrf, "confirm": "yes"}, allow_redirects=False,
                     timeout=10).status_code == 403
    r = tech.post(url, data={"csrf_token": tech.csrf, "confirm": "yes"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/staff/fleet?done=revoked"
    refused = push_heartbeat(server, cred)
    assert refused.status_code == 401
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.username, audit_log.c.target).where(
            audit_log.c.action == audit.KIOSK_REVOKED)).all()
        incident = conn.execute(sa.select(fleet_incidents.c.resolved_at, fleet_incidents.c.recovery_notified_at)
                                .where(fleet_incidents.c.device_id == cred.device_id)).one()
    assert (username, cred.device_id) in [tuple(r) for r in rows]
    assert incident.resolved_at is not None and incident.recovery_notified_at is not None  # no recovery mail
    page = tech.get(server.url + "/staff/fleet", timeout=10).text
    row = page.split(f'id="kiosk-{cred.device_id}"')[1].split("</tr>")[0]
    assert "Dicabut" in row and "data-incident" not in row and "/revoke" not in row
    again = tech.post(url, data={"csrf_token": tech.csrf, "confirm": "yes"}, allow_redirects=False, timeout=10)
    assert again.headers["location"] == "/staff/fleet?done=already"


@pytest.mark.parametrize("device_id,status", [("no-such-kiosk", 404), ("a" * 41, 400), ("x%27%20or%201=1", 400)])
def test_a_bad_or_unknown_kiosk_id_is_a_4xx(server, people, device_id, status):
    tech = people["technician"][0]
    assert tech.get(f"{server.url}/staff/fleet/{device_id}/revoke", timeout=10).status_code == status
    r = tech.post(f"{server.url}/staff/fleet/{device_id}/revoke", data={"csrf_token": tech.csrf, "confirm": "yes"},
                  allow_redirects=False, timeout=10)
    assert r.status_code == status


def test_the_administrator_ties_technicians_to_offices(server, engine, people):
    enroll(server, engine, office="Samsat Dompu")
    enroll(server, engine, office="Samsat Bima")
    admin = people["admin"][0]
    _s, tech_id, tech_name = people["technician"]
    page = admin.get(server.url + "/staff/fleet", timeout=10).text
    assert f'action="/staff/fleet/technicians/{tech_id}"' in page
    url = f"{server.url}/staff/fleet/technicians/{tech_id}"
    r = admin.post(url, data={"csrf_token": admin.csrf, "offices": ["Samsat Dompu", "Samsat Bima"]},
                   allow_redirects=False, timeout=10)
    assert r.status_code == 303
    with engine.connect() as conn:
        tied = {r.office for r in conn.execute(sa.select(office_technicians.c.office)
                                               .where(office_technicians.c.user_id == tech_id))}
        logged = conn.execute(sa.select(audit_log.c.target).where(
            audit_log.c.action == audit.TECHNICIAN_OFFICES_SET)).scalars().all()
    assert tied == {"Samsat Dompu", "Samsat Bima"} and tech_name in logged
    # An office no kiosk belongs to, a desk account as the "technician", and a technician editing: refused.
    assert admin.post(url, data={"csrf_token": admin.csrf, "offices": ["Kantor Palsu"]},
                      allow_redirects=False, timeout=10).status_code == 400
    desk_id = people["desk"][1]
    assert admin.post(f"{server.url}/staff/fleet/technicians/{desk_id}", data={"csrf_token": admin.csrf},
                      allow_redirects=False, timeout=10).status_code == 404
    tech = people["technician"][0]
    assert tech.post(url, data={"csrf_token": tech.csrf}, allow_redirects=False, timeout=10).status_code == 403
    assert "technicians-title" not in tech.get(server.url + "/staff/fleet", timeout=10).text
    # Oversized input: a 4xx, never a 5xx.
    for offices in (["Samsat Bima"] * 201, ["x" * 201], [f"Kantor {n}" for n in range(300)]):
        r = admin.post(url, data={"csrf_token": admin.csrf, "offices": offices}, allow_redirects=False, timeout=10)
        assert 400 <= r.status_code < 500, (len(offices), r.status_code)
    # Nothing ticked: back to every kiosk's alerts.
    assert admin.post(url, data={"csrf_token": admin.csrf}, allow_redirects=False, timeout=10).status_code == 303
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(office_technicians)
                            .where(office_technicians.c.user_id == tech_id)).scalar() == 0
