"""The server's working-day calendar reaches the kiosk with the catalog pull (issue #11, item 4).

A local holiday set only on the server (``IPLIK_CENTRAL_HOLIDAYS``) must move the deadline printed on a
kiosk receipt after the next sync, and that deadline must be the day the server itself set as due.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from central.serverkit import database_url, start_server
from kiosk.actions import Kiosk
from kiosk.central import workdays
from kiosk.central.db import complaints
from kiosk.domain import tracking
from kiosk.store import catalog as catalog_store
from kiosk.store.db import Store
from kiosk.sync import wire
from kiosk.sync.worker import SyncWorker

from .conftest import enroll_kiosk, kiosk_config

TZ = "Asia/Makassar"  # the server's default and the kiosk config's default: one local day for both


def _next_working_day(after: date) -> date:
    """The first weekday after ``after`` that is not already a national holiday or cuti bersama."""
    national = workdays.national_holidays(after.year, after.year + 1)
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or day in national:
        day += timedelta(days=1)
    return day


def _today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TZ)).date()


# Chosen once per module: the second working day after today lies inside a new receipt's first deadline
# (three working days), so making it a holiday must push that deadline back by one working day. The
# second, not the first: the module is collected before the test runs, and a run that crosses midnight
# WITA (16:00 UTC) files the complaint a day later, when the first would be "today" and count for nothing.
LOCAL_HOLIDAY = _next_working_day(_next_working_day(_today()))


@pytest.fixture(scope="module")
def holiday_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("central-holidays")
    s = start_server(database_url("sqlite", tmp), tmp, IPLIK_CENTRAL_HOLIDAYS=LOCAL_HOLIDAY.isoformat(),
                     IPLIK_CENTRAL_TIMEZONE=TZ)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def holiday_engine(holiday_server):
    e = holiday_server.engine()
    yield e
    e.dispose()


COMPLAINT = {
    "class": "pengaduan", "topic": "lambat", "agency_id": "bappenda", "privacy": "rahasia",
    "description": "Antrean di loket Samsat sangat lambat, saya menunggu tiga jam.",
    "identity": {"name": "Lalu Ahmad", "phone": "081234567890"}, "consent_version": "pdp-2026-11",
}


def test_a_holiday_set_on_the_server_moves_the_kiosk_receipt_deadline(tmp_path, holiday_server, holiday_engine):
    cfg = kiosk_config(tmp_path, holiday_server.url)
    assert cfg.office.timezone == TZ and LOCAL_HOLIDAY not in cfg.holidays
    enroll_kiosk(cfg, holiday_server, holiday_engine)
    store = Store(cfg.db_path)
    kiosk = Kiosk(cfg, store)
    try:
        kiosk.load_catalog()
        filed = kiosk.file_complaint(COMPLAINT)
        before = kiosk.receipt_info(filed.tracking_code).deadlines
        assert catalog_store.stored_holidays(store.db) == frozenset()

        SyncWorker(cfg, store=store).run_once()

        held = catalog_store.stored_holidays(store.db)
        assert LOCAL_HOLIDAY in held
        # National ones came along too: Independence Day of every year the server sends.
        assert date(_today().year, 8, 17) in held
        after = kiosk.receipt_info(filed.tracking_code).deadlines
        assert [label for label, _ in after] == [label for label, _ in before]
        first_before, first_after = before[0][1], after[0][1]
        assert first_after > first_before, (before, after)
        # The kiosk now counts exactly as the server: the receipt's first date is the server's due day.
        with holiday_engine.connect() as c:
            due = c.scalar(sa.select(complaints.c.due_on).where(
                complaints.c.tracking_code == tracking.parse(filed.tracking_code)))
        assert due == first_after
        # And the tracking screen's next deadline uses the same calendar.
        assert kiosk.track(filed.tracking_code).deadlines[0][1] >= first_after
    finally:
        store.close()


def test_every_catalog_answer_carries_the_holidays_even_unchanged(holiday_server, holiday_engine):
    from central.serverkit import enroll

    cred = enroll(holiday_server, holiday_engine)
    url = holiday_server.url + wire.CATALOG_PATH
    first = requests.get(url, headers=cred.headers, timeout=10).json()
    days = wire.holidays_from_wire(first["holidays"])
    assert LOCAL_HOLIDAY in days and list(days) == sorted(days)
    assert min(days).year == _today().year - 1 and max(days).year == _today().year + 2
    # No catalog published on this server: "unchanged", and still the calendar.
    again = requests.get(url, headers=cred.headers, params={"since": first["cursor"]} if first["cursor"] else None,
                         timeout=10).json()
    assert again["changed"] is False and again["holidays"] == first["holidays"]


def test_an_answer_without_holidays_keeps_the_list_the_kiosk_has(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    try:
        assert catalog_store.store_holidays(store.db, (date(2027, 3, 1), date(2026, 12, 25)))
        assert not catalog_store.store_holidays(store.db, (date(2026, 12, 25), date(2027, 3, 1)))  # same list
        assert wire.holidays_from_wire(None) is None  # an older server: nothing to store
        assert catalog_store.stored_holidays(store.db) == {date(2027, 3, 1), date(2026, 12, 25)}
        raw = store.db.execute("SELECT value FROM catalog_meta WHERE key = 'holidays'").fetchone()[0]
        assert json.loads(raw) == ["2026-12-25", "2027-03-01"]
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["2026-12-25", ["2026-12-25", 5], ["25/12/2026"], ["2026-02-30"],
                                 ["2026-01-01"] * (wire.MAX_HOLIDAYS + 1)])
def test_a_malformed_holiday_list_is_refused(bad):
    with pytest.raises(ValueError):
        wire.holidays_from_wire(bad)


def test_a_catalog_replacement_keeps_the_holidays(tmp_path, tiny_catalog):
    store = Store(tmp_path / "kiosk.db")
    try:
        catalog_store.store_holidays(store.db, (date(2026, 12, 25),))
        catalog_store.replace_catalog(store.db, tiny_catalog, cursor="1.0")
        assert catalog_store.stored_holidays(store.db) == {date(2026, 12, 25)}
    finally:
        store.close()
