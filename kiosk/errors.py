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


# What people are told (English msgids; Indonesian in store_safety.po). The technical cause is the
# exception's text and its __cause__, for logs.
MSG_STORE_FAILED = "The kiosk could not save or read its data. Please ask the staff for help."
MSG_STORE_FULL = "The kiosk's storage is full, so nothing new can be saved. Please ask the staff for help."
MSG_STORE_BUSY = "The kiosk is busy. Please wait a moment and try again."
MSG_STORE_DAMAGED = "The kiosk's database is damaged. Please ask the staff for help."


class StoreError(KioskError):
    """The local database could not be read or written.

    ``str(exc)`` is the technical cause (for logs and staff); ``message`` is the msgid people see, as
    :class:`NotFound` and ``ValidationError`` carry one, so the screen never shows SQLite's words.
    """

    message = MSG_STORE_FAILED

    def __init__(self, detail: str = "", **params: object) -> None:
        self.params = params
        super().__init__(detail or self.message)


class StoreFull(StoreError):
    """The disk (or the database's size limit) is full: SQLITE_FULL. Nothing was written."""

    message = MSG_STORE_FULL


class StoreBusy(StoreError):
    """Another process held the database longer than the busy timeout."""

    message = MSG_STORE_BUSY


class StoreDamaged(StoreError):
    """The file is not a database, or a page is corrupt (``kiosk doctor`` says how to recover)."""

    message = MSG_STORE_DAMAGED


class StoreConflict(StoreError):
    """A write broke a constraint (a uniqueness or NOT NULL rule): nothing of it was kept."""


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
    "StoreBusy",
    "StoreConflict",
    "StoreDamaged",
    "StoreError",
    "StoreFull",
    "SyncError",
    "ValidationError",
]
