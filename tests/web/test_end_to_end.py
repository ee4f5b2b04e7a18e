"""Issue #11, end to end, as the people involved do it: the real central server (a subprocess on a
SQLite file), Debian's Chromium, a kiosk store on disk enrolled against the server.

One story in order (each step needs the one before): an administrator creates the desk user and an
officer of agency A through the users pages; a complaint filed at the kiosk syncs; the desk (first
sign-in: sets up its second factor from the page and chooses its own password) verifies it, looks at
the identity and forwards it to A; B's officer neither lists nor opens it; A's officer answers; the
kiosk's next sync brings the answer to Track and the citizen rates it on /lacak/{code}; a second
complaint answered and left without reply is closed by `kiosk central tick` run 10 working days
later as a command; the administrator's audit page lists the identity view.

Screenshots of the key steps go to out/staff-screens/e2e-*.png.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa
from central.inboxkit import desk_act
from central.serverkit import REPO
from central.staffkit import make_user, totp_now
from sync.conftest import enroll_kiosk, kiosk_config

from kiosk.actions import Kiosk
from kiosk.central import audit, workdays
from kiosk.central.db import audit_log, complaints
from kiosk.central.settings import Settings
from kiosk.domain import tracking
from kiosk.domain.workflow import AUTO_CLOSE_DAYS, Status
from kiosk.paths import DEMO_CATALOG
from kiosk.sync.worker import SyncWorker

from .conftest import shot

pytestmark = pytest.mark.browser

AGENCY_A, AGENCY_B = "bappenda", "dinkes"
ADMIN_PASSWORD = "rinjani pagi cerah 21 kabut"
DESK_FIRST, DESK_OWN = "tanjung aan biru 5 karang", "bukit merese senja 8 angin"
OFFICER_FIRST, OFFICER_OWN = "pura lingsar 3 hujan deras", "sade rumah adat 6 lumbung"
OFFICER_B_PASSWORD = "gili meno 4 penyu hijau laut"
ANSWER = ("Petugas loket sudah kami tegur dan uang tambahan Rp50.000 dikembalikan. "
          "Tarif resmi kini dipasang di depan loket Samsat.")
COMPLAINT = {
    "class": "pengaduan", "topic": "pungli", "agency_id": AGENCY_A, "privacy": "biasa",
    "description": "Petugas loket Samsat meminta uang tambahan Rp50.000 di luar tarif resmi pajak kendaraan.",
    "identity": {"name": "Baiq Nurul Aini", "phone": "081803456789"}, "consent_version": "pdp-2026-11",
}
SECOND = {**COMPLAINT, "topic": "lambat", "identity": None, "privacy": "anonim",
          "description": "Antrean pembayaran pajak di Samsat Mataram lambat sekali, tiga jam menunggu."}


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page the post redirects to."""
    with page.expect_navigation():
        page.click(selector)


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def sign_in(page, server, username: str, password: str, next_path: str = "/staff/complaints") -> None:
    page.goto(f"{server.url}/staff/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    submit(page, "button[type=submit] >> text=Masuk")


def second_factor(page, secret: str) -> None:
    assert path_of(page).startswith("/staff/sign-in/totp"), page.url
    page.fill("#code", totp_now(secret))
    submit(page, "button[type=submit] >> text=Lanjutkan")


def choose_own_password(page, old: str, new: str) -> None:
    """The account page a person lands on while the administrator's first password must be changed."""
    assert path_of(page).startswith("/staff/account"), page.url
    page.fill("#current_password", old)
    page.fill("#new_password", new)
    page.fill("#confirm_password", new)
    submit(page, "button >> text=Ganti kata sandi")
    assert "sudah diganti" in page.locator(".flash").inner_text()


def status_of(engine, code: str) -> str:
    with engine.connect() as conn:
        return conn.scalar(sa.select(complaints.c.status).where(complaints.c.tracking_code == tracking.parse(code)))


def new_page(browser):
    """A page in a context of its own; dialogs, script errors and failed sub-resources are collected."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    p = context.new_page()
    p.dialogs, p.problems = [], []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.on("pageerror", lambda exc: p.problems.append(str(exc)))
    p.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
         and p.problems.append(m.text))
    p.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
         and p.problems.append(f"{r.status} {r.url}"))
    return p


# Each 4-character group of the secret on one line: a group split over two lines is easily mistyped.
GROUPS_ON_ONE_LINE = """el => {
  const text = el.firstChild; const out = [];
  for (const m of text.data.matchAll(/\\S+/g)) {
    const r = document.createRange(); r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
    out.push(new Set([...r.getClientRects()].map(c => Math.round(c.top))).size);
  }
  return out;
}"""


@pytest.fixture
def people(browser):
    """One browser context per person (no cookie is shared), closed at the end."""
    pages = {}

    def get(name: str):
        if name not in pages:
            pages[name] = new_page(browser)
        return pages[name]

    yield get
    for p in pages.values():
        p.context.close()


def test_a_complaint_from_the_kiosk_to_the_citizens_rating(web_server, people, tmp_path):
    from kiosk.central import catalog

    engine = web_server.engine()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    _id, admin_secret = make_user(engine, "ayu", "admin", password=ADMIN_PASSWORD, totp=True,
                                  display_name="Ayu Pratiwi")
    make_user(engine, "bayu", "officer", agencies=[AGENCY_B], password=OFFICER_B_PASSWORD,
              display_name="Bayu Setiawan")

    # 1. The administrator creates the desk user and A's officer through the users pages.
    admin = people("admin")
    sign_in(admin, web_server, "ayu", ADMIN_PASSWORD, next_path="/staff/users/new")
    second_factor(admin, admin_secret)
    for username, name, role, agency, password in (
        ("dewi", "Dewi Lestari", "desk", None, DESK_FIRST),
        ("fajar", "Fajar Hidayat", "officer", AGENCY_A, OFFICER_FIRST),
    ):
        admin.goto(f"{web_server.url}/staff/users/new")
        admin.fill("#username", username)
        admin.fill("#display_name", name)
        admin.check(f"input[name=role][value={role}]")
        if agency:
            admin.check(f"input[name=agencies][value={agency}]")
        admin.fill("#password", password)
        submit(admin, "button >> text=Buat akun")
        assert re.search(r"/staff/users/\d+\?done=created$", admin.url), admin.url
    admin.goto(f"{web_server.url}/staff/users")
    users_text = admin.locator("table").inner_text()
    assert "dewi" in users_text and "fajar" in users_text
    shot(admin, "e2e-01-admin-users")

    # 2. A complaint filed through the kiosk's facade reaches the server with the next sync.
    cfg = kiosk_config(tmp_path / "kiosk", web_server.url)
    enroll_kiosk(cfg, web_server, engine)
    kiosk = Kiosk.open(cfg)
    worker = SyncWorker(cfg, store=kiosk.store)
    try:
        kiosk.load_catalog()
        code = kiosk.file_complaint(COMPLAINT).tracking_code
        assert worker.run_once().sent >= 1
        assert status_of(engine, code) == "sent"

        # A's officer (first sign-in: own password) does not see it before the desk has forwarded it.
        officer = people("officer-a")
        sign_in(officer, web_server, "fajar", OFFICER_FIRST)
        choose_own_password(officer, OFFICER_FIRST, OFFICER_OWN)
        officer.goto(f"{web_server.url}/staff/complaints")
        assert code not in officer.locator("main").inner_text()
        assert officer.goto(f"{web_server.url}/staff/complaints/{code}").status == 404

        # 3. The desk's first sign-in: the second factor is set up from the secret on the page, then
        # the administrator's password is replaced; then verify, look at the identity, forward to A.
        desk = people("desk")
        sign_in(desk, web_server, "dewi", DESK_FIRST)
        assert path_of(desk).startswith("/staff/sign-in/totp"), desk.url
        desk_secret = desk.locator("code.secret").inner_text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{32}", desk_secret), desk_secret
        for width in (1366, 320):
            desk.set_viewport_size({"width": width, "height": 768})
            lines = desk.locator("code.secret").evaluate(GROUPS_ON_ONE_LINE)
            assert len(lines) == 8 and set(lines) == {1}, (width, lines)
        desk.set_viewport_size({"width": 1366, "height": 768})
        shot(desk, "e2e-02-desk-totp-setup")
        second_factor(desk, desk_secret)
        choose_own_password(desk, DESK_FIRST, DESK_OWN)
        desk.goto(f"{web_server.url}/staff/complaints")
        assert code in desk.locator("main").inner_text()
        desk.goto(f"{web_server.url}/staff/complaints/{code}")
        shot(desk, "e2e-03-desk-complaint-new")
        submit(desk, "#action-verify button[type=submit]")
        assert desk.url.endswith(f"/staff/complaints/{code}?done=verify"), desk.url
        assert status_of(engine, code) == "verified"
        submit(desk, "button >> text=Tampilkan identitas")
        assert "Baiq Nurul Aini" in desk.locator(".panel--identity").inner_text()
        desk.goto(f"{web_server.url}/staff/complaints/{code}")
        assert desk.locator(".panel--identity").count() == 0  # shown for that one answer only
        desk.select_option("#forward-agency_id", AGENCY_A)
        desk.fill("#forward-note", "Diteruskan ke Bapenda untuk ditindaklanjuti.")
        submit(desk, "#action-forward button[type=submit]")
        assert desk.url.endswith(f"/staff/complaints/{code}?done=forward"), desk.url
        assert status_of(engine, code) == "forwarded"
        shot(desk, "e2e-04-desk-forwarded")

        # 4. B's officer: not in the list, and the URL answers 404.
        officer_b = people("officer-b")
        sign_in(officer_b, web_server, "bayu", OFFICER_B_PASSWORD)
        assert path_of(officer_b) == "/staff/complaints", officer_b.url
        assert code not in officer_b.locator("main").inner_text()
        assert officer_b.goto(f"{web_server.url}/staff/complaints/{code}").status == 404
        assert officer_b.goto(f"{web_server.url}/staff/complaints?q=Samsat").status == 200
        assert code not in officer_b.locator("main").inner_text()
        shot(officer_b, "e2e-05-officer-b-list")

        # 5. A's officer now finds it in the list, opens it and answers.
        officer.goto(f"{web_server.url}/staff/complaints")
        with officer.expect_navigation():
            officer.get_by_role("link", name=code).click()
        assert path_of(officer) == f"/staff/complaints/{code}"
        assert "Rp50.000 di luar tarif resmi" in officer.locator("main").inner_text()
        officer.fill("#respond-text", ANSWER)
        submit(officer, "#action-respond button[type=submit]")
        assert officer.url.endswith(f"/staff/complaints/{code}?done=respond"), officer.url
        assert status_of(engine, code) == "followed_up"
        shot(officer, "e2e-06-officer-a-answered")

        # 6. The next sync brings the answer to the kiosk's Track screen; the citizen reads it on
        # /lacak/{code} and rates it there.
        worker.run_once()
        track = kiosk.track(code)
        assert track.status == Status.FOLLOWED_UP and track.response == ANSWER
        citizen = people("citizen")
        citizen.set_viewport_size({"width": 390, "height": 844})
        citizen.goto(f"{web_server.url}/lacak/{code}")
        assert ANSWER in citizen.locator(".track-answer").inner_text()
        assert "Ditutup otomatis jika Anda tidak membalas" in citizen.locator("main").inner_text()
        shot(citizen, "e2e-07-citizen-answer")
        citizen.click("label[for=face-4]")
        citizen.fill("#comment", "Uang saya sudah kembali, terima kasih.")
        submit(citizen, "form[action$='/rating'] button[type=submit]")
        assert "done=rated" in citizen.url
        assert "Terima kasih" in citizen.locator("#result").inner_text()
        assert citizen.locator("form[action$='/rating']").count() == 0  # once per complaint
        # Replied: the deadline job will not close it, so the page no longer says it will.
        assert "Ditutup otomatis" not in citizen.locator("main").inner_text()
        shot(citizen, "e2e-08-citizen-rated")
        with engine.connect() as conn:
            row = conn.execute(sa.select(complaints.c.citizen_rating, complaints.c.citizen_comment)
                               .where(complaints.c.tracking_code == tracking.parse(code))).one()
        assert row.citizen_rating == 4 and row.citizen_comment.startswith("Uang saya sudah kembali")

        # 7. Another complaint, answered, gets no reply: `kiosk central tick` 10 working days after the
        # answer leaves it open on the last day and closes it on the day after.
        second = kiosk.file_complaint(SECOND).tracking_code
        worker.run_once()
        desk_act(engine, tracking.parse(second), "forward", agency_id=AGENCY_A)
        desk_act(engine, tracking.parse(second), "respond", text="Loket tambahan dibuka mulai pekan depan.")
        settings = Settings()
        with engine.connect() as conn:
            answered_at, due = conn.execute(sa.select(complaints.c.status_at, complaints.c.due_on)
                                            .where(complaints.c.tracking_code == tracking.parse(second))).one()
        answer_day = answered_at.astimezone(settings.tz).date()
        last_day = workdays.calendar(settings, answer_day).add_working_days(answer_day, AUTO_CLOSE_DAYS)
        assert due == last_day
        assert tick(web_server.db_url, f"{last_day.isoformat()}T23:59")["closed"] == 0
        assert status_of(engine, second) == "followed_up"
        assert tick(web_server.db_url, f"{(last_day + timedelta(days=1)).isoformat()}T00:01")["closed"] == 1
        assert status_of(engine, second) == "closed"
        assert status_of(engine, code) == "followed_up"  # the citizen replied to that one
        citizen.goto(f"{web_server.url}/lacak/{second}")
        assert "Selesai" in citizen.locator("#status-title + p").inner_text()
        shot(citizen, "e2e-09-citizen-closed")

        # 8. The administrator's audit page lists the desk's identity view.
        admin.goto(f"{web_server.url}/staff/audit?code={code}")
        rows = [r.inner_text() for r in admin.locator("tbody tr").all()]
        assert len([r for r in rows if "dewi" in r and "Identitas dilihat" in r]) == 1, rows
        assert len([r for r in rows if "Pelapor menilai jawaban" in r]) == 1, rows
        assert "Baiq" not in admin.locator("main").inner_text()  # that it was seen, not what
        shot(admin, "e2e-10-admin-audit")
        admin.goto(f"{web_server.url}/staff/audit?action={audit.IDENTITY_VIEWED}")
        assert [r.inner_text().count("dewi") for r in admin.locator("tbody tr").all()] == [1]
        with engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(audit_log)
                               .where(audit_log.c.action == audit.IDENTITY_VIEWED)) == 1
        for p in (admin, desk, officer_b, officer, citizen):
            assert p.dialogs == [] and p.problems == [], (p.dialogs, p.problems)
    finally:
        worker.stop()
        kiosk.close()
        engine.dispose()


def tick(db_url: str, now: str) -> dict:
    """The real command, as the systemd timer runs it, at a frozen moment of the office's time."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "kiosk.cli", "central", "tick", "--db", db_url, "--now", now, "--json"],
                         check=False, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)
