"""One exception root for the whole kiosk, as requests has ``RequestException``.

Lower layers' errors (sqlite3, OSError, HTTP libraries) are converted to these at the boundary, so
the UI and the CLI handle a handful of kinds and always have a message for people.
"""

from __future__ import annotations

from .domain.errors import DomainError, InvalidTransition, ValidationError


class KioskError(Exception):
    """Root of the errors raised outside the pure rules."""


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or invalid; the message names the file and key."""


class NotFound(KioskError):
    """An id or tracking code that the kiosk does not know."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params))


class StoreError(KioskError):
    """The local database could not be read or written."""


class PrintError(KioskError):
    """A document could not be printed."""


class SyncError(KioskError):
    """Talking to the central server failed."""


__all__ = [
    "ConfigError",
    "DomainError",
    "InvalidTransition",
    "KioskError",
    "NotFound",
    "PrintError",
    "StoreError",
    "SyncError",
    "ValidationError",
]
