"""`kiosk central demo` adds one compliance photo labelled DEMO: approved, public, in the published
catalog next to Bappenda's other eight aspects, its file on disk under its digest."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from kiosk.central import demo, evidence_demo
from kiosk.central.db import catalog_versions, open_database
from kiosk.central.settings import Settings
from kiosk.paths import DEMO_CATALOG


def test_the_demo_publishes_one_public_photo_and_keeps_the_other_aspects(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}")
    engine = open_database(settings)
    try:
        demo.build(engine, settings)
        with engine.connect() as conn:
            doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc())))
    finally:
        engine.dispose()
    before = {a["id"]: a["compliance"] for a in json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))["agencies"]}
    after = {a["id"]: a["compliance"] for a in doc["agencies"]}
    assert {k: v for k, v in after.items() if k != "bappenda"} == {k: v for k, v in before.items() if k != "bappenda"}
    changed = [i for i in after["bappenda"] if i not in before["bappenda"]]
    assert [i["aspect"] for i in after["bappenda"]] == [i["aspect"] for i in before["bappenda"]]  # all nine, in order
    assert len(changed) == 1 and changed[0]["aspect"] == "maklumat" and changed[0]["evidence"].startswith("DEMO")
    attachment = changed[0]["attachment"]
    stored = (tmp_path / "evidence" / attachment["sha256"]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == attachment["sha256"] and len(stored) == attachment["bytes"]
    assert attachment["type"] == "image/png" and stored.startswith(b"\x89PNG")
    assert evidence_demo.AGENCY == "bappenda"
