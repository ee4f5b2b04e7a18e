"""The transparency page's figures are computed at most once a minute per server process, and anew on a
new local day: a burst of phones scanning the QR costs one round of queries, not one each."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kiosk.central import catalog, transparency
from kiosk.central.db import open_database
from kiosk.central.settings import Settings, sqlite_url
from kiosk.paths import DEMO_CATALOG


@pytest.fixture
def setup(tmp_path):
    settings = Settings(database_url=sqlite_url(tmp_path / "central.db"))
    engine = open_database(settings)
    transparency.forget()
    yield engine, settings
    transparency.forget()
    engine.dispose()


def test_figures_are_kept_a_minute_then_computed_again(setup, monkeypatch):
    engine, settings = setup
    clock = [1000.0]
    monkeypatch.setattr(transparency.time, "monotonic", lambda: clock[0])
    calls = []
    real = transparency.compute
    monkeypatch.setattr(transparency, "compute", lambda *a: calls.append(a) or real(*a))
    now = datetime(2026, 5, 4, 10, 0, tzinfo=settings.tz)

    first = transparency.public_figures(engine, settings, now=now)
    assert first.agencies == ()  # no catalog yet
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    clock[0] += 59.9
    assert transparency.public_figures(engine, settings, now=now) is first and len(calls) == 1
    clock[0] += 0.2  # 60.1 s after the first computation
    fresh = transparency.public_figures(engine, settings, now=now)
    assert len(calls) == 2 and len(fresh.agencies) == 34 and fresh.demo
    # The periods follow the local day: 4 May 2026 -> last complete quarter Q1, the year to 4 May, ranking 2025.
    assert (fresh.quarter.key, fresh.year.key, fresh.ranking_year.key) == ("2026-Q1", "2026-01-01..2026-05-04", "2025")
    # A new local day is computed at once (1 July 2026 00:00 WITA: Q2 has just ended).
    later = transparency.public_figures(engine, settings, now=datetime(2026, 7, 1, 0, 0, tzinfo=settings.tz))
    assert len(calls) == 3 and later.quarter.key == "2026-Q2"


def test_a_visitor_gets_the_minute_old_figures_while_another_recomputes(setup, monkeypatch):
    engine, settings = setup
    clock = [1000.0]
    monkeypatch.setattr(transparency.time, "monotonic", lambda: clock[0])
    now = datetime(2026, 5, 4, 10, 0, tzinfo=settings.tz)
    old = transparency.public_figures(engine, settings, now=now)
    clock[0] += 61
    with transparency._computing:  # another thread is computing
        assert transparency.public_figures(engine, settings, now=now) is old
    assert transparency.public_figures(engine, settings, now=now) is not old  # this one recomputes
