"""Kiosk settings set on the central server, per office or per kiosk (issue 15, docs/kiosk-settings.md).

A kiosk's own value beats its office's; what neither sets, the kiosk takes from its config.toml. The
keys, types and bounds are kiosk.domain.kiosk_settings (the kiosk checks what it receives against the
same list). The staff PIN is the exception: an office's PIN stays in office_settings (``kiosk central
office pin``), a kiosk's own PIN hash is a row here under ``staff_pin``, and the catalog answer's
``staff_pin`` field carries whichever applies, so kiosks from before this change keep working.

Every change writes an audit row in the same transaction: who, which office or kiosk, which key, never
a PIN or its hash. Queries and actions only; the web pages are kiosk/central/web/kiosks_settings.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..domain import kiosk_settings as spec
from ..domain import office_hours
from ..domain.errors import ValidationError
from ..domain.pin import check_new_pin, hash_pin
from . import audit, catalog, office_settings
from .db import devices, kiosk_settings, now, reader
from .db import office_settings as office_pins

OFFICE = "office"
DEVICE = "device"
PIN_KEY = "staff_pin"
MAX_OFFICE = 200


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    value: Any  # None: not set at this level
    set_at: datetime | None = None
    set_by: str | None = None


@dataclass(frozen=True, slots=True)
class Effective:
    key: str
    value: Any  # None: the kiosk's config.toml applies
    source: str  # spec.SOURCE_KIOSK, SOURCE_OFFICE or SOURCE_CONFIG


@dataclass(frozen=True, slots=True)
class KioskRow:
    id: str
    name: str
    office: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class OfficeSummary:
    office: str
    kiosks: int  # active kiosks enrolled with this office name
    values: dict[str, Any]  # key -> value set for the office (no PIN)
    pin_set: bool


# --- reading ---------------------------------------------------------------------------------------------


def _rows(conn: Connection, pairs: Iterable[tuple[str, str]]) -> list[sa.Row]:
    conds = [sa.and_(kiosk_settings.c.scope == s, kiosk_settings.c.target == t) for s, t in pairs]
    if not conds:
        return []
    return list(conn.execute(sa.select(kiosk_settings).where(sa.or_(*conds))))


def _value(row: sa.Row) -> Any:
    return json.loads(row.value)


def _resolve(device_values: dict[str, Any], office_values: dict[str, Any]) -> dict[str, Effective]:
    out = {}
    for name in spec.NAMES:
        if name in device_values:
            out[name] = Effective(name, device_values[name], spec.SOURCE_KIOSK)
        elif name in office_values:
            out[name] = Effective(name, office_values[name], spec.SOURCE_OFFICE)
        else:
            out[name] = Effective(name, None, spec.SOURCE_CONFIG)
    return out


def _split(rows: list[sa.Row]) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], sa.Row]]:
    values: dict[tuple[str, str], dict[str, Any]] = {}
    pins: dict[tuple[str, str], sa.Row] = {}
    for row in rows:
        if row.key == PIN_KEY:
            pins[(row.scope, row.target)] = row
        elif row.key in spec.NAMES:
            values.setdefault((row.scope, row.target), {})[row.key] = _value(row)
    return values, pins


def for_device(engine: Engine, device_id: str, office: str) -> dict[str, Any]:
    """What the catalog pull answer carries as ``settings`` and ``staff_pin`` for this kiosk."""
    with reader(engine) as conn:
        values, pins = _split(_rows(conn, [(DEVICE, device_id), (OFFICE, office)]))
    effective = _resolve(values.get((DEVICE, device_id), {}), values.get((OFFICE, office), {}))
    pin_row = pins.get((DEVICE, device_id))
    if pin_row is not None:
        pin = json.loads(pin_row.value)
        pin_source = spec.SOURCE_KIOSK
    else:
        pin = office_settings.pin_for_office(engine, office)
        pin_source = spec.SOURCE_OFFICE if pin else spec.SOURCE_CONFIG
    sources = {e.key: e.source for e in effective.values() if e.value is not None}
    sources[PIN_KEY] = pin_source
    return {
        "settings": {"values": {e.key: e.value for e in effective.values() if e.value is not None},
                     "sources": sources},
        "staff_pin": pin,
    }


def office_hours_for(engine: Engine, device_ids: Iterable[str]) -> dict[str, office_hours.OfficeHours]:
    """The opening hours that apply to each kiosk (its own setting, else its office's, else the default)."""
    ids = list(dict.fromkeys(device_ids))
    if not ids:
        return {}
    with reader(engine) as conn:
        offices = dict(conn.execute(sa.select(devices.c.id, devices.c.office).where(devices.c.id.in_(ids))).all())
        rows = conn.execute(sa.select(kiosk_settings.c.scope, kiosk_settings.c.target, kiosk_settings.c.value).where(
            kiosk_settings.c.key == "office_hours",
            sa.or_(sa.and_(kiosk_settings.c.scope == DEVICE, kiosk_settings.c.target.in_(ids)),
                   sa.and_(kiosk_settings.c.scope == OFFICE,
                           kiosk_settings.c.target.in_(set(offices.values()) or {""}))))).all()
    texts = {(r.scope, r.target): json.loads(r.value) for r in rows}
    out = {}
    for device_id in ids:
        text = texts.get((DEVICE, device_id)) or texts.get((OFFICE, offices.get(device_id, "")))
        try:
            out[device_id] = office_hours.parse(text) if text else office_hours.DEFAULT
        except ValidationError:  # stored through check(), so never; a hand-edited row must not stop the alerts
            out[device_id] = office_hours.DEFAULT
    return out


def kiosk(engine: Engine, device_id: str) -> KioskRow | None:
    """An active (not revoked) kiosk, or None."""
    with reader(engine) as conn:
        row = conn.execute(sa.select(devices.c.id, devices.c.name, devices.c.office, devices.c.agency_id).where(
            devices.c.id == device_id, devices.c.revoked_at.is_(None))).first()
    return KioskRow(row.id, row.name, row.office, row.agency_id) if row else None


def offices(engine: Engine) -> list[OfficeSummary]:
    """Every office with active kiosks or settings of its own, by name, with what is set for it."""
    with reader(engine) as conn:
        counts = dict(conn.execute(sa.select(devices.c.office, sa.func.count()).where(
            devices.c.revoked_at.is_(None)).group_by(devices.c.office)).all())
        rows = list(conn.execute(sa.select(kiosk_settings).where(kiosk_settings.c.scope == OFFICE)))
        pinned = set(conn.scalars(sa.select(office_pins.c.office).where(office_pins.c.pin_hash.is_not(None))))
    values, _ = _split(rows)
    names = sorted(set(counts) | {t for (_s, t) in values} | pinned)
    return [OfficeSummary(n, counts.get(n, 0), values.get((OFFICE, n), {}), n in pinned) for n in names]


def kiosks_of(engine: Engine, office: str) -> list[KioskRow]:
    with reader(engine) as conn:
        rows = conn.execute(sa.select(devices.c.id, devices.c.name, devices.c.office, devices.c.agency_id).where(
            devices.c.office == office, devices.c.revoked_at.is_(None)).order_by(devices.c.name, devices.c.id))
        return [KioskRow(r.id, r.name, r.office, r.agency_id) for r in rows]


def level(engine: Engine, scope: str, target: str) -> dict[str, Setting]:
    """What one office or one kiosk sets itself (no PIN), key -> Setting."""
    with reader(engine) as conn:
        rows = _rows(conn, [(scope, target)])
    return {r.key: Setting(r.key, _value(r), r.set_at, r.set_by) for r in rows if r.key in spec.NAMES}


def effective(engine: Engine, device: KioskRow) -> dict[str, Effective]:
    with reader(engine) as conn:
        values, _ = _split(_rows(conn, [(DEVICE, device.id), (OFFICE, device.office)]))
    return _resolve(values.get((DEVICE, device.id), {}), values.get((OFFICE, device.office), {}))


def pin_source(engine: Engine, device: KioskRow) -> str:
    """Where this kiosk's staff PIN comes from: kiosk, office or config."""
    with reader(engine) as conn:
        own = conn.scalar(sa.select(sa.func.count()).select_from(kiosk_settings).where(
            kiosk_settings.c.scope == DEVICE, kiosk_settings.c.target == device.id, kiosk_settings.c.key == PIN_KEY))
    if own:
        return spec.SOURCE_KIOSK
    return spec.SOURCE_OFFICE if office_settings.pin_for_office(engine, device.office) else spec.SOURCE_CONFIG


# --- changing --------------------------------------------------------------------------------------------


def check_office(office: str) -> str:
    office = (office or "").strip()
    if not office or len(office) > MAX_OFFICE:
        raise ValidationError("The office name must be 1 to 200 characters.", field="office")
    return office


def check_value(engine: Engine, key: str, raw: Any) -> Any:
    """``raw`` as stored, or ValidationError; an agency must be one of the published catalog's."""
    value = spec.check(key, raw)
    if key == "agency_id" and value not in {a.id for a in catalog.agencies(engine)}:
        raise ValidationError("No agency {agency} in the published catalog.", field=key, agency=value)
    return value


def _audit_target(scope: str, target: str) -> str:
    return f"{scope}:{target}"[:200]


def change(engine: Engine, scope: str, target: str, changes: dict[str, Any], *, by: audit.Actor) -> list[str]:
    """Set (a value) or clear (None) several keys of one office or kiosk in one transaction. Values must
    have passed :func:`check_value`. Returns the keys that changed; one audit row per key."""
    assert scope in (OFFICE, DEVICE)
    at = now()
    changed = []
    with engine.begin() as conn:
        current = {r.key: r.value for r in _rows(conn, [(scope, target)])}
        for key, value in changes.items():
            assert key in spec.NAMES, key
            where = sa.and_(kiosk_settings.c.scope == scope, kiosk_settings.c.target == target,
                            kiosk_settings.c.key == key)
            if value is None:
                if key not in current:
                    continue
                conn.execute(kiosk_settings.delete().where(where))
                audit.record(conn, by, audit.KIOSK_SETTING_CLEARED, target=_audit_target(scope, target),
                             detail={"key": key}, at=at)
            else:
                text = json.dumps(value, ensure_ascii=False)
                if current.get(key) == text:
                    continue
                if key in current:
                    conn.execute(kiosk_settings.update().where(where).values(value=text, set_at=at,
                                                                             set_by=by.username[:64]))
                else:
                    conn.execute(kiosk_settings.insert().values(scope=scope, target=target, key=key, value=text,
                                                                set_at=at, set_by=by.username[:64]))
                # The value itself is in the row: settings are no secret and say what changed.
                audit.record(conn, by, audit.KIOSK_SETTING_SET, target=_audit_target(scope, target),
                             detail={"key": key, "value": value}, at=at)
            changed.append(key)
    return changed


def set_kiosk_pin(engine: Engine, device_id: str, pin: str, *, by: audit.Actor) -> None:
    """One kiosk's own staff PIN (beats its office's). Raises ValidationError for a PIN the kiosk refuses."""
    hashed = hash_pin(check_new_pin(pin))
    at = now()
    value = json.dumps({"pin_hash": hashed, "set_at": at.isoformat(timespec="seconds")})
    with engine.begin() as conn:
        where = sa.and_(kiosk_settings.c.scope == DEVICE, kiosk_settings.c.target == device_id,
                        kiosk_settings.c.key == PIN_KEY)
        done = conn.execute(kiosk_settings.update().where(where).values(value=value, set_at=at,
                                                                        set_by=by.username[:64])).rowcount
        if not done:
            conn.execute(kiosk_settings.insert().values(scope=DEVICE, target=device_id, key=PIN_KEY, value=value,
                                                        set_at=at, set_by=by.username[:64]))
        audit.record(conn, by, audit.KIOSK_PIN_SET, target=_audit_target(DEVICE, device_id), at=at)


def clear_kiosk_pin(engine: Engine, device_id: str, *, by: audit.Actor) -> bool:
    at = now()
    with engine.begin() as conn:
        done = conn.execute(kiosk_settings.delete().where(
            kiosk_settings.c.scope == DEVICE, kiosk_settings.c.target == device_id,
            kiosk_settings.c.key == PIN_KEY)).rowcount
        if done:
            audit.record(conn, by, audit.KIOSK_PIN_CLEARED, target=_audit_target(DEVICE, device_id), at=at)
    return bool(done)
