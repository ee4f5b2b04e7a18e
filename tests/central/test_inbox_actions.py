"""complaints.act / act_many on a real server's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from kiosk.central import complaints as C
from kiosk.central import workdays
from kiosk.central.access import Role
from kiosk.central.db import audit_log, complaint_events, complaints, notifications, now
from kiosk.domain import tracking
from kiosk.errors import NotFound

from .inbox_fixtures import push, staff_member
from .inboxkit import SETTINGS, ensure_catalog


@pytest.fixture(scope="module")
def people(engine):
    ensure_catalog(engine, "dinkes", "bappenda")
    return {
        "desk": staff_member(engine, Role.DESK),
        "dinkes": staff_member(engine, Role.OFFICER, "dinkes"),
        "bappenda": staff_member(engine, Role.OFFICER, "bappenda"),
        "viewer": staff_member(engine, Role.VIEWER),
    }


def act(engine, who, code, action, **kw):
    staff, by = who
    return C.act(engine, code, action, by=by, staff=staff, settings=SETTINGS, **kw)


def complaint(engine, code):
    with engine.connect() as conn:
        return conn.execute(sa.select(complaints).where(complaints.c.tracking_code == tracking.parse(code))).one()


def audits(engine, uuid):
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.complaint_uuid == uuid).order_by(audit_log.c.id)).all()


def test_forward_verifies_sets_agency_due_day_event_audit_and_email(server, engine, people):
    _, (code,) = push(server, engine)
    res = act(engine, people["desk"], code, "forward", agency_id="dinkes", internal_note="cek ulang berkas")
    assert res.events == ("verified", "forwarded") and res.status == "forwarded" and res.notified
    c = complaint(engine, code)
    assert c.handling_agency_id == "dinkes" and c.forwarded_at is not None and c.verified_at is not None
    cal = workdays.calendar(SETTINGS)
    today = workdays.local_day(now(), SETTINGS.tz)
    assert c.due_on == cal.add_working_days(today, 5)
    with engine.connect() as conn:
        ev = conn.execute(sa.select(complaint_events).where(complaint_events.c.complaint_uuid == c.uuid)
                          .order_by(complaint_events.c.id)).all()
        mails = conn.execute(sa.select(notifications.c.kind).where(notifications.c.complaint_uuid == c.uuid)).scalars().all()
    assert [e.status for e in ev] == ["verified", "forwarded"]
    assert {e.user_id for e in ev} == {people["desk"][0].user_id}
    assert ev[-1].internal_note == "cek ulang berkas" and ev[-1].note.startswith("-> ")
    assert mails == ["forwarded"]
    (row,) = audits(engine, c.uuid)
    assert row.action == "complaint_action" and row.user_id == people["desk"][0].user_id and row.ip == "127.0.0.1"
    assert json.loads(row.detail) == {"action": "forward", "agency": "dinkes", "by": "staff", "from": "sent", "to": "forwarded"}


def test_internal_note_never_reaches_the_kiosk(server, engine, people):
    ensure_catalog(engine, "dinkes")
    from .serverkit import complaint_record, enroll

    d = enroll(server, engine)
    rec = complaint_record()
    requests.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=d.headers, timeout=10)
    act(engine, people["desk"], rec["body"]["tracking_code"], "hold", note="Menunggu dokumen", internal_note="RAHASIA-INTERNAL")
    body = requests.get(server.url + "/api/v1/sync/complaints", headers=d.headers, timeout=10).text
    assert "Menunggu dokumen" in body and "RAHASIA-INTERNAL" not in body


def test_forward_to_an_unknown_agency_changes_nothing(server, engine, people):
    _, (code,) = push(server, engine)
    with pytest.raises(C.ActionRefused) as exc:
        act(engine, people["desk"], code, "forward", agency_id="no-such-agency")
    assert exc.value.field == "agency_id"
    c = complaint(engine, code)
    assert c.status == "sent" and c.forwarded_at is None and audits(engine, c.uuid) == []


def test_officers_reach_only_what_was_forwarded_to_their_agency(server, engine, people):
    # Filed for dinkes (handling_agency_id is dinkes from the start) but not forwarded yet.
    _, (waiting, forwarded) = push(server, engine, 2, agency_id="dinkes")
    with pytest.raises(NotFound):
        act(engine, people["dinkes"], waiting, "respond", text="Sudah ditangani.")
    act(engine, people["desk"], forwarded, "forward", agency_id="dinkes")
    for other in ("bappenda", "viewer"):
        with pytest.raises((NotFound, C.NotAllowed)):
            act(engine, people[other], forwarded, "respond", text="Bukan urusan kami.")
    with pytest.raises(NotFound):  # the other agency's officer: the same answer as a wrong code
        act(engine, people["bappenda"], forwarded, "hold", note="x")
    with pytest.raises(C.NotAllowed):  # the right agency, but officers do not close
        act(engine, people["dinkes"], forwarded, "close")
    res = act(engine, people["dinkes"], forwarded, "respond", text="Petugas sudah ditegur.")
    assert res.status == "followed_up"
    assert complaint(engine, forwarded).response == "Petugas sudah ditegur."
    with pytest.raises(NotFound):
        act(engine, people["desk"], "ZZZZ-ZZZZ-ZZZZ", "verify")


def test_an_answer_with_personal_data_needs_confirmation(server, engine, people):
    _, (code,) = push(server, engine)
    act(engine, people["desk"], code, "forward", agency_id="bappenda")
    text = "Silakan hubungi 0812-3456-7890 atau budi@example.com, NIK 5271010101900003."
    with pytest.raises(C.PersonalDataInAnswer) as exc:
        act(engine, people["desk"], code, "respond", text=text)
    assert [f.kind for f in exc.value.findings] == ["phone", "email", "nik"]
    assert complaint(engine, code).status == "forwarded" and complaint(engine, code).response is None
    act(engine, people["desk"], code, "respond", text=text, confirmed=True)
    c = complaint(engine, code)
    assert c.status == "followed_up" and c.response == text
    assert json.loads(audits(engine, c.uuid)[-1].detail)["personal_data_confirmed"] == ["email", "nik", "phone"]


def test_reopen_after_an_answer_goes_back_to_the_agency(server, engine, people):
    _, (code, refused) = push(server, engine, 2)
    act(engine, people["desk"], code, "forward", agency_id="bappenda")
    act(engine, people["desk"], code, "respond", text="Sudah selesai.")
    act(engine, people["desk"], code, "close")
    assert complaint(engine, code).closed_at is not None
    res = act(engine, people["desk"], code, "reopen", note="Warga belum puas")
    c = complaint(engine, code)
    assert res.status == "forwarded" and c.reopened_count == 1 and c.closed_at is None and c.due_on is not None
    with pytest.raises(C.NotAllowed):
        act(engine, people["bappenda"], code, "reopen")
    act(engine, people["desk"], refused, "not-authority", note="Silakan ke kantor pertanahan")
    with pytest.raises(C.ActionRefused):  # never from "not our authority"
        act(engine, people["desk"], refused, "reopen")
    with pytest.raises(C.ActionRefused) as exc:
        act(engine, people["desk"], refused, "hold")
    assert exc.value.message == C.MSG_NOT_FROM_STATUS


def test_hold_needs_a_reason_and_a_new_status_clears_overdue(server, engine, people):
    _, (code,) = push(server, engine)
    with pytest.raises(C.ActionRefused) as exc:
        act(engine, people["desk"], code, "hold", note="  ")
    assert exc.value.field == "note"
    with engine.begin() as conn:  # as tick would leave it
        conn.execute(complaints.update().where(complaints.c.tracking_code == tracking.parse(code))
                     .values(overdue_at=now() - timedelta(days=1)))
    act(engine, people["desk"], code, "hold", note="Menunggu dokumen")
    c = complaint(engine, code)
    assert c.status == "on_hold" and c.due_on is None and c.overdue_at is None


def test_anonymous_reports_queue_no_email(server, engine, people):
    _, (code,) = push(server, engine, privacy="anonim")
    assert act(engine, people["desk"], code, "forward", agency_id="dinkes").notified is False


def test_act_many_forwards_what_it_can_and_reports_the_rest(server, engine, people):
    _, codes = push(server, engine, 3)
    act(engine, people["desk"], codes[2], "not-authority", note="Bukan wewenang")
    res = C.act_many(engine, [*codes, codes[0], "ZZZZ-ZZZZ-ZZZZ"], "forward", agency_id="dinkes",
                     by=people["desk"][1], staff=people["desk"][0], settings=SETTINGS)
    assert [r.tracking_code for r in res.done] == [tracking.display(c) for c in codes[:2]]
    assert [code for code, _ in res.failed] == [codes[2], "ZZZZ-ZZZZ-ZZZZ"]
    with pytest.raises(C.ActionRefused):
        C.act_many(engine, codes, "respond", by=people["desk"][1], staff=people["desk"][0], settings=SETTINGS)
    with pytest.raises(C.NotAllowed):
        C.act_many(engine, codes, "close", by=people["dinkes"][1], staff=people["dinkes"][0], settings=SETTINGS)
    with pytest.raises(C.ActionRefused):
        C.act_many(engine, codes, "forward", agency_id="nowhere", by=people["desk"][1], staff=people["desk"][0],
                   settings=SETTINGS)
