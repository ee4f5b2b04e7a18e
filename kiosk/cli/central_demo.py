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


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = cs.add_parser("demo", parents=parents,
                      help="fill an empty central database with demo staff and complaints (all marked demo)")
    # The name used in the back-office docs; the same as --db.
    p.add_argument("--database-url", dest="db", metavar="URL", help="same as --db")
    p.add_argument("--serve", action="store_true", help="then start the server (cookies without Secure: local http)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=number(int, low=1, high=65535), default=8080)
    p.set_defaults(handler=cmd_demo)
