"""Request size and type limits, enforced before any route reads a byte.

A pure ASGI middleware: the body is buffered up to the limit (4 MiB by default) and then handed to the
app; one byte more and the client gets 413.1 without the app ever seeing the request. Bodies on the
API must be JSON (415.1). A person at a staff or public page (an upload too big for the server) gets a
short page in words, Indonesian first, instead of the API's JSON problem.
"""

from __future__ import annotations

import json
from html import escape

from ..i18n import translator
from . import errors

BODY_METHODS = {b"POST", b"PUT", b"PATCH"}
# Paths people (not kiosks) post to; kept here so this module needs nothing of the web package.
HTML_PREFIXES = ("/staff", "/lacak")


class BodyLimit:
    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"].encode() not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        html = any(path == p or path.startswith(p + "/") for p in HTML_PREFIXES)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send(send, errors.Problem(errors.INVALID_REQUEST, {"reason": "bad Content-Length"}))
                return
            if declared > self.max_bytes:
                await _send(send, errors.Problem(errors.TOO_LARGE, {"limit": self.max_bytes}), html=html)
                return
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["path"].startswith("/api/") and ctype != b"application/json":
            await _send(send, errors.Problem(errors.NOT_JSON))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send(send, errors.Problem(errors.TOO_LARGE, {"limit": self.max_bytes}), html=html)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _page(problem: errors.Problem) -> bytes:
    """The same words as the staff error page, in both languages, with no script, style or link to load
    (the request never reached the app, so there is no session, language or template to use)."""
    parts = []
    for lang in ("id", "en"):
        t = translator(lang)
        parts.append(f'<section lang="{lang}"><h1>{escape(t("The request is too large"))}</h1>'
                     f'<p>{escape(t("What you sent is larger than the server accepts. Send less at once."))}</p>'
                     "</section>")
    return ('<!doctype html><html lang="id"><head><meta charset="utf-8"><title>413</title></head><body>'
            + "".join(parts) + "</body></html>").encode("utf-8")


async def _send(send, problem: errors.Problem, *, html: bool = False) -> None:
    payload = _page(problem) if html else json.dumps(problem.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.ptype.status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8" if html else b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
