"""A synced survey whose respondent never went to school is stored by the central ingest (issue #13,
item 10): the server checks the profile with the kiosk's own domain module, so "Tidak sekolah" must be
one of its education values there too, not only on the touchscreen."""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import UTC, datetime

import sqlalchemy as sa

from kiosk.central.db import ratings
from kiosk.domain.rating import survey_to_dict, validate_survey
from kiosk.sync import wire


def survey_record(education: str) -> dict:
    survey = validate_survey(
        {
            "service_id": "bappenda-pkb",
            "answers": {f"U{i}": 3 for i in range(1, 10)},
            "profile": {"jenis_kelamin": "P", "usia": "61", "pendidikan": education, "pekerjaan": "Lainnya"},
        },
        answered_at=datetime.now(UTC),
    )
    return {
        "uuid": str(uuidlib.uuid4()),
        "kind": "rating",
        "body": wire.rating_body(datetime.now(UTC).isoformat(timespec="seconds"), "bappenda", survey_to_dict(survey)),
    }


def test_a_survey_from_someone_who_never_went_to_school_is_stored(http, server, device, engine):
    rec = survey_record("Tidak sekolah")
    assert rec["body"]["rating"]["profile"]["pendidikan"] == "Tidak sekolah"
    r = http.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=30)
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["stored"], r.json()
    with engine.connect() as c:
        doc = c.scalar(sa.select(ratings.c.doc).where(ratings.c.uuid == rec["uuid"]))
    stored = doc if isinstance(doc, dict) else json.loads(doc)
    assert stored["profile"]["pendidikan"] == "Tidak sekolah"
