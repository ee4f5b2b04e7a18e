"""``kiosk central office pin --office NAME``: the staff PIN of every kiosk of one office, set centrally.

The PIN is read twice from a hidden prompt (or one line of standard input, for scripts), checked with
the kiosk's own rules (kiosk.domain.pin.check_new_pin), hashed on the server with the kiosk's scheme,
and reaches the office's kiosks at their next catalog pull. Who sets it signs in like every back-office
command (administrator or technician); the audit row names the office, never the PIN.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ..domain.errors import ValidationError
from . import Context


def _read_pin() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("New kiosk PIN: ")
    if getpass.getpass("The same PIN again: ") != first:
        raise ValidationError("The two PINs differ. Nothing was changed.", field="pin")
    return first


def cmd_office_pin(ctx: Context) -> int:
    from ..central import office_settings
    from . import central
    from .central_staff import signed_in_actor

    settings = central._settings(ctx)
    engine = central._engine(ctx)
    _person, by = signed_in_actor(ctx, engine, settings, office_settings.may_set_pin)
    office = ctx.args.office
    if ctx.args.clear:
        cleared = office_settings.clear_pin(engine, office, by=by)
        ctx.emit({"office": office.strip(), "cleared": cleared},
                 f"The kiosks of {office.strip()} use the PIN of their config.toml again from their next sync."
                 if cleared else f"{office.strip()} had no PIN set here; nothing changed.")
        return 0
    done = office_settings.set_pin(engine, office, _read_pin(), by=by)

    def text() -> str:
        where = (f"its {done.kiosks} enrolled kiosk(s) use it from their next sync" if done.kiosks
                 else "no kiosk is enrolled for this office name yet (check the spelling with `kiosk central fleet`)")
        return f"Staff PIN of {done.office} set; {where}."

    ctx.emit({"office": done.office, "set_at": done.set_at.isoformat(timespec="seconds") if done.set_at else None,
              "set_by": done.set_by, "kiosks": done.kiosks}, text)
    return 0


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    """Adds ``office ...`` under ``kiosk central`` (called by kiosk.cli.central.register)."""
    from .central_staff import add_sign_in_options

    office = cs.add_parser("office", parents=[common], help="settings the kiosks of one office receive")
    os_ = office.add_subparsers(dest="office_command", metavar="ACTION", required=True)
    p = os_.add_parser("pin", parents=parents, help="set the staff PIN of an office's kiosks (read twice from a "
                                                    "prompt, or one line of standard input)")
    p.add_argument("--office", required=True, help="the office, as given to `kiosk central enroll-code --office`")
    p.add_argument("--clear", action="store_true", help="remove it: the kiosks use their config.toml PIN again")
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_office_pin)
