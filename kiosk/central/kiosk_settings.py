"""Kiosk settings set on the central server, per office or per kiosk (issue 15).

Contract stub: the kiosk-settings part replaces this module and keeps :func:`office_hours_for` (the
fleet alerts read it to tell "offline during office hours" from a kiosk switched off at night).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Engine

from ..domain import office_hours


def office_hours_for(engine: Engine, device_ids: Iterable[str]) -> dict[str, office_hours.OfficeHours]:
    """The opening hours that apply to each kiosk (its own setting, else its office's, else the default)."""
    return {device_id: office_hours.DEFAULT for device_id in device_ids}
