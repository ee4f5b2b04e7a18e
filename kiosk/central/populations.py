"""A service's yearly users (``service_populations``): set or cleared by staff on the service's IKM page.

The survey's minimum sample for a period follows from it (docs/analytics.md, "IKM per unit"). Who may
change it is ``access.can_edit_population`` (the province for any service, an officer for their own
agencies'); every change writes an audit row in the same transaction, naming the service, the old and
the new number and who did it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain.errors import ValidationError
from ..errors import NotFound
from . import access, audit
from .access import Staff
from .analytics import units
from .db import now, reader, service_populations

YEARLY_USERS_MAX = 100_000_000  # more people than the whole of Indonesia serves in a year is a typo
MSG_YEARLY_USERS = "Write the yearly users as a whole number from 1 to 100,000,000."
MSG_NOT_ALLOWED = "You may change the yearly users only of your own agencies' services."
MSG_NO_SERVICE = "There is no service “{service}” in the catalog."


class PopulationRefused(ValidationError):
    """Raised when the person may not change this service's number (the page answers 403)."""


def parse_yearly_users(raw: object) -> int:
    """The number typed in the form: digits only (dots, commas or spaces as thousands separators are
    accepted, "12.500" is 12500), 1..100,000,000; ValidationError otherwise."""
    text = str(raw if raw is not None else "").strip()
    for sep in (".", ",", " ", "\u00a0"):
        text = text.replace(sep, "")
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ValidationError(MSG_YEARLY_USERS, field="yearly_users")
    value = int(text)
    if not 1 <= value <= YEARLY_USERS_MAX:
        raise ValidationError(MSG_YEARLY_USERS, field="yearly_users")
    return value


def yearly_users(conn, service_id: str) -> int | None:
    return conn.scalar(sa.select(service_populations.c.yearly_users)
                       .where(service_populations.c.service_id == service_id))


def _service_agency(conn, service_id: str) -> str:
    catalog = units.current_catalog(conn)
    for service in catalog.services if catalog else ():
        if service.id == service_id:
            return service.agency_id
    raise NotFound(MSG_NO_SERVICE, service=service_id)


def set_yearly_users(engine: Engine, staff: Staff, service_id: str, value: int | None, *, by: audit.Actor) -> None:
    """Set (``value``) or clear (``None``) the service's yearly users. NotFound for a service the catalog
    does not hold; PopulationRefused when ``staff`` may not; ValidationError for a bad number."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not 1 <= value <= YEARLY_USERS_MAX):
        raise ValidationError(MSG_YEARLY_USERS, field="yearly_users")
    with reader(engine) as conn:
        agency_id = _service_agency(conn, service_id)
    if not access.can_edit_population(staff, agency_id):
        raise PopulationRefused(MSG_NOT_ALLOWED)
    at = now()
    with engine.begin() as conn:
        before = yearly_users(conn, service_id)
        t = service_populations
        if value is None:
            conn.execute(t.delete().where(t.c.service_id == service_id))
        elif before is None:
            conn.execute(t.insert().values(service_id=service_id, yearly_users=value, updated_at=at,
                                           updated_by=by.username[:64]))
        else:
            conn.execute(t.update().where(t.c.service_id == service_id)
                         .values(yearly_users=value, updated_at=at, updated_by=by.username[:64]))
        audit.record(conn, by, audit.POPULATION_SET, target=service_id,
                     detail={"agency": agency_id, "from": before, "to": value}, at=at)
