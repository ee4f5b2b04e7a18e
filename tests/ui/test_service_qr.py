"""The service page's QR to the public transparency page: it is on the screen, it scans (zxing-cpp, from
a screenshot of the real window) to the configured page at the service's agency, in both languages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui
zxingcpp = pytest.importorskip("zxingcpp")

# config.toml's [transparency] url_template with {agency} = bappenda (the UI catalog's first agency)
URL = "https://iplik.ntbprov.go.id/transparansi#bappenda"


def open_first_service(d):
    d.tap(d.screen("home").ids.tile_info)
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])  # Bappenda (sorted by name)
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])  # its one service, bappenda-pkb
    d.settle()
    screen = d.app.screen
    assert screen.name == "service" and screen.service_id == "bappenda-pkb"
    return screen


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_service_page_qr_scans_to_the_agencys_transparency_block(ui, tmp_path, lang):
    from PIL import Image

    from kiosk.ui.forms import QRCodeView

    d = ui
    d.app.set_language(lang)
    screen = open_first_service(d)
    d.wait(lambda: any(isinstance(w, QRCodeView) for w in d.walk(screen.ids.content)), what="the QR")
    qr = next(w for w in d.walk(screen.ids.content) if isinstance(w, QRCodeView))
    caption = "Lihat kinerja layanan ini" if lang == "id" else "See how this service performs"
    assert caption in [w.text for w in d.walk(screen.ids.content) if hasattr(w, "text")]
    d.bring_into_view(qr)
    d.settle()
    image = Image.open(d.screenshot(tmp_path / f"service-qr-{lang}.png")).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [URL]
