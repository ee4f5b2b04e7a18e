"""``kiosk central user add|passwd|disable|list`` and the sign-in every back-office command goes through.

A shell on the server is no proof of who is typing, so back-office commands ask for a staff account:
``--user NAME``, the password from ``$IPLIK_STAFF_PASSWORD`` or a prompt, the second factor from
``--totp CODE`` or a prompt. A failure is counted and audited exactly as on the sign-in page (the
same throttle rows: five wrong passwords lock the account for the web and the shell alike).

The one exception: while the database has no administrator at all, ``user add`` works without a
sign-in, so the first administrator can be made (the audit row says so).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from ..domain.errors import ValidationError
from . import Context

PASSWORD_ENV = "IPLIK_STAFF_PASSWORD"  # the signing-in person's password (scripts, tests)
NEW_PASSWORD_ENV = "IPLIK_NEW_PASSWORD"  # the password being set by `user add` / `user passwd`
CLI_ADDRESS = "cli"  # what the audit rows and throttles name as the client address of a shell


def add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", help="your staff account (password from $IPLIK_STAFF_PASSWORD "
                                                       "or a prompt)")
    parser.add_argument("--totp", metavar="CODE", help="the 6-digit code of your authenticator app, if your account has one")


def _read_secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(prompt)


def sign_in(args: argparse.Namespace, engine, settings):
    """The access.Staff behind ``--user``; raises ValidationError (exit code 2) when the sign-in fails."""
    from ..central import staff

    if not getattr(args, "user", None):
        raise ValidationError("Back-office commands need --user NAME (your staff account).", field="user")
    password = _read_secret(PASSWORD_ENV, "Password: ")
    result = staff.authenticate(engine, settings, args.user, password, CLI_ADDRESS, via="cli")
    if result.outcome is staff.Outcome.TOTP:
        code = args.totp or (getpass.getpass("Code from your authenticator app: ") if sys.stdin.isatty() else "")
        result = staff.verify_totp(engine, settings, result.user_id, code, CLI_ADDRESS, via="cli")
    if result.outcome is staff.Outcome.ENROL:
        raise ValidationError("Set up your second factor on the sign-in page first; then use it here.")
    if result.outcome is staff.Outcome.LOCKED:
        raise ValidationError("Too many failed sign-ins. Try again after {minutes} minutes.",
                              minutes=settings.login_lock_minutes)
    if result.outcome is not staff.Outcome.OK:
        raise ValidationError("The user name, password or code is not right.")
    return staff.staff_by_id(engine, result.user_id)


def signed_in_actor(ctx: Context, engine, settings, check=None):
    """(Staff, Actor) for a command; ``check`` is an access.* function the person must pass."""
    from ..central.audit import Actor

    person = sign_in(ctx.args, engine, settings)
    if check is not None and not check(person):
        raise ValidationError("Your role may not do this.")
    return person, Actor.of(person, CLI_ADDRESS)


def _central():
    from . import central

    return central


def _admin_actor(ctx: Context, engine, settings, *, bootstrap: bool = False):
    import sqlalchemy as sa

    from ..central import access
    from ..central.audit import Actor
    from ..central.db import reader, staff_users

    if bootstrap and not ctx.args.user:
        with reader(engine) as conn:
            admins = conn.scalar(sa.select(sa.func.count()).select_from(staff_users).where(
                staff_users.c.role == access.Role.ADMIN.value, staff_users.c.disabled_at.is_(None)))
        if not admins:
            return Actor(None, "cli-bootstrap", CLI_ADDRESS)
    return signed_in_actor(ctx, engine, settings, access.can_manage_users)[1]


def _user_id(engine, username: str) -> int:
    from ..central import staff

    user_id = staff.user_id_of(engine, username)
    if user_id is None:
        raise ValidationError("There is no user {name}.", field="username", name=username)
    return user_id


def _signed_in_admin(ctx: Context, *, bootstrap: bool = False):
    """The central database and settings, and the admin running a `user` command (signed in)."""
    central = _central()
    settings = central._settings(ctx)
    engine = central._engine(ctx)
    return settings, engine, _admin_actor(ctx, engine, settings, bootstrap=bootstrap)


def cmd_user_add(ctx: Context) -> int:
    from ..central import access, catalog, staff

    settings, engine, by = _signed_in_admin(ctx, bootstrap=True)
    password = _read_secret(NEW_PASSWORD_ENV, "New user's password: ")
    role = access.Role(ctx.args.role)
    secret = staff.new_totp_secret() if ctx.args.with_totp else None
    user_id = staff.create_user(
        engine, username=ctx.args.username, display_name=ctx.args.name, role=role, password=password,
        agencies=ctx.args.agency or (), email=ctx.args.email, by=by, totp_secret=secret,
        must_change_password=not ctx.args.no_change, min_password_length=settings.min_password_length,
        known_agencies={a.id for a in catalog.agencies(engine)} or None,
    )
    out = {"id": user_id, "username": staff.normalize_username(ctx.args.username), "role": role.value}
    text = f"User {out['username']} ({role.value}) created with id {user_id}."
    if secret:
        out["totp_secret"] = secret
        out["totp_uri"] = staff.totp_uri(secret, out["username"])
        text += f"\nSecond factor: enter {secret} in the authenticator app, or open {out['totp_uri']}"
    elif role in access.TOTP_REQUIRED:
        text += "\nThe second factor is set up at the first sign-in on the web."
    ctx.emit(out, text)
    return 0


def cmd_user_passwd(ctx: Context) -> int:
    from ..central import staff

    settings, engine, by = _signed_in_admin(ctx)
    user_id = _user_id(engine, ctx.args.username)
    password = _read_secret(NEW_PASSWORD_ENV, "New password: ")
    staff.reset_password(engine, user_id, password, by=by, min_password_length=settings.min_password_length)
    ctx.emit({"id": user_id, "must_change_password": True},
             f"Password of {ctx.args.username} reset; they must change it at their next sign-in. "
             "Their sessions have ended.")
    return 0


def cmd_user_disable(ctx: Context) -> int:
    from ..central import staff

    settings, engine, by = _signed_in_admin(ctx)
    user_id = _user_id(engine, ctx.args.username)
    staff.disable(engine, user_id, by=by)
    ctx.emit({"id": user_id, "disabled": True}, f"User {ctx.args.username} disabled; their sessions have ended.")
    return 0


def cmd_user_list(ctx: Context) -> int:
    from ..central import staff

    _settings, engine, _by = _signed_in_admin(ctx)
    rows = staff.list_users(engine)

    def text() -> str:
        lines = [f"{'ID':>4} {'USER':<20} {'ROLE':<10} {'2FA':<3} {'STATE':<9} AGENCIES"]
        for r in rows:
            state = "disabled" if r.disabled else ("locked" if r.locked_until else "active")
            lines.append(f"{r.id:>4} {r.username[:20]:<20} {r.role.value:<10} {'yes' if r.totp else 'no':<3} "
                         f"{state:<9} {','.join(r.agencies) or '-'}")
        return "\n".join(lines)

    ctx.emit([{"id": r.id, "username": r.username, "display_name": r.display_name, "role": r.role.value,
               "agencies": list(r.agencies), "totp": r.totp, "disabled": r.disabled,
               "locked": r.locked_until is not None, "must_change_password": r.must_change_password}
              for r in rows], text)
    return 0


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    """Adds ``user ...`` under ``kiosk central`` (called by kiosk.cli.central.register)."""
    from ..central.access import Role

    user = cs.add_parser("user", parents=[common], help="staff accounts of the back office")
    us = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    p = us.add_parser("add", parents=parents, help="create a staff account (new password from $IPLIK_NEW_PASSWORD "
                                                   "or a prompt)")
    p.add_argument("username", metavar="USERNAME")
    p.add_argument("--name", required=True, help="the person's full name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--agency", action="append", help="an agency id of an officer (repeat for several)")
    p.add_argument("--email")
    p.add_argument("--with-totp", action="store_true", help="make the second factor now and print its secret")
    p.add_argument("--no-change", action="store_true", help="do not ask for a new password at the first sign-in")
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_user_add)

    p = us.add_parser("passwd", parents=parents, help="reset a password (must be changed at the next sign-in)")
    p.add_argument("username", metavar="USERNAME")
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_user_passwd)

    p = us.add_parser("disable", parents=parents, help="disable an account and end its sessions")
    p.add_argument("username", metavar="USERNAME")
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_user_disable)

    p = us.add_parser("list", parents=parents, help="every staff account")
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_user_list)
