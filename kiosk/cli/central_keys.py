"""``kiosk central keys public|rotate|list``: the keyring kiosks seal citizens' identities with.

    kiosk central keys public   # the current public key, for config.toml's privacy.identity_public_key
    kiosk central keys rotate   # a new current key; old keys stay and keep opening their records
    kiosk central keys list     # every key: id, created, retired (never the private halves)
    kiosk central keys accept-demo  # open records a kiosk sealed with the DEMO key before it was set up

Technician-facing, like the other ``kiosk central`` commands: messages are English.
"""

from __future__ import annotations

import argparse

from . import Context


def _line(k) -> str:
    state = f"retired {k.retired_at:%Y-%m-%d %H:%M} UTC" if k.retired_at else "current"
    demo = "  DEMO KEY (its private half is public)" if k.demo else ""
    return f"{k.key_id}  {k.public_key}  created {k.created_at:%Y-%m-%d %H:%M} UTC  {state}{demo}"


def cmd_public(ctx: Context) -> int:
    from ..central import identity_keys
    from .central import _engine

    k = identity_keys.current(_engine(ctx))
    ctx.emit({"key_id": k.key_id, "public_key": k.public_key, "demo": k.demo},
             lambda: f'identity_public_key = "{k.public_key}"   # key {k.key_id}'
                     + ("  (the DEMO key: rotate before real use)" if k.demo else ""))
    return 0


def cmd_rotate(ctx: Context) -> int:
    from ..central import identity_keys
    from .central import _engine

    k = identity_keys.rotate(_engine(ctx))
    ctx.emit({"key_id": k.key_id, "public_key": k.public_key},
             lambda: f"New current key {k.key_id}. Kiosks enrolled from now on seal with it; records sealed "
                     f"with older keys still open.\nFor config.toml: identity_public_key = \"{k.public_key}\"")
    return 0


def cmd_list(ctx: Context) -> int:
    from ..central import identity_keys
    from .central import _engine

    keys = identity_keys.keyring(_engine(ctx))
    ctx.emit([{"key_id": k.key_id, "public_key": k.public_key, "created_at": k.created_at,
               "retired_at": k.retired_at, "demo": k.demo} for k in keys],
             lambda: "\n".join(_line(k) for k in keys) or "No key yet: the first enrollment makes one.")
    return 0


def cmd_accept_demo(ctx: Context) -> int:
    from ..central import identity_keys
    from .central import _engine

    k = identity_keys.install_demo(_engine(ctx), retired=True)
    ctx.emit({"key_id": k.key_id, "retired": k.retired_at is not None},
             lambda: f"The DEMO key {k.key_id} is in the ring"
                     + (", retired: it opens what kiosks sealed with it and is never handed out."
                        if k.retired_at else " and is current (this is a demo server: kiosk central demo)."))
    return 0


def register(cs: argparse._SubParsersAction, parents: list[argparse.ArgumentParser], common) -> None:
    keys = cs.add_parser("keys", parents=[common], help="the keys kiosks seal citizens' identities with")
    ks = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    for name, handler, help_text in (
        ("public", cmd_public, "print the current public key (for config.toml)"),
        ("rotate", cmd_rotate, "make a new current key; old keys keep opening their records"),
        ("list", cmd_list, "every key in the ring, public halves only"),
        ("accept-demo", cmd_accept_demo, "open records kiosks sealed with the DEMO key (then: kiosk sync retry)"),
    ):
        p = ks.add_parser(name, parents=parents, help=help_text)
        p.set_defaults(handler=handler)
