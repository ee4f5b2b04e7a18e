"""Sign-in, the second factor, sign-out and the person's own account page.

Thin: read the form, call staff.py, set or clear the cookie, render. The sign-in form itself is
protected from cross-site posting by a double-submit token (a cookie of its own, echoed in the form),
since there is no session yet to hold one.
"""

from __future__ import annotations

import base64
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from .. import catalog, staff
from ..access import TOTP_REQUIRED
from ..deps import client_address
from . import render
from .deps import COOKIE, COOKIE_PATH, SIGN_IN_PATH, StaffDep, actor, check_csrf, safe_next

router = APIRouter(include_in_schema=False)

# Made now, at the server's start, not at the first sign-in with an unknown name (whose answer would
# otherwise take one hash longer than a wrong password's, telling the name is no account).
staff.dummy_hash()

SIGNIN_COOKIE = "iplik_signin"
TOTP_PATH = "/staff/sign-in/totp"

# The sign-in's answers. One message for an unknown name, a wrong password and a wrong code.
BAD_CREDENTIALS = "The user name or password is not right."
BAD_CODE = "The code is not right, or it was already used. Wait for the next code and try again."
LOCKED = "Too many failed sign-ins. Try again after {minutes} minutes."
FORM_EXPIRED = "The form has expired. Please try again."


def _settings(request: Request):
    return request.app.state.settings


def _engine(request: Request):
    return request.app.state.engine


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    response.set_cookie(COOKIE, raw, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=_settings(request).cookie_secure)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH)


def _t(request: Request):
    return render.translate(render.language(request))


# --- sign-in ---------------------------------------------------------------------------------------


def _sign_in_page(request: Request, *, token: str, next_path: str, username: str = "", error: str | None = None,
                  status: int = 200) -> Response:
    request.state.csrf = token
    errors = {"username": error} if error else {}
    response = render.page(request, "staff/sign_in.html",
                           {"errors": errors, "username": username, "next": next_path}, status=status)
    response.set_cookie(SIGNIN_COOKIE, token, path=SIGN_IN_PATH, httponly=True, samesite="strict",
                        secure=_settings(request).cookie_secure)
    return response


@router.get("/staff/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    return _sign_in_page(request, token=token, next_path=safe_next(next))


@router.post("/staff/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    t = _t(request)
    next_path = safe_next(next)
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not check_csrf(csrf_token, expected):
        return _sign_in_page(request, token=secrets.token_urlsafe(32), next_path=next_path, username=username,
                             error=t(FORM_EXPIRED), status=400)
    settings = _settings(request)
    result = staff.authenticate(_engine(request), settings, username, password, client_address(request))
    if result.outcome is staff.Outcome.LOCKED:
        return _sign_in_page(request, token=expected, next_path=next_path, username=username,
                             error=t(LOCKED, minutes=settings.login_lock_minutes), status=429)
    if result.stage is None:
        return _sign_in_page(request, token=expected, next_path=next_path, username=username,
                             error=t(BAD_CREDENTIALS), status=401)
    raw, _csrf = staff.start_session(
        _engine(request), settings, result.user_id, stage=result.stage, ip=client_address(request),
        user_agent=request.headers.get("user-agent"), replaces=request.cookies.get(COOKIE))
    target = next_path if result.stage == staff.STAGE_FULL else f"{TOTP_PATH}?next={quote(next_path, safe='/')}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, raw)
    response.delete_cookie(SIGNIN_COOKIE, path=SIGN_IN_PATH)
    return response


# --- second factor ---------------------------------------------------------------------------------


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, and no inline SVG styles are needed)."""
    import qrcode
    import qrcode.image.svg

    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8, border=2).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _half_session(request: Request) -> tuple[str, staff.SessionInfo]:
    raw = request.cookies.get(COOKIE, "")
    info = staff.session_info(_engine(request), _settings(request), raw)
    if info is None or info.stage not in (staff.STAGE_TOTP, staff.STAGE_ENROL):
        raise HTTPException(status_code=303, headers={"Location": SIGN_IN_PATH})
    return raw, info


def _totp_page(request: Request, raw: str, info: staff.SessionInfo, next_path: str, *, error: str | None = None,
               status: int = 200) -> Response:
    request.state.csrf = info.csrf
    context: dict = {"errors": {"code": error} if error else {}, "next": next_path,
                     "enrol": info.stage == staff.STAGE_ENROL}
    if context["enrol"]:
        user = staff.get_user(_engine(request), info.user_id)
        secret = staff.enrol_secret(_engine(request), raw)
        uri = staff.totp_uri(secret, user.username)
        context.update(secret_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)], uri=uri,
                       qr=qr_data_uri(uri))
    return render.page(request, "staff/sign_in_totp.html", context, status=status)


@router.get(TOTP_PATH)
def totp_form(request: Request, next: str | None = None) -> Response:
    raw, info = _half_session(request)
    return _totp_page(request, raw, info, safe_next(next))


@router.post(TOTP_PATH)
def totp_submit(
    request: Request,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    raw, info = _half_session(request)
    if not check_csrf(csrf_token, info.csrf):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
    engine, settings, ip = _engine(request), _settings(request), client_address(request)
    next_path = safe_next(next)
    t = _t(request)
    if info.stage == staff.STAGE_ENROL:
        ok = staff.enrol_totp(engine, settings, info.user_id, staff.enrol_secret(engine, raw), code, ip)
        outcome = staff.Outcome.OK if ok else staff.Outcome.FAILED
        if ok:
            # Enrolling proved the password and the new factor: this is the sign-in.
            staff.record_sign_in(engine, info.user_id, ip, factor="totp_enrol")
    else:
        outcome = staff.verify_totp(engine, settings, info.user_id, code, ip).outcome
    if outcome is staff.Outcome.LOCKED:
        staff.end_session(engine, raw)
        response = _sign_in_page(request, token=secrets.token_urlsafe(32), next_path=next_path,
                                 error=t(LOCKED, minutes=settings.login_lock_minutes), status=429)
        clear_session_cookie(response)
        return response
    if outcome is not staff.Outcome.OK:
        return _totp_page(request, raw, info, next_path, error=t(BAD_CODE), status=401)
    new_raw, _csrf = staff.start_session(engine, settings, info.user_id, stage=staff.STAGE_FULL, ip=ip,
                                         user_agent=request.headers.get("user-agent"), replaces=raw)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, new_raw)
    return response


# --- sign-out --------------------------------------------------------------------------------------


@router.post("/staff/sign-out")
def sign_out(request: Request, person: StaffDep) -> Response:
    staff.end_session(_engine(request), request.cookies.get(COOKIE), by=actor(request, person))
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response)
    return response


# --- the person's own account ----------------------------------------------------------------------

ACCOUNT_FLASH = {
    "password": "Your password was changed. Your other sessions have ended.",
    "totp": "Your second factor is set up. You will be asked for a code at every sign-in.",
}


def _account_page(request: Request, person, *, errors: dict | None = None, flash=None, status: int = 200,
                  totp_errors: dict | None = None) -> Response:
    engine = _engine(request)
    user = staff.get_user(engine, person.user_id)
    t = _t(request)
    if flash is None and getattr(request.state, "must_change_password", False):
        flash = {"text": t("Choose a new password before you go on."), "kind": "warn"}
    elif flash is None and (key := request.query_params.get("done")) in ACCOUNT_FLASH:
        flash = t(ACCOUNT_FLASH[key])
    context: dict = {"user": user, "errors": errors or {}, "totp_errors": totp_errors or {}, "flash": flash,
                     "totp_required": person.role in TOTP_REQUIRED, "role_label": t(staff_role_label(person.role)),
                     "min_length": _settings(request).min_password_length,
                     # The officer's agencies by name, in the page's language (ids mean nothing to people).
                     "agency_names": {a.id: a.name if render.language(request) == "id" else a.name_en or a.name
                                      for a in catalog.agencies(engine)}}
    if not user.totp:
        raw = request.cookies.get(COOKIE, "")
        secret = staff.enrol_secret(engine, raw)
        uri = staff.totp_uri(secret, user.username)
        context.update(secret_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)], uri=uri,
                       qr=qr_data_uri(uri))
    return render.page(request, "staff/account.html", context, status=status)


def staff_role_label(role) -> str:
    from ..access import ROLE_LABELS

    return ROLE_LABELS[role]


@router.get("/staff/account")
def account(request: Request, person: StaffDep) -> Response:
    return _account_page(request, person)


@router.post("/staff/account/password")
def change_password(
    request: Request,
    person: StaffDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    confirm_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    t = _t(request)
    if new_password != confirm_password:
        return _account_page(request, person, errors={"confirm_password": t("The two new passwords are not the same.")},
                             status=400)
    try:
        staff.set_password(_engine(request), person.user_id, current_password, new_password,
                           by=actor(request, person), keep_session=request.cookies.get(COOKIE),
                           settings=_settings(request), min_password_length=_settings(request).min_password_length)
    except staff.ValidationError as exc:
        return _account_page(request, person, errors={exc.field or "new_password": staff.message_of(exc, t)},
                             status=400)
    return RedirectResponse("/staff/account?done=password", status_code=303)


@router.post("/staff/account/totp")
def enrol_totp(request: Request, person: StaffDep,
               code: Annotated[str, Form(max_length=20)] = "") -> Response:
    engine = _engine(request)
    t = _t(request)
    secret = staff.enrol_secret(engine, request.cookies.get(COOKIE, ""))
    if not staff.enrol_totp(engine, _settings(request), person.user_id, secret, code, client_address(request)):
        return _account_page(request, person, totp_errors={"code": t(BAD_CODE)}, status=400)
    return RedirectResponse("/staff/account?done=totp", status_code=303)


@router.post("/staff/account/sign-out-everywhere")
def sign_out_everywhere(request: Request, person: StaffDep) -> Response:
    staff.end_all_sessions(_engine(request), person.user_id, by=actor(request, person))
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response)
    return response
