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


def cmd_demo_data(ctx: Context) -> int:
    from ..central import demo_data, demo_data_load
    from ..central.db import open_database
    from ..domain.errors import ValidationError
    from .central import AS_IS, _settings

    a = ctx.args
    plan = demo_data.Plan(days=a.days, ratings=a.ratings, complaints=a.complaints, seed=a.seed, until=a.until)
    engine = open_database(_settings(ctx))
    try:
        result = demo_data_load.fill(engine, _settings(ctx), plan)
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
    p.add_argument("--days", type=number(int, low=7, high=3660), default=365, help="local days of data (default 365)")
    p.add_argument("--ratings", type=number(int, low=0, high=50_000_000), default=60_000)
    p.add_argument("--complaints", type=number(int, low=0, high=5_000_000), default=3_000)
    p.add_argument("--seed", type=number(int, low=0, high=2**63), default=14, help="the same seed and --until give the same rows")
    p.add_argument("--until", type=_day, default=None, help="the last day, YYYY-MM-DD (default: today)")
    p.set_defaults(handler=cmd_demo_data)
