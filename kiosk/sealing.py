"""Which key this kiosk seals identities with, and the sealing of a complaint document before it is stored.

The key the server gave at enrollment (``device.json``) wins: it is the server's current key. A kiosk
not enrolled yet uses ``privacy.identity_public_key`` from its configuration (the DEMO key in the
shipped config.toml). The crypto itself is ``kiosk.domain.sealing``; the server opens the box on ingest
(``kiosk.central.identity_keys``). Nothing here can open a sealed identity: the kiosk has no private key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from nacl.public import PublicKey

from .config import DEMO_IDENTITY_PUBLIC_KEY, Config
from .domain import sealing
from .errors import ConfigError
from .sync import device

log = logging.getLogger("kiosk.sealing")


class SealingKey(NamedTuple):
    key: PublicKey
    key_id: str
    source: str  # "enrollment" | "config"
    demo: bool


def current_key(config: Config) -> SealingKey:
    text, source = config.privacy.identity_public_key, "config"
    try:
        enrollment = device.load(config)
    except ConfigError:
        # A damaged device.json stops sync (doctor says so); it must not stop a citizen filing.
        log.warning("device.json is damaged: sealing with the configured key")
        enrollment = None
    if enrollment is not None and enrollment.identity_public_key:
        text, source = enrollment.identity_public_key, "enrollment"
    key = sealing.public_key(text)
    return SealingKey(key, sealing.key_id(key), source, text.strip() == DEMO_IDENTITY_PUBLIC_KEY)


def seal_complaint(config: Config, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The complaint document as it may be stored: the identity sealed (an anonymous one has none)."""
    if doc.get("identity") is None:
        return dict(doc)
    return sealing.seal_identity(doc, current_key(config).key)
