"""The dashboards of the back office, as the hub /staff/dashboard lists them.

One line per dashboard page (each part of issue 14 adds its own): (href, English msgid, check), where
``check(staff)`` is an access.* function saying whether this person may open it. Lines are added, never
reordered, so parts built in parallel merge cleanly; the hub shows them in this order.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import access
from ..access import Staff

DASHBOARDS: tuple[tuple[str, str, Callable[[Staff], bool]], ...] = (
    ("/staff/dashboard/complaints", "Complaint handling", access.can_see_dashboards),
    ("/staff/dashboard/ikm", "Satisfaction index (IKM)", access.can_see_dashboards),
    ("/staff/dashboard/compliance", "Compliance (Ombudsman)", access.can_see_dashboards),
    ("/staff/dashboard/ranking", "Award ranking", access.can_see_province_ranking),
    ("/staff/dashboard/alerts", "Alerts", access.can_see_dashboards),
    ("/staff/dashboard/quick", "Quick ratings", access.can_see_dashboards),
)


def items(staff: Staff | None) -> list[tuple[str, str]]:
    """(href, msgid) of the dashboards ``staff`` may open, in DASHBOARDS order."""
    if staff is None:
        return []
    return [(href, msgid) for href, msgid, check in DASHBOARDS if check(staff)]
