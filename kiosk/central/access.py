"""Who may do what in the back office: the roles, the signed-in person, and the one place that decides.

Every route and every CLI command asks these functions; none checks a role by itself. The rules are
written out in ``docs/backoffice.md`` ("Roles").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    ADMIN = "admin"  # the province: users, agencies, everything
    DESK = "desk"  # the province's complaint desk: verifies, forwards, closes; all agencies
    OFFICER = "officer"  # one or more agencies: sees and answers what was forwarded to them
    VIEWER = "viewer"  # Inspectorate, Ombudsman: statistics and complaint texts, never identities
    TECHNICIAN = "technician"  # the kiosk fleet only


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.DESK: "Complaint desk",
    Role.OFFICER: "Agency officer",
    Role.VIEWER: "Viewer (Inspectorate, Ombudsman)",
    Role.TECHNICIAN: "Technician",
}

# A second factor is required for these roles (and optional for the others).
TOTP_REQUIRED: frozenset[Role] = frozenset({Role.ADMIN, Role.DESK})


@dataclass(frozen=True, slots=True)
class Staff:
    """The person behind a request (web session or CLI sign-in)."""

    user_id: int
    username: str
    display_name: str
    role: Role
    agencies: frozenset[str] = frozenset()  # officers only

    @property
    def sees_all_agencies(self) -> bool:
        return self.role in (Role.ADMIN, Role.DESK, Role.VIEWER)


# --- complaints -------------------------------------------------------------------------------------

# Workflow actions (complaints.ACTIONS keys) each role may take, on complaints it can see.
_ACTIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({"verify", "forward", "hold", "not-authority", "respond", "close", "reopen"}),
    Role.DESK: frozenset({"verify", "forward", "hold", "not-authority", "respond", "close", "reopen"}),
    Role.OFFICER: frozenset({"respond", "hold"}),
    Role.VIEWER: frozenset(),
    Role.TECHNICIAN: frozenset(),
}


def can_read_complaints(staff: Staff) -> bool:
    return staff.role is not Role.TECHNICIAN


def can_see_complaint(staff: Staff, *, handling_agency_id: str | None, forwarded: bool) -> bool:
    """An officer sees a complaint once it was forwarded to one of their agencies; the province sees all."""
    if not can_read_complaints(staff):
        return False
    if staff.sees_all_agencies:
        return True
    return forwarded and handling_agency_id is not None and handling_agency_id in staff.agencies


def can_act(staff: Staff, action: str) -> bool:
    return action in _ACTIONS[staff.role]


def can_view_identity(staff: Staff, *, privacy: str) -> bool:
    """Never for ``anonim`` (there is none to show) and never for viewers; always an audit row."""
    return privacy != "anonim" and staff.role in (Role.ADMIN, Role.DESK, Role.OFFICER)


def can_edit_templates(staff: Staff, agency_id: str | None) -> bool:
    """Response templates: the province for every agency (``None``), officers for their own agencies."""
    if staff.role in (Role.ADMIN, Role.DESK):
        return True
    return staff.role is Role.OFFICER and agency_id is not None and agency_id in staff.agencies


# --- administration ---------------------------------------------------------------------------------


def can_manage_users(staff: Staff) -> bool:
    return staff.role is Role.ADMIN


def can_read_audit(staff: Staff) -> bool:
    return staff.role is Role.ADMIN


def can_see_fleet(staff: Staff) -> bool:
    return staff.role in (Role.ADMIN, Role.TECHNICIAN)


# --- results (issue 14: dashboards, SKM reports, ranking) ------------------------------------------------


def can_see_dashboards(staff: Staff) -> bool:
    """Everyone but the technician reads results; an officer only those of their own agencies."""
    return staff.role is not Role.TECHNICIAN


def dashboard_agencies(staff: Staff) -> frozenset[str] | None:
    """The agencies whose figures this person sees: ``None`` for all (admin, desk, viewer), else their own
    (an officer with none sees none). Queries take it as their ``agencies`` argument."""
    return None if staff.sees_all_agencies else staff.agencies


def can_see_agency_results(staff: Staff, agency_id: str | None) -> bool:
    if not can_see_dashboards(staff):
        return False
    agencies = dashboard_agencies(staff)
    return agencies is None or (agency_id is not None and agency_id in agencies)


def can_edit_population(staff: Staff, agency_id: str | None) -> bool:
    """A service's yearly users (the survey's sample size follows from it): the province for any, an
    officer for their own agencies' services."""
    if staff.role in (Role.ADMIN, Role.DESK):
        return True
    return staff.role is Role.OFFICER and agency_id is not None and agency_id in staff.agencies


def can_see_province_ranking(staff: Staff) -> bool:
    """The award ranking compares every unit: the province and its viewers; an officer sees the public
    ranking on the transparency page like everyone."""
    return staff.role in (Role.ADMIN, Role.DESK, Role.VIEWER)


# --- running the service (issue 15: standards editor, compliance evidence, fleet, kiosk settings) ----------


def can_edit_standards(staff: Staff, agency_id: str | None) -> bool:
    """Drafts of an agency's standards and its services: the province for any agency (``None`` asks "any
    at all"), an officer for their own agencies."""
    if staff.role in (Role.ADMIN, Role.DESK):
        return True
    if staff.role is not Role.OFFICER:
        return False
    return bool(staff.agencies) if agency_id is None else agency_id in staff.agencies


def can_publish_catalog(staff: Staff) -> bool:
    """Review and publish (or send back) a draft, import a whole catalog: the desk and administrators."""
    return staff.role in (Role.ADMIN, Role.DESK)


def can_read_catalog_drafts(staff: Staff) -> bool:
    """The editor's pages (drafts, history, diff, preview, export): everyone who edits or publishes, and
    viewers, who read the standards they audit."""
    return staff.role in (Role.ADMIN, Role.DESK, Role.VIEWER) or (staff.role is Role.OFFICER and bool(staff.agencies))


def can_edit_evidence(staff: Staff, agency_id: str | None) -> bool:
    """An agency's compliance aspects and their evidence uploads: as for its standards."""
    return can_edit_standards(staff, agency_id)


def can_approve_evidence(staff: Staff) -> bool:
    return staff.role in (Role.ADMIN, Role.DESK)


def can_see_evidence(staff: Staff, agency_id: str | None) -> bool:
    """Evidence files are served only to signed-in staff: the province and viewers for every agency, an
    officer for their own; never the technician (the fleet is their whole view)."""
    if staff.role in (Role.ADMIN, Role.DESK, Role.VIEWER):
        return True
    return staff.role is Role.OFFICER and agency_id is not None and agency_id in staff.agencies


def can_manage_kiosks(staff: Staff) -> bool:
    """Kiosk settings per office or kiosk, enrollment codes, revoking a kiosk: administrators and the
    technicians who look after the fleet (as for the fleet page itself)."""
    return can_see_fleet(staff)
