"""A complaint's identity sealed for the central server: the kiosk can write it but never read it back.

The reporter's identity (name, NIK, phone, e-mail: :data:`~kiosk.domain.complaint.IDENTITY_KEYS`) is
encrypted the moment the complaint is stored, with the central server's X25519 public key, as a
libsodium sealed box (an ephemeral key pair per box, so the sender keeps nothing that opens it). What a
stolen kiosk holds is ciphertext; only the server's private key opens it, on ingest.

In the complaint document the plain ``identity`` object is replaced by an envelope::

    "identity": {"sealed_box": "<base64 ciphertext>", "key_id": "<16 hex>"}

``key_id`` names the key it was sealed with (the first 16 hex digits of the SHA-256 of the public key),
so a server that rotated its key still knows which private key opens an older record. An anonymous
complaint has no identity and no envelope.

Pure: PyNaCl and the standard library only. Errors are :class:`ValidationError` on the ``identity``
field, so the server turns them into a per-record rejection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from .errors import ValidationError

SEALED = "sealed_box"
KEY_ID = "key_id"
ENVELOPE_KEYS = frozenset({SEALED, KEY_ID})
# A sealed identity is a few hundred bytes; bounding the text bounds the work on a hostile record.
MAX_SEALED_CHARS = 4096

MSG_BAD_KEY = "Not an X25519 public key in base64 (44 characters)."
MSG_BAD_ENVELOPE = "The sealed identity is damaged."
MSG_UNKNOWN_KEY = "The identity is sealed with key {key_id}, which this server does not hold."
MSG_NOT_OPENED = "The sealed identity cannot be opened with key {key_id}."


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _raw_key(text: str) -> bytes:
    try:
        raw = _b64decode(text.strip())
    except (binascii.Error, UnicodeEncodeError, ValueError, AttributeError):
        raise ValidationError(MSG_BAD_KEY) from None
    if len(raw) != PublicKey.SIZE:
        raise ValidationError(MSG_BAD_KEY)
    return raw


def public_key(text: str) -> PublicKey:
    """The public key written as base64 (config.toml, the enrollment answer), or ValidationError."""
    return PublicKey(_raw_key(text))


def private_key(text: str) -> PrivateKey:
    """A private key written as base64 (the server's keyring only)."""
    return PrivateKey(_raw_key(text))


def encode_key(key: PublicKey | PrivateKey) -> str:
    return base64.b64encode(bytes(key)).decode("ascii")


def key_id(key: PublicKey) -> str:
    """The key's name in records and in the server's keyring: derived, so nothing to keep in step."""
    return hashlib.sha256(bytes(key)).hexdigest()[:16]


def is_sealed(identity: Any) -> bool:
    return isinstance(identity, Mapping) and set(identity) == ENVELOPE_KEYS


def seal_identity(doc: Mapping[str, Any], key: PublicKey) -> dict[str, Any]:
    """A copy of the complaint document with its identity sealed for ``key`` (unchanged when anonymous)."""
    out = dict(doc)
    identity = doc.get("identity")
    if identity is None or is_sealed(identity):
        return out
    plain = json.dumps(identity, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    box = SealedBox(key).encrypt(plain)
    out["identity"] = {SEALED: base64.b64encode(box).decode("ascii"), KEY_ID: key_id(key)}
    return out


def open_identity(doc: Mapping[str, Any], private_key: Callable[[str], PrivateKey | None]) -> dict[str, Any]:
    """A copy of the document with a sealed identity opened; a plain or absent identity is left as is.

    ``private_key`` maps a key id to the private key, or None when the keyring has no such key.
    """
    identity = doc.get("identity")
    if not is_sealed(identity):
        return dict(doc)
    kid, sealed = identity[KEY_ID], identity[SEALED]
    if not isinstance(kid, str) or not isinstance(sealed, str) or len(kid) > 64 or len(sealed) > MAX_SEALED_CHARS:
        raise ValidationError(MSG_BAD_ENVELOPE, field="identity")
    key = private_key(kid)
    if key is None:
        raise ValidationError(MSG_UNKNOWN_KEY, field="identity", key_id=kid)
    try:
        plain = SealedBox(key).decrypt(_b64decode(sealed))
        opened = json.loads(plain.decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError, RecursionError, CryptoError):
        raise ValidationError(MSG_NOT_OPENED, field="identity", key_id=kid) from None
    if not isinstance(opened, dict):
        raise ValidationError(MSG_NOT_OPENED, field="identity", key_id=kid)
    out = dict(doc)
    out["identity"] = opened
    return out
