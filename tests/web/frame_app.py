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


# The dashboard frame's demo: one chart of each kind with the numbers of tests/web/test_dashboard_frame.py.
DEMO_AGENCIES = ["Dinas Kesehatan", "Dinas Kependudukan dan Pencatatan Sipil", "Badan Pendapatan Daerah"]
DEMO_IKM = [88.25, 76.5, 61.0]  # bar (percent scale): shown as "88,25" etc. in the table
DEMO_QUARTERS = ["Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"]
DEMO_TREND = {"Dinas Kesehatan": [80.0, 82.5, None, 88.25], "Badan Pendapatan Daerah": [70.0, 66.0, 63.5, 61.0]}
DEMO_HEAT = [("Sen", "08", 3), ("Sen", "09", 12), ("Sel", "08", 5), ("Sel", "09", 0), ("Rab", "09", 7)]
DEMO_PIE = [("Pungutan liar", 4), ("Pelayanan lambat", 9), ("Informasi", 7)]


@router.get("/staff/_dashboard")
def dashboard_demo(request: Request):
    from kiosk.central.web import chart_specs as specs
    from kiosk.central.web import dashboard_page

    request.state.staff = DEMO_STAFF
    request.state.csrf = "test-csrf-token"
    period, errors = dashboard_page.read_period(request)
    context = dashboard_page.frame_context(request, DEMO_STAFF, period, errors)

    def num(v, digits=2):
        return "–" if v is None else f"{v:.{digits}f}".replace(".", ",")

    context.update(
        ikm_spec=specs.bar(DEMO_AGENCIES, [("IKM", DEMO_IKM)], horizontal=True, percent=True),
        ikm_rows=[[a, num(v)] for a, v in zip(DEMO_AGENCIES, DEMO_IKM)],
        trend_spec=specs.line(DEMO_QUARTERS, list(DEMO_TREND.items())),
        trend_rows=[[q] + [num(v[i]) for v in DEMO_TREND.values()] for i, q in enumerate(DEMO_QUARTERS)],
        trend_columns=["Triwulan"] + list(DEMO_TREND),
        heat_spec=specs.heatmap(["Sen", "Sel", "Rab"], ["08", "09"], DEMO_HEAT, max_value=12),
        heat_rows=[[d, h, str(v)] for d, h, v in DEMO_HEAT],
        pie_spec=specs.pie(DEMO_PIE),
        pie_rows=[[name, str(v)] for name, v in DEMO_PIE],
        empty_spec=specs.line([], []),
    )
    return render.page(request, "dashboard_demo.html", context, status=400 if errors else 200)


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
    from kiosk.central import access
    from kiosk.central.app import create_app as central
    from kiosk.central.settings import from_env
    from kiosk.central.web import dashboard_nav

    # Two demo lines for the hub's tests (the real ones come with each dashboard part): one every
    # reader of results sees, one only the province does.
    dashboard_nav.DASHBOARDS += (
        ("/staff/_dashboard", "Demo dashboard", access.can_see_dashboards),
        ("/staff/_dashboard?period=2026", "Demo province ranking", access.can_see_province_ranking),
    )

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
