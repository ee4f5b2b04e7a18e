"""``kiosk central demo``: fill an empty central database with demo staff and demo complaints, print
the accounts, and (with ``--serve``) start the server for a browser on this machine.

Staff- and technician-facing, like the other ``kiosk central`` commands: messages are English.
"""

from __future__ import annotations

import argparse

from . import Context, number


def cmd_demo(ctx: Context) -> int:
    from ..central import demo, identity_keys
    from ..central.db import open_database
    from ..domain.errors import ValidationError
    from .central import AS_IS, _settings

    settings = _settings(ctx)
    if ctx.args.serve:
        # The demo is served over plain http to this machine only: a Secure cookie would never come back.
        settings = settings.replace(cookie_secure=False, public_url=f"http://{ctx.args.host}:{ctx.args.port}")
    engine = open_database(settings)
    try:
        result = demo.build(engine, settings)
        identity_keys.install_demo(engine)  # the key the shipped config.toml seals with: demo kiosks sync here
    except demo.DemoExists as exc:
        raise ValidationError(AS_IS, reason=str(exc)) from None
    finally:
        engine.dispose()
    url = f"http://{ctx.args.host}:{ctx.args.port}"
    ctx.emit(
        {"url": url, "password": demo.PASSWORD, "complaints": result.complaints, "codes": result.codes,
         "accounts": [{"username": u, "role": r, "agencies": a, "totp_secret": s} for u, r, a, s in result.accounts]},
        lambda: demo.describe(result, url),
    )
    if ctx.args.serve:
        from ..central.serve import run

        print(f"\nServing {url} (Ctrl+C stops it)", flush=True)
        run(settings, host=ctx.args.host, port=ctx.args.port)
    return 0


RATINGS_PER_YEAR = 60_000
COMPLAINTS_PER_YEAR = 3_000


def cmd_demo_data(ctx: Context) -> int:
    from datetime import date, datetime

    from ..central import demo_data, demo_data_load
    from ..central.db import open_database
    from ..domain.errors import ValidationError
    from .central import AS_IS, _settings

    a = ctx.args
    settings = _settings(ctx)
    until = a.until or datetime.now(settings.tz).date()
    # By default from 1 January of last year: the award ranking and the transparency page judge the
    # last complete year, which must be there whole; ratings and complaints keep a year's rate.
    days = a.days or (until - date(until.year - 1, 1, 1)).days + 1
    ratings = a.ratings if a.ratings is not None else round(RATINGS_PER_YEAR * days / 365)
    complaints = a.complaints if a.complaints is not None else round(COMPLAINTS_PER_YEAR * days / 365)
    plan = demo_data.Plan(days=days, ratings=ratings, complaints=complaints, seed=a.seed, until=until)
    engine = open_database(settings)
    try:
        result = demo_data_load.fill(engine, settings, plan)
    except demo_data_load.NotADemoDatabase as exc:
        raise ValidationError(AS_IS, reason=str(exc)) from None
    finally:
        engine.dispose()
    ctx.emit({"ratings": result.ratings, "complaints": result.complaints, "events": result.events,
              "devices": result.devices, "first": result.first, "until": result.until, "seconds": result.seconds},
             result.describe)
    return 0


def _day(text: str):
    from datetime import date

    from ..i18n import both

    try:
        return date.fromisoformat(text)
    except ValueError:
        # The domain's msgid (domain_complaints.po): Indonesian and English, like every bad number.
        raise argparse.ArgumentTypeError(both("Must be a real date written as YYYY-MM-DD.")) from None


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = cs.add_parser("demo", parents=parents,
                      help="fill an empty central database with demo staff and complaints (all marked demo)")
    # The name used in the back-office docs; the same as --db.
    p.add_argument("--database-url", dest="db", metavar="URL", help="same as --db")
    p.add_argument("--serve", action="store_true", help="then start the server (cookies without Secure: local http)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=number(int, low=1, high=65535), default=8080)
    p.set_defaults(handler=cmd_demo)

    p = cs.add_parser("demo-data", parents=parents,
                      help="fill an empty or demo central database with a year of demo ratings and complaints")
    p.add_argument("--database-url", dest="db", metavar="URL", help="same as --db")
    p.add_argument("--days", type=number(int, low=7, high=3660), default=None,
                   help="local days of data (default: from 1 January of last year, so last year is whole)")
    p.add_argument("--ratings", type=number(int, low=0, high=50_000_000), default=None,
                   help=f"default: {RATINGS_PER_YEAR:,} a year")
    p.add_argument("--complaints", type=number(int, low=0, high=5_000_000), default=None,
                   help=f"default: {COMPLAINTS_PER_YEAR:,} a year")
    p.add_argument("--seed", type=number(int, low=0, high=2**63), default=14, help="the same seed and --until give the same rows")
    p.add_argument("--until", type=_day, default=None, help="the last day, YYYY-MM-DD (default: today)")
    p.set_defaults(handler=cmd_demo_data)
