"""What staff do: see the kiosk's health and make a PIN hash for the config file."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..actions import Kiosk
from ..domain.pin import check_new_pin, hash_pin
from . import Context


def cmd_status(ctx: Context) -> int:
    st = Kiosk.open(ctx.config).status()
    ctx.emit(
        st,
        lambda: "\n".join(
            [
                f"Kiosk {st.kiosk_id}, version {st.version}",
                f"Catalog {st.catalog.version}: {st.catalog.agencies} agencies, {st.catalog.services} services"
                + (" (DEMO)" if st.catalog.demo else ""),
                f"Waiting to be sent: {st.outbox_pending} (failing: {st.outbox_failing}, oldest {st.oldest_pending_at or '-'})",
                f"Last sent: {st.last_sent_at or 'never'}",
                f"Disk free: {st.disk_free_mb} MB at {st.data_dir}",
            ]
        ),
    )
    return 0


def cmd_hash_pin(ctx: Context) -> int:
    # Read from stdin when piped so that scripts need not put the PIN on a command line (ps shows those).
    pin = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("New PIN: ")
    # The same rules as a PIN set from the central server: six digits at least, no runs or repeats.
    hashed = hash_pin(check_new_pin(pin))
    ctx.emit({"pin_hash": hashed}, f'pin_hash = "{hashed}"')
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common], help="kiosk health: outbox, catalog, disk")
    p.set_defaults(handler=cmd_status)
    admin = sub.add_parser("admin", help="staff tools").add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    p = admin.add_parser("hash-pin", parents=[common], help="hash a new admin PIN (read from standard input)")
    p.set_defaults(handler=cmd_hash_pin)
