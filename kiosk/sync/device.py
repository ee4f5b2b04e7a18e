"""The kiosk's enrollment: ``device.json`` in the data folder, readable by the kiosk's user only.

The token is the kiosk's password at the server. It is written with mode 0600 from the first byte
(created with ``os.open``, not chmod-ed afterwards), through a temporary file and a rename, so a
power cut leaves the old file or the new one, never half a token.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..config import Config
from ..errors import ConfigError

FILENAME = "device.json"


@dataclass(frozen=True)
class Enrollment:
    server: str
    device_id: str
    token: str
    office: str
    agency_id: str
    enrolled_at: str

    def __repr__(self) -> str:  # tokens end up in logs through reprs
        return f"Enrollment(server={self.server!r}, device_id={self.device_id!r}, token='***')"


def path_for(config: Config) -> Path:
    return config.data_dir / FILENAME


def load(config: Config) -> Enrollment | None:
    path = path_for(config)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Enrollment(**{k: str(raw[k]) for k in Enrollment.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: the enrollment file is damaged ({exc}); enroll the kiosk again") from None


def save(config: Config, *, server: str, device_id: str, token: str, office: str, agency_id: str) -> Enrollment:
    enrollment = Enrollment(server.rstrip("/"), device_id, token, office, agency_id,
                            datetime.now(UTC).isoformat(timespec="seconds"))
    path = path_for(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILENAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(enrollment), fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # in case the umask or an old file left other bits
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return enrollment


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
