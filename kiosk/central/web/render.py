"""One Jinja2 environment for every staff and public page, and ``page()`` that renders one.

Templates get the request's language and helpers as globals of the render (not of the environment),
so two requests in different languages never see each other's ``t``. Everything visible goes through
``t(msgid, **params)``: English msgids, Indonesian first (``assets/locale/*/LC_MESSAGES/*.po``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ... import __version__
from ...i18n import DEFAULT_LANGUAGE, LANGUAGES, fill, translator
from . import menu

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",), default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Babel's locale names for our language codes.
_LOCALES = {"id": "id_ID", "en": "en_GB"}


def language(request: Request) -> str:
    lang = getattr(request.state, "lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(lang: str):
    """``t(msgid, **params)`` for one language; a msgid with no translation shows the English text."""
    table = translator(lang)

    def t(msgid: str, **params: Any) -> str:
        return fill(table(msgid), params) if params else table(msgid)

    return t


def static_url(path: str) -> str:
    # The version in the query lets browsers cache the files for long and still get a new release.
    return f"/static/{path.lstrip('/')}?v={__version__}"


def _tz(request: Request):
    settings = getattr(request.app.state, "settings", None)
    return settings.tz if settings is not None else None


def formatters(request: Request, lang: str):
    tz = _tz(request)
    locale = _locales(lang)

    def fmt_dt(value: datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:  # stored naive values are UTC (db.py keeps UTC)
            value = value.replace(tzinfo=UTC)
        if tz is not None:
            value = value.astimezone(tz)
        return format_datetime(value, "d MMMM y, HH.mm" if lang == "id" else "d MMMM y, HH:mm", locale=locale)

    def fmt_date(value: date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(tz).date() if tz is not None and value.tzinfo else value.date()
        return format_date(value, "d MMMM y", locale=locale)

    return fmt_dt, fmt_date


def _locales(lang: str) -> str:
    return _LOCALES.get(lang, _LOCALES[DEFAULT_LANGUAGE])


def url_maker(request: Request):
    def url_with(**params: Any) -> str:
        """The current path and query with ``params`` replaced (``None`` removes one)."""
        items = [(k, v) for k, v in request.query_params.multi_items() if k not in params]
        items += [(k, str(v)) for k, v in params.items() if v is not None]
        query = urlencode(items)
        return request.url.path + (f"?{query}" if query else "")

    return url_with


def template_globals(request: Request) -> dict[str, Any]:
    lang = language(request)
    fmt_dt, fmt_date = formatters(request, lang)
    return {
        "t": translate(lang),
        "lang": lang,
        "staff": getattr(request.state, "staff", None),
        "csrf_token": getattr(request.state, "csrf", "") or "",
        "static": static_url,
        "fmt_dt": fmt_dt,
        "fmt_date": fmt_date,
        "request": request,
        "url_with": url_maker(request),
        "menu_items": menu.items,
    }


def render(request: Request, template: str, context: Mapping[str, Any] | None = None) -> str:
    """The page's HTML; context values win over the globals (a page may pass its own ``staff``)."""
    return env.get_template(template).render({**template_globals(request), **(context or {})})


def page(request: Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200,
         headers: Mapping[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(render(request, template, context), status_code=status, headers=dict(headers or {}))
