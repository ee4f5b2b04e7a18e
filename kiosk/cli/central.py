"""``kiosk central ...``: run the central server and do the back office's work from a shell.

Every command opens the central database directly (``--db URL``, else ``IPLIK_CENTRAL_DATABASE_URL``,
else ``central.db`` in the data folder) and runs the pending migrations first, so a fresh database
works with any command. Staff- and technician-facing: messages are English.
"""

from __future__ import annotations

import argparse
import functools
import os
from datetime import timedelta
from pathlib import Path

from ..errors import KioskError
from ..domain.errors import ValidationError
from ..paths import DEMO_CATALOG
from . import Context, number, read_json_input

# Back-office messages are English (staff-facing, like the server's own); passed through untranslated.
AS_IS = "{reason}"
# A one-time code is a key to the fleet: it should not outlive the trip to the office (30 days).
MAX_CODE_TTL_HOURS = 720


def _settings(ctx: Context):
    from ..central.settings import from_env, sqlite_url

    url = ctx.args.db or os.environ.get("IPLIK_CENTRAL_DATABASE_URL") or sqlite_url(ctx.config.data_dir / "central.db")
    cfg = ctx.config
    overrides: dict[str, object] = {"database_url": url}
    if "IPLIK_CENTRAL_TIMEZONE" not in os.environ:
        overrides["timezone"] = cfg.office.timezone
    if "IPLIK_CENTRAL_HOLIDAYS" not in os.environ:
        overrides["holidays"] = tuple(cfg.office.holidays)
    return from_env(**overrides)


def _engine(ctx: Context):
    from ..central.db import open_database

    return open_database(_settings(ctx))


def _problems_as_errors(fn):
    """The server's Problem (a 4xx for HTTP) is bad input on the command line."""

    @functools.wraps(fn)
    def wrapper(ctx: Context) -> int:
        from ..central.errors import Problem

        try:
            return fn(ctx)
        except Problem as p:
            if p.ptype.status < 500:
                raise ValidationError(AS_IS, reason=f"{p.ptype.code} {p.message}") from None
            raise KioskError(f"{p.ptype.code} {p.message}") from None

    return wrapper


@_problems_as_errors
def cmd_serve(ctx: Context) -> int:
    from ..central.serve import run

    run(_settings(ctx), host=ctx.args.host, port=ctx.args.port, log_level=ctx.args.log_level,
        workers=ctx.args.workers)
    return 0


@_problems_as_errors
def cmd_enroll_code(ctx: Context) -> int:
    from ..central.catalog import agencies
    from ..central.devices import create_enroll_code

    engine = _engine(ctx)
    # A kiosk enrolled under an agency no catalog knows would file every complaint to nobody. Checked
    # against the newest published catalog, as the staff pages check agencies; before any catalog is
    # published there is nothing to check against.
    known = {a.id for a in agencies(engine)}
    agency = ctx.args.agency.strip()
    if known and agency not in known:
        raise ValidationError("No agency {agency} in the published catalog; known: {known}",
                              agency=agency, known=", ".join(sorted(known)))
    code = create_enroll_code(engine, office=ctx.args.office, agency_id=agency,
                              ttl=timedelta(hours=ctx.args.ttl_hours))
    ctx.emit(code, lambda: f"Enrollment code {code.code} for {code.office} ({code.agency_id}), "
                           f"valid once until {code.expires_at:%Y-%m-%d %H:%M} UTC")
    return 0


@_problems_as_errors
def cmd_revoke(ctx: Context) -> int:
    from ..central.devices import revoke

    done = revoke(_engine(ctx), ctx.args.device)
    if not done:
        raise ValidationError(AS_IS, reason=f"no active device {ctx.args.device}")
    ctx.emit({"device_id": ctx.args.device, "revoked": True}, f"Device {ctx.args.device} revoked: its token is refused from now on.")
    return 0


# A kiosk clock further off than this from the server's is flagged in the fleet list (NTP keeps a
# healthy one within a second; five minutes off means no time sync).
CLOCK_SKEW_SHOWN_S = 300


@_problems_as_errors
def cmd_fleet(ctx: Context) -> int:
    from ..central.devices import fleet

    rows = fleet(_engine(ctx), stale_after=timedelta(hours=ctx.args.stale_hours))

    def text() -> str:
        if not rows:
            return "No kiosks enrolled."
        lines = [f"{'DEVICE':<17} {'NAME':<24} {'LAST SEEN (UTC)':<17} {'OUTBOX':>6} {'PRINTER':<10} {'PAPER':<8} "
                 f"{'DISK MB':>7} VERSION"]
        for r in rows:
            flag = " REVOKED" if r.revoked else (" NOT SEEN" if r.not_seen else "")
            if r.clock_skew_s is not None and abs(r.clock_skew_s) > CLOCK_SKEW_SHOWN_S:
                flag += f" CLOCK {r.clock_skew_s / 3600:+.1f} h"
            if r.incidents and not r.revoked:  # open fleet incidents (docs/fleet.md), worst first
                flag += " ATTENTION " + ",".join(r.incidents)
            seen = f"{r.last_seen_at:%Y-%m-%d %H:%M}" if r.last_seen_at else "never"
            lines.append(
                f"{r.id:<17} {r.name[:24]:<24} {seen:<17} {'-' if r.outbox_pending is None else r.outbox_pending:>6} "
                f"{(r.printer_state or '-')[:10]:<10} {(r.paper_state or '-')[:8]:<8} "
                f"{'-' if r.disk_free_mb is None else r.disk_free_mb:>7} {r.version or '-'}{flag}"
            )
        return "\n".join(lines)

    ctx.emit(rows, text)
    return 0


@_problems_as_errors
def cmd_catalog_publish(ctx: Context) -> int:
    from ..central.catalog import publish

    source = str(DEMO_CATALOG) if ctx.args.file == "demo" else ctx.args.file
    raw = read_json_input(source)
    pub = publish(_engine(ctx), raw)
    ctx.emit(pub, lambda: (f"Published catalog {pub.version} as version #{pub.id} ({pub.services} services)"
                           if pub.new else f"Catalog {pub.version} is already the newest version (#{pub.id})"))
    return 0


@_problems_as_errors
def cmd_complaints_list(ctx: Context) -> int:
    from ..central.complaints import list_complaints
    from ..central import workdays
    from ..domain.workflow import Status

    from ..central import access
    from .central_staff import signed_in_actor

    settings = _settings(ctx)
    engine = _engine(ctx)
    person, _by = signed_in_actor(ctx, engine, settings, access.can_read_complaints)
    if not person.sees_all_agencies:
        # This list is the province's (every agency, before forwarding too); an officer sees only what
        # was forwarded to them, which the inbox page (/staff/complaints) shows.
        raise ValidationError(AS_IS, reason="this list is for the province's roles; officers use /staff/complaints")
    if ctx.args.status is not None and ctx.args.status not in {s.value for s in Status}:
        raise ValidationError(AS_IS, reason=f"unknown status {ctx.args.status}; one of: " + ", ".join(s.value for s in Status))
    rows = list_complaints(
        engine,
        calendar=workdays.calendar(settings),
        tz=settings.tz,
        status=ctx.args.status,
        agency_id=ctx.args.agency,
        overdue_only=ctx.args.overdue,
        limit=ctx.args.limit,
    )

    def text() -> str:
        if not rows:
            return "No complaints."
        lines = [f"{'CODE':<14} {'RECEIVED (UTC)':<17} {'STATUS':<14} {'DUE':<10} {'AGENCY':<16} {'CLASS/TOPIC'}"]
        for r in rows:
            due = r.due.isoformat() if r.due else "-"
            lines.append(
                f"{r.tracking_code:<14} {r.received_at:%Y-%m-%d %H:%M} {r.status:<14} {due:<10} "
                f"{(r.handling_agency_id or r.agency_id or '-')[:16]:<16} {r.complaint_class}/{r.topic}"
                + ("  OVERDUE" if r.overdue else "")
            )
        return "\n".join(lines)

    ctx.emit(rows, text)
    return 0


def _action(name: str):
    @_problems_as_errors
    def handler(ctx: Context) -> int:
        from ..central import access
        from ..central.complaints import PersonalDataInAnswer, act
        from ..i18n import both
        from .central_staff import signed_in_actor

        settings = _settings(ctx)
        engine = _engine(ctx)
        # Who acts is the signed-in account, never $USER (anyone can set that).
        person, by = signed_in_actor(ctx, engine, settings, lambda s: access.can_act(s, name))
        try:
            result = act(
                engine,
                ctx.args.code,
                name,
                by=by,
                staff=person,
                settings=settings,
                agency_id=getattr(ctx.args, "agency", None),
                text=getattr(ctx.args, "text", None),
                note=getattr(ctx.args, "note", None),
                internal_note=getattr(ctx.args, "internal_note", None),
                confirmed=getattr(ctx.args, "confirm_personal_data", False),
            )
        except PersonalDataInAnswer as exc:
            found = ", ".join(f"{f.kind} {f.masked}" for f in exc.findings)
            raise KioskError(both(exc.message, **exc.params) + f" [{found}] (--confirm-personal-data)") from None
        ctx.emit(result, f"{result.tracking_code}: {' -> '.join(result.events)}")
        return 0

    return handler


@_problems_as_errors
def cmd_tick(ctx: Context) -> int:
    """The deadline job, as the systemd timer runs it. It acts as the system, not as a staff member."""
    from datetime import datetime

    from ..central.tick import run_tick

    settings = _settings(ctx)
    at = None
    if ctx.args.now:
        try:
            at = datetime.fromisoformat(ctx.args.now)
        except ValueError:
            raise ValidationError(AS_IS, reason=f"--now {ctx.args.now!r} is not an ISO date-time "
                                                "such as 2026-12-21T08:00+08:00") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=settings.tz)  # a bare time is the office's local time
    result = run_tick(_engine(ctx), settings, now=at)
    ctx.emit(result, result.summary())
    return 0


@_problems_as_errors
def cmd_openapi(ctx: Context) -> int:
    from ..central.serve import write_openapi

    out = Path(ctx.args.out) if ctx.args.out else None
    text = write_openapi(out)
    if out is None:
        print(text, end="")
    else:
        print(f"Wrote {out}")
    return 0


def _workers(text: str) -> int:
    from ..central.serve import _workers as parse

    return parse(text)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from . import central_keys, central_office, central_staff
    from .central_staff import add_sign_in_options

    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="URL", help="central database: sqlite:///FILE or postgresql+psycopg://... "
                                                 "(default: $IPLIK_CENTRAL_DATABASE_URL or DATA_DIR/central.db)")
    parents = [common, db]
    central = sub.add_parser("central", parents=[common], help="the central server and its back office")
    cs = central.add_subparsers(dest="central_command", metavar="ACTION", required=True)

    p = cs.add_parser("serve", parents=parents, help="run the central server (migrates the database first)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=number(int, low=1, high=65535), default=8080)
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    p.add_argument("--workers", type=_workers, default=1,
                   help="uvicorn worker processes (default 1; on SQLite one writer serialises pushes anyway)")
    p.set_defaults(handler=cmd_serve)

    p = cs.add_parser("enroll-code", parents=parents, help="make a one-time code to enroll a kiosk")
    p.add_argument("--office", required=True, help="office where the kiosk stands")
    p.add_argument("--agency", required=True, help="agency id the kiosk belongs to")
    p.add_argument("--ttl-hours", type=number(float, low=0, above=True, high=MAX_CODE_TTL_HOURS), default=24.0,
                   help=f"hours the code stays valid (default 24, at most {MAX_CODE_TTL_HOURS})")
    p.set_defaults(handler=cmd_enroll_code)

    p = cs.add_parser("revoke", parents=parents, help="refuse a kiosk's token from now on")
    p.add_argument("device", metavar="DEVICE", help="device id, as `kiosk central fleet` lists it")
    p.set_defaults(handler=cmd_revoke)

    p = cs.add_parser("fleet", parents=parents, help="every kiosk: last seen, outbox, printer and paper, version")
    p.add_argument("--stale-hours", type=number(float, low=0, above=True, high=24 * 366), default=2.0, help="flag kiosks not seen for this long (default 2)")
    p.set_defaults(handler=cmd_fleet)

    cat = cs.add_parser("catalog", parents=[common], help="service catalogs the kiosks pull")
    cats = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    p = cats.add_parser("publish", parents=parents, help="validate a catalog file and publish it to every kiosk")
    p.add_argument("file", metavar="FILE", help='catalog JSON file, "-" for standard input, or "demo"')
    p.set_defaults(handler=cmd_catalog_publish)

    comp = cs.add_parser("complaints", parents=[common], help="the complaints back office")
    cps = comp.add_subparsers(dest="complaints_command", metavar="ACTION", required=True)
    p = cps.add_parser("list", parents=parents, help="list complaints with their next deadline")
    p.add_argument("--status", help="only this status (sent, verified, forwarded, followed_up, ...)")
    p.add_argument("--overdue", action="store_true", help="only complaints past their deadline")
    p.add_argument("--agency", help="only complaints for this agency id")
    p.add_argument("--limit", type=number(int, low=1), default=1000)
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_complaints_list)
    helps = {
        "verify": "mark a report verified",
        "forward": "forward a report to the agency that must answer (verifies it on the way)",
        "respond": "post the agency's follow-up (the citizen sees it)",
        "close": "close a report",
        "not-authority": 'mark a report "bukan wewenang" (not our authority)',
        "hold": 'put a report on hold ("tunda")',
        "reopen": "reopen an answered report the citizen is not satisfied with (back to the agency)",
    }
    for name, help_text in helps.items():
        p = cps.add_parser(name, parents=parents, help=help_text)
        p.add_argument("code", metavar="CODE", help="tracking code")
        if name == "forward":
            p.add_argument("--agency", required=True, help="agency id to forward to")
        if name == "respond":
            p.add_argument("--text", required=True, help="the response, as the citizen will read it")
            p.add_argument("--confirm-personal-data", action="store_true",
                           help="save the response even though it seems to hold a NIK, phone or e-mail")
        p.add_argument("--note", help="a short public note for the timeline (no personal data)")
        p.add_argument("--internal-note", help="a note for staff only (never shown to the citizen)")
        add_sign_in_options(p)
        p.set_defaults(handler=_action(name))

    p = cs.add_parser("tick", parents=parents, help="the deadline job: mark overdue, close unanswered, send e-mails")
    p.add_argument("--now", metavar="ISO", help="run as if it were this moment (tests, catching up); "
                                                "a time without an offset is the office's local time")
    p.set_defaults(handler=cmd_tick)
    central_staff.register(cs, parents, common)
    central_office.register(cs, parents, common)

    from . import central_demo

    central_demo.register(cs, parents)

    from . import central_digest

    central_digest.register(cs, parents)
    central_keys.register(cs, parents, common)

    p = cs.add_parser("openapi", parents=[common], help="print the OpenAPI spec, or write it with --out")
    p.add_argument("--out", metavar="FILE")
    p.set_defaults(handler=cmd_openapi)

