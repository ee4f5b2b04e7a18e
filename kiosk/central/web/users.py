"""/staff/users: the administrator's list of accounts, a new account, editing one (role, agencies),
disabling it and resetting its password. Who may use these pages: access.can_manage_users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from .. import access, catalog, staff
from ..access import ROLE_LABELS, Role, Staff
from . import render
from .deps import actor, require

router = APIRouter(include_in_schema=False)

AdminDep = Annotated[Staff, Depends(require(access.can_manage_users))]
# Ids are database integers: anything outside is a 400, never an overflow in the driver.
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]

DONE = {
    "created": "The account was created. Give the person their password in person; they must change it at their first sign-in.",
    "saved": "The changes were saved.",
    "reset": "The password was reset and every session of the account has ended. The person must change it at their next sign-in.",
    "disabled": "The account was disabled and every session of it has ended.",
}


def _t(request: Request):
    return render.translate(render.language(request))


def _role_options(t) -> list[tuple[str, str]]:
    return [(r.value, t(ROLE_LABELS[r])) for r in Role]


def _agency_options(request: Request) -> list[tuple[str, str]]:
    lang = render.language(request)
    return [(a.id, a.name if lang == "id" else a.name_en or a.name) for a in catalog.agencies(request.app.state.engine)]


def _known_agencies(request: Request) -> set[str] | None:
    """The catalog's agency ids; None before any catalog is published (nothing to check against)."""
    known = {a.id for a in catalog.agencies(request.app.state.engine)}
    return known or None


def _flash(request: Request, t):
    key = request.query_params.get("done")
    return t(DONE[key]) if key in DONE else None


@router.get("/staff/users")
def users_list(request: Request, person: AdminDep) -> Response:
    t = _t(request)
    rows = staff.list_users(request.app.state.engine)
    return render.page(request, "staff/users.html", {
        "rows": rows, "role_labels": {r: t(label) for r, label in ROLE_LABELS.items()}, "flash": _flash(request, t),
        # Agencies by their names: an administrator should not have to know the catalog's ids.
        "agency_names": dict(_agency_options(request)),
    })


def _form_page(request: Request, *, user=None, values: dict, errors: dict | None = None, status: int = 200,
               reset_errors: dict | None = None, flash=None) -> Response:
    t = _t(request)
    return render.page(request, "staff/user_form.html", {
        "user": user, "values": values, "errors": errors or {}, "reset_errors": reset_errors or {},
        "roles": _role_options(t), "agency_options": _agency_options(request), "flash": flash,
        "min_length": request.app.state.settings.min_password_length,
    }, status=status)


def _errors_of(exc: staff.ValidationError, t, default_field: str) -> dict[str, str]:
    return {exc.field or default_field: staff.message_of(exc, t)}


@router.get("/staff/users/new")
def new_user_form(request: Request, person: AdminDep) -> Response:
    return _form_page(request, values={"role": Role.OFFICER.value, "agencies": []})


@router.post("/staff/users/new")
def create_user(
    request: Request,
    person: AdminDep,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    email: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    agencies: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    t = _t(request)
    values = {"username": username, "display_name": display_name, "email": email, "role": role, "agencies": agencies}
    try:
        user_id = staff.create_user(
            request.app.state.engine, username=username, display_name=display_name, role=role, password=password,
            agencies=agencies, email=email or None, by=actor(request, person), must_change_password=True,
            min_password_length=request.app.state.settings.min_password_length, known_agencies=_known_agencies(request),
        )
    except staff.ValidationError as exc:
        return _form_page(request, values=values, errors=_errors_of(exc, t, "username"), status=400)
    return RedirectResponse(f"/staff/users/{user_id}?done=created", status_code=303)


def _user_or_404(request: Request, user_id: int):
    try:
        return staff.get_user(request.app.state.engine, user_id)
    except staff.StaffNotFound:
        raise HTTPException(status_code=404) from None


def _values(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "email": user.email or "",
            "role": user.role.value, "agencies": list(user.agencies)}


@router.get("/staff/users/{user_id}")
def edit_user_form(request: Request, person: AdminDep, user_id: UserId) -> Response:
    user = _user_or_404(request, user_id)
    return _form_page(request, user=user, values=_values(user), flash=_flash(request, _t(request)))


@router.post("/staff/users/{user_id}")
def edit_user(
    request: Request,
    person: AdminDep,
    user_id: UserId,
    display_name: Annotated[str, Form(max_length=400)] = "",
    email: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    agencies: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    user = _user_or_404(request, user_id)
    values = {**_values(user), "display_name": display_name, "email": email, "role": role, "agencies": agencies}
    try:
        staff.update_user(request.app.state.engine, user_id, display_name=display_name, role=role, agencies=agencies,
                          email=email or None, by=actor(request, person), known_agencies=_known_agencies(request))
    except staff.ValidationError as exc:
        return _form_page(request, user=user, values=values, errors=_errors_of(exc, _t(request), "role"), status=400)
    return RedirectResponse(f"/staff/users/{user_id}?done=saved", status_code=303)


@router.post("/staff/users/{user_id}/password")
def reset_password(
    request: Request,
    person: AdminDep,
    user_id: UserId,
    new_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = _user_or_404(request, user_id)
    try:
        staff.reset_password(request.app.state.engine, user_id, new_password, by=actor(request, person),
                             min_password_length=request.app.state.settings.min_password_length)
    except staff.ValidationError as exc:
        return _form_page(request, user=user, values=_values(user), status=400,
                          reset_errors={"new_password": staff.message_of(exc, _t(request))})
    return RedirectResponse(f"/staff/users/{user_id}?done=reset", status_code=303)


@router.post("/staff/users/{user_id}/disable")
def disable_user(request: Request, person: AdminDep, user_id: UserId) -> Response:
    user = _user_or_404(request, user_id)
    try:
        staff.disable(request.app.state.engine, user_id, by=actor(request, person))
    except staff.ValidationError as exc:
        return _form_page(request, user=user, values=_values(user), status=400,
                          flash={"text": staff.message_of(exc, _t(request)), "kind": "warn"})
    return RedirectResponse(f"/staff/users/{user_id}?done=disabled", status_code=303)
