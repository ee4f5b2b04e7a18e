"""A service's yearly users (populations.py): the number's rules, who may change it, and the audit row."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from kiosk.central import audit, populations
from kiosk.central.access import Role, Staff
from kiosk.central.db import audit_log, open_database, reader
from kiosk.central.settings import Settings
from kiosk.domain.errors import ValidationError
from kiosk.errors import NotFound

from . import ikmkit as kit

ADMIN = Staff(1, "admin1", "Admin", Role.ADMIN)
DINKES_OFFICER = Staff(2, "officer1", "Officer", Role.OFFICER, frozenset({"dinkes"}))
VIEWER = Staff(3, "viewer1", "Viewer", Role.VIEWER)


@pytest.fixture
def engine(tmp_path):
    e = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}"))
    kit.publish(e, {"pkb": "bappenda", "lab": "dinkes"})
    yield e
    e.dispose()


@pytest.mark.parametrize("typed, value", [("1", 1), ("12.500", 12500), ("12,500", 12500), (" 100000000 ", 100_000_000),
                                          ("1 200", 1200)])
def test_the_typed_number(typed, value):
    assert populations.parse_yearly_users(typed) == value


@pytest.mark.parametrize("typed", ["", "0", "100000001", "-5", "12.5e3", "dua ribu", "１２", None, "9999999999"])
def test_a_bad_number_is_refused_with_the_rule(typed):
    with pytest.raises(ValidationError) as exc:
        populations.parse_yearly_users(typed)
    assert exc.value.message == populations.MSG_YEARLY_USERS and exc.value.field == "yearly_users"


def _value(engine, service):
    with reader(engine) as conn:
        return populations.yearly_users(conn, service)


def _audits(engine):
    with engine.connect() as conn:
        return [(r.action, r.username, r.target, json.loads(r.detail))
                for r in conn.execute(sa.select(audit_log).where(audit_log.c.action == audit.POPULATION_SET)
                                      .order_by(audit_log.c.id))]


def test_set_change_and_clear_each_write_an_audit_row(engine):
    by = audit.Actor.of(DINKES_OFFICER, "127.0.0.1")
    populations.set_yearly_users(engine, DINKES_OFFICER, "lab", 1200, by=by)
    populations.set_yearly_users(engine, DINKES_OFFICER, "lab", 1500, by=by)
    assert _value(engine, "lab") == 1500
    populations.set_yearly_users(engine, DINKES_OFFICER, "lab", None, by=by)
    assert _value(engine, "lab") is None
    assert _audits(engine) == [
        ("population_set", "officer1", "lab", {"agency": "dinkes", "from": None, "to": 1200}),
        ("population_set", "officer1", "lab", {"agency": "dinkes", "from": 1200, "to": 1500}),
        ("population_set", "officer1", "lab", {"agency": "dinkes", "from": 1500, "to": None}),
    ]


def test_only_the_province_or_the_services_own_officer_may_change_it(engine):
    for staff, service in [(DINKES_OFFICER, "pkb"), (VIEWER, "lab")]:
        with pytest.raises(populations.PopulationRefused):
            populations.set_yearly_users(engine, staff, service, 10, by=audit.Actor.of(staff, None))
    populations.set_yearly_users(engine, ADMIN, "pkb", 10, by=audit.Actor.of(ADMIN, None))
    assert (_value(engine, "pkb"), _value(engine, "lab")) == (10, None)
    assert len(_audits(engine)) == 1
    with pytest.raises(NotFound):
        populations.set_yearly_users(engine, ADMIN, "no-such-service", 10, by=audit.Actor.of(ADMIN, None))
    with pytest.raises(ValidationError):
        populations.set_yearly_users(engine, ADMIN, "pkb", 0, by=audit.Actor.of(ADMIN, None))
