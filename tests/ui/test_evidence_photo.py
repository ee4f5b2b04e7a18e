"""The compliance screen shows an aspect's approved public photo when the kiosk has fetched it, and only
the text when it has not (issue 15): the real app, offscreen, its pixels read from a screenshot."""

from __future__ import annotations

import copy
import hashlib
import io

import pytest

pytestmark = pytest.mark.ui

RED = (220, 20, 20)


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), RED).save(out, format="JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def photo_catalog(core, catalog):
    """The UI catalog with a photo on Bappenda's maklumat; the test's kiosk gets the original back."""
    from kiosk.store import catalog as catalog_store

    data = _photo()
    sha = hashlib.sha256(data).hexdigest()
    raw = copy.deepcopy(catalog)
    for item in raw["agencies"][0]["compliance"]:
        if item["aspect"] == "maklumat":
            item["attachment"] = {"sha256": sha, "type": "image/jpeg", "bytes": len(data)}
    assert raw["agencies"][0]["id"] == "bappenda"
    catalog_store.replace_catalog(core.store.db, raw)
    yield data, sha
    catalog_store.replace_catalog(core.store.db, catalog)
    from kiosk.store import evidence_files

    evidence_files.prune(core.config.data_dir, set())


def _images(d, screen):
    from kivy.uix.image import AsyncImage

    return [w for w in d.walk(screen.ids.content) if isinstance(w, AsyncImage)]


def test_the_photo_is_shown_under_its_aspect_once_the_kiosk_has_it(ui, core, photo_catalog, tmp_path):
    from PIL import Image

    from kiosk.domain.catalog import Attachment
    from kiosk.store import evidence_files

    data, sha = photo_catalog
    d = ui
    # Not fetched yet: the aspect shows its status and text, and no image (nothing broken).
    d.app.go("compliance", agency_id="bappenda")
    d.settle()
    screen = d.app.screen
    texts = [w.text for w in d.walk(screen.ids.content) if hasattr(w, "text")]
    assert "Dipasang di lobi" in texts and _images(d, screen) == []

    assert evidence_files.install(core.config.data_dir, Attachment(sha, "image/jpeg", len(data)), data)
    d.app.reset_all()
    d.settle()
    d.app.go("compliance", agency_id="bappenda")
    d.settle()
    screen = d.app.screen
    images = d.wait(lambda: _images(d, screen), what="the photo widget")
    assert len(images) == 1
    img = images[0]
    d.wait(lambda: img.texture is not None and img.texture.size == (400, 300), what="the photo decoded")
    d.bring_into_view(img)
    d.frames(3)
    shot = d.screenshot(tmp_path / "compliance-photo.png")
    # The centre of the image widget, in screenshot pixels (Kivy's y grows upwards, the PNG's downwards).
    x, y = img.to_window(img.center_x, img.center_y)
    picture = Image.open(shot).convert("RGB")
    r, g, b = picture.getpixel((int(x), picture.height - 1 - int(y)))
    assert r > 180 and g < 80 and b < 80, (r, g, b)
