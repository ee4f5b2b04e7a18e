"""The staff navigation: which pages a signed-in person sees in the header, decided by access.py.

One entry per line (each part of the back office adds its own): (href, English msgid, check).
"""

from __future__ import annotations

from collections.abc import Callable

from .. import access
from ..access import Staff


def _templates(staff: Staff) -> bool:
    # The province edits every agency's templates; an officer those of their own agencies.
    return access.can_edit_templates(staff, None) or any(access.can_edit_templates(staff, a) for a in staff.agencies)


ENTRIES: tuple[tuple[str, str, Callable[[Staff], bool]], ...] = (
    ("/staff/complaints", "Complaints", access.can_read_complaints),
    ("/staff/templates", "Response templates", _templates),
    ("/staff/users", "Users", access.can_manage_users),
    ("/staff/audit", "Audit log", access.can_read_audit),
    ("/staff/dashboard", "Dashboard", access.can_see_dashboards),
    ("/staff/standards", "Standards", access.can_read_catalog_drafts),
    ("/staff/evidence", "Compliance evidence", lambda s: any(access.can_see_evidence(s, a) for a in (None, *s.agencies))),
    ("/staff/fleet", "Kiosks", access.can_see_fleet),
    ("/staff/kiosks/settings", "Kiosk settings", access.can_manage_kiosks),
)


def items(staff: Staff | None) -> list[tuple[str, str]]:
    if staff is None:
        return []
    return [(href, msgid) for href, msgid, check in ENTRIES if check(staff)]
