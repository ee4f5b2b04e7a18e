"""Pull: the catalog by cursor (with IKM aggregates over all kiosks), status changes by cursor."""

from __future__ import annotations

import copy

import pytest

from kiosk.central import catalog as central_catalog
from kiosk.central.errors import Problem

from .inboxkit import desk_act
from .serverkit import complaint_record, enroll, rating_record

CATALOG = "/api/v1/sync/catalog"
UPDATES = "/api/v1/sync/complaints"


def test_catalog_by_cursor_with_ikm_aggregates_from_every_kiosk(http, server, engine, device, tiny_catalog):
    pub = central_catalog.publish(engine, tiny_catalog)
    assert pub.new and pub.services == 3
    assert not central_catalog.publish(engine, copy.deepcopy(tiny_catalog)).new  # same document: same version
    first = http.get(server.url + CATALOG, headers=device.headers, timeout=10).json()
    assert first["changed"] and first["catalog"]["version"] == "test-1"
    cursor = first["cursor"]
    same = http.get(server.url + CATALOG, params={"since": cursor}, headers=device.headers, timeout=10).json()
    # The working-day calendar, the office's staff PIN (none set here) and the sealing key come with every
    # answer, also an unchanged one (they are not in the cursor); so do the kiosk settings (none set here).
    assert same == {"changed": False, "cursor": cursor, "catalog": None, "holidays": first["holidays"],
                    "staff_pin": None, "identity_public_key": device.identity_public_key,
                    "settings": {"values": {}, "sources": {"staff_pin": "config"}}}

    other = enroll(server, engine)
    recs = [rating_record(score=4), rating_record(score=2)]
    http.post(server.url + "/api/v1/sync/push", json={"records": recs[:1]}, headers=device.headers, timeout=10)
    http.post(server.url + "/api/v1/sync/push", json={"records": recs[1:]}, headers=other.headers, timeout=10)
    fresh = http.get(server.url + CATALOG, params={"since": cursor}, headers=device.headers, timeout=10).json()
    assert fresh["changed"] and fresh["cursor"] != cursor
    pkb = next(s for s in fresh["catalog"]["services"] if s["id"] == "bappenda-pkb")
    assert pkb["ikm"]["respondents"] >= 2
    assert set(pkb["ikm"]["sums"]) == {f"U{i}" for i in range(1, 10)}

    tiny_catalog["version"] = "test-2"
    central_catalog.publish(engine, tiny_catalog)
    newer = http.get(server.url + CATALOG, params={"since": fresh["cursor"]}, headers=device.headers, timeout=10).json()
    assert newer["changed"] and newer["catalog"]["version"] == "test-2"


def test_an_invalid_catalog_is_refused_with_the_field(engine, tiny_catalog):
    tiny_catalog["services"][0]["agency_id"] = "nobody"
    with pytest.raises(Problem) as exc:
        central_catalog.publish(engine, tiny_catalog)
    assert exc.value.ptype.code == "422.4" and "agency_id" in exc.value.message


@pytest.mark.parametrize("since", ["x", "1", "1.2.3", "-1.0", "9" * 30])
def test_bad_catalog_cursors_are_400(http, server, device, since):
    r = http.get(server.url + CATALOG, params={"since": since}, headers=device.headers, timeout=10)
    assert r.status_code == 400 and r.json()["code"] in ("400.2", "400.3")


def test_status_changes_come_by_cursor_in_pages(http, server, engine, device):
    recs = [complaint_record() for _ in range(3)]
    http.post(server.url + "/api/v1/sync/push", json={"records": recs}, headers=device.headers, timeout=10)
    start = http.get(server.url + UPDATES, headers=device.headers, timeout=10).json()["cursor"]
    codes = [r["body"]["tracking_code"] for r in recs]
    desk_act(engine, codes[0], "forward", agency_id="dinkes")  # verifies on the way
    desk_act(engine, codes[1], "hold", note="Menunggu dokumen")
    desk_act(engine, codes[0], "respond", text="Petugas sudah ditegur dan uang dikembalikan.")

    page1 = http.get(server.url + UPDATES, params={"since": start, "limit": 2}, headers=device.headers, timeout=10).json()
    assert page1["more"] is True
    page2 = http.get(server.url + UPDATES, params={"since": page1["cursor"]}, headers=device.headers, timeout=10).json()
    assert page2["more"] is False
    events = [(u["uuid"], e["status"]) for p in (page1, page2) for u in p["updates"] for e in u["events"]]
    assert events == [
        (recs[0]["uuid"], "verified"),
        (recs[0]["uuid"], "forwarded"),
        (recs[1]["uuid"], "on_hold"),
        (recs[0]["uuid"], "followed_up"),
    ]
    last = page2["updates"][-1]
    assert last["status"] == "followed_up" and last["response"].startswith("Petugas sudah")
    empty = http.get(server.url + UPDATES, params={"since": page2["cursor"]}, headers=device.headers, timeout=10).json()
    assert empty == {"cursor": page2["cursor"], "more": False, "updates": []}
