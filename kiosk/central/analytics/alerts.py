"""Alerts: what a unit should look at today (issue 14, item 6). A query module: no HTTP, no mail.

Three kinds, each decided by a small pure function that the tests check with hand-made numbers:

- a drop (``decide_drop``): a unit's IKM or quick-rating index in the current quarter so far against
  the quarter before (``Period.previous()``), when it fell by ``alert_ikm_drop`` / ``alert_quick_drop``
  points or more. Only with enough data on both sides: ``MIN_RESPONSES`` (30) surveys or taps in each
  quarter, so a unit with three ratings does not raise an alarm on the third;
- a topic spike (``decide_spike``): one topic's complaints about one agency in this local ISO week so
  far against the mean of the 8 whole weeks before; a spike when this week has at least
  ``alert_topic_spike_ratio`` times that mean AND at least ``alert_topic_spike_min`` complaints
  (pungli, illegal fees, at least ``alert_pungli_spike_min``: its usual count is about zero, so two in
  one week already say something);
- deadlines breached: complaints overdue now (``complaints.overdue_at``, set by ``tick``), per agency
  once forwarded to it, and for the province's complaint desk before that (unit id ``""``).

Messages are English msgids with ``{params}`` (counts, scores, period keys, topic codes; never anything
a citizen wrote or who they are); :func:`describe` turns one into text in a language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from babel.dates import format_date

from ...domain.complaint import TOPIC_LABELS, Topic
from ...i18n import fill, translator
from ..db import catalog_versions, complaints, reader, rollup_marks
from ..settings import Settings
from . import ikm, periods, quick, units
from .figures import Alert, AlertKind, Unit, UnitKind

# Surveys (IKM) or taps (quick ratings) a unit needs in BOTH quarters before a drop is an alert. A
# fixed, documented floor rather than each service's Krejcie-Morgan minimum: that needs the yearly
# users, which many services have not entered, and an alert only asks someone to look.
MIN_RESPONSES = 30
# Whole weeks before this one whose mean is a topic's usual count.
USUAL_WEEKS = 8
PUNGLI = Topic.PUNGLI.value

# The province itself: complaints no agency has yet (before forwarding, or naming none).
PROVINCE = Unit(UnitKind.AGENCY, "", "Meja pengaduan provinsi", "Province complaint desk", None)

# msgids (assets/locale/*/LC_MESSAGES/dash_alerts.po)
MSG_IKM_DROP = "IKM of {unit} fell from {before} in {previous} to {after} so far in {period}."
MSG_QUICK_DROP = "Quick-rating index of {unit} fell from {before} in {previous} to {after} so far in {period}."
MSG_TOPIC_SPIKE = ("{count} complaints about \u201c{topic}\u201d for {unit} this week (since {week}), "
                   "against a usual {usual} a week.")
MSG_OVERDUE = "{count} complaints for {unit} are past their deadline."
MSG_OVERDUE_ONE = "1 complaint for {unit} is past its deadline."

DANGER, WARN = "danger", "warn"
_KIND_ORDER = {AlertKind.DEADLINE_BREACHED: 0, AlertKind.TOPIC_SPIKE: 1, AlertKind.IKM_DROP: 2,
               AlertKind.QUICK_DROP: 3}
_LOCALES = {"id": "id_ID", "en": "en_GB"}
# Params holding a decimal number, shown with the language's decimal mark.
_NUMBERS = ("before", "after", "usual")


# --- the decisions (pure) ------------------------------------------------------------------------------


def decide_drop(prev: Decimal | None, cur: Decimal | None, threshold: float) -> bool:
    """True when ``cur`` is ``threshold`` points or more below ``prev`` (either missing: no alert)."""
    if prev is None or cur is None:
        return False
    return prev - cur >= Decimal(str(threshold))


def enough_responses(prev_count: int, cur_count: int) -> bool:
    return prev_count >= MIN_RESPONSES and cur_count >= MIN_RESPONSES


def decide_spike(counts_by_week: Sequence[int], *, ratio: float, minimum: int) -> bool:
    """``counts_by_week``: oldest first, the last is this week so far, the ones before it the usual.
    A spike when this week has at least ``minimum`` and at least ``ratio`` x the mean of the others."""
    if len(counts_by_week) < 2:
        raise ValueError("a spike needs this week and at least one week before it")
    *before, this_week = counts_by_week
    # this_week >= ratio * sum/len, without rounding: this_week * len >= ratio * sum
    return this_week >= minimum and Decimal(this_week * len(before)) >= Decimal(str(ratio)) * sum(before)


def spike_minimum(settings: Settings, topic: str) -> int:
    return settings.alert_pungli_spike_min if topic == PUNGLI else settings.alert_topic_spike_min


# --- the alerts of today -------------------------------------------------------------------------------


def current_alerts(conn: sa.Connection, settings: Settings, today: date,
                   agencies: Iterable[str] | None = None) -> list[Alert]:
    """Every alert of ``today`` (a local day), those of ``agencies`` only when given (an officer's),
    the most urgent first."""
    allowed = None if agencies is None else frozenset(agencies)
    if allowed is not None and not allowed:
        return []  # an officer with no agency sees nothing (whatever another part makes of an empty set)
    index = units.index(conn)
    return _ordered([*overdue_alerts(conn, today, allowed, index), *spike_alerts(conn, settings, today, allowed, index),
                     *drop_alerts(conn, settings, today, allowed)])


def alerts_by_scope(conn: sa.Connection, settings: Settings, today: date,
                    scopes: Iterable[frozenset[str] | None]) -> dict[frozenset[str] | None, list[Alert]]:
    """``current_alerts`` for many scopes at once (the digest: the desk and every officer's agencies).
    The overdue and spike alerts are counted once for the province and kept per scope by agency, which
    gives the same alerts as counting per scope (both group by agency, and an agency's overdue count is
    already its forwarded complaints only); the drops are asked per scope (an office's figure for an
    officer counts their agencies' ratings only)."""
    scopes = list(scopes)
    if not scopes:
        return {}  # nobody to ask for: not a query (the tick calls this every 5 minutes)
    index = units.index(conn)
    shared = [*overdue_alerts(conn, today, None, index), *spike_alerts(conn, settings, today, None, index)]
    out: dict[frozenset[str] | None, list[Alert]] = {}
    for scope in scopes:
        if scope in out:
            continue
        mine = shared if scope is None else [a for a in shared if a.unit.id and a.unit.id in scope]
        out[scope] = _ordered([*mine, *drop_alerts(conn, settings, today, scope)]) if scope != frozenset() else []
    return out


def _ordered(found: list[Alert]) -> list[Alert]:
    """The most urgent first, then by kind, unit and topic (a stable order for pages and mails)."""
    return sorted(found, key=lambda a: (a.severity != DANGER, _KIND_ORDER[a.kind], a.unit.name_id, a.unit.id,
                                        a.params.get("topic", "")))


def overdue_alerts(conn: sa.Connection, today: date, agencies: frozenset[str] | None,
                   index: units.UnitIndex) -> list[Alert]:
    """Complaints overdue now: an agency's once forwarded to it (what its officers see in their inbox,
    access.can_see_complaint), the province desk's before that."""
    c = complaints.c
    forwarded = c.forwarded_at.is_not(None) & c.handling_agency_id.is_not(None)
    owner = sa.case((forwarded, c.handling_agency_id), else_=sa.literal(""))
    q = sa.select(owner.label("owner"), sa.func.count().label("n")).where(c.overdue_at.is_not(None))
    if agencies is not None:
        if not agencies:
            return []
        q = q.where(forwarded, c.handling_agency_id.in_(sorted(agencies)))
    rows = conn.execute(q.group_by(owner)).all()
    return [Alert(AlertKind.DEADLINE_BREACHED, _agency(index, r.owner), today,
                  MSG_OVERDUE_ONE if r.n == 1 else MSG_OVERDUE, {"count": str(r.n)}, DANGER) for r in rows if r.n]


def week_starts(today: date, weeks: int = USUAL_WEEKS) -> list[date]:
    """The Mondays of the ``weeks`` whole weeks before this one, then this week's Monday."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - i) for i in range(weeks + 1)]


def topic_weeks(conn: sa.Connection, settings: Settings, today: date,
                agencies: frozenset[str] | None) -> dict[tuple[str, str], list[int]]:
    """(agency id or "", topic) -> complaints per local week, oldest first, this week (to today) last.
    One pass over the 9 weeks (index complaints_created_topic covers it), each week a sum of a CASE on the
    UTC bounds of its local days: on PostgreSQL ~1.5x faster than grouping by a CASE naming the week."""
    c = complaints.c
    tz = settings.tz
    starts = week_starts(today)
    bounds = [_utc_midnight(d, tz) for d in starts] + [_utc_midnight(today + timedelta(days=1), tz)]
    agency = sa.func.coalesce(c.handling_agency_id, c.agency_id, sa.literal(""))
    weeks = [sa.func.sum(sa.case((sa.and_(c.created_at >= bounds[i], c.created_at < bounds[i + 1]), 1), else_=0))
             for i in range(len(starts))]
    q = (sa.select(agency.label("agency"), c.topic, *weeks)
         .where(c.created_at >= bounds[0], c.created_at < bounds[-1]).group_by(agency, c.topic))
    if agencies is not None:
        if not agencies:
            return {}
        q = q.where(agency.in_(sorted(agencies)))
    return {(r[0], r[1]): [int(v or 0) for v in r[2:]] for r in conn.execute(q).all()}


def spike_alerts(conn: sa.Connection, settings: Settings, today: date, agencies: frozenset[str] | None,
                 index: units.UnitIndex) -> list[Alert]:
    out = []
    monday = week_starts(today)[-1]
    for (agency_id, topic), counts in topic_weeks(conn, settings, today, agencies).items():
        if not decide_spike(counts, ratio=settings.alert_topic_spike_ratio, minimum=spike_minimum(settings, topic)):
            continue
        usual = (Decimal(sum(counts[:-1])) / USUAL_WEEKS).quantize(Decimal("0.1"), ROUND_HALF_UP)
        out.append(Alert(AlertKind.TOPIC_SPIKE, _agency(index, agency_id), today, MSG_TOPIC_SPIKE,
                         {"count": str(counts[-1]), "topic": topic, "week": monday.isoformat(), "usual": str(usual)},
                         DANGER if topic == PUNGLI else WARN))
    return out


def drop_alerts(conn: sa.Connection, settings: Settings, today: date,
                agencies: frozenset[str] | None) -> list[Alert]:
    """IKM (agencies, services) and quick-rating index (agencies, offices): this quarter so far
    against the previous quarter. Uses the ikm and quick parts' queries when they are installed.

    The drops read only the rollups, which change only when a tick refreshes them: so they are kept per
    (database, day, scope, rollup marks, catalog, thresholds) and asked again after the next refresh.
    Eight part queries per visit of the hub (each up to ~80 ms at 1,000,000 surveys) become one small
    read of ``rollup_marks`` between ticks."""
    key = _drops_key(conn, settings, today, agencies)
    with _drops_lock:
        hit = _drops_cache.get(key)
        if hit is not None:
            _drops_cache.move_to_end(key)
            return list(hit)
    found = _drop_alerts(conn, settings, today, agencies)
    with _drops_lock:
        _drops_cache[key] = tuple(found)
        while len(_drops_cache) > DROPS_CACHE_SIZE:
            _drops_cache.popitem(last=False)
    return found


DROPS_CACHE_SIZE = 512  # scopes x days x databases; an officer's set of agencies is one scope
_drops_cache: OrderedDict[tuple, tuple[Alert, ...]] = OrderedDict()
_drops_lock = threading.Lock()


def _drops_key(conn: sa.Connection, settings: Settings, today: date, agencies: frozenset[str] | None) -> tuple:
    # refreshed_at too: a refresh may rewrite a day (a late-committed rating) without moving source_until.
    marks = tuple(conn.execute(sa.select(rollup_marks.c.name, rollup_marks.c.source_until, rollup_marks.c.refreshed_at)
                               .order_by(rollup_marks.c.name)).all())
    catalog = conn.scalar(sa.select(sa.func.max(catalog_versions.c.id)))  # unit names come from it
    return (conn.engine.url.render_as_string(hide_password=True), today, agencies, marks, catalog,
            settings.alert_ikm_drop, settings.alert_quick_drop, settings.timezone)


def _drop_alerts(conn: sa.Connection, settings: Settings, today: date,
                 agencies: frozenset[str] | None) -> list[Alert]:
    period = periods.containing(periods.Kind.QUARTER, today)
    previous = period.previous()
    out: list[Alert] = []
    for kind in (UnitKind.AGENCY, UnitKind.SERVICE):
        out += _drops(AlertKind.IKM_DROP, MSG_IKM_DROP, settings.alert_ikm_drop, today, period, previous,
                      ikm.ikm_by_unit(conn, settings, kind, previous, agencies),
                      ikm.ikm_by_unit(conn, settings, kind, period, agencies),
                      value=lambda f: f.score, count=lambda f: f.respondents)
    for kind in (UnitKind.AGENCY, UnitKind.OFFICE):
        out += _drops(AlertKind.QUICK_DROP, MSG_QUICK_DROP, settings.alert_quick_drop, today, period, previous,
                      quick.quick_by_unit(conn, settings, kind, previous, agencies),
                      quick.quick_by_unit(conn, settings, kind, period, agencies),
                      value=lambda f: f.index, count=lambda f: f.taps)
    return out


def _drops(kind: AlertKind, msgid: str, threshold: float, today: date, period: periods.Period,
           previous: periods.Period, before: list, now: list, *, value, count) -> list[Alert]:
    earlier = {f.unit.id: f for f in before}
    out = []
    for fig in now:
        old = earlier.get(fig.unit.id)
        if old is None or not enough_responses(count(old), count(fig)):
            continue
        if decide_drop(value(old), value(fig), threshold):
            out.append(Alert(kind, fig.unit, today, msgid,
                             {"before": str(value(old)), "after": str(value(fig)), "period": period.key,
                              "previous": previous.key}, WARN))
    return out


def _agency(index: units.UnitIndex, agency_id: str) -> Unit:
    return PROVINCE if not agency_id else index.get(UnitKind.AGENCY, agency_id)


def _utc_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


# --- words -----------------------------------------------------------------------------------------------


def describe(alert: Alert, lang: str) -> str:
    """The alert as one sentence in ``lang``: unit names, period labels, topic labels and numbers as
    that language writes them."""
    t = translator(lang)
    params: dict[str, str] = dict(alert.params)
    params["unit"] = alert.unit.name(lang)
    for key in ("period", "previous"):
        if key in params:
            params[key] = periods.from_key(params[key]).label(lang)
    if "topic" in params:
        try:
            params["topic"] = t(TOPIC_LABELS[Topic(params["topic"])])
        except ValueError:
            pass  # a topic a newer kiosk knows: its code is still a fair name
    for key in _NUMBERS:
        if key in params and lang == "id":
            params[key] = params[key].replace(".", ",")
    if "week" in params:
        params["week"] = format_date(date.fromisoformat(params["week"]), "d MMM y", locale=_LOCALES.get(lang, "id_ID"))
    return fill(t(alert.message), params)


def severity_label(alert: Alert) -> str:
    """The severity in words (an English msgid): pages show it beside the icon, never colour alone."""
    return "Urgent" if alert.severity == DANGER else "Watch"


def today_alerts(engine: sa.Engine, settings: Settings, now: datetime,
                 agencies: Iterable[str] | None = None) -> list[Alert]:
    """:func:`current_alerts` of the local day of ``now``, on a connection of its own (for pages)."""
    with reader(engine) as conn:
        return current_alerts(conn, settings, periods.local_day(now, settings.tz), agencies)
