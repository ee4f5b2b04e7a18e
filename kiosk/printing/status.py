"""One printer status for the whole kiosk, whatever the backend says.

CUPS describes a printer with a state (idle, processing, stopped), whether the queue accepts jobs, and a
list of ``printer-state-reasons`` keywords (RFC 8011 5.4.12), each possibly suffixed ``-report``,
``-warning`` or ``-error``. Screens, the admin page and the heartbeat need one answer: can a receipt be
printed now, and if not, what should staff do. :func:`from_cups` turns the first into the second.

Messages are English msgids with ``{named}`` params, translated in assets/locale/id/LC_MESSAGES/printing.po.
``message`` speaks to staff (what is wrong and what to do); the citizen's words are in
:mod:`kiosk.printing.backends` (``PrintOutcome.message_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from ..i18n import fill
from .paper import PaperEstimate


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"  # still prints
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"  # switched off, unplugged, not answering
    DOOR_OPEN = "door_open"
    PAUSED = "paused"  # stopped or not accepting jobs, usually by a person
    ERROR = "error"  # stopped for a reason we cannot name, or CUPS itself is down
    MISSING = "missing"  # no such queue, or no printer configured


# Staff-facing messages, one per situation.
MSG_OK = "The printer is ready."
MSG_PDF_OK = "Printing to PDF files in {folder} (for development)."
MSG_PAPER_LOW_DEVICE = "The printer says the paper is running low. Put in a new roll soon."
MSG_PAPER_LOW_ESTIMATE = (
    "Paper is running low: about {receipts} receipts left ({metres} m). Put in a new roll soon, "
    "then tap Paper refilled."
)
MSG_PAPER_EMPTY_ESTIMATE = (
    "By the count of printed receipts the roll should be empty now. Check the printer and put in a new "
    "roll, then tap Paper refilled."
)
MSG_PAPER_OUT = "The printer is out of paper. Put in a new roll, then tap Paper refilled."
MSG_DOOR_OPEN = "The printer cover is open. Close it firmly."
MSG_OFFLINE = "The printer is switched off or not connected. Check its power and cable."
MSG_PAUSED = "The printer is paused. A technician can resume it with: cupsenable {queue}"
MSG_REJECTING = "The printer does not accept print jobs. A technician can fix it with: cupsaccept {queue}"
MSG_ERROR = "The printer has stopped because of an error: {detail}"
MSG_ERROR_UNKNOWN = "The printer has stopped because of an error. Check it, or ask a technician."
MSG_CUPS_DOWN = "The print service (CUPS) is not running. Restart the kiosk or ask a technician."
MSG_MISSING_QUEUE = "The printer {queue} is not set up on this kiosk. A technician must install it."
MSG_NO_PRINTER = "This kiosk has no printer."
MSG_PDF_FOLDER = "The PDF folder {folder} cannot be written."
MSG_TIMEOUT = "The printer did not finish a job within {seconds} seconds; the job was cancelled."
MSG_JOB_FAILED = "The printer could not print the last job ({reason})."

# Reasons (suffix stripped) -> state, most urgent first. Anything else with an -error suffix, or none,
# on a stopped printer is ERROR.
_REASON_STATES: tuple[tuple[frozenset[str], PrinterState], ...] = (
    (frozenset({"media-empty", "media-needed", "input-tray-missing", "media-jam"}), PrinterState.PAPER_OUT),
    (frozenset({"door-open", "cover-open", "interlock-open"}), PrinterState.DOOR_OPEN),
    (frozenset({"offline", "shutdown", "connecting-to-device", "timed-out"}), PrinterState.OFFLINE),
    (frozenset({"paused", "moving-to-paused"}), PrinterState.PAUSED),
    (frozenset({"media-low"}), PrinterState.PAPER_LOW),
)
_STATE_MESSAGES = {
    PrinterState.PAPER_OUT: MSG_PAPER_OUT,
    PrinterState.DOOR_OPEN: MSG_DOOR_OPEN,
    PrinterState.OFFLINE: MSG_OFFLINE,
    PrinterState.PAUSED: MSG_PAUSED,
    PrinterState.PAPER_LOW: MSG_PAPER_LOW_DEVICE,
}
# Reasons that say nothing about whether paper comes out: informational, or about supplies a thermal
# printer does not have.
_HARMLESS = frozenset({"none", "toner-low", "marker-supply-low", "developer-low", "other",
                       "cups-waiting-for-job-completed", "cups-insecure-filter", "cups-missing-filter",
                       "processing-to-stop-point"})


def _utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    message: str  # English msgid, staff-facing
    params: dict[str, Any] = field(default_factory=dict)
    backend: str = "cups"
    queue: str = ""
    reasons: tuple[str, ...] = ()  # the raw CUPS printer-state-reasons
    detail: str = ""  # technical text for logs (CUPS' own message, an lp error)
    accepting: bool = True
    paper: PaperEstimate | None = None
    checked_at: str = field(default_factory=_utcnow_iso)

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.OK, PrinterState.PAPER_LOW)

    @property
    def text(self) -> str:
        """The message in English with its params (logs, --json). Screens translate ``message``."""
        return fill(self.message, self.params)

    def with_paper(self, paper: PaperEstimate | None) -> PrinterStatus:
        """This status with the paper estimate, raised to PAPER_LOW when the estimate says so and the
        printer itself reports nothing worse."""
        if paper is None:
            return self
        if self.state is PrinterState.OK and paper.low:
            if paper.remaining_mm <= 0:
                return replace(self, state=PrinterState.PAPER_LOW, message=MSG_PAPER_EMPTY_ESTIMATE, params={},
                               paper=paper)
            return replace(self, state=PrinterState.PAPER_LOW, message=MSG_PAPER_LOW_ESTIMATE,
                           params={"receipts": paper.receipts_left, "metres": f"{paper.remaining_mm / 1000:.1f}"},
                           paper=paper)
        return replace(self, paper=paper)

    def heartbeat(self) -> dict[str, Any]:
        """Flat scalars for the sync heartbeat (the worker drops anything else)."""
        out: dict[str, Any] = {
            "backend": self.backend,
            "queue": self.queue,
            "state": self.state.value,
            "can_print": self.can_print,
            "message": self.text[:200],
            "reasons": ",".join(self.reasons)[:200],
            "checked_at": self.checked_at,
        }
        if self.paper is not None:
            out.update(self.paper.heartbeat())
        return out


def _split_reason(reason: str) -> tuple[str, str]:
    for suffix in ("-report", "-warning", "-error"):
        if reason.endswith(suffix):
            return reason[: -len(suffix)], suffix[1:]
    return reason, "error"  # RFC 8011: no suffix means an error


def from_cups(queue: str, attrs: dict[str, list[Any]]) -> PrinterStatus:
    """The kiosk status of a CUPS queue from its Get-Printer-Attributes answer."""
    state = (attrs.get("printer-state") or [0])[0]
    reasons = tuple(str(r) for r in attrs.get("printer-state-reasons") or ["none"])
    accepting = bool((attrs.get("printer-is-accepting-jobs") or [True])[0])
    cups_message = str((attrs.get("printer-state-message") or [""])[0])
    base = dict(backend="cups", queue=queue, reasons=reasons, detail=cups_message, accepting=accepting)

    keywords = {_split_reason(r)[0]: _split_reason(r)[1] for r in reasons}
    for names, kiosk_state in _REASON_STATES:
        hit = names & keywords.keys()
        if not hit:
            continue
        # "connecting-to-device" appears for a moment at the start of every USB job; only when the
        # printer is not busy printing does it mean nobody answers.
        if hit == {"connecting-to-device"} and state == 4:
            continue
        if kiosk_state is PrinterState.PAPER_LOW and state == 5:
            break  # stopped with only a low-paper warning: the stop is the news
        message = _STATE_MESSAGES[kiosk_state]
        return PrinterStatus(kiosk_state, message, {"queue": queue}, **base)
    if state == 5:
        if cups_message:
            return PrinterStatus(PrinterState.ERROR, MSG_ERROR, {"detail": cups_message}, **base)
        return PrinterStatus(PrinterState.ERROR, MSG_ERROR_UNKNOWN, {}, **base)
    if not accepting:
        return PrinterStatus(PrinterState.PAUSED, MSG_REJECTING, {"queue": queue}, **base)
    serious = [k for k, sev in keywords.items() if sev == "error" and k not in _HARMLESS]
    if serious and state != 4:
        return PrinterStatus(PrinterState.ERROR, MSG_ERROR, {"detail": cups_message or ", ".join(serious)}, **base)
    return PrinterStatus(PrinterState.OK, MSG_OK, {}, **base)


def missing_queue(queue: str, detail: str = "") -> PrinterStatus:
    return PrinterStatus(PrinterState.MISSING, MSG_MISSING_QUEUE, {"queue": queue}, backend="cups", queue=queue,
                         detail=detail, accepting=False)


def cups_down(queue: str, detail: str = "") -> PrinterStatus:
    return PrinterStatus(PrinterState.ERROR, MSG_CUPS_DOWN, {}, backend="cups", queue=queue, detail=detail,
                         accepting=False)


def no_printer() -> PrinterStatus:
    return PrinterStatus(PrinterState.MISSING, MSG_NO_PRINTER, {}, backend="none", accepting=False)
