"""The demo's compliance photo (issue 15): one picture made with Pillow and labelled DEMO, uploaded for
Bappenda's maklumat, approved and published, so `kiosk central demo` shows the evidence pages and a
kiosk synced to it shows a photo on its compliance screen. Nothing here is a real office's photo."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

from sqlalchemy.engine import Engine

from . import audit, catalog, evidence, evidence_files
from .access import Role, Staff
from .db import reader
from .evidence_catalog import compliance_for_catalog
from .settings import Settings

AGENCY, ASPECT = "bappenda", "maklumat"
_DEMO_DESK = Staff(0, "demo", "Demo", Role.ADMIN)


def photo() -> bytes:
    """A 960x640 picture of a framed charter on a wall, with DEMO written across it."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (960, 640), (226, 220, 205))
    draw = ImageDraw.Draw(img)
    draw.rectangle((250, 90, 710, 560), fill=(120, 80, 40))
    draw.rectangle((270, 110, 690, 540), fill=(250, 250, 245))
    draw.rectangle((300, 140, 660, 175), fill=(20, 70, 140))
    for y in range(210, 500, 28):
        draw.rectangle((300, y, 660 - (y % 3) * 40, y + 10), fill=(150, 150, 150))
    draw.text((730, 550), "DEMO", fill=(200, 0, 0), font_size=72)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def add(engine: Engine, settings: Settings, demo_catalog: dict[str, Any]) -> str:
    """Store, approve and publish the demo photo; returns its sha256."""
    data, kind = evidence_files.clean(photo(), max_bytes=settings.evidence_max_bytes)
    stored = evidence_files.store(evidence_files.directory(settings), data, kind)
    evidence.save(engine, _DEMO_DESK, audit.SYSTEM, agency_id=AGENCY, aspect=ASPECT, status="ada",
                  evidence="DEMO: maklumat pelayanan dipasang di lobi, dekat loket antrean.", public=True,
                  new_file=stored, submit=True)
    evidence.review(engine, _DEMO_DESK, audit.SYSTEM, agency_id=AGENCY, aspect=ASPECT, approve=True)
    doc = copy.deepcopy(demo_catalog)
    with reader(engine) as conn:
        approved = compliance_for_catalog(conn)
    for agency in doc["agencies"]:
        if agency["id"] in approved:
            agency["compliance"] = approved[agency["id"]]
    catalog.publish(engine, json.loads(json.dumps(doc)))
    return stored.sha256
