"""inbox.inbox / detail / show_identity on a real server's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from kiosk.central import complaints as C
from kiosk.central import inbox as I
from kiosk.central.access import Role
from kiosk.central.db import audit_log, complaints
from kiosk.domain import tracking
from kiosk.errors import NotFound

from .inbox_fixtures import push, staff_member
from .inboxkit import SETTINGS, ensure_catalog


@pytest.fixture(scope="module")
def people(engine):
    ensure_catalog(engine, "dinkes", "bappenda")
    return {
        "desk": staff_member(engine, Role.DESK),
        "dinkes": staff_member(engine, Role.OFFICER, "dinkes"),
        "bappenda": staff_member(engine, Role.OFFICER, "bappenda"),
        "viewer": staff_member(engine, Role.VIEWER),
        "tech": staff_member(engine, Role.TECHNICIAN),
    }


def act(engine, who, code, action, **kw):
    return C.act(engine, code, action, by=who[1], staff=who[0], settings=SETTINGS, **kw)


def listed(engine, who, **params):
    page = I.inbox(engine, who[0], I.InboxFilter.from_params(params), settings=SETTINGS)
    return [r.tracking_code for r in page.rows]


def set_due(engine, code, due):
    with engine.begin() as conn:
        conn.execute(complaints.update().where(complaints.c.tracking_code == tracking.parse(code)).values(due_on=due))


def test_filters_status_class_privacy_search_and_overdue(server, engine, people):
    dev, codes = push(server, engine, 3, description="Loket 7 meminta uang 100% tambahan_biaya di luar tarif.")
    _, (anon,) = push(server, engine, privacy="anonim", description="Toilet rusak dan kotor sekali di gedung B.")
    desk = people["desk"]
    shown = [tracking.display(c) for c in codes]
    assert listed(engine, desk, device=dev) == sorted(shown)  # same due day: by code
    act(engine, desk, codes[0], "hold", note="Menunggu dokumen")
    assert listed(engine, desk, device=dev, status="on_hold") == [shown[0]]
    assert listed(engine, desk, device=dev, status="sent") == sorted(shown[1:])
    assert sorted(listed(engine, desk, device=dev, status="open")) == sorted(shown)
    assert listed(engine, desk, device=dev, klass="aspirasi") == []
    assert tracking.display(anon) in listed(engine, desk, privacy="anonim", q="TOILET RUSAK")
    assert listed(engine, desk, device=dev, privacy="anonim") == []
    # LIKE wildcards in the search are literal characters.
    assert sorted(listed(engine, desk, device=dev, q="100% tambahan_")) == sorted(shown)
    assert listed(engine, desk, device=dev, q="1000% tambahanX") == []
    set_due(engine, codes[1], date.today() - timedelta(days=3))
    assert listed(engine, desk, device=dev, overdue="1") == [shown[1]]
    row = I.inbox(engine, desk[0], I.InboxFilter.from_params({"device": dev, "overdue": "1"}), settings=SETTINGS).rows[0]
    assert row.overdue and row.days_left < 0
    today = date.today()
    assert len(listed(engine, desk, device=dev, **{"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()})) == 3
    assert listed(engine, desk, device=dev, **{"from": (today + timedelta(days=2)).isoformat()}) == []
    assert len(listed(engine, desk, office="Kantor Gubernur", device=dev)) == 3


def test_cursor_pages_through_everything_once_in_due_order(server, engine, people):
    dev, codes = push(server, engine, 7)
    desk = people["desk"]
    for i, code in enumerate(codes[:5]):
        set_due(engine, code, date(2030, 1, 1) + timedelta(days=i % 3))
    for code in codes[5:]:  # no clock: they come last
        act(engine, desk, code, "hold", note="Menunggu")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"device": dev, **({"cursor": cursor} if cursor else {})}
        page = I.inbox(engine, desk[0], I.InboxFilter.from_params(params), settings=SETTINGS, limit=2)
        seen += page.rows
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 4 and len(seen) == 7 and len({r.tracking_code for r in seen}) == 7
    dated = [(r.due_on, r.tracking_code) for r in seen if r.due_on]
    assert dated == sorted(dated) and len(dated) == 5
    assert [r.due_on for r in seen[5:]] == [None, None]


@pytest.mark.parametrize("bad", ["x", "eyJ4IjoxfQ", "WyJkIiwiMjAyNi0xMy0wMSIsIkFCQ0QifQ", "A" * 200])
def test_a_bad_or_tampered_cursor_is_a_bad_filter(bad):
    with pytest.raises(I.BadFilter) as exc:
        I.InboxFilter.from_params({"cursor": bad})
    assert exc.value.field == "cursor"


@pytest.mark.parametrize("params, field", [
    ({"status": "done"}, "status"), ({"klass": "x"}, "klass"), ({"privacy": "public"}, "privacy"),
    ({"from": "2026-02-30"}, "from"), ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ({"overdue": "yes"}, "overdue"), ({"agency": "a'; drop"}, "agency"), ({"q": "x" * 101}, "q"),
])
def test_bad_filter_values_name_their_field(params, field):
    with pytest.raises(I.BadFilter) as exc:
        I.InboxFilter.from_params(params)
    assert exc.value.field == field


def test_officer_scope_is_in_the_query_and_in_detail(server, engine, people):
    dev, (mine, filed_for_me, theirs) = push(server, engine, 3, agency_id="dinkes")
    desk = people["desk"]
    act(engine, desk, mine, "forward", agency_id="dinkes")
    act(engine, desk, theirs, "forward", agency_id="bappenda")
    assert listed(engine, people["dinkes"], device=dev) == [tracking.display(mine)]
    assert listed(engine, people["bappenda"], device=dev) == [tracking.display(theirs)]
    # Asking for another agency by filter does not widen the scope.
    assert listed(engine, people["dinkes"], device=dev, agency="bappenda") == []
    assert listed(engine, people["tech"], device=dev) == []
    assert len(listed(engine, people["viewer"], device=dev)) == 3
    assert I.detail(engine, people["dinkes"][0], mine, settings=SETTINGS).handling_agency_id == "dinkes"
    for code in (filed_for_me, theirs):
        with pytest.raises(NotFound):
            I.detail(engine, people["dinkes"][0], code, settings=SETTINGS)
        with pytest.raises(NotFound):
            I.show_identity(engine, people["dinkes"][0], code, people["dinkes"][1])
    with pytest.raises(NotFound):
        I.detail(engine, people["dinkes"][0], "not a code <b>", settings=SETTINGS)
    choices = I.filter_choices(engine, people["dinkes"][0])
    assert [a[0] for a in choices.agencies] == ["dinkes"]


def test_detail_has_the_timeline_with_who_and_internal_notes(server, engine, people):
    _, (code,) = push(server, engine, service_id="bappenda-pkb")
    desk = people["desk"]
    act(engine, desk, code, "forward", agency_id="bappenda", internal_note="prioritas")
    d = I.detail(engine, desk[0], code, settings=SETTINGS)
    assert [e.status for e in d.timeline] == ["received_at_kiosk", "sent", "verified", "forwarded"]
    assert d.timeline[-1].username == desk[0].username and d.timeline[-1].internal_note == "prioritas"
    assert d.timeline[0].username is None
    assert d.office == "Kantor Gubernur" and d.handling_agency_name and d.description.startswith("Petugas")
    assert "respond" in d.actions and "verify" not in d.actions and d.identity_allowed
    assert d.days_left == 5
    officer_view = I.detail(engine, people["bappenda"][0], code, settings=SETTINGS)
    assert officer_view.actions == ["hold", "respond"] or set(officer_view.actions) == {"hold", "respond"}
    assert I.detail(engine, people["viewer"][0], code, settings=SETTINGS).actions == []


def test_identity_is_shown_to_the_desk_and_audited_and_refused_otherwise(server, engine, people):
    _, (named,) = push(server, engine)
    _, (anon,) = push(server, engine, privacy="anonim")
    desk = people["desk"]
    ident = I.show_identity(engine, desk[0], named, desk[1])
    assert ident.name == "Siti Rahmawati" and ident.nik and "Siti" not in repr(ident)
    with pytest.raises(I.IdentityDenied):
        I.show_identity(engine, desk[0], anon, desk[1])
    with pytest.raises(I.IdentityDenied):
        I.show_identity(engine, people["viewer"][0], named, people["viewer"][1])
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.username, audit_log.c.detail)
                            .where(audit_log.c.target.in_([tracking.display(named), tracking.display(anon)]))
                            .order_by(audit_log.c.id)).all()
    assert [(r.action, r.username) for r in rows] == [
        ("identity_viewed", desk[0].username), ("identity_denied", desk[0].username),
        ("identity_denied", people["viewer"][0].username)]
    assert all("Siti" not in (r.detail or "") and "5271" not in (r.detail or "") for r in rows)
