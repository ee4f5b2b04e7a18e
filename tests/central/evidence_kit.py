"""Shared pieces of the compliance-evidence tests: files made by hand (a JPEG with a GPS tag, a PDF,
non-images), a catalog with two agencies, and publishing it with the approved evidence merged in, as the
standards editor's publish does (it calls evidence_catalog.compliance_for_catalog)."""

from __future__ import annotations

import copy
import io

from catalog_samples import catalog, standard, two_agencies

BASE = catalog(
    "evidence-1",
    two_agencies([{"aspect": "maklumat", "status": "belum", "evidence": "dari draf"}]),
    [{"id": "bappenda-pkb", "agency_id": "bappenda", "name": "Pajak", "name_en": "Tax", "keywords": [],
      "standard": standard(0)},
     {"id": "dinkes-sipa", "agency_id": "dinkes", "name": "Izin", "name_en": "Licence", "keywords": [],
      "standard": standard(0)}],
)

GPS_LAT = (8.0, 35.0, 0.0)  # Mataram, roughly: what must not survive the upload


def jpeg_with_gps(size=(640, 480), colour=(200, 30, 30)) -> bytes:
    """A real JPEG carrying EXIF with a GPS position and a camera owner, as phones write them."""
    from PIL import Image

    img = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x013B] = "Ibu Siti Rahma"  # Artist
    gps = {1: "S", 2: GPS_LAT, 3: "E", 4: (116.0, 7.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(size=(64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200  # a Windows program's start
TEXT = b"this is just text, renamed to look like a photo\n"


def publish_with_evidence(engine, base: dict | None = None) -> dict:
    """Publish ``base`` with each agency's compliance replaced by its approved evidence (as the editor
    does); returns the document published."""
    from kiosk.central import catalog as central_catalog
    from kiosk.central.db import reader
    from kiosk.central.evidence_catalog import compliance_for_catalog

    doc = copy.deepcopy(base or BASE)
    with reader(engine) as conn:
        approved = compliance_for_catalog(conn)
    for agency in doc["agencies"]:
        if agency["id"] in approved:
            agency["compliance"] = approved[agency["id"]]
    doc["version"] = f"evidence-{len(str(approved))}-{sum(len(v) for v in approved.values())}"
    central_catalog.publish(engine, doc)
    return doc
