"""Kiosk settings pages: GET /staff/kiosks/settings (offices and their kiosks), GET/POST
/staff/kiosks/settings/office?office=NAME (an office's values), GET/POST /staff/kiosks/{device_id}/settings
(one kiosk's values, with what applies and where it comes from). access.can_manage_kiosks: administrators
and technicians; everyone else 403. An empty field means "not set here" (the next level applies).
Queries and writes are kiosk/central/kiosk_settings.py; rules in docs/kiosk-settings.md."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from ...domain import kiosk_settings as spec
from ...domain.errors import ValidationError
from ...domain.pin import check_new_pin
from .. import access, catalog, office_settings
from .. import kiosk_settings as KS
from ..access import Staff
from .deps import actor, require
from .render import language, page, translate

router = APIRouter(include_in_schema=False)
Manager = Annotated[Staff, Depends(require(access.can_manage_kiosks))]

SOURCE_LABELS = {
    spec.SOURCE_KIOSK: "Set for this kiosk",
    spec.SOURCE_OFFICE: "Set for its office",
    spec.SOURCE_CONFIG: "The kiosk's config.toml",
}
MAX_FIELD = 400  # a form field longer than any value could be is refused before it is parsed


def _choices(request: Request, t) -> dict[str, list[tuple[str, str]]]:
    agencies = catalog.agencies(request.app.state.engine)
    en = language(request) == "en"
    return {
        "survey_mode": [("", t("Not set here")), ("full", t("Full IKM survey")), ("quick", t("Quick rating (faces)"))],
        "languages": [("", t("Not set here")), ("id", t("Indonesian only")), ("id,en", t("Indonesian, English")),
                      ("en,id", t("English, Indonesian"))],
        "agency_id": [("", t("Not set here"))] + [(a.id, a.name_en if en else a.name) for a in agencies],
    }


def _field_text(key: str, value: Any) -> str:
    if key == "languages" and value:
        return ",".join(value)
    return spec.text_of(key, value)


def _read_form(request: Request, form: FormData, t) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(changes key -> value or None, the fields as typed, errors field -> message)."""
    changes: dict[str, Any] = {}
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in spec.NAMES:
        raw = form.get(key)
        text = raw.strip() if isinstance(raw, str) else ""
        typed[key] = text[:MAX_FIELD]
        if not text:
            changes[key] = None
            continue
        if len(text) > MAX_FIELD:
            errors[key] = t("This is too long.")
            continue
        try:
            changes[key] = KS.check_value(request.app.state.engine, key, text)
        except ValidationError as exc:
            errors[key] = t(exc.message, **exc.params)
    pin = form.get("pin")
    if isinstance(pin, str) and pin.strip():
        if len(pin) > 64:
            errors["pin"] = t("This is too long.")
        else:
            try:
                check_new_pin(pin.strip())
            except ValidationError as exc:
                errors["pin"] = t(exc.message, **exc.params)
    return changes, typed, errors


def _save_pin(request: Request, staff: Staff, form: FormData, *, office: str | None, device_id: str | None) -> None:
    pin = form.get("pin")
    engine, by = request.app.state.engine, actor(request, staff)
    if isinstance(pin, str) and pin.strip():
        if device_id:
            KS.set_kiosk_pin(engine, device_id, pin.strip(), by=by)
        else:
            office_settings.set_pin(engine, office or "", pin.strip(), by=by)
    elif form.get("clear_pin") == "1":
        if device_id:
            KS.clear_kiosk_pin(engine, device_id, by=by)
        else:
            office_settings.clear_pin(engine, office or "", by=by)


@router.get("/staff/kiosks/settings", response_class=HTMLResponse)
def settings_list(request: Request, staff: Manager) -> HTMLResponse:
    engine = request.app.state.engine
    offices = KS.offices(engine)
    kiosks = {o.office: KS.kiosks_of(engine, o.office) for o in offices if o.kiosks}
    t = translate(language(request))
    return page(request, "staff/kiosks/settings.html", {
        "offices": offices, "kiosks": kiosks, "keys": spec.KEYS, "text_of": _field_text, "quote": quote,
        "flash": t("Saved.") if request.query_params.get("done") == "saved" else None,
    })


def _office_name(request: Request) -> str:
    try:
        return KS.check_office(request.query_params.get("office", ""))
    except ValidationError:
        raise HTTPException(status_code=404) from None


def _office_context(request: Request, office: str, t, **extra: Any) -> dict[str, Any]:
    engine = request.app.state.engine
    own = KS.level(engine, KS.OFFICE, office)
    pin = office_settings.pin_for_office(engine, office)
    return {
        "title": t("Settings of office {office}", office=office), "office": office, "device": None,
        "action": "/staff/kiosks/settings/office?office=" + quote(office, safe=""),
        "keys": spec.KEYS, "choices": _choices(request, t),
        "values": {k: _field_text(k, own[k].value) if k in own else "" for k in spec.NAMES},
        "own": own, "effective": None, "source_labels": SOURCE_LABELS,
        "pin_set": pin is not None, "pin_source": None, "kiosks": KS.kiosks_of(engine, office),
        "errors": {}, "quote": quote,
        **extra,
    }


@router.get("/staff/kiosks/settings/office", response_class=HTMLResponse)
def office_form(request: Request, staff: Manager) -> HTMLResponse:
    office = _office_name(request)
    t = translate(language(request))
    flash = t("Saved.") if request.query_params.get("done") == "saved" else None
    return page(request, "staff/kiosks/settings_form.html", _office_context(request, office, t, flash=flash))


@router.post("/staff/kiosks/settings/office", response_model=None)
async def office_save(request: Request, staff: Manager) -> HTMLResponse | RedirectResponse:
    office = _office_name(request)
    t = translate(language(request))
    form = await request.form()
    changes, typed, errors = _read_form(request, form, t)
    if errors:
        return page(request, "staff/kiosks/settings_form.html",
                    _office_context(request, office, t, values=typed, errors=errors), status=400)
    KS.change(request.app.state.engine, KS.OFFICE, office, changes, by=actor(request, staff))
    _save_pin(request, staff, form, office=office, device_id=None)
    return RedirectResponse("/staff/kiosks/settings/office?done=saved&office=" + quote(office, safe=""),
                            status_code=303)


def _device(request: Request, device_id: str) -> KS.KioskRow:
    found = KS.kiosk(request.app.state.engine, device_id[:40])
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _device_context(request: Request, device: KS.KioskRow, t, **extra: Any) -> dict[str, Any]:
    engine = request.app.state.engine
    own = KS.level(engine, KS.DEVICE, device.id)
    return {
        "title": t("Settings of kiosk {name}", name=device.name), "office": device.office, "device": device,
        "action": f"/staff/kiosks/{quote(device.id, safe='')}/settings",
        "keys": spec.KEYS, "choices": _choices(request, t),
        "values": {k: _field_text(k, own[k].value) if k in own else "" for k in spec.NAMES},
        "own": own, "effective": KS.effective(engine, device), "source_labels": SOURCE_LABELS,
        "pin_set": KS.pin_source(engine, device) == spec.SOURCE_KIOSK, "pin_source": KS.pin_source(engine, device),
        "kiosks": [], "errors": {}, "quote": quote, "text_of": _field_text,
        **extra,
    }


@router.get("/staff/kiosks/{device_id}/settings", response_class=HTMLResponse)
def device_form(request: Request, device_id: str, staff: Manager) -> HTMLResponse:
    device = _device(request, device_id)
    t = translate(language(request))
    flash = t("Saved.") if request.query_params.get("done") == "saved" else None
    return page(request, "staff/kiosks/settings_form.html", _device_context(request, device, t, flash=flash))


@router.post("/staff/kiosks/{device_id}/settings", response_model=None)
async def device_save(request: Request, device_id: str, staff: Manager) -> HTMLResponse | RedirectResponse:
    device = _device(request, device_id)
    t = translate(language(request))
    form = await request.form()
    changes, typed, errors = _read_form(request, form, t)
    if errors:
        return page(request, "staff/kiosks/settings_form.html",
                    _device_context(request, device, t, values=typed, errors=errors), status=400)
    KS.change(request.app.state.engine, KS.DEVICE, device.id, changes, by=actor(request, staff))
    _save_pin(request, staff, form, office=None, device_id=device.id)
    return RedirectResponse(f"/staff/kiosks/{quote(device.id, safe='')}/settings?done=saved", status_code=303)
