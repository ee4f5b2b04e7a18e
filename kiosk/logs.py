"""One logging setup for every entry point: the command line, ``kiosk run`` and ``kiosk sync --watch``.

Each event is one line of ``key=value`` pairs (logfmt: ``level=warning logger=kiosk.sync msg="..."``),
so ``journalctl -u iplik-sync`` and ``grep`` read it and a traceback never spreads over lines that
lose their level. Under systemd (``JOURNAL_STREAM`` names our stderr) each line starts with the syslog
priority, ``<3>`` to ``<7>``, which journald turns into the entry's level, and the time is left to the
journal; elsewhere the line starts with ``ts=`` and goes to stderr. No systemd module is needed.

The level is ``IPLIK_LOG_LEVEL`` (debug, info, warning, error) when set, else the caller's default:
info for the long-running services, warning for one-shot commands.

What goes into a message is the caller's business, and callers log ids, codes, counts and error
kinds, never a record's content: tests/test_logs_no_personal_data.py files complaints with marker
names and NIKs, syncs them through a faulty network at debug level and finds them in no log.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TextIO

LEVEL_ENV = "IPLIK_LOG_LEVEL"
# syslog priorities (sd-daemon(3)): err, warning, info, debug; critical is crit.
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}
_NAMES = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "warn": logging.WARNING,
          "error": logging.ERROR, "critical": logging.CRITICAL}


def under_journal(stream: TextIO) -> bool:
    """True when ``stream`` is the journal's socket that systemd gave us (JOURNAL_STREAM is dev:inode).

    Compared with the stream itself: a child whose stderr was redirected elsewhere inherits the
    variable but must not write priorities into a file.
    """
    value = os.environ.get("JOURNAL_STREAM", "")
    dev, sep, ino = value.partition(":")
    if not sep:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return f"{st.st_dev}:{st.st_ino}" == f"{dev}:{ino}"


def _quote(value: str) -> str:
    if value and not any(c in value for c in ' "=\\\n\r\t'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


class LogfmtFormatter(logging.Formatter):
    """One event per line: [<priority>] [ts=...] level=... logger=... msg=... [exc=...]."""

    def __init__(self, *, journal: bool) -> None:
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if not self.journal:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            parts.append(f"ts={stamp}.{int(record.msecs):03d}Z")
        parts += [f"level={record.levelname.lower()}", f"logger={_quote(record.name)}",
                  f"msg={_quote(record.getMessage())}"]
        if record.exc_info:
            parts.append(f"exc={_quote(self.formatException(record.exc_info))}")
        elif record.exc_text:
            parts.append(f"exc={_quote(record.exc_text)}")
        if record.stack_info:
            parts.append(f"stack={_quote(record.stack_info)}")
        line = " ".join(parts)
        if self.journal:
            return f"<{_PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)}>{line}"
        return line


class _OurHandler(logging.StreamHandler):
    """The handler this module installs (a second setup replaces it instead of doubling lines).

    Without an explicit stream it writes to whatever ``sys.stderr`` is at the time of the event, not the
    one at setup: a command run in-process (tests, capture) must not leave a closed stream behind.
    """

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream or sys.stderr)
        self._follow = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = sys.stderr
        super().emit(record)


def level_from_env(default: str | int = logging.WARNING) -> int:
    name = os.environ.get(LEVEL_ENV, "").strip().lower()
    if name in _NAMES:
        return _NAMES[name]
    return default if isinstance(default, int) else _NAMES.get(default.lower(), logging.WARNING)


def setup(default_level: str | int = logging.WARNING, *, stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's events to stderr (the journal under systemd), one logfmt line each.

    Idempotent: called again (the CLI, then the app it starts), it replaces its own handler and
    leaves any other (pytest's capture, for one) alone.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    handler = _OurHandler(stream)
    handler.setFormatter(LogfmtFormatter(journal=under_journal(stream or sys.stderr)))
    root.addHandler(handler)
    root.setLevel(level_from_env(default_level))
    logging.captureWarnings(True)
    return handler
