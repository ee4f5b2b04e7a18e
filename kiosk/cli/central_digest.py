"""``kiosk central digest``: the daily alert digest from a shell.

    kiosk central digest --dry-run               # who would get a digest now, and which alerts (nothing sent)
    kiosk central digest --dry-run --now 2026-12-09T07:00
    kiosk central digest                         # send the due digests now, as the tick does (under its lock)

The tick sends the digests by itself (kiosk/central/alert_digest.py); this command shows what it would
send, for checking the thresholds and the recipients. It prints user names, never e-mail addresses.
Staff- and technician-facing, like the other ``kiosk central`` commands: messages are English.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from . import Context


def _moment(ctx: Context, settings) -> datetime:
    from ..domain.errors import ValidationError
    from .central import AS_IS

    if not ctx.args.now:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(ctx.args.now)
    except ValueError:
        raise ValidationError(AS_IS, reason=f"--now {ctx.args.now!r} is not an ISO date-time "
                                            "such as 2026-12-21T08:00+08:00") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=settings.tz)  # a bare time is the office's


def cmd_digest(ctx: Context) -> int:
    from ..central import alert_digest
    from ..central.analytics.alerts import describe, severity_label
    from ..central.db import open_database
    from ..central.tick import default_holder, run_lock
    from .central import _settings

    settings = _settings(ctx)
    at = _moment(ctx, settings)
    engine = open_database(settings)
    try:
        if not ctx.args.dry_run:
            with run_lock(engine, default_holder()) as held:
                if held is None:
                    ctx.emit({"skipped_locked": True}, "digest: skipped, a tick holds the lock")
                    return 0
                sent, failed = alert_digest.send_digests(engine, settings, at)
            ctx.emit({"sent": sent, "failed": failed}, f"digest: {sent} sent, {failed} failed")
            return 0
        digests = alert_digest.plan(engine, settings, at)
    finally:
        engine.dispose()
    due = alert_digest.due_day(settings, at)
    data = {
        "local_day": due.isoformat() if due else None,
        "smtp_configured": bool(settings.smtp_host),
        "digests": [{"user_id": d.user_id, "username": d.username, "attempts": d.attempts,
                     "alerts": [{"kind": a.kind.value, "unit_kind": a.unit.kind.value, "unit_id": a.unit.id,
                                 "severity": a.severity, "text": describe(a, "en")} for a in d.alerts]}
                    for d in digests],
    }

    def text() -> str:
        if due is None:
            return (f"Before digest_hour ({settings.digest_hour:02d}:00 {settings.timezone}): "
                    "no digest is due yet.")
        lines = [f"Digests due on {due.isoformat()}: {len(digests)} (dry run, nothing sent)"]
        if not settings.smtp_host:
            lines.append("Note: smtp_host is empty, so the tick sends none of them.")
        for d in digests:
            lines.append(f"\nto {d.username} (user {d.user_id}), {len(d.alerts)} alerts:")
            lines += [f"  [{severity_label(a)}] {describe(a, 'en')}" for a in d.alerts]
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = cs.add_parser("digest", parents=parents,
                      help="the daily alert digest: --dry-run shows who would get which alerts")
    p.add_argument("--dry-run", action="store_true", help="print the digests due now; send nothing")
    p.add_argument("--now", metavar="ISO", help="as if it were this moment; a time without an offset is the "
                                                "office's local time")
    p.set_defaults(handler=cmd_digest)
