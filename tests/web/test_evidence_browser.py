"""Compliance evidence in Debian's Chromium (issue 15): an officer's upload of a non-image and of an
oversized file is each refused with a message on the page, a real photo is kept and shown; the officer
cannot open another agency's evidence; the desk approves from its queue. axe finds nothing serious;
screenshots in out/staff-screens/evidence-*.png."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from central.evidence_kit import EXE, TEXT, jpeg_with_gps, publish_with_evidence
from central.serverkit import start_server
from central.staffkit import make_user

from kiosk.central import staff
from kiosk.central.db import evidence_items
from kiosk.central.settings import Settings

from .conftest import WEB_ENV, axe_violations, shot

pytestmark = pytest.mark.browser
LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web-evidence")
    s = start_server(f"sqlite:///{tmp / 'central.db'}", tmp, **WEB_ENV, IPLIK_CENTRAL_EVIDENCE_DIR=str(tmp / "files"),
                     IPLIK_CENTRAL_EVIDENCE_MAX_BYTES=str(LIMIT))
    engine = s.engine()
    publish_with_evidence(engine)
    ids = {
        "officer": make_user(engine, "oka", "officer", agencies=["bappenda"], display_name="Oka Bappenda")[0],
        "desk": make_user(engine, "dewi", "desk", display_name="Dewi Meja")[0],
    }
    s.ids, s.engine_ = ids, engine
    yield s
    engine.dispose()
    s.stop()


def signed_in(page, server, who: str) -> None:
    raw, _csrf = staff.start_session(server.engine_, Settings(), server.ids[who])
    page.context.add_cookies([{"name": "iplik_staff", "value": raw, "url": server.url + "/staff"}])


def row(server, aspect):
    with server.engine_.connect() as conn:
        return conn.execute(sa.select(evidence_items).where(evidence_items.c.agency_id == "bappenda",
                                                            evidence_items.c.aspect == aspect)).first()


def upload(page, aspect: str, name: str, content: bytes, mime: str = "image/jpeg") -> None:
    page.check(f"#{aspect}-status")  # the first choice: "Ada"
    page.fill(f"#{aspect}-evidence", "Dipasang di lobi, dekat antrean")
    page.set_input_files(f"#{aspect}-file", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.click(f"section#{aspect} button[name=submit]")
    page.wait_for_load_state()


def test_uploads_that_are_no_photo_or_too_large_are_refused_on_the_page(page, server):
    signed_in(page, server, "officer")
    page.goto(f"{server.url}/staff/evidence/bappenda")
    for name, content in (("foto.jpg", TEXT), ("pasang.jpg", EXE)):
        upload(page, "maklumat", name, content)
        summary = page.locator(".error-summary")
        assert "Hanya foto (JPEG, PNG, atau WebP) atau dokumen PDF" in summary.inner_text()
        assert "Hanya foto" in page.locator("#maklumat-file-error").inner_text()
        assert row(server, "maklumat") is None
    # The text typed is still there after the refusal.
    assert page.input_value("#maklumat-evidence") == "Dipasang di lobi, dekat antrean"
    # Too large: refused in the page before it is sent (a body past the server's limit would be cut off)...
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    upload(page, "maklumat", "besar.jpg", jpeg_with_gps()[:3] + b"\x00" * (4 * 1024 * 1024 + 10))
    assert "lebih besar dari 0.25 MB" in page.locator("#maklumat-file-error").inner_text()
    assert sent == []
    # ... and by the server when the page's check is not there (an old page, a script that failed).
    page.evaluate("document.querySelectorAll('input[type=file]').forEach(i => i.removeAttribute('data-max-bytes'))")
    upload(page, "maklumat", "besar.jpg", jpeg_with_gps()[:3] + b"\x00" * (LIMIT + 10))
    assert "lebih besar dari 0.25 MB" in page.locator("#maklumat-file-error").inner_text()
    assert len(sent) == 1
    assert row(server, "maklumat") is None
    assert axe_violations(page) == []
    shot(page, "evidence-refused")
    assert page.console_errors == []


def test_a_photo_is_kept_shown_and_approved_by_the_desk(browser, page, server):
    signed_in(page, server, "officer")
    page.goto(f"{server.url}/staff/evidence/bappenda")
    upload(page, "sarana_prasarana", "ramp.jpg", jpeg_with_gps())
    assert "Diajukan ke meja pengaduan." in page.locator(".flash").inner_text()
    img = page.locator("section#sarana_prasarana img.evidence__photo")
    assert img.evaluate("i => i.complete && i.naturalWidth") == 640
    assert row(server, "sarana_prasarana").state == "submitted"
    # In English, on a phone: the same page, nothing serious for axe.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/staff/evidence/bappenda?lang=en")
    assert page.locator("h1").inner_text() == "Compliance evidence: Badan Pendapatan Daerah (EN)"
    assert "Waiting for the desk" in page.locator("section#sarana_prasarana h2").inner_text()
    assert axe_violations(page) == []
    shot(page, "evidence-officer-phone-en")
    page.set_viewport_size({"width": 1366, "height": 768})
    # Another agency's page: not found, and nothing of it on the overview.
    response = page.goto(f"{server.url}/staff/evidence/dinkes")
    assert response.status == 404
    page.goto(f"{server.url}/staff/evidence")
    assert page.locator("a[href='/staff/evidence/dinkes']").count() == 0
    assert page.console_errors == []

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID").new_page()
    try:
        signed_in(desk, server, "desk")
        desk.goto(f"{server.url}/staff/evidence")
        assert desk.locator("#queue").count() == 1
        assert axe_violations(desk) == []
        shot(desk, "evidence-queue")
        desk.click("table form button[value=approve]")
        desk.wait_for_load_state()
        assert "Disetujui." in desk.locator(".flash").inner_text()
        assert row(server, "sarana_prasarana").approved_status == "ada"
        desk.goto(f"{server.url}/staff/evidence/bappenda")
        assert axe_violations(desk) == []
        shot(desk, "evidence-agency")
    finally:
        desk.context.close()
