"""Compliance evidence through the real server (a subprocess, SQLite and PostgreSQL): uploads checked by
content and cleaned of EXIF, who may open and change which agency's evidence, the desk's approval, what
the catalog then carries, and the kiosk's download of a public file only."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import requests
import sqlalchemy as sa

from kiosk.central.db import audit_log, evidence_items

from .evidence_kit import (
    EXE,
    GPS_LAT,
    PDF,
    TEXT,
    jpeg_with_gps,
    png,
    publish_with_evidence,
)
from .pagekit import session_for
from .serverkit import enroll

LIMIT = 256 * 1024  # the upload limit this module's server runs with (a small one keeps the test quick)


@pytest.fixture(scope="module")
def evidence_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("evidence-files")


@pytest.fixture(scope="module")
def server_env(evidence_dir):
    return {"IPLIK_CENTRAL_EVIDENCE_DIR": str(evidence_dir), "IPLIK_CENTRAL_EVIDENCE_MAX_BYTES": str(LIMIT),
            "IPLIK_CENTRAL_MAX_REQUEST_BYTES": str(1024 * 1024)}


@pytest.fixture(scope="module")
def published(server, engine):
    return publish_with_evidence(engine)


@pytest.fixture(scope="module")
def officer(server, engine, published):
    return session_for(server, engine, "officer", "bappenda")[0]


@pytest.fixture(scope="module")
def desk(server, engine, published):
    return session_for(server, engine, "desk")[0]


def save(server, s, agency, aspect, *, status="ada", evidence="", public=False, file=None, submit=False,
         csrf=True):
    data = {f"{aspect}-status": status, f"{aspect}-evidence": evidence}
    if csrf:
        data["csrf_token"] = s.csrf
    if public:
        data[f"{aspect}-public"] = "1"
    if submit:
        data["submit"] = "1"
    files = {f"{aspect}-file": file} if file else None
    return s.post(f"{server.url}/staff/evidence/{agency}/{aspect}", data=data, files=files,
                  allow_redirects=False, timeout=30)


def row(engine, agency, aspect):
    with engine.connect() as conn:
        return conn.execute(sa.select(evidence_items).where(evidence_items.c.agency_id == agency,
                                                            evidence_items.c.aspect == aspect)).first()


def review(server, s, agency, aspect, decision, note="", seen=None):
    data = {"csrf_token": s.csrf, "decision": decision, f"{aspect}-note": note}
    if seen:
        data["seen"] = seen
    return s.post(f"{server.url}/staff/evidence/{agency}/{aspect}/review", data=data, allow_redirects=False,
                  timeout=30)


def test_a_photo_is_kept_under_its_digest_without_exif_and_gps(server, engine, officer, evidence_dir):
    original = jpeg_with_gps()
    from PIL import Image

    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)[2] == GPS_LAT  # the test's own premise
    r = save(server, officer, "bappenda", "maklumat", evidence="Dipasang di lobi", public=True,
             file=("foto.jpg", original, "image/jpeg"), submit=True)
    assert r.status_code == 303, r.text[:300]
    saved = row(engine, "bappenda", "maklumat")
    assert saved.state == "submitted" and saved.file_type == "image/jpeg" and saved.public
    stored = (evidence_dir / saved.file_sha256).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == saved.file_sha256 and len(stored) == saved.file_bytes
    assert stored != original
    img = Image.open(io.BytesIO(stored))
    assert img.format == "JPEG" and img.size == (640, 480)
    assert dict(img.getexif()) == {} and b"Siti" not in stored and b"Exif" not in stored
    assert not list(evidence_dir.glob(".upload-*"))  # no temporary file left behind
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).where(audit_log.c.target == "bappenda/maklumat")).scalars().all()
    assert actions == ["evidence_saved", "evidence_submitted"]


@pytest.mark.parametrize(("name", "content"), [("foto.jpg", TEXT), ("setup.jpg", EXE), ("setup.exe", EXE)])
def test_a_file_that_is_no_photo_or_pdf_is_refused_whatever_its_name(server, engine, officer, name, content):
    r = save(server, officer, "bappenda", "atribut", file=(name, content, "image/jpeg"))
    assert r.status_code == 400
    assert "Hanya foto (JPEG, PNG, atau WebP) atau dokumen PDF" in r.text
    assert row(engine, "bappenda", "atribut") is None


def test_a_pretend_jpeg_that_pillow_cannot_open_is_refused(server, engine, officer):
    r = save(server, officer, "bappenda", "atribut", file=("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg"))
    assert r.status_code == 400 and "Foto tidak dapat dibaca" in r.text
    assert row(engine, "bappenda", "atribut") is None


def test_an_oversized_file_is_refused_with_a_message_and_a_huge_body_never_reaches_the_page(server, engine, officer):
    big = PDF + b"0" * LIMIT  # over the upload limit, under the request limit: the page says why
    r = save(server, officer, "bappenda", "atribut", file=("scan.pdf", big, "application/pdf"))
    assert r.status_code == 400 and "lebih besar dari 0.25 MB" in r.text
    assert row(engine, "bappenda", "atribut") is None
    huge = PDF + b"0" * (1024 * 1024)  # over the server's body limit: refused before anything reads it
    r = save(server, officer, "bappenda", "atribut", file=("scan.pdf", huge, "application/pdf"))
    assert r.status_code == 413
    # A person at a staff page gets a page in words (Indonesian first), not the API's JSON problem.
    assert r.headers["content-type"].startswith("text/html")
    assert "Permintaan terlalu besar" in r.text and "The request is too large" in r.text
    assert row(engine, "bappenda", "atribut") is None


def test_a_form_refused_for_its_status_stores_no_file(server, engine, officer, evidence_dir):
    before = set(evidence_dir.iterdir())
    r = save(server, officer, "bappenda", "penilaian_kinerja", status="maybe", file=("a.png", png((9, 9)), "image/png"))
    assert r.status_code == 400 and "Pilih apakah ini sudah ada" in r.text
    assert set(evidence_dir.iterdir()) == before
    assert row(engine, "bappenda", "penilaian_kinerja") is None


def test_an_officer_cannot_open_or_change_another_agency(server, engine, officer):
    assert officer.get(f"{server.url}/staff/evidence/dinkes", allow_redirects=False, timeout=10).status_code == 404
    r = save(server, officer, "dinkes", "maklumat", evidence="bukan milik saya", file=("a.png", png(), "image/png"))
    assert r.status_code in (403, 404)
    assert row(engine, "dinkes", "maklumat") is None
    overview = officer.get(f"{server.url}/staff/evidence", timeout=10)
    assert overview.status_code == 200
    assert "/staff/evidence/bappenda" in overview.text and "/staff/evidence/dinkes" not in overview.text


def test_a_form_without_its_csrf_token_changes_nothing(server, engine, officer):
    r = save(server, officer, "bappenda", "penilaian_kinerja", evidence="x", csrf=False)
    assert r.status_code == 403
    assert row(engine, "bappenda", "penilaian_kinerja") is None


def test_files_are_served_to_staff_who_see_the_agency_and_no_one_else(server, engine, officer, desk):
    sha = row(engine, "bappenda", "maklumat").file_sha256
    url = f"{server.url}/staff/evidence/file/{sha}"
    r = desk.get(url, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "sandbox"
    assert r.headers["content-disposition"].startswith("inline")
    assert "no-store" in r.headers["cache-control"]
    assert hashlib.sha256(r.content).hexdigest() == sha
    assert officer.get(url, timeout=10).status_code == 200
    other, _, _ = session_for(server, engine, "officer", "dinkes")
    assert other.get(url, timeout=10).status_code == 404
    technician, _, _ = session_for(server, engine, "technician")
    assert technician.get(url, timeout=10).status_code == 403
    anonymous = requests.get(url, allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/sign-in")
    assert desk.get(f"{server.url}/staff/evidence/file/{'0' * 64}", timeout=10).status_code == 404
    assert desk.get(f"{server.url}/staff/evidence/file/..%2F..%2Fcentral.db", timeout=10).status_code == 404


def test_a_pdf_is_only_ever_a_download(server, engine, officer, desk):
    r = save(server, officer, "bappenda", "standar_pelayanan", file=("sp.pdf", PDF, "application/pdf"))
    assert r.status_code == 303
    saved = row(engine, "bappenda", "standar_pelayanan")
    assert saved.file_type == "application/pdf" and saved.file_bytes == len(PDF) and saved.state == "draft"
    r = desk.get(f"{server.url}/staff/evidence/file/{saved.file_sha256}", timeout=10)
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-disposition"].startswith("attachment")


def test_the_desk_approves_and_returns_and_the_catalog_carries_only_what_was_approved(server, engine, officer, desk):
    sha = row(engine, "bappenda", "maklumat").file_sha256
    # The officer may not approve their own agency's evidence.
    assert review(server, officer, "bappenda", "maklumat", "approve").status_code == 403
    # A return needs a note.
    r = review(server, desk, "bappenda", "maklumat", "return")
    assert r.status_code == 400 and "Tulis alasan" in r.text
    assert review(server, desk, "bappenda", "maklumat", "approve").status_code == 303
    # A second aspect: public flag off, submitted and approved -> in the catalog without attachment.
    assert save(server, officer, "bappenda", "sarana_prasarana", status="sebagian", evidence="Belum ada ramp",
                file=("r.png", png(), "image/png"), submit=True).status_code == 303
    private_sha = row(engine, "bappenda", "sarana_prasarana").file_sha256
    assert review(server, desk, "bappenda", "sarana_prasarana", "approve").status_code == 303
    # A third: submitted, then returned: not in the catalog.
    assert save(server, officer, "bappenda", "atribut", status="ada", evidence="Seragam", submit=True).status_code == 303
    assert review(server, desk, "bappenda", "atribut", "return", note="Foto seragam belum ada").status_code == 303
    assert row(engine, "bappenda", "atribut").state == "returned"
    page = officer.get(f"{server.url}/staff/evidence/bappenda", timeout=10).text
    assert "Foto seragam belum ada" in page
    # An approved aspect edited again keeps its approved copy for the catalog until approved again.
    # (with the empty file part a browser sends when no file was chosen: the file stays)
    assert save(server, officer, "bappenda", "maklumat", status="belum", evidence="diturunkan",
                public=True, file=("", b"", "application/octet-stream")).status_code == 303
    assert row(engine, "bappenda", "maklumat").file_sha256 == sha

    doc = publish_with_evidence(engine)
    by_id = {a["id"]: a["compliance"] for a in doc["agencies"]}
    assert by_id["bappenda"] == [
        {"aspect": "maklumat", "status": "ada", "evidence": "Dipasang di lobi",
         "attachment": {"sha256": sha, "type": "image/jpeg", "bytes": row(engine, "bappenda", "maklumat").file_bytes}},
        {"aspect": "sarana_prasarana", "status": "sebagian", "evidence": "Belum ada ramp"},
    ]
    assert by_id["dinkes"] == [{"aspect": "maklumat", "status": "belum", "evidence": "dari draf"}]  # untouched
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).where(audit_log.c.action.like("evidence_%"))).scalars().all()
    assert actions.count("evidence_approved") == 2 and actions.count("evidence_returned") == 1

    kiosk = enroll(server, engine)
    url = f"{server.url}/api/v1/evidence/"
    r = requests.get(url + sha, headers=kiosk.headers, timeout=10)
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    assert r.headers["content-type"] == "image/jpeg" and r.headers["x-content-type-options"] == "nosniff"
    # Approved but not public, and a file never approved: not for kiosks.
    assert requests.get(url + private_sha, headers=kiosk.headers, timeout=10).status_code == 404
    pdf_sha = row(engine, "bappenda", "standar_pelayanan").file_sha256
    assert requests.get(url + pdf_sha, headers=kiosk.headers, timeout=10).status_code == 404
    assert requests.get(url + sha, timeout=10).status_code == 401
    assert requests.get(url + "zz", headers=kiosk.headers, timeout=10).status_code == 404


def test_a_review_of_a_version_the_desk_did_not_see_is_refused(server, engine, officer, desk):
    assert save(server, officer, "bappenda", "visi_misi_motto", evidence="v1", submit=True).status_code == 303
    page = desk.get(f"{server.url}/staff/evidence/bappenda", timeout=10).text
    seen = re.search(r'action="/staff/evidence/bappenda/visi_misi_motto/review"[^>]*>.*?name="seen" value="([^"]+)"',
                     page, re.DOTALL).group(1)
    assert save(server, officer, "bappenda", "visi_misi_motto", evidence="v2", submit=True).status_code == 303
    r = review(server, desk, "bappenda", "visi_misi_motto", "approve", seen=seen)
    assert r.status_code == 400
    assert row(engine, "bappenda", "visi_misi_motto").state == "submitted"
    page = desk.get(f"{server.url}/staff/evidence/bappenda", timeout=10).text
    seen = re.search(r'action="/staff/evidence/bappenda/visi_misi_motto/review"[^>]*>.*?name="seen" value="([^"]+)"',
                     page, re.DOTALL).group(1)
    assert review(server, desk, "bappenda", "visi_misi_motto", "approve", seen=seen).status_code == 303
    assert row(engine, "bappenda", "visi_misi_motto").approved_evidence == "v2"


def test_a_viewer_reads_every_agency_and_changes_nothing(server, engine, published):
    viewer, _, _ = session_for(server, engine, "viewer")
    page = viewer.get(f"{server.url}/staff/evidence/dinkes", timeout=10)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' not in page.text
    assert "Di kios saat ini: Belum ada." in page.text  # dinkes' maklumat as published, nothing saved yet
    desk, _, _ = session_for(server, engine, "desk")
    form = desk.get(f"{server.url}/staff/evidence/dinkes", timeout=10).text
    assert re.search(r'<textarea[^>]*name="maklumat-evidence"[^>]*>dari draf</textarea>', form)  # starts from it
    r = save(server, viewer, "dinkes", "atribut", evidence="x")
    assert r.status_code == 403
    assert row(engine, "dinkes", "atribut") is None
    technician, _, _ = session_for(server, engine, "technician")
    assert technician.get(f"{server.url}/staff/evidence", allow_redirects=False, timeout=10).status_code == 403
    assert technician.get(f"{server.url}/staff/evidence/dinkes", allow_redirects=False, timeout=10).status_code == 404


def test_approving_one_aspect_keeps_the_published_items_of_the_others(server, engine, published):
    from kiosk.central import evidence
    from kiosk.central.access import Role, Staff
    from kiosk.central.audit import SYSTEM

    desk = Staff(1, "dewi", "Dewi", Role.DESK)
    evidence.save(engine, desk, SYSTEM, agency_id="dinkes", aspect="atribut", status="sebagian",
                  evidence="Seragam ada, tanda pengenal belum", public=False, submit=True)
    evidence.review(engine, desk, SYSTEM, agency_id="dinkes", aspect="atribut", approve=True)
    doc = publish_with_evidence(engine)
    dinkes = next(a for a in doc["agencies"] if a["id"] == "dinkes")
    assert dinkes["compliance"] == [
        {"aspect": "maklumat", "status": "belum", "evidence": "dari draf"},  # as published before
        {"aspect": "atribut", "status": "sebagian", "evidence": "Seragam ada, tanda pengenal belum"},
    ]
