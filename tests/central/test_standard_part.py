"""The standard part a kiosk sends is stored in the complaints column; a bad one is a per-record 422."""

from __future__ import annotations

import sqlalchemy as sa

from kiosk.central.db import complaints

from .serverkit import complaint_record
from .test_push import push


def test_the_part_of_the_standard_reaches_its_column(http, server, device, engine):
    named = complaint_record(service_id="bappenda-pkb")
    named["body"]["complaint"]["standard_part"] = "kompetensi"
    unnamed = complaint_record(service_id="bappenda-pkb")
    res = push(http, server, device, [named, unnamed]).json()["results"]
    assert [r["status"] for r in res] == ["stored", "stored"]
    with engine.connect() as c:
        got = dict(c.execute(sa.select(complaints.c.uuid, complaints.c.standard_part)
                             .where(complaints.c.uuid.in_([named["uuid"], unnamed["uuid"]]))).all())
    assert got == {named["uuid"]: "kompetensi", unnamed["uuid"]: None}


def test_a_bad_part_is_refused_for_that_record_only(http, server, device, engine):
    unknown = complaint_record(service_id="bappenda-pkb")
    unknown["body"]["complaint"]["standard_part"] = "x" * 40
    orphan = complaint_record(service_id=None)
    orphan["body"]["complaint"]["standard_part"] = "biaya"
    good = complaint_record(service_id="bappenda-pkb")
    res = push(http, server, device, [unknown, orphan, good]).json()["results"]
    assert [r["status"] for r in res] == ["rejected", "rejected", "stored"]
    assert all("standard_part" in r["message"] for r in res[:2])
    with engine.connect() as c:
        n = c.scalar(sa.select(sa.func.count()).select_from(complaints)
                     .where(complaints.c.uuid.in_([unknown["uuid"], orphan["uuid"]])))
    assert n == 0
