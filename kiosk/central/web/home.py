"""GET /staff: the start of the back office sends each person to where their work is."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from .. import access
from . import menu
from .deps import StaffDep

router = APIRouter(include_in_schema=False)

ACCOUNT = "/staff/account"


def start_page(staff: access.Staff) -> str:
    if access.can_read_complaints(staff):
        return "/staff/complaints"
    entries = menu.items(staff)
    # Everyone has an account page, so a role with no menu entry still lands somewhere useful.
    return entries[0][0] if entries else ACCOUNT


@router.get("/staff")
@router.get("/staff/")
def home(staff: StaffDep) -> RedirectResponse:
    return RedirectResponse(start_page(staff), status_code=303)
