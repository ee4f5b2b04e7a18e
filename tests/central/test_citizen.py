"""The citizen's side of an answer, below the web page: rate once, only after an answer; reopen within
10 working days of the answer (holidays count as non-working); signed form tokens. On SQLite and on
PostgreSQL (the conftest runs the module on both)."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from kiosk.central import citizen, formtokens, server_secrets
from kiosk.central.db import audit_log, complaint_events, complaints
from kiosk.central.settings import Settings
from kiosk.domain import tracking
from kiosk.errors import NotFound

from .serverkit import complaint_record, database_url, enroll, start_server

WITA = ZoneInfo("Asia/Makassar")
SETTINGS = Settings()  # the server's default time zone (Asia/Makassar) and no local holidays
# Monday 14 December 2026; 24 (cuti bersama) and 25 December (Christmas) are not working days, so the
# tenth working day after it is Wednesday 30 December, not Monday 28.
ANSWERED = datetime(2026, 12, 14, 10, 0, tzinfo=WITA)


def filed(server, device, **kw) -> str:
    rec = complaint_record(**kw)
    r = requests.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=10)
    assert r.status_code == 200, r.text
    return rec["body"]["tracking_code"]


def answer(engine, code: str, at: datetime = ANSWERED, text: str = "Petugas sudah ditegur dan uang dikembalikan.") -> str:
    """Put the complaint where an agency's answer leaves it (as the inbox's "respond" does)."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(complaints.c.uuid, complaints.c.device_id)
                           .where(complaints.c.tracking_code == code)).one()
        conn.execute(complaints.update().where(complaints.c.uuid == row.uuid).values(
            status="followed_up", status_at=at, response=text, response_at=at, handling_agency_id="bappenda"))
        for status in ("verified", "forwarded", "followed_up"):
            conn.execute(complaint_events.insert().values(complaint_uuid=row.uuid, device_id=row.device_id,
                                                          status=status, at=at, actor="test"))
    return row.uuid


def state(engine, code: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(complaints).where(complaints.c.tracking_code == code)).one()


def audit_rows(engine, uuid: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.complaint_uuid == uuid)
                            .order_by(audit_log.c.id)).all()


# --- rating ----------------------------------------------------------------------------------------


def test_rating_needs_an_answer_then_is_kept_once_with_an_audit_row(server, engine, device):
    code = filed(server, device)
    with pytest.raises(citizen.CitizenRefused) as no_answer:
        citizen.rate_answer(engine, code, 4, None)
    assert no_answer.value.message == citizen.MSG_NO_ANSWER_YET
    uuid = answer(engine, code)
    citizen.rate_answer(engine, tracking.display(code).lower(), 2, "  Uang belum dikembalikan sepenuhnya.  ")
    row = state(engine, code)
    assert (row.citizen_rating, row.citizen_comment) == (2, "Uang belum dikembalikan sepenuhnya.")
    assert row.citizen_rated_at is not None
    with pytest.raises(citizen.CitizenRefused) as twice:
        citizen.rate_answer(engine, code, 4, "berubah pikiran")
    assert twice.value.message == citizen.MSG_RATED_ALREADY
    assert state(engine, code).citizen_rating == 2  # the first verdict stands
    rows = [r for r in audit_rows(engine, uuid) if r.action == citizen.CITIZEN_RATED]
    assert len(rows) == 1 and rows[0].user_id is None and rows[0].username == "system"
    assert rows[0].target == "citizen" and json.loads(rows[0].detail) == {"face": 2, "comment": True}
    assert "Uang" not in rows[0].detail  # the citizen's words stay out of the audit log


def test_two_ratings_racing_store_exactly_one(server, engine, device):
    code = filed(server, device)
    answer(engine, code)
    outcomes: list[str] = []

    def rate(face: int) -> None:
        try:
            citizen.rate_answer(engine, code, face, None)
            outcomes.append("ok")
        except citizen.CitizenRefused as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=rate, args=(1 + i % 4,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and outcomes.count(citizen.MSG_RATED_ALREADY) == 5


@pytest.mark.parametrize(("face", "comment", "field"), [
    (0, None, "face"), (5, None, "face"), (True, None, "face"), ("4", None, "face"),
    (3, "x" * 501, "comment"),
])
def test_bad_rating_input_is_refused_by_field(server, engine, device, face, comment, field):
    code = filed(server, device)
    answer(engine, code)
    with pytest.raises(citizen.CitizenRefused) as refused:
        citizen.rate_answer(engine, code, face, comment)
    assert refused.value.field == field
    assert state(engine, code).citizen_rating is None


def test_rating_an_unknown_code_is_not_found(engine):
    with pytest.raises(NotFound):
        citizen.rate_answer(engine, tracking.generate(), 3, None)


# --- reopening -------------------------------------------------------------------------------------


def test_reopen_window_is_ten_working_days_after_the_answer_skipping_holidays():
    assert citizen.reopen_deadline(ANSWERED, SETTINGS).isoformat() == "2026-12-30"
    last_evening = datetime(2026, 12, 30, 23, 30, tzinfo=WITA)
    assert citizen.reopen_refusal("followed_up", ANSWERED, None, SETTINGS, last_evening.date()) is None
    late = citizen.reopen_refusal("followed_up", ANSWERED, None, SETTINGS, (last_evening + timedelta(hours=1)).date())
    assert late is not None and late.message == citizen.MSG_REOPEN_TOO_LATE and late.params == {"date": "30-12-2026"}


def test_reopen_sends_the_report_back_to_the_agency_in_one_audited_change(server, engine, device):
    code = filed(server, device)
    uuid = answer(engine, code)
    at = datetime(2026, 12, 30, 15, 0, tzinfo=WITA)  # the last day of the window
    result = citizen.request_reopen(engine, SETTINGS, code, "Uangnya belum dikembalikan, petugas masih sama.", now=at)
    # 5 working days from Wednesday 30 December: 31 Dec, 4, 6, 7, 8 January (1 January: New Year; 5 January: Isra Mi'raj).
    assert result.status == "forwarded" and result.due_on.isoformat() == "2027-01-08"
    row = state(engine, code)
    assert (row.status, row.reopened_count, row.due_on) == ("forwarded", 1, result.due_on)
    assert row.reopen_requested_at == at.astimezone(UTC) and row.status_at == at.astimezone(UTC)
    with engine.connect() as conn:
        event = conn.execute(sa.select(complaint_events).where(complaint_events.c.complaint_uuid == uuid)
                             .order_by(complaint_events.c.id.desc())).first()
    assert (event.status, event.actor, event.user_id) == ("forwarded", "citizen", None)
    assert event.internal_note.startswith("Uangnya") and "Uangnya" not in (event.note or "")
    rows = [r for r in audit_rows(engine, uuid) if r.action == "complaint_action"]
    assert len(rows) == 1 and rows[0].user_id is None and rows[0].username == "citizen"
    assert json.loads(rows[0].detail) == {"action": "reopen", "from": "followed_up", "to": "forwarded", "by": "citizen"}
    # Asking again before the agency's new answer: a clear refusal, no second change.
    with pytest.raises(citizen.CitizenRefused) as again:
        citizen.request_reopen(engine, SETTINGS, code, "Tolong", now=at + timedelta(minutes=5))
    assert again.value.message == citizen.MSG_REOPEN_PENDING and state(engine, code).reopened_count == 1


def test_reopen_after_the_window_before_an_answer_or_when_final_is_refused(server, engine, device):
    code = filed(server, device)
    with pytest.raises(citizen.CitizenRefused) as unanswered:
        citizen.request_reopen(engine, SETTINGS, code, "Belum ada jawaban", now=ANSWERED)
    assert unanswered.value.message == citizen.MSG_REOPEN_NOT_ANSWERED
    answer(engine, code)
    with pytest.raises(citizen.CitizenRefused) as late:
        citizen.request_reopen(engine, SETTINGS, code, "Terlambat", now=datetime(2026, 12, 31, 8, 0, tzinfo=WITA))
    assert late.value.message == citizen.MSG_REOPEN_TOO_LATE
    with pytest.raises(citizen.CitizenRefused) as empty:
        citizen.request_reopen(engine, SETTINGS, code, "   ", now=ANSWERED)
    assert empty.value.field == "reason"
    with engine.begin() as conn:
        conn.execute(complaints.update().where(complaints.c.tracking_code == code).values(status="not_authority"))
    with pytest.raises(citizen.CitizenRefused) as final:
        citizen.request_reopen(engine, SETTINGS, code, "Masih bermasalah", now=ANSWERED)
    assert final.value.message == citizen.MSG_REOPEN_FINAL
    row = state(engine, code)
    assert (row.status, row.reopened_count, row.reopen_requested_at) == ("not_authority", 0, None)


def test_a_report_closed_early_can_still_be_reopened_within_the_window(server, engine, device):
    # The desk (or tick) closed it right after the answer; the citizen's reply period still runs.
    code = filed(server, device)
    answer(engine, code)
    with engine.begin() as conn:
        conn.execute(complaints.update().where(complaints.c.tracking_code == code)
                     .values(status="closed", closed_at=ANSWERED + timedelta(hours=1)))
    state_before = citizen.answer_state(engine, SETTINGS, code, now=ANSWERED + timedelta(days=2))
    assert state_before.reopen_refusal is None and state_before.reopen_until.isoformat() == "2026-12-30"
    result = citizen.request_reopen(engine, SETTINGS, code, "Belum selesai", now=ANSWERED + timedelta(days=2))
    row = state(engine, code)
    assert result.status == row.status == "forwarded" and row.closed_at is None and row.reopened_count == 1
    after = citizen.answer_state(engine, SETTINGS, code, now=ANSWERED + timedelta(days=2))
    assert after.reopen_refusal.message == citizen.MSG_REOPEN_PENDING


# --- form tokens -----------------------------------------------------------------------------------


def test_form_tokens_bind_code_form_and_time(engine):
    code, other = tracking.generate(), tracking.generate()
    t0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    token = formtokens.issue(engine, code, "rating", now=t0)
    formtokens.check(engine, token, code, "rating", now=t0 + timedelta(hours=5))
    cases = {
        "missing": (None, code, "rating", t0),
        "forged": (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), code, "rating", t0),
        "other code": (token, other, "rating", t0),
        "other form": (token, code, "reopen", t0),
        "longer life": (str(int(token.split(".")[0]) + 86400) + "." + token.split(".")[1], code, "rating", t0),
        "garbage": ("not a token", code, "rating", t0),
        "expired": (token, code, "rating", t0 + formtokens.LIFETIME + timedelta(seconds=1)),
    }
    reasons = {}
    for name, (tok, c, purpose, when) in cases.items():
        with pytest.raises(formtokens.BadFormToken) as bad:
            formtokens.check(engine, tok, c, purpose, now=when)
        reasons[name] = bad.value.reason
    assert reasons == {"missing": "missing", "forged": "forged", "other code": "forged", "other form": "forged",
                       "longer life": "forged", "garbage": "forged", "expired": "expired"}


def test_the_signing_key_is_made_once_per_database_and_shared(server, engine):
    # Many threads (standing in for processes) asking at once on a fresh name agree on one key.
    server_secrets.forget()
    name = "test-" + tracking.generate()
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(server_secrets.get_or_create(engine, name))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other = server.engine()  # a second engine: no shared memory with the first
    try:
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert server_secrets.get_or_create(other, name) == keys[0]
        # A token issued through one engine checks through the other (two server processes).
        code = tracking.generate()
        formtokens.check(other, formtokens.issue(engine, code, "reopen"), code, "reopen")
    finally:
        other.dispose()


# --- the page's forms over HTTP --------------------------------------------------------------------

TOKEN = re.compile(r'action="(/lacak/[^"]+/(rating|reopen))"[^>]*>\s*<input type="hidden" name="form_token" value="([^"]+)"')


def forms(http, server, code: str) -> dict[str, tuple[str, str]]:
    """The page's forms: purpose -> (action path, token), as a browser would read them."""
    r = http.get(server.url + f"/lacak/{tracking.display(code)}", timeout=10)
    assert r.status_code == 200, r.text
    return {purpose: (action, token) for action, purpose, token in TOKEN.findall(r.text)}


def test_rating_through_the_page_once_then_thanks_then_refused(http, server, engine, device):
    code = filed(server, device)
    assert forms(http, server, code) == {}  # no answer yet: nothing to rate or reopen
    answer(engine, code)
    found = forms(http, server, code)
    assert set(found) == {"rating", "reopen"}
    action, token = found["rating"]
    r = http.post(server.url + action, data={"form_token": token, "face": "3", "comment": "Sudah membaik"},
                  allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == f"/lacak/{tracking.display(code)}?done=rated#result"
    thanks = http.get(server.url + r.headers["location"], timeout=10).text
    assert "Terima kasih. Penilaian Anda atas jawaban ini sudah disimpan." in thanks
    assert "/rating" not in thanks  # the form is gone once rated
    assert (state(engine, code).citizen_rating, state(engine, code).citizen_comment) == (3, "Sudah membaik")
    # The same token again (a replay, or a second tab): a clear refusal on the page, nothing changes.
    again = http.post(server.url + action, data={"form_token": token, "face": "1"}, allow_redirects=False, timeout=10)
    assert again.status_code == 409 and "Anda sudah menilai jawaban ini" in again.text
    assert 'class="error-summary"' in again.text and state(engine, code).citizen_rating == 3


def test_forged_foreign_or_missing_tokens_are_refused_on_the_page(http, server, engine, device):
    code, other = filed(server, device), filed(server, device)
    answer(engine, code)
    answer(engine, other)
    rating_action, token = forms(http, server, code)["rating"]
    reopen_action, _ = forms(http, server, code)["reopen"]
    _, other_token = forms(http, server, other)["rating"]
    cases = {
        "missing": (rating_action, {"face": "4"}),
        "forged": (rating_action, {"form_token": token[:-3] + "abc", "face": "4"}),
        "another report's": (rating_action, {"form_token": other_token, "face": "4"}),
        "the other form's": (reopen_action, {"form_token": token, "reason": "Belum selesai"}),
    }
    for name, (action, data) in cases.items():
        r = http.post(server.url + action, data=data, allow_redirects=False, timeout=10)
        assert r.status_code == 400, name
        assert "Formulir ini sudah terlalu lama atau tidak berasal dari halaman ini" in r.text, name
        assert 'name="form_token"' in r.text, name  # a fresh form to send again
    row = state(engine, code)
    assert (row.citizen_rating, row.status, row.reopened_count) == (None, "followed_up", 0)


def test_bad_input_is_shown_by_the_field_it_belongs_to(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code)
    action, token = forms(http, server, code)["rating"]
    r = http.post(server.url + action + "?lang=en", data={"form_token": token, "comment": "x" * 600}, timeout=10)
    assert r.status_code == 400 and '<a href="#face">Choose one of the four faces.</a>' in r.text
    r = http.post(server.url + action, data={"form_token": token, "face": "2", "comment": "x" * 600}, timeout=10)
    assert r.status_code == 400 and '<a href="#comment">' in r.text and "Anda menulis 600" in r.text
    assert "x" * 600 in r.text  # what the citizen typed is kept
    r = http.post(server.url + action, data={"form_token": token, "face": "9"}, timeout=10)
    assert r.status_code == 400 and '<a href="#face">' in r.text
    action, token = forms(http, server, code)["reopen"]
    r = http.post(server.url + action, data={"form_token": token, "reason": "  "}, timeout=10)
    assert r.status_code == 400 and '<a href="#reason">' in r.text
    r = http.post(server.url + f"/lacak/{tracking.generate()}/rating", data={"form_token": token, "face": "2"}, timeout=10)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert state(engine, code).citizen_rating is None


def test_reopen_through_the_page(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code, at=datetime.now(UTC) - timedelta(hours=2))
    action, token = forms(http, server, code)["reopen"]
    r = http.post(server.url + action, data={"form_token": token, "reason": "Uang belum dikembalikan."},
                  allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=reopened#result")
    page = http.get(server.url + r.headers["location"], timeout=10).text
    assert "Laporan Anda sudah dikirim kembali ke instansi" in page and "/reopen" not in page
    assert "Uang belum dikembalikan" not in page  # the reason is for staff only
    assert (state(engine, code).status, state(engine, code).reopened_count) == ("forwarded", 1)


def test_a_confidential_report_shows_its_status_but_not_its_text_or_answer(http, server, engine, device):
    code = filed(server, device, privacy="rahasia", description="Kepala loket meminta uang pelicin secara rahasia.")
    answer(engine, code, text="Jawaban rahasia untuk pelapor.")
    page = http.get(server.url + f"/lacak/{tracking.display(code)}", timeout=10).text
    assert "Ditindaklanjuti" in page and "Laporan Anda bersifat rahasia" in page
    assert "uang pelicin" not in page and "Jawaban rahasia" not in page
    assert 'action="/lacak/' in page  # the citizen can still rate and reopen
    # The JSON without a device token says no more than the page; an enrolled kiosk gets it all.
    public = http.get(server.url + f"/api/v1/track/{code}", timeout=10).json()
    assert public["status"] == "followed_up" and public["description"] == "" and public["response"] is None
    kiosk = http.get(server.url + f"/api/v1/track/{code}", headers=device.headers, timeout=10).json()
    assert "uang pelicin" in kiosk["description"] and kiosk["response"] == "Jawaban rahasia untuk pelapor."
    open_code = filed(server, device, privacy="anonim", description="Antrean tidak berjalan sejak pagi hari.")
    answer(engine, open_code, text="Antrean sudah diperbaiki.")
    page = http.get(server.url + f"/lacak/{tracking.display(open_code)}", timeout=10).text
    assert "Antrean tidak berjalan" in page and "Antrean sudah diperbaiki." in page


@pytest.fixture(scope="module")
def tight_server(backend, tmp_path_factory):
    if backend != "sqlite":
        pytest.skip("once is enough: test_tracking_limits.py runs the limits on both databases")
    tmp = tmp_path_factory.mktemp("tight")
    s = start_server(database_url(backend, tmp), tmp, IPLIK_CENTRAL_TRACK_BURST="3",
                     IPLIK_CENTRAL_TRACK_PER_MINUTE="0.5", IPLIK_CENTRAL_TRACK_MISSES_PER_10MIN="2")
    yield s
    s.stop()


def test_posts_share_the_lookup_rate_limit(http, tight_server):
    e = tight_server.engine()
    try:
        device = enroll(tight_server, e)
        code = filed(tight_server, device)
        answer(e, code)
        action, token = forms(http, tight_server, code)["rating"]  # 1 lookup
        first = http.post(tight_server.url + action, data={"form_token": token}, timeout=10)  # 2 (a post and its page)
        assert first.status_code == 400
        r = http.post(tight_server.url + action, data={"form_token": token, "face": "4"}, timeout=10)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "text/html" in r.headers["content-type"]
        with e.connect() as conn:
            assert conn.scalar(sa.select(complaints.c.citizen_rating).where(complaints.c.tracking_code == code)) is None
    finally:
        e.dispose()


def test_after_the_reply_period_the_page_says_why_it_cannot_be_reopened(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code, at=datetime.now(UTC) - timedelta(days=30))  # 30 days hold at least 14 working days
    r = http.get(server.url + f"/lacak/{tracking.display(code)}", timeout=10)
    assert set(forms(http, server, code)) == {"rating"}  # rating has no period; reopening has
    assert "Laporan ini tidak dapat dibuka kembali lagi: waktu untuk menanggapi berakhir pada" in r.text


def test_the_page_stays_small_for_phones_on_slow_links(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code)
    page = http.get(server.url + f"/lacak/{tracking.display(code)}", timeout=10).text
    assert "htmx.min.js" not in page and "staff.js" in page  # the error summary's focus, nothing more
    assert len(page.encode()) < 12_000


def test_error_pages_of_the_tracking_page_keep_its_private_headers(http, server):
    for path, status in ((f"/lacak/{tracking.generate()}", 404), ("/lacak/not-a-code", 400)):
        r = http.get(server.url + path, timeout=10)
        assert r.status_code == status and "text/html" in r.headers["content-type"]
        assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
