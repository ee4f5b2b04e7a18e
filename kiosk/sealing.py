"""Which key this kiosk seals identities with, and the sealing of a complaint document before it is stored.

The key the server gave at enrollment (``device.json``) wins: it is the server's current key. A kiosk
not enrolled yet uses ``privacy.identity_public_key`` from its configuration (the DEMO key in the
shipped config.toml). The crypto itself is ``kiosk.domain.sealing``; the server opens the box on ingest
(``kiosk.central.identity_keys``). Nothing here can open a sealed identity: the kiosk has no private key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .config import DEMO_IDENTITY_PUBLIC_KEY, Config
from .domain.errors import ValidationError
from .errors import ConfigError
from .sync import device

if TYPE_CHECKING:
    from nacl.public import PublicKey

# The crypto (PyNaCl, about 20 ms to import) is imported on first use, not with the facade: the app
# opens the facade while its first frames are drawn.

log = logging.getLogger("kiosk.sealing")


class SealingKey(NamedTuple):
    key: PublicKey
    key_id: str
    source: str  # "enrollment" | "config"
    demo: bool


def current_key(config: Config) -> SealingKey:
    from .domain import sealing

    text, source = config.privacy.identity_public_key, "config"
    try:
        enrollment = device.load(config)
    except ConfigError:
        # A damaged device.json stops sync (doctor says so); it must not stop a citizen filing.
        log.warning("device.json is damaged: sealing with the configured key")
        enrollment = None
    if enrollment is not None and enrollment.identity_public_key:
        try:
            sealing.public_key(enrollment.identity_public_key)
            text, source = enrollment.identity_public_key, "enrollment"
        except ValidationError:
            # Only a hand-edited file gets here (the client checks the key it is given); doctor says so.
            log.warning("device.json holds no valid sealing key: sealing with the configured key")
    key = sealing.public_key(text)  # the configuration's key was checked when it was loaded
    return SealingKey(key, sealing.key_id(key), source, text.strip() == DEMO_IDENTITY_PUBLIC_KEY)


def seal_complaint(config: Config, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The complaint document as it may be stored: the identity sealed (an anonymous one has none)."""
    if doc.get("identity") is None:
        return dict(doc)
    from .domain import sealing

    return sealing.seal_identity(doc, current_key(config).key)


def _(msgid: str) -> str:
    """Marks an English msgid (translated in assets/locale/*/LC_MESSAGES/seal_safety.po)."""
    return msgid


def doctor_check(config: Config):
    """``kiosk doctor``'s "sealing" check: which key identities are sealed with, and whether it is the DEMO one."""
    from .doctor import FAIL, OK, WARN, Check
    from .domain import sealing

    try:
        enrollment = device.load(config)
    except ConfigError:
        enrollment = None  # the token check reports the damaged file
    if enrollment is not None and enrollment.identity_public_key:
        try:
            sealing.public_key(enrollment.identity_public_key)
        except ValidationError:
            return Check("sealing", FAIL, _("The sealing key in the enrollment file is not valid."), {},
                         _("Enroll the kiosk again with a new code: kiosk enroll --server URL --code CODE."))
    key = current_key(config)
    params = {"key_id": key.key_id}
    if key.demo:
        return Check("sealing", WARN, _("Identities are sealed with the DEMO key {key_id}, whose private half is public."),
                     params, _("Enroll the kiosk, or put the server's key (kiosk central keys public) in config.toml "
                               "as privacy.identity_public_key."))
    if key.source == "enrollment":
        return Check("sealing", OK, _("Identities are sealed with the central server's key {key_id} (from the enrollment)."),
                     params)
    return Check("sealing", OK, _("Identities are sealed with the key {key_id} from the configuration."), params)
