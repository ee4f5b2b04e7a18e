"""The central server plus a test-only page that shows every form macro, the flash, a table and the
status tags, and routes that fail on purpose. Run as a script by ``conftest.frame_server``; never
shipped (it lives under tests/ and is mounted only here).

The page sets ``request.state.staff`` itself, standing in for a signed-in person, so the frame can be
checked without the sign-in of another part.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from jinja2 import ChoiceLoader, FileSystemLoader

from kiosk.central.access import Role, Staff
from kiosk.central.web import render

router = APIRouter()

DEMO_STAFF = Staff(user_id=1, username="dewi", display_name="Dewi Lestari", role=Role.ADMIN)


@router.get("/staff/_frame")
def frame(request: Request, errors: int = 0, signed_in: int = 1):
    if signed_in:
        request.state.staff = DEMO_STAFF
        request.state.csrf = "test-csrf-token"
    t = render.translate(render.language(request))
    context = {
        "flash": {"text": "Saved.", "kind": "ok"},
        "errors": {"display_name": "Enter a name.", "role": "Choose a role.", "agencies": "Choose an agency."} if errors else {},
        "roles": [(r.value, t(r.value)) for r in Role],
        "demo_dt": datetime(2026, 12, 7, 1, 30, tzinfo=UTC),  # 09.30 in Asia/Makassar
        "demo_d": date(2026, 8, 17),
    }
    return render.page(request, "frame_demo.html", context)


@router.get("/staff/_frame/crash")
def crash():
    raise RuntimeError("a bug, on purpose: this text must not reach the page")


@router.get("/staff/_frame/forbidden")
def forbidden(known: int = 0):
    raise HTTPException(403, detail="CSRF token missing or wrong" if known else "Some reason nobody translated")


@router.get("/staff/_frame/redirect")
def redirect():
    raise HTTPException(303, headers={"Location": "/staff/sign-in?next=/staff/_frame"})


@router.get("/staff/_frame/needs-int")
def needs_int(n: int):
    return {"n": n}


@router.post("/staff/_frame/post-only")
async def post_only(request: Request):
    form = await request.form()
    return {"action": form.get("action"), "agencies": form.getlist("agencies")}


@router.post("/staff/_frame/echo-csrf")
def echo_csrf(request: Request):
    from fastapi.responses import PlainTextResponse

    return PlainTextResponse("token:" + request.headers.get("x-csrf-token", "none"))


def create_app(db_url: str):
    from kiosk.central.app import create_app as central
    from kiosk.central.settings import from_env

    app = central(from_env(database_url=db_url))
    render.env.loader = ChoiceLoader([render.env.loader, FileSystemLoader(Path(__file__).parent / "templates")])
    app.include_router(router)
    return app


def main() -> None:
    import uvicorn

    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    uvicorn.run(create_app(args.db), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
