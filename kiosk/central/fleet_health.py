"""What a kiosk's newest heartbeat says about its health, and which incidents it calls for. No SQL, no HTTP.

The rules are written out in docs/fleet.md ("Incidents"); the thresholds are the ``fleet_*`` settings.
``fleet_alerts`` reads the devices and runs :func:`conditions` for each on every tick; the fleet page
reads :func:`health` to show the same figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.office_hours import OfficeHours

# Incident kinds, worst first: the fleet page sorts by this order (docs/fleet.md).
OFFLINE = "offline"
PAPER_OUT = "paper_out"
STUCK = "records_stuck"
CLOCK_SKEW = "clock_skew"
PAPER_LOW = "paper_low"
VERSION_BEHIND = "version_behind"
KINDS = (OFFLINE, PAPER_OUT, STUCK, CLOCK_SKEW, PAPER_LOW, VERSION_BEHIND)
RANK = {kind: i for i, kind in enumerate(KINDS)}

# English msgids of the kinds (assets/locale/*/LC_MESSAGES/fleet.po).
LABELS = {
    OFFLINE: "Offline during office hours",
    PAPER_OUT: "Paper out",
    STUCK: "Records stuck",
    CLOCK_SKEW: "Clock off",
    PAPER_LOW: "Paper low",
    VERSION_BEHIND: "Version behind",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    offline: timedelta
    stuck: timedelta
    clock_skew_s: float

    @classmethod
    def of(cls, settings: Any) -> Thresholds:
        return cls(timedelta(minutes=settings.fleet_offline_minutes), timedelta(minutes=settings.fleet_stuck_minutes),
                   float(settings.fleet_clock_skew_s))


@dataclass(frozen=True, slots=True)
class Health:
    """A kiosk's newest heartbeat, read. Every field is None when the kiosk did not say (an older kiosk)."""

    printer_state: str | None
    paper_low: bool
    paper_out: bool
    paper_left_pct: float | None
    outbox_pending: int | None
    outbox_failed: int | None
    oldest_pending_s: int | None
    sync_error: str | None
    disk_free_mb: int | None
    clock_skew_s: float | None
    version: str | None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    # -1 is the kiosk saying "cannot read" (a damaged page): unknown, not a figure.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def health(heartbeat: str | None, received: datetime | None) -> Health:
    """Read a stored heartbeat body (``devices.heartbeat``, JSON) received by the server at ``received``."""
    try:
        body = json.loads(heartbeat) if heartbeat else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    printer = body.get("printer") if isinstance(body.get("printer"), dict) else {}
    state = str(printer.get("state") or "")[:64] or None
    paper_word = str(printer.get("paper") or "").lower()
    pct = _number(printer.get("paper_left_pct"))
    # Out: the printer says so (the kiosk's printing/status.py states), or a paper word "out"/"empty".
    out = state == "paper_out" or paper_word in ("out", "empty")
    low = not out and (state == "paper_low" or printer.get("paper_low") is True or paper_word == "low")
    skew = None
    at = body.get("at")
    if received is not None and isinstance(at, str):
        try:
            skew = round((datetime.fromisoformat(at) - received).total_seconds(), 1)
        except (ValueError, TypeError, OverflowError):
            skew = None
    error = body.get("sync_error")
    return Health(
        printer_state=state,
        paper_low=low,
        paper_out=out,
        paper_left_pct=pct,
        outbox_pending=_count(body.get("outbox_pending")),
        outbox_failed=_count(body.get("outbox_failed")),
        oldest_pending_s=_count(body.get("oldest_pending_s")),
        sync_error=str(error)[:64] if isinstance(error, str) and error else None,
        disk_free_mb=_count(body.get("disk_free_mb")),
        clock_skew_s=skew,
        version=str(body["version"])[:64] if isinstance(body.get("version"), str) and body["version"] else None,
    )


_RELEASE = re.compile(r"^v?(\d+(?:\.\d+)*)")


def release(version: str | None) -> tuple[int, ...] | None:
    """The release numbers of a version ("0.1.0+gtest" -> (0, 1, 0)); None for a version we cannot read."""
    m = _RELEASE.match((version or "").strip())
    if not m:
        return None
    parts = [int(p) for p in m.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # 0.1 and 0.1.0 are one release
    return tuple(parts)


def is_behind(kiosk_version: str | None, server_version: str) -> bool:
    """True when the kiosk runs an older release than the server (an unreadable version never alerts)."""
    mine, target = release(kiosk_version), release(server_version)
    return mine is not None and target is not None and mine < target


def office_open_for(hours: OfficeHours, holidays: frozenset[date], local_now: datetime, window: timedelta) -> bool:
    """Whether the office has been open for the whole ``window`` up to ``local_now`` (local times).

    Office hours are one span per day, so open at both ends of a window within one day means open all
    through it; a window that starts the day before (just after opening) is not wholly open."""
    start = local_now - window
    if start.date() != local_now.date() or local_now.date() in holidays:
        return False
    return hours.is_open(local_now) and hours.is_open(start)


def conditions(
    h: Health,
    *,
    silent_since: datetime,
    now: datetime,
    open_window: bool,
    open_kinds: frozenset[str],
    limits: Thresholds,
    server_version: str,
) -> dict[str, dict[str, Any]]:
    """The incident kinds this kiosk is in at ``now``, each with its detail (figures only).

    ``silent_since`` is when the server last heard a heartbeat (else the enrollment); ``open_window`` says
    whether the office was open for the whole offline threshold up to now (:func:`office_open_for`). An
    offline incident is opened only then, and stays open (at night too) until a heartbeat comes."""
    out: dict[str, dict[str, Any]] = {}
    silent = now - silent_since
    if silent > limits.offline and (open_window or OFFLINE in open_kinds):
        out[OFFLINE] = {"since": silent_since.isoformat(timespec="seconds")}
    if h.paper_out:
        out[PAPER_OUT] = {"printer": h.printer_state}
    elif h.paper_low:
        out[PAPER_LOW] = {"printer": h.printer_state, "paper_left_pct": h.paper_left_pct}
    if (h.outbox_failed or 0) > 0 or (h.oldest_pending_s or 0) > limits.stuck.total_seconds():
        out[STUCK] = {"pending": h.outbox_pending, "failed": h.outbox_failed, "oldest_s": h.oldest_pending_s}
    if h.clock_skew_s is not None and abs(h.clock_skew_s) > limits.clock_skew_s:
        out[CLOCK_SKEW] = {"skew_s": h.clock_skew_s}
    if is_behind(h.version, server_version):
        out[VERSION_BEHIND] = {"version": h.version, "server": server_version}
    return out


def duration(seconds: float, t) -> str:
    """A length of time in words, rounded down to its largest unit ("3 hours"); ``t`` translates msgids."""
    s = max(0, int(seconds))
    if s < 60:
        return t("less than a minute")
    if s < 3600:
        return t("{n} min").format(n=s // 60)
    if s < 2 * 86400:
        return t("{n} h {m} min").format(n=s // 3600, m=(s % 3600) // 60)
    return t("{n} days").format(n=s // 86400)


# The kiosk printer's states (kiosk/printing/status.py PrinterState) in words; another word shows as sent.
PRINTER_STATES = {
    "ok": "ready",
    "paper_low": "paper low",
    "paper_out": "out of paper",
    "offline": "switched off or not answering",
    "door_open": "cover open",
    "paused": "paused",
    "error": "error",
    "missing": "no printer",
    "unknown": "unknown",
}


def printer_words(state: str | None, t) -> str:
    if not state:
        return "–"
    return t(PRINTER_STATES[state]) if state in PRINTER_STATES else state


def disk_words(mb: int | None, t) -> str:
    if mb is None:
        return "–"
    # Whole numbers only (no decimal mark to get wrong in either language): MB below 10 GB.
    return t("{mb} MB").format(mb=mb) if mb < 10 * 1024 else t("{gb} GB").format(gb=mb // 1024)


def detail_line(kind: str, detail: dict[str, Any], t, tz=None) -> str:
    """One sentence of an incident's figures, in the language of ``t`` (mail and page); times in ``tz``
    (the office's time zone; UTC when None)."""
    if kind == OFFLINE:
        try:
            since = datetime.fromisoformat(str(detail.get("since")))
        except ValueError:
            return ""
        return t("No heartbeat since {time}.").format(time=(since.astimezone(tz) if tz else since).strftime("%Y-%m-%d %H:%M"))
    if kind in (PAPER_OUT, PAPER_LOW):
        pct = detail.get("paper_left_pct")
        if isinstance(pct, (int, float)) and kind == PAPER_LOW:
            return t("Paper left: about {pct}%.").format(pct=round(pct))
        return t("Printer: {state}.").format(state=printer_words(detail.get("printer"), t))
    if kind == STUCK:
        oldest = detail.get("oldest_s")
        age = duration(oldest, t) if isinstance(oldest, (int, float)) else "-"
        return t("{pending} records waiting, the oldest for {age} now; {failed} refused by the server.").format(
            pending=detail.get("pending") if detail.get("pending") is not None else "-", age=age,
            failed=detail.get("failed") if detail.get("failed") is not None else "-")
    if kind == CLOCK_SKEW:
        skew = detail.get("skew_s")
        return t("The kiosk's clock is {seconds} seconds off the server's.").format(
            seconds=round(skew) if isinstance(skew, (int, float)) else "-")
    if kind == VERSION_BEHIND:
        return t("The kiosk runs version {version}; the server runs {server}.").format(
            version=detail.get("version"), server=detail.get("server"))
    return ""


def incident_detail(text: str | None) -> dict[str, Any]:
    """An incident's stored ``detail`` (small JSON of figures); {} for none or for anything unreadable."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
