"""The page language: ``?lang=id|en`` (remembered in the ``lang`` cookie for a year), else the cookie,
else Indonesian. Stored as ``request.state.lang`` before any route or error handler runs.

A pure ASGI middleware rather than a dependency, so error pages (404 for a path no route matches)
are in the visitor's language too.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from ...i18n import DEFAULT_LANGUAGE, LANGUAGES

COOKIE = "lang"
MAX_AGE = 365 * 24 * 3600


def choose(query_lang: str | None, cookie_lang: str | None) -> tuple[str, bool]:
    """The language and whether the cookie must be (re)set."""
    if query_lang in LANGUAGES:
        return query_lang, query_lang != cookie_lang
    if cookie_lang in LANGUAGES:
        return cookie_lang, False
    return DEFAULT_LANGUAGE, False


def _cookie_value(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is the client's problem, not a 500
                continue
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


class LanguageMiddleware:
    def __init__(self, app, *, secure: bool = True) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang, set_cookie = choose((query.get("lang") or [None])[-1], _cookie_value(scope.get("headers", [])))
        scope.setdefault("state", {})["lang"] = lang
        if not set_cookie:
            return await self.app(scope, receive, send)

        cookie = f"{COOKIE}={lang}; Max-Age={MAX_AGE}; Path=/; SameSite=Lax" + ("; Secure" if self.secure else "")

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


def install(app) -> None:
    app.add_middleware(LanguageMiddleware, secure=app.state.settings.cookie_secure)
