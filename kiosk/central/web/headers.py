"""Security headers on every response, and ``Cache-Control: no-store`` on the staff pages (a shared
office computer's back button or disk cache must not show the last person's complaints).

The CSP allows no inline script or style: templates use classes and ``static/js/*.js`` only.
"""

from __future__ import annotations

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)

# FastAPI's own API documentation loads Swagger UI and ReDoc from a CDN: no CSP there.
NO_CSP_PATHS = ("/docs", "/redoc")


def headers_for(path: str, present: set[bytes]) -> list[tuple[bytes, bytes]]:
    """The headers to add to a response to ``path`` that already carries ``present`` (lowercase names).

    A route that sets its own CSP or Cache-Control keeps it; the staff pages are always no-store."""
    out = [(k, v) for k, v in COMMON if k not in present]
    if b"content-security-policy" not in present and not path.startswith(NO_CSP_PATHS):
        out.append((b"content-security-policy", CSP.encode()))
    if path == "/staff" or path.startswith("/staff/"):
        out.append((b"cache-control", b"no-store"))
    return out


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                staff = path == "/staff" or path.startswith("/staff/")
                if staff:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                present = {k.lower() for k, _ in headers}
                message["headers"] = headers + headers_for(path, present)
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def install(app) -> None:
    app.add_middleware(SecurityHeaders)
