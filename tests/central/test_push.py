"""Push: one answer per UUID; replay is success, a different body is a 409, a bad body a per-record 422."""

from __future__ import annotations

import copy
import json

import sqlalchemy as sa

from kiosk.central.db import complaints, ratings, records

from .serverkit import complaint_record, rating_record


def push(http, server, device, recs):
    return http.post(server.url + "/api/v1/sync/push", json={"records": recs}, headers=device.headers, timeout=30)


def test_new_records_are_stored_once_and_replays_are_successes(http, server, device, engine):
    recs = [complaint_record(), complaint_record(privacy="anonim"), rating_record()]
    r = push(http, server, device, recs)
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["stored"] * 3
    assert [x["uuid"] for x in r.json()["results"]] == [x["uuid"] for x in recs]
    # The kiosk lost our answer and sends everything again, in another order, key order shuffled.
    again = [{"kind": x["kind"], "body": json.loads(json.dumps(x["body"], sort_keys=True)), "uuid": x["uuid"]}
             for x in reversed(recs)]
    r = push(http, server, device, again)
    assert [x["status"] for x in r.json()["results"]] == ["replay"] * 3
    with engine.connect() as c:
        uuids = [x["uuid"] for x in recs]
        assert c.scalar(sa.select(sa.func.count()).select_from(records).where(records.c.uuid.in_(uuids))) == 3
        assert c.scalar(sa.select(sa.func.count()).select_from(complaints).where(complaints.c.uuid.in_(uuids))) == 2
        assert c.scalar(sa.select(sa.func.count()).select_from(ratings).where(ratings.c.uuid.in_(uuids))) == 1


def test_same_uuid_with_a_different_body_is_a_conflict_and_nothing_is_overwritten(http, server, device, engine):
    rec = complaint_record()
    assert push(http, server, device, [rec]).json()["results"][0]["status"] == "stored"
    changed = copy.deepcopy(rec)
    changed["body"]["complaint"]["description"] = "Isi yang lain sama sekali, tetapi dengan id yang sama."
    res = push(http, server, device, [changed]).json()["results"][0]
    assert res["status"] == "conflict" and res["code"] == "409.1" and res["message_id"] == "record_conflict"
    with engine.connect() as c:
        text = c.scalar(sa.select(complaints.c.description).where(complaints.c.uuid == rec["uuid"]))
    assert text == rec["body"]["complaint"]["description"]


def test_one_bad_record_is_rejected_alone_and_the_rest_is_stored(http, server, device):
    good, bad_desc, bad_rating = complaint_record(), complaint_record(), rating_record()
    bad_desc["body"]["complaint"]["description"] = "pendek"
    bad_rating["body"]["rating"]["answers"][0]["score"] = 7
    weird = {"uuid": "not-a-uuid", "kind": "complaint", "body": {}}
    alien = {"uuid": complaint_record()["uuid"], "kind": "poem", "body": {}}
    missing = {"uuid": complaint_record()["uuid"], "kind": "complaint", "body": {"complaint": {}}}
    res = push(http, server, device, [good, bad_desc, bad_rating, weird, alien, missing]).json()["results"]
    assert [r["status"] for r in res] == ["stored", "rejected", "rejected", "rejected", "rejected", "rejected"]
    assert [r["code"] for r in res[1:]] == ["422.1", "422.1", "422.3", "422.2", "422.1"]
    assert "description" in res[1]["message"]


def test_the_same_uuid_twice_in_one_batch(http, server, device):
    rec = complaint_record()
    other = copy.deepcopy(rec)
    other["body"]["created_at"] = "2026-01-01T00:00:00+00:00"
    res = push(http, server, device, [rec, rec, other]).json()["results"]
    assert [r["status"] for r in res] == ["stored", "replay", "conflict"]
    assert res[2]["code"] == "409.3"


def test_a_tracking_code_already_used_is_a_conflict_for_that_record(http, server, device):
    first = complaint_record()
    second = complaint_record()
    second["body"]["tracking_code"] = first["body"]["tracking_code"]
    res = push(http, server, device, [first, second]).json()["results"]
    assert [r["status"] for r in res] == ["stored", "conflict"]
    assert res[1]["code"] == "409.2"


def test_a_tracking_code_used_by_an_earlier_batch_is_a_conflict_and_the_rest_is_stored(http, server, device, engine):
    # The first pass does not look the codes up; the unique index refuses the used one and the batch
    # runs again, looking (ingest.push). The answer and the rows are as if it had looked at once.
    old = complaint_record()
    assert push(http, server, device, [old]).json()["results"][0]["status"] == "stored"
    fresh, reused, rating = complaint_record(), complaint_record(), rating_record()
    reused["body"]["tracking_code"] = old["body"]["tracking_code"]
    res = push(http, server, device, [fresh, reused, rating]).json()["results"]
    assert [r["status"] for r in res] == ["stored", "conflict", "stored"]
    assert res[1]["code"] == "409.2"
    ours = [old["uuid"], fresh["uuid"], reused["uuid"], rating["uuid"]]  # the server is shared by the module
    with engine.connect() as c:
        assert set(c.scalars(sa.select(records.c.uuid).where(records.c.uuid.in_(ours)))) == {
            old["uuid"], fresh["uuid"], rating["uuid"]}
        assert set(c.scalars(sa.select(complaints.c.uuid).where(complaints.c.uuid.in_(ours)))) == {
            old["uuid"], fresh["uuid"]}
        assert set(c.scalars(sa.select(ratings.c.uuid).where(ratings.c.uuid.in_(ours)))) == {rating["uuid"]}
    # Sent again, the whole batch answers as before: two replays and the same conflict.
    res = push(http, server, device, [fresh, reused, rating]).json()["results"]
    assert [r["status"] for r in res] == ["replay", "conflict", "replay"]


def test_heartbeats_update_the_device_and_the_newest_wins(http, server, device, engine):
    from kiosk.central.db import devices
    from kiosk.sync import wire

    def hb(at, pending, paper):
        return {"uuid": complaint_record()["uuid"], "kind": "heartbeat",
                "body": wire.heartbeat_body(at=at, version="9.9", outbox_pending=pending, outbox_failed=0,
                                            printer={"state": "ok", "paper": paper}, catalog_version="v1")}

    res = push(http, server, device, [hb("2026-11-02T10:00:00+00:00", 5, "low"), hb("2026-11-01T10:00:00+00:00", 9, "ok")])
    assert [r["status"] for r in res.json()["results"]] == ["stored", "stored"]
    with engine.connect() as c:
        row = c.execute(sa.select(devices).where(devices.c.id == device.device_id)).one()
    assert (row.outbox_pending, row.paper_state, row.version) == (5, "low", "9.9")


def test_batches_over_the_limit_are_refused_whole(http, server, device):
    recs = [rating_record() for _ in range(501)]
    r = push(http, server, device, recs)
    assert r.status_code == 413 and r.json()["code"] == "413.2"


def test_the_same_batch_sent_twice_at_once_is_stored_once(server, device, engine):
    """A kiosk whose request timed out retries while the first is still running on the server: the
    overlapping push gets 429 with Retry-After (one push per device at a time), the retry after it
    finds replays, and every record is stored exactly once."""
    import threading
    import time

    import requests

    recs = [complaint_record() for _ in range(40)] + [rating_record() for _ in range(10)]
    answers, refused = [], []

    def send():
        with requests.Session() as s:
            while True:
                r = push(s, server, device, recs)
                if r.status_code != 429:
                    answers.append(r)
                    return
                refused.append(r)
                time.sleep(min(int(r.headers["Retry-After"]), 2) / 10)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert all(r.json()["code"] == "429.1" and int(r.headers["Retry-After"]) >= 1 for r in refused)
    statuses = [[r["status"] for r in a.json()["results"]] for a in answers]
    assert all(set(s) <= {"stored", "replay"} for s in statuses)
    # Each record was stored by exactly one of the four requests.
    for i in range(len(recs)):
        assert sum(s[i] == "stored" for s in statuses) == 1
    with engine.connect() as c:
        uuids = [x["uuid"] for x in recs]
        assert c.scalar(sa.select(sa.func.count()).select_from(records).where(records.c.uuid.in_(uuids))) == 50


def test_two_devices_racing_with_the_same_records(server, engine):
    """Different devices are not serialised by the push lease: the database decides, one stores each
    record and the other gets a conflict, never a 500."""
    import threading

    import requests

    from .serverkit import enroll

    a, b = enroll(server, engine), enroll(server, engine)
    recs = [complaint_record() for _ in range(100)] + [rating_record() for _ in range(20)]
    answers = {}

    def send(dev):
        with requests.Session() as s:
            answers[dev.device_id] = push(s, server, dev, recs)

    threads = [threading.Thread(target=send, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers.values()] == [200, 200]
    statuses = [[r["status"] for r in x.json()["results"]] for x in answers.values()]
    for i in range(len(recs)):
        assert sorted(s[i] for s in statuses) == ["conflict", "stored"]
    with engine.connect() as c:
        uuids = [x["uuid"] for x in recs]
        assert c.scalar(sa.select(sa.func.count()).select_from(records).where(records.c.uuid.in_(uuids))) == 120
