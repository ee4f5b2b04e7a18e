"""The parts of compliance evidence that need no server: the catalog's optional attachment, what an
upload may be and how it is cleaned, how it is written (a full disk keeps nothing), the settings."""

from __future__ import annotations

import copy
import errno
import hashlib
import io

import pytest

from kiosk.central import evidence_files as F
from kiosk.central.settings import Settings, from_env
from kiosk.domain.catalog import parse_catalog
from kiosk.domain.errors import ValidationError
from kiosk.errors import ConfigError

from .evidence_kit import BASE, EXE, PDF, TEXT, jpeg_with_gps, png

SHA = "ab" * 32


def with_attachment(attachment) -> dict:
    raw = copy.deepcopy(BASE)
    raw["agencies"][0]["compliance"][0]["attachment"] = attachment
    return raw


def test_a_catalog_without_attachments_still_parses_and_one_with_a_good_attachment_too():
    assert parse_catalog(BASE).agencies[0].compliance[0].attachment is None
    a = parse_catalog(with_attachment({"sha256": SHA, "type": "image/png", "bytes": 1234})).agencies[0].compliance[0]
    assert (a.attachment.sha256, a.attachment.type, a.attachment.size, a.attachment.is_image) == (SHA, "image/png", 1234, True)


@pytest.mark.parametrize(("attachment", "field"), [
    ({"sha256": SHA.upper(), "type": "image/png", "bytes": 1}, "sha256"),
    ({"sha256": SHA[:-1], "type": "image/png", "bytes": 1}, "sha256"),
    ({"sha256": "../" + SHA[3:], "type": "image/png", "bytes": 1}, "sha256"),
    ({"sha256": SHA, "type": "text/html", "bytes": 1}, "type"),
    ({"sha256": SHA, "type": "image/png", "bytes": 0}, "bytes"),
    ({"sha256": SHA, "type": "image/png", "bytes": 8 * 1024 * 1024 + 1}, "bytes"),
    ({"sha256": SHA, "type": "image/png", "bytes": True}, "bytes"),
    ({"sha256": SHA, "type": "image/png", "bytes": "12"}, "bytes"),
    ("photo.jpg", None),
])
def test_a_bad_attachment_is_refused_naming_its_field(attachment, field):
    with pytest.raises(ValidationError) as exc:
        parse_catalog(with_attachment(attachment))
    expected = "agencies[0].compliance[0].attachment" + (f".{field}" if field else "")
    assert exc.value.field == expected


@pytest.mark.parametrize(("head", "kind"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"), (b"\x89PNG\r\n\x1a\n\x00", "png"), (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
    (b"%PDF-1.7\n", "pdf"), (EXE[:16], None), (TEXT[:16], None), (b"<svg xmlns=", None), (b"GIF89a", None),
    (b" %PDF-1.4", None),
])
def test_the_type_is_read_from_the_first_bytes(head, kind):
    assert F.sniff(head) == kind


def test_a_webp_is_kept_as_a_jpeg_and_a_png_loses_its_text_chunks():
    from PIL import Image, PngImagePlugin

    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 200, 0)).save(out, format="WEBP")
    data, kind = F.clean(out.getvalue(), max_bytes=1 << 20)
    assert kind == F.JPEG and Image.open(io.BytesIO(data)).format == "JPEG"

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ibu Siti Rahma, 081234567890")
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 0, 200)).save(out, format="PNG", pnginfo=info)
    assert b"081234567890" in out.getvalue()
    data, kind = F.clean(out.getvalue(), max_bytes=1 << 20)
    assert kind == F.PNG and b"081234567890" not in data and b"Siti" not in data
    assert Image.open(io.BytesIO(data)).size == (30, 20)


def test_a_big_photo_is_scaled_to_the_long_side_and_turned_by_its_exif_orientation():
    from PIL import Image

    img = Image.new("RGB", (4800, 1200), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held on its side: turn 90 degrees clockwise to show
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    data, _ = F.clean(out.getvalue(), max_bytes=1 << 22)
    assert Image.open(io.BytesIO(data)).size == (600, 2400)


def test_a_decompression_bomb_and_a_cut_photo_are_refused():
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 million pixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(F.UploadRefused) as exc:
        F.clean(out.getvalue(), max_bytes=1 << 20)
    assert exc.value.message == F.MSG_TOO_MANY_PIXELS
    with pytest.raises(F.UploadRefused) as exc:
        F.clean(jpeg_with_gps()[:600], max_bytes=1 << 20)
    assert exc.value.message == F.MSG_BROKEN_IMAGE


def test_empty_too_large_and_pdf():
    with pytest.raises(F.UploadRefused) as exc:
        F.clean(b"", max_bytes=100)
    assert exc.value.message == F.MSG_EMPTY
    with pytest.raises(F.UploadRefused) as exc:
        F.clean(PDF, max_bytes=len(PDF) - 1)
    assert exc.value.message == F.MSG_TOO_LARGE
    assert F.clean(PDF, max_bytes=len(PDF)) == (PDF, F.PDF)


def test_the_same_bytes_twice_are_one_file_named_by_their_digest(tmp_path):
    data = png()
    first = F.store(tmp_path, data, F.PNG)
    again = F.store(tmp_path, data, F.PNG)
    assert first == again == F.StoredFile(hashlib.sha256(data).hexdigest(), F.PNG, len(data))
    assert [p.name for p in tmp_path.iterdir()] == [first.sha256]
    assert F.path_of(tmp_path, first.sha256) == tmp_path / first.sha256
    assert F.path_of(tmp_path, "../" + first.sha256[3:]) is None


def test_a_full_disk_keeps_nothing_and_says_so(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(F.os, "fsync", full)
    with pytest.raises(F.UploadRefused) as exc:
        F.store(tmp_path, png(), F.PNG)
    assert exc.value.message == F.MSG_DISK_FULL
    assert list(tmp_path.iterdir()) == []


def test_where_the_files_live_and_the_upload_limit_setting(tmp_path):
    assert F.directory(Settings(database_url=f"sqlite:///{tmp_path}/c.db")) == tmp_path / "evidence"
    assert F.directory(Settings(evidence_dir="/var/lib/iplik-central/evidence")).as_posix() == "/var/lib/iplik-central/evidence"
    assert from_env({"IPLIK_CENTRAL_EVIDENCE_MAX_BYTES": "1000000"}).evidence_max_bytes == 1_000_000
    with pytest.raises(ConfigError, match="evidence_max_bytes"):
        from_env({"IPLIK_CENTRAL_EVIDENCE_MAX_BYTES": str(4 * 1024 * 1024)})  # no room for the form
    with pytest.raises(ConfigError, match="evidence_max_bytes"):
        from_env({"IPLIK_CENTRAL_EVIDENCE_MAX_BYTES": "1000"})


def test_every_message_of_the_evidence_modules_has_indonesian():
    """Messages reach the page through variables (t(exc.message), t(status_words[...])), where the
    template check's extraction does not see them."""
    from kiosk.central import evidence as E
    from kiosk.central.web import evidence_pages as P
    from kiosk.i18n import messages

    indonesian = messages("id")
    msgids = [v for m in (E, F) for k, v in vars(m).items() if k.startswith("MSG_")]
    msgids += [*P.STATUS_WORDS.values(), *P.STATE_WORDS.values(), *P.FLASHES.values(), "Unknown aspect {aspect}."]
    assert len(msgids) > 20
    assert [m for m in msgids if not indonesian.get(m)] == []
