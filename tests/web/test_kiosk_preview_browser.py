"""The kiosk preview of the standards editor in Chromium: under the real CSP and stylesheet nothing is
blocked, axe finds no serious problem, and the page reads as the kiosk's does (screenshots for people to
look at: out/staff-screens/kiosk-preview-*.png). The data behind it: tests/central/test_kiosk_preview.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from central.serverkit import REPO, Server

from .conftest import WEB_ENV

pytestmark = pytest.mark.browser


class PreviewServer(Server):
    python_path = (REPO, REPO / "tests")

    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).with_name("kiosk_preview_app.py")), "--db", self.db_url,
                "--port", str(self.port)]


@pytest.fixture(scope="module")
def preview_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preview")
    server = PreviewServer(f"sqlite:///{tmp / 'central.db'}", env=WEB_ENV, log_path=tmp / "server.log").start()
    yield server
    server.stop()


INDONESIAN_HEADINGS = ["Persyaratan", "Sistem, mekanisme, dan prosedur", "Jangka waktu penyelesaian", "Biaya/tarif",
                       "Produk pelayanan", "Penanganan pengaduan, saran, dan masukan", "Maklumat pelayanan"]


def test_a_free_service_in_indonesian(preview_server, page, axe_violations, shot):
    page.goto(f"{preview_server.url}/staff/_kiosk_preview/bakesbangpoldagri-bantuan-keuangan-parpol?lang=id")
    screen = page.locator(".kiosk-preview__screen")
    assert screen.get_attribute("lang") == "id"
    assert page.locator(".kiosk-preview__heading").all_inner_texts()[:7] == INDONESIAN_HEADINGS
    assert page.locator(".kiosk-preview__section--fees .kiosk-preview__badge").inner_text() == "Gratis"
    assert page.locator(".kiosk-preview__steps li").count() == 6
    # The stylesheet is applied (the CSP would block a style attribute): the bar is the kiosk's blue.
    assert page.locator(".kiosk-preview__bar").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 83, 148)"
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "kiosk-preview-id")


def test_a_paid_service_in_english(preview_server, page, axe_violations, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{preview_server.url}/staff/_kiosk_preview/bpkad-sewa-aset?lang=en")
    headings = page.locator(".kiosk-preview__heading").all_inner_texts()
    assert headings[:6] == ["Requirements", "System, mechanism and procedure", "Completion time", "Fees",
                            "Service product", "Complaints, suggestions and feedback"]
    fees = page.locator(".kiosk-preview__section--fees")
    assert fees.locator(".kiosk-preview__badge").count() == 0
    assert "Rp25.000 per meter persegi" in fees.inner_text()
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "kiosk-preview-en-390")
