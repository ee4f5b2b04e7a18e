"""The kiosk's enrollment: ``device.json`` in the data folder, readable by the kiosk's user only.

The token is the kiosk's password at the server. It is written with mode 0600 from the first byte
(created with ``os.open``, not chmod-ed afterwards), through a temporary file and a rename, so a
power cut leaves the old file or the new one, never half a token.

The file also keeps the server's public key for sealing identities (``kiosk.sealing``), as the
enrollment answer gave it; a file from before that field exists has none, and the kiosk then seals
with the key in its configuration.

Enrollment can be retried: before the first try the kiosk writes a random nonce (``enroll-nonce``, 0600)
and sends it with the code; the server remembers it, so a retry after a lost answer (or a crash) sends
the same nonce and gets the same device, with a fresh token. The nonce is removed once ``device.json``
is written.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..config import Config
from ..errors import ConfigError

FILENAME = "device.json"
NONCE_FILENAME = "enroll-nonce"
NONCE_BYTES = 32


@dataclass(frozen=True)
class Enrollment:
    server: str
    device_id: str
    token: str
    office: str
    agency_id: str
    enrolled_at: str
    identity_public_key: str = ""  # base64 X25519; "" for an enrollment made before keys were sent

    def __repr__(self) -> str:  # tokens end up in logs through reprs
        return f"Enrollment(server={self.server!r}, device_id={self.device_id!r}, token='***')"


def path_for(config: Config) -> Path:
    return config.data_dir / FILENAME


def load(config: Config) -> Enrollment | None:
    path = path_for(config)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        optional = {"identity_public_key"}
        return Enrollment(**{k: str(raw[k]) for k in Enrollment.__dataclass_fields__ if k not in optional or k in raw})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: the enrollment file is damaged ({exc}); enroll the kiosk again") from None


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by this user only, atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # in case the umask or an old file left other bits
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save(config: Config, *, server: str, device_id: str, token: str, office: str, agency_id: str,
         identity_public_key: str = "") -> Enrollment:
    enrollment = Enrollment(server.rstrip("/"), device_id, token, office, agency_id,
                            datetime.now(UTC).isoformat(timespec="seconds"), identity_public_key)
    _write_private(path_for(config), json.dumps(asdict(enrollment), indent=2))
    # Enrolled: the next enrollment (a new code) is a new attempt with a new nonce.
    (config.data_dir / NONCE_FILENAME).unlink(missing_ok=True)
    return enrollment


def update_identity_key(config: Config, key: str) -> bool:
    """Keep the server's current sealing key (sent with every catalog answer, so a rotation on the
    server reaches this kiosk); True when it changed. The caller has checked that ``key`` is a key."""
    enrollment = load(config)
    if enrollment is None or enrollment.identity_public_key == key:
        return False
    _write_private(path_for(config), json.dumps(asdict(replace(enrollment, identity_public_key=key)), indent=2))
    return True


def enroll_nonce(config: Config) -> str:
    """This kiosk's enrollment nonce, made and stored (0600) before the first try, so that every retry,
    even after a crash or a restart, sends the same one and the server can recognise it."""
    path = config.data_dir / NONCE_FILENAME
    try:
        nonce = path.read_text(encoding="ascii").strip()
        if len(nonce) >= 32:
            return nonce
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); delete it and enroll again") from None
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).rstrip(b"=").decode()
    _write_private(path, nonce)
    return nonce


def server_url(config: Config, enrollment: Enrollment | None) -> str:
    """config ``server.url`` wins (a technician can move a kiosk to a new address); else the enrollment's."""
    if config.server.url:
        return config.server.url.rstrip("/")
    return enrollment.server if enrollment else ""


def ca_bundle(config: Config) -> str | None:
    if not config.server.ca_bundle:
        return None
    p = Path(config.server.ca_bundle).expanduser()
    return str(p if p.is_absolute() else (config.source.parent / p).resolve())
