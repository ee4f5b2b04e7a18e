"""The complaint pages over real HTTP (uvicorn subprocess, SQLite and PostgreSQL): scope, CSRF,
identity, the workflow forms, bad filters. The browser tests are in tests/web/test_inbox_pages.py."""

from __future__ import annotations


import re

import pytest
import sqlalchemy as sa

from kiosk.central.db import audit_log, complaints
from kiosk.domain import tracking

from .inbox_fixtures import push
from .inboxkit import desk_act, ensure_catalog
from .pagekit import session_for


@pytest.fixture(scope="module")
def people(server, engine):
    ensure_catalog(engine, "dinkes", "bappenda")
    return {
        "desk": session_for(server, engine, "desk"),
        "dinkes": session_for(server, engine, "officer", "dinkes"),
        "bappenda": session_for(server, engine, "officer", "bappenda"),
        "viewer": session_for(server, engine, "viewer"),
        "tech": session_for(server, engine, "technician"),
    }


def test_signed_out_goes_to_sign_in(server, http):
    r = http.get(server.url + "/staff/complaints?status=sent", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in?next=")


def test_other_agency_gets_404_everywhere_and_the_list_hides_it(server, engine, people):
    dev, (code,) = push(server, engine, agency_id="dinkes", description="Rahasia dinas kesehatan XYZZY.")
    desk_act(engine, code, "forward", agency_id="dinkes")
    shown = tracking.display(code)
    b, _, _ = people["bappenda"]
    assert b.get(server.url + f"/staff/complaints/{shown}", timeout=10).status_code == 404
    for path, data in ((f"/staff/complaints/{shown}/act", {"action": "respond", "respond-text": "x"}),
                       (f"/staff/complaints/{shown}/identity", {})):
        r = b.post(server.url + path, data={**data, "csrf_token": b.csrf}, timeout=10)
        assert r.status_code == 404, path
    r = b.post(server.url + "/staff/complaints/bulk",
               data={"code": shown, "bulk_action": "close", "csrf_token": b.csrf}, timeout=10)
    assert r.status_code == 403  # officers do not close, in bulk or not
    assert "XYZZY" not in b.get(server.url + f"/staff/complaints?device={dev}", timeout=10).text
    d, _, _ = people["dinkes"]
    page = d.get(server.url + f"/staff/complaints?device={dev}", timeout=10)
    assert page.status_code == 200 and "XYZZY" in page.text and shown in page.text
    assert people["tech"][0].get(server.url + "/staff/complaints", timeout=10).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(server, engine, people):
    _, (code,) = push(server, engine)
    s, _, _ = people["desk"]
    r = s.post(server.url + f"/staff/complaints/{tracking.display(code)}/act", data={"action": "verify"}, timeout=10)
    assert r.status_code == 403
    with engine.connect() as conn:
        assert conn.scalar(sa.select(complaints.c.status).where(complaints.c.tracking_code == code)) == "sent"


def test_desk_verifies_forwards_and_the_officer_answers_after_the_pii_check(server, engine, people):
    _, (code,) = push(server, engine, agency_id="dinkes")
    shown = tracking.display(code)
    s, _, _ = people["desk"]
    url = server.url + f"/staff/complaints/{shown}/act"
    r = s.post(url, data={"action": "forward", "forward-agency_id": "", "csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 400 and 'href="#forward-agency_id"' in r.text and 'aria-invalid="true"' in r.text
    r = s.post(url, data={"action": "forward", "forward-agency_id": "dinkes", "forward-internal_note": "cepat",
                          "csrf_token": s.csrf}, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == f"/staff/complaints/{shown}?done=forward"
    d, _, officer = people["dinkes"]
    page = d.get(server.url + r.headers["location"], timeout=10).text
    assert "cepat" in page and "respond-text" in page and "forward-agency_id" not in page
    text = "Silakan hubungi kami di 0812 3456 7890."
    url_d = server.url + f"/staff/complaints/{shown}/act"
    r = d.post(url_d, data={"action": "respond", "respond-text": text, "csrf_token": d.csrf}, timeout=10)
    assert r.status_code == 400 and 'name="confirmed"' in r.text and "081" in r.text
    r = d.post(url_d, data={"action": "respond", "respond-text": text, "confirmed": "1", "csrf_token": d.csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303
    page = d.get(server.url + f"/staff/complaints/{shown}", timeout=10).text
    assert f"({officer})" in page  # the timeline names who answered


def test_identity_button_shows_and_audits_and_is_absent_when_not_allowed(server, engine, people):
    _, (named,) = push(server, engine)
    _, (anon,) = push(server, engine, privacy="anonim")
    s, uid, _ = people["desk"]
    page = s.get(server.url + f"/staff/complaints/{tracking.display(named)}", timeout=10).text
    assert "Siti Rahmawati" not in page and f'action="/staff/complaints/{tracking.display(named)}/identity"' in page
    r = s.post(server.url + f"/staff/complaints/{tracking.display(named)}/identity", data={"csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 200 and "Siti Rahmawati" in r.text and r.headers["cache-control"] == "no-store"
    assert s.post(server.url + f"/staff/complaints/{tracking.display(anon)}/identity",
                  data={"csrf_token": s.csrf}, timeout=10).status_code == 403
    v, _, _ = people["viewer"]
    vpage = v.get(server.url + f"/staff/complaints/{tracking.display(named)}", timeout=10).text
    assert "/identity" not in vpage
    assert v.post(server.url + f"/staff/complaints/{tracking.display(named)}/identity",
                  data={"csrf_token": v.csrf}, timeout=10).status_code == 403
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.user_id).where(
            audit_log.c.target.in_([tracking.display(named), tracking.display(anon)])).order_by(audit_log.c.id)).all()
    assert [r.action for r in rows] == ["identity_viewed", "identity_denied", "identity_denied"]
    assert rows[0].user_id == uid


@pytest.mark.parametrize("query", ["status=done", "from=2026-13-01", "cursor=%3Cscript%3E", "overdue=2"])
def test_bad_filters_answer_400_with_a_message(server, people, query):
    s, _, _ = people["desk"]
    r = s.get(server.url + "/staff/complaints?" + query, timeout=10)
    assert r.status_code == 400 and "error-summary" in r.text and "<script>" not in r.text
    # Each link of the error summary leads to an element of the page (the field, or the cursor's note).
    summary = r.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets and all(f'id="{t}"' in r.text for t in targets), targets
    if query.startswith("cursor="):
        assert '<p class="lead" id="cursor" tabindex="-1"><a href="/staff/complaints">' in r.text


def test_description_html_is_text_and_the_page_is_indonesian_by_default(server, engine, people):
    dev, (code,) = push(server, engine, description="<script>alert(1)</script> <b>tebal</b> & \"kutip\" di loket.")
    s, _, _ = people["desk"]
    page = s.get(server.url + f"/staff/complaints?device={dev}", timeout=10).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<html lang="id">' in page and "Pengaduan" in page
    detail = s.get(server.url + f"/staff/complaints/{tracking.display(code)}?lang=en", timeout=10).text
    assert "&lt;b&gt;tebal&lt;/b&gt;" in detail and '<html lang="en">' in detail


def test_bulk_forward_and_templates(server, engine, people):
    dev, codes = push(server, engine, 3)
    _, (final,) = push(server, engine)
    desk_act(engine, final, "not-authority", note="Urusan pusat")
    s, _, _ = people["desk"]
    r = s.post(server.url + "/staff/complaints/bulk", data={
        "code": [tracking.display(c) for c in [*codes, final]], "bulk_action": "forward", "agency_id": "bappenda",
        "csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 200 and "3 berhasil, 1 tidak dilakukan." in r.text
    assert f"{tracking.display(final)}: Pengaduan berstatus &#34;Bukan wewenang&#34;" in r.text
    with engine.connect() as conn:
        st = conn.execute(sa.select(complaints.c.status).where(complaints.c.tracking_code.in_(codes))).scalars().all()
    assert st == ["forwarded"] * 3
    r = s.post(server.url + "/staff/templates", data={"new-agency_id": "bappenda", "new-title": "Pajak",
               "new-body": "Terima kasih, pajak <kendaraan> Anda sudah diproses.", "csrf_token": s.csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303
    page = s.get(server.url + f"/staff/complaints/{tracking.display(codes[0])}", timeout=10).text
    assert 'data-body="Terima kasih, pajak &lt;kendaraan&gt; Anda sudah diproses."' in page
    b, _, _ = people["dinkes"]
    r = b.post(server.url + "/staff/templates", data={"new-agency_id": "bappenda", "new-title": "X", "new-body": "Y",
               "csrf_token": b.csrf}, timeout=10)
    assert r.status_code == 403
    r = s.post(server.url + "/staff/templates", data={"new-agency_id": "", "new-title": "", "new-body": "",
               "csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 400 and 'href="#new-title"' in r.text


def test_the_page_shows_the_citizens_verdict_the_reopen_reason_and_the_failed_email(server, engine, people):
    """What the citizen did on the tracking page and what became of the e-mails, for the desk: the face's
    own word, the comment, the reopen reason (a staff-only note), the e-mails with a failed one marked
    and its error, and never the address."""
    from datetime import timedelta

    from kiosk.central import citizen, notify
    from kiosk.central.db import now as db_now
    from kiosk.central.settings import Settings

    from .inboxkit import SETTINGS
    from .serverkit import free_port

    _, (code,) = push(server, engine, agency_id="dinkes")
    shown = tracking.display(code)
    desk_act(engine, code, "forward", agency_id="dinkes")  # queues the "forwarded" e-mail
    desk_act(engine, code, "respond", text="Loket tambahan sudah dibuka.")  # and the "answered" one
    citizen.rate_answer(engine, shown, 2, "Antrean masih panjang sekali.")
    citizen.request_reopen(engine, SETTINGS, shown, "Loket 3 masih meminta uang tambahan.")
    # Nothing listens on this port: every attempt fails until the queue gives up on each message.
    refused = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="none",
                       smtp_from="iPLiK <no-reply@ntbprov.example>", timezone="Asia/Makassar")
    at = db_now()
    for _ in range(notify.MAX_ATTEMPTS):
        notify.send_due(engine, refused, at)
        at += timedelta(days=1)
    s, _, _ = people["desk"]
    page = s.get(server.url + f"/staff/complaints/{shown}", timeout=10).text
    reply = page.split('id="citizen-reply"', 1)[1].split("</dl>", 1)[0]
    assert "Tidak puas" in reply and "2 dari 4" in reply and "Antrean masih panjang sekali." in reply
    assert "Alasan pelapor" in reply and "Loket 3 masih meminta uang tambahan." in reply
    assert "<dd>1 kali</dd>" in page  # reopened once, in the complaint's summary
    mails = page.split('id="mails"', 1)[1].split("</ul>", 1)[0]
    assert mails.count('class="mail-list__item"') == 2
    assert "Diteruskan ke instansi" in mails and "Jawaban diberikan" in mails
    assert mails.count("tag--late") == 2 and "Gagal" in mails and "ConnectionRefusedError" in mails
    assert "5 percobaan" in mails and "forwarded:" not in mails and "pending" not in mails
    assert "siti.r@example.com" not in page
    # The citizen's step in the timeline is named in Indonesian, not by its internal actor name.
    assert "(citizen)" not in page and "· pelapor" in page
    en = s.get(server.url + f"/staff/complaints/{shown}?lang=en", timeout=10).text
    assert "Dissatisfied" in en and "The citizen&#39;s reason" in en and "Failed" in en
    # The agency by its name in the page's language.
    assert "Dinas Kesehatan Provinsi Nusa Tenggara Barat" in page and "Health Office of West Nusa Tenggara Province" in en
    assert "Health Office" not in page
    summary_en = en.split('<dl class="summary-list">', 1)[1].split("</dl>", 1)[0]
    assert "Dinas Kesehatan" not in summary_en  # (the forward's stored note in the timeline keeps its words)
