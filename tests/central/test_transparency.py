"""The public transparency page against the real server: open without sign-in, one block per agency
anchored by its id, both languages, and not one piece of personal data.

The seeded marker: complaints whose reporter and description carry a name, NIK, phone number and e-mail
address found nowhere else; the page, in Indonesian and in English, must hold none of them, and none of
the description's words. The page caches its figures for a minute, so everything is pushed before it is
first opened (module fixture)."""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from kiosk.central.analytics import periods, rollup
from kiosk.central.db import complaint_facts, complaints, service_populations
from kiosk.central.settings import Settings

from .inboxkit import ensure_catalog
from .serverkit import enroll

MARK_NAME = "Zulkarnaen Wiratmaja Qorvex"
MARK_NIK = "5271014507880042"
MARK_PHONE = "0813 9988 7766"
MARK_EMAIL = "qorvex.marker7@example.org"
MARK_WORD = "Xylofonikah"  # in the description only
MARKERS = (MARK_NAME, "Qorvex", MARK_NIK, "4507880042", MARK_PHONE, "081399887766", "9988 7766", MARK_EMAIL,
           "marker7", MARK_WORD)
SERVICE = "bappenda-pkb-tahunan"
SMALL_SERVICE = "dinkes-izin-penelitian"  # 100,000 users a year, two surveys: far below its minimum sample


def marked_complaint(privacy: str) -> dict:
    from kiosk.domain import tracking
    from kiosk.domain.complaint import complaint_to_dict, validate_complaint
    from kiosk.sync import wire

    now = datetime.now(UTC)
    raw = {
        "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda", "service_id": SERVICE,
        "description": f"Petugas {MARK_WORD} meminta uang tambahan. Hubungi {MARK_PHONE} atau {MARK_EMAIL}.",
        "privacy": privacy,
        "identity": {"name": MARK_NAME, "nik": MARK_NIK, "phone": MARK_PHONE, "email": MARK_EMAIL},
        "consent_version": "pdp-2026-11",
    }
    doc = complaint_to_dict(validate_complaint(raw, today=date.today(), now=now))
    return {"uuid": str(uuidlib.uuid4()), "kind": "complaint",
            "body": wire.complaint_body(tracking.generate(), now.isoformat(timespec="seconds"), doc)}


def survey(score: int, answered_at: datetime, *, service: str = SERVICE, agency: str = "bappenda") -> dict:
    from kiosk.domain.rating import survey_to_dict, validate_survey
    from kiosk.sync import wire

    s = validate_survey({"service_id": service, "answers": {f"U{i}": score for i in range(1, 10)},
                         "profile": {"jenis_kelamin": "P", "usia": 34}}, answered_at=answered_at)
    return {"uuid": str(uuidlib.uuid4()), "kind": "rating",
            "body": wire.rating_body(answered_at.isoformat(timespec="seconds"), agency, survey_to_dict(s))}


@pytest.fixture(scope="module")
def seeded(server, engine):
    """Two marked complaints (ordinary and confidential) and, in the last complete quarter, three surveys
    of a Bappenda service: two all-4, one all-3, so IKM = (4 + 4 + 3) / 3 x 25 = 91.666... -> 91.67 (A)."""
    ensure_catalog(engine, "bappenda", "dinkes")
    settings = Settings()
    today = datetime.now(settings.tz).date()
    last_quarter = periods.last_complete(periods.Kind.QUARTER, today)
    when = datetime.combine(last_quarter.first + timedelta(days=10), datetime.min.time(), settings.tz).replace(hour=10)
    with engine.begin() as conn:
        conn.execute(service_populations.insert().values(service_id=SMALL_SERVICE, yearly_users=100_000,
                                                         updated_at=datetime.now(UTC), updated_by="test"))
    dev = enroll(server, engine)
    records = [marked_complaint("biasa"), marked_complaint("rahasia")] + [survey(s, when) for s in (4, 4, 3)]
    records += [survey(4, when, service=SMALL_SERVICE, agency="dinkes") for _ in range(2)]
    r = requests.post(server.url + "/api/v1/sync/push", json={"records": records}, headers=dev.headers, timeout=10)
    assert r.status_code == 200 and all(x["status"] == "stored" for x in r.json()["results"]), r.text
    rollup.refresh_all(engine, settings, now=datetime.now(UTC))
    # Complaint handling as the handling rollup would have it for Dinkes in the last quarter: four
    # complaints answered, three within the deadline -> 3/4 = 75.0 % on time.
    day = last_quarter.first + timedelta(days=5)
    with engine.begin() as conn:
        conn.execute(complaint_facts.insert(), [
            {"uuid": str(uuidlib.uuid4()), "agency_id": "dinkes", "class": "pengaduan", "topic": "pelayanan",
             "standard_part": None, "received_day": day, "verify_workdays": 1, "answer_workdays": 3,
             "verified_on_time": True, "answered_on_time": on_time, "verify_due": day, "answer_due": day,
             "reopened": False, "citizen_rating": None, "status": "closed", "is_open": False, "is_overdue": False,
             "computed_at": datetime.now(UTC)}
            for on_time in (True, True, True, False)
        ])
    return last_quarter


def page(server, lang: str | None = None) -> requests.Response:
    return requests.get(server.url + "/transparansi", params={"lang": lang} if lang else None, timeout=30)


def card(html: str, agency: str) -> str:
    """The visible text of one agency's card (its <section id=...>)."""
    m = re.search(rf'<section[^>]*\bid="{agency}".*?</section>', html, re.DOTALL)
    assert m, agency
    return visible_text(m.group(0))


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_opens_without_sign_in_with_one_anchored_block_per_agency(server, seeded):
    r = page(server)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="id">' in r.text
    assert "Kinerja pelayanan publik" in r.text
    for agency in ("bappenda", "dinkes", "rsud-ntb"):
        assert f'id="{agency}"' in r.text and f'href="#{agency}"' in r.text
    assert "iplik_staff" not in r.headers.get("set-cookie", "")
    en = page(server, "en")
    assert '<html lang="en">' in en.text and "Public service performance" in en.text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_personal_data_and_no_description_text(server, engine, seeded, lang):
    with engine.connect() as conn:  # the markers are really in the database the page reads
        stored = conn.scalars(sa.select(complaints.c.description)).all()
    assert any(MARK_WORD in d for d in stored)
    html = page(server, lang).text
    for marker in MARKERS:
        assert marker.lower() not in html.lower(), marker
    # Nor anything else of the description ("meminta uang tambahan").
    assert "uang tambahan" not in html


def test_the_last_quarter_shows_the_hand_computed_index(server, seeded):
    block = card(page(server).text, "bappenda")
    assert f"Indeks kepuasan, {seeded.label('id')}" in block
    assert "91,67" in block and "mutu A (Sangat Baik)" in block and "3 responden" in block
    en = card(page(server, "en").text, "bappenda")
    assert "91.67" in en and "grade A (Very good)" in en


def test_complaints_answered_on_time_are_a_share_of_the_quarter(server, seeded):
    block = card(page(server).text, "dinkes")
    assert f"Pengaduan dijawab tepat waktu, {seeded.label('id')} 75,0 % · 4 pengaduan diterima" in block
    assert "75.0 % · 4 complaints received" in card(page(server, "en").text, "dinkes")


def test_a_sample_below_the_minimum_shows_no_score(server, seeded):
    """Dinkes: 2 respondents in the quarter against its minimum. 100,000 users a year are, in a quarter of
    90, 91 or 92 days, ceil(100000 x 92 / 365) = 25,206 (24,658 and 24,932 for the shorter ones); Krejcie-
    Morgan: 3.841 x 25206 x 0.25 / (0.0025 x 25205 + 0.96025) = 24204.06 / 63.97275 = 378.35 -> 378 (378.22
    and 378.29 for the others: 378 whatever the quarter). So no score, only the counts."""
    block = card(page(server).text, "dinkes")
    assert "Sampel belum cukup" in block and "(2 dari sedikitnya 378 responden)" in block
    assert "mutu A" not in block.split("Pengaduan")[0]
    en = card(page(server, "en").text, "dinkes")
    assert "Sample not yet sufficient (2 of at least 378 respondents)" in en


def test_the_compliance_zone_is_that_of_the_catalog(server, seeded):
    """The demo catalog's Bappenda: eight aspects "ada", one "sebagian": 8.5 / 9 x 100 = 94.444... -> 94.44,
    green zone (81.00-100)."""
    assert "Zona hijau nilai 94,44" in card(page(server).text, "bappenda")
    assert "Green zone score 94.44" in card(page(server, "en").text, "bappenda")
    assert "Belum tersedia di server ini" not in page(server).text  # every part of issue 14 is in this build
