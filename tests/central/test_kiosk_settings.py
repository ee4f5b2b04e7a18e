"""The settings' rules (kiosk/domain/kiosk_settings.py) and the server's queries on them
(kiosk/central/kiosk_settings.py), on SQLite and PostgreSQL, with cases worked out by hand."""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime

import pytest

from kiosk.central import audit
from kiosk.central import kiosk_settings as KS
from kiosk.central.db import devices, open_database
from kiosk.central.settings import Settings
from kiosk.domain import kiosk_settings as spec
from kiosk.domain import office_hours
from kiosk.domain.errors import ValidationError

from .serverkit import database_url
from .staffkit import make_user


@pytest.mark.parametrize("key,raw,stored", [
    ("idle_timeout_s", "15", 15), ("idle_timeout_s", 3600, 3600), ("idle_countdown_s", " 5 ", 5),
    ("survey_mode", "quick", "quick"), ("languages", "id,en", ["id", "en"]), ("languages", "en id", ["en", "id"]),
    ("languages", ["id"], ["id"]), ("screen_on", "06:30", "06:30"), ("screen_off", "23:59", "23:59"),
    ("office_hours", "sen-kam 08.00-15.30; jum 08:00-14:00", "mon-thu 08:00-15:30; fri 08:00-14:00"),
    ("unit", "  Loket 3  ", "Loket 3"), ("agency_id", "bappenda", "bappenda"),
])
def test_good_values_are_stored_in_their_plain_form(key, raw, stored):
    assert spec.check(key, raw) == stored


@pytest.mark.parametrize("key,raw", [
    ("idle_timeout_s", 14), ("idle_timeout_s", 3601), ("idle_timeout_s", True), ("idle_timeout_s", 90.5),
    ("idle_countdown_s", 4), ("idle_countdown_s", 121), ("survey_mode", "FULL"), ("survey_mode", None),
    ("languages", "en"), ("languages", "id,id"), ("languages", "id,fr"), ("languages", []), ("languages", {"id": 1}),
    ("screen_on", "6:30"), ("screen_on", "24:00"), ("screen_off", "12:60"), ("screen_off", 630),
    ("office_hours", "always"), ("office_hours", 8), ("unit", ""), ("unit", "x" * 201), ("unit", "a\nb"),
    ("agency_id", "Bappenda"), ("agency_id", "../x"), ("agency_id", "x" * 65), ("staff_pin", "123456"),
    ("no_such_key", "1"),
])
def test_values_outside_the_bounds_are_refused_naming_the_field(key, raw):
    with pytest.raises(ValidationError) as caught:
        spec.check(key, raw)
    assert caught.value.field in (key, "setting")


def test_check_all_keeps_the_good_values_and_names_the_bad_ones():
    good, bad = spec.check_all({"survey_mode": "quick", "idle_timeout_s": 9, "x": 1})
    assert good == {"survey_mode": "quick"} and set(bad) == {"idle_timeout_s", "x"}
    good, bad = spec.check_all(["survey_mode"])
    assert good == {} and set(bad) == {"settings"}


@pytest.fixture(scope="module")
def engine(backend, tmp_path_factory):
    e = open_database(Settings(database_url=database_url(backend, tmp_path_factory.mktemp("ks"))))
    yield e
    e.dispose()


def _device(engine, office: str) -> str:
    device_id = "k-" + uuidlib.uuid4().hex[:10]
    with engine.begin() as conn:
        conn.execute(devices.insert().values(id=device_id, name=device_id, office=office, agency_id="bappenda",
                                             token_hash=uuidlib.uuid4().hex * 2, enrolled_at=datetime.now(UTC)))
    return device_id


def test_office_hours_for_takes_the_kiosks_own_else_its_offices_else_the_default(engine):
    uid, _ = make_user(engine, "teknisi-oh", "technician")
    by = audit.Actor(uid, "teknisi-oh")
    own, office_only, bare = _device(engine, "Kantor A"), _device(engine, "Kantor A"), _device(engine, "Kantor B")
    KS.change(engine, KS.OFFICE, "Kantor A", {"office_hours": "mon-fri 07:00-16:00"}, by=by)
    KS.change(engine, KS.DEVICE, own, {"office_hours": "sat 09:00-12:00"}, by=by)
    hours = KS.office_hours_for(engine, [own, office_only, bare, "unknown"])
    assert hours[own] == office_hours.parse("sat 09:00-12:00")
    assert hours[office_only] == office_hours.parse("mon-fri 07:00-16:00")
    assert hours[bare] == hours["unknown"] == office_hours.DEFAULT
    assert KS.office_hours_for(engine, []) == {}
    # A setting cleared: the next level again.
    KS.change(engine, KS.DEVICE, own, {"office_hours": None}, by=by)
    assert KS.office_hours_for(engine, [own])[own] == office_hours.parse("mon-fri 07:00-16:00")


def test_for_device_resolves_each_key_and_says_where_it_came_from(engine):
    uid, _ = make_user(engine, "teknisi-fd", "technician")
    by = audit.Actor(uid, "teknisi-fd")
    device_id = _device(engine, "Kantor C")
    KS.change(engine, KS.OFFICE, "Kantor C", {"survey_mode": "quick", "unit": "Lobi"}, by=by)
    KS.change(engine, KS.DEVICE, device_id, {"unit": "Loket 1", "languages": ["id"]}, by=by)
    got = KS.for_device(engine, device_id, "Kantor C")
    assert got["settings"] == {"values": {"survey_mode": "quick", "unit": "Loket 1", "languages": ["id"]},
                               "sources": {"survey_mode": "office", "unit": "kiosk", "languages": "kiosk",
                                           "staff_pin": "config"}}
    assert got["staff_pin"] is None
    # Setting a value to what it already is changes nothing and writes no audit row.
    assert KS.change(engine, KS.DEVICE, device_id, {"unit": "Loket 1", "idle_timeout_s": None}, by=by) == []
