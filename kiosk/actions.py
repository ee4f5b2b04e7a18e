"""Every citizen and staff action of the kiosk, as plain methods on one object.

The touchscreen and the ``kiosk`` command line both call these, so a flow tested from the shell is the
flow a citizen gets (sqlite-utils' CLI is a thin layer over its library in the same way). Calls here do
I/O (SQLite, PDF rendering): the UI runs them on its worker thread, never on the UI thread.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__, sealing
from .config import Config
from .domain import ikm, tracking
from .domain.catalog import Agency, Service
from .domain.complaint import ComplaintClass, Privacy, Topic, complaint_to_dict, validate_complaint
from .domain.errors import ValidationError
from .domain.rating import quick_to_dict, survey_to_dict, validate_quick, validate_survey
from .domain.workflow import Status, WorkCalendar, expected_timeline, next_deadline
from .errors import NotFound, PrintError, StoreError
from .paths import DEMO_CATALOG, FORMS
from .printing import backends as print_backends
from .printing import forms as form_files
from .printing import formpdf
from .printing.backends import JobResult, Printer
from .printing.paper import PaperEstimate, estimate, length_used_mm, page_sizes_mm
from .printing.receipt import ReceiptInfo, render_receipt
from .printing.status import MSG_JOB_FAILED, PrinterState, PrinterStatus
from .printing.testpage import render_test_page
from .store import catalog as catalog_store
from .store import forms as forms_store
from .store import printer_state
from .store import records
from .store import tap_discards
from .store.catalog import CatalogInfo, SearchHit
from .store.db import Store
from .sync.worker import SyncStatus, SyncWorker, saved_status


log = logging.getLogger("kiosk.actions")

# What the citizen is told after a print (English msgids; Indonesian in printing.po). Staff-facing
# details are in PrintOutcome.status.message.
MSG_RECEIPT_PRINTED = "Your receipt is printed. Please take it from the printer."
MSG_RECEIPT_NOT_PRINTED = (
    "The receipt could not be printed. Please take a photo of the code and the QR code on the screen: "
    "they work just like the paper receipt."
)
MSG_FORM_PRINTED = "Your form is printed. Please take it from the printer."
MSG_FORM_NOT_PRINTED = (
    "The form could not be printed. Please ask the staff at the counter for a paper form, or try again later."
)
MSG_TEST_PRINTED = "The test page is printed."
MSG_TEST_NOT_PRINTED = "The test page was not printed."
MSG_NO_FORM = "No form has the id {id}."
MSG_ROLL_LENGTH = "The roll length must be between 1 and 1000 metres."
MSG_PREVIEW_TOOL = "The page preview needs poppler-utils (pdftoppm), which is not installed."


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """What a print call tells the screen. ``printed`` is True only when the printer finished the job;
    otherwise the screen shows the receipt's code and QR (or tells the citizen to ask for a paper form)."""

    printed: bool
    status: PrinterStatus  # the printer after the job, with the paper estimate
    message_id: str  # for the citizen (English msgid)
    job_id: str | None = None
    pdf_path: str | None = None  # the file written by the pdf backend
    kind: str = "receipt"  # receipt | form | test
    reference: str | None = None  # tracking code, or the form's printed reference
    detail: str = ""  # technical, for logs


@dataclass(frozen=True, slots=True)
class FiledComplaint:
    uuid: str
    tracking_code: str  # display form, e.g. "K7PM-Q2HX-9RT"
    status: Status
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TrackEvent:
    status: Status
    at: datetime


@dataclass(frozen=True, slots=True)
class TrackResult:
    tracking_code: str
    complaint_class: ComplaintClass
    topic: Topic
    agency: Agency | None
    service: Service | None
    status: Status
    status_at: datetime
    events: tuple[TrackEvent, ...]
    response: str | None
    response_at: datetime | None
    deadlines: tuple[tuple[str, Any], ...]  # (English msgid label, date) still ahead


@dataclass(frozen=True, slots=True)
class KioskStatus:
    version: str
    kiosk_id: str
    catalog: CatalogInfo
    outbox_pending: int
    outbox_failing: int
    oldest_pending_at: str | None
    last_sent_at: str | None
    disk_free_mb: int
    data_dir: str


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _key(value: str) -> str:
    """A filing's idempotency key in its canonical form (a UUID; anything else is refused)."""
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        raise ValidationError("This is not a valid id.", field="uuid") from None


def _filed(stored: records.StoredComplaint) -> FiledComplaint:
    return FiledComplaint(stored.uuid, tracking.display(stored.tracking_code), Status(stored.status),
                          datetime.fromisoformat(stored.created_at))


class Kiosk:
    """One kiosk: its configuration and its store. Cheap to create; share one per process."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self._sync: SyncWorker | None = None
        self._printer: Printer | None = None
        self._forms: dict[str, form_files.FormSpec] | None = None

    @property
    def calendar(self) -> WorkCalendar:
        """Working days as the server counts them (its holidays and cuti bersama, pulled with the catalog)
        plus any local day in this kiosk's config, so the receipt's dates are the server's deadlines.
        Before the first pull (or offline from the start) only the config's list is known."""
        return WorkCalendar(self.config.holidays | catalog_store.stored_holidays(self.store.db))

    @classmethod
    def open(cls, config: Config) -> Kiosk:
        return cls(config, Store(config.db_path))

    def close(self) -> None:
        if self._sync is not None:
            self._sync.stop(timeout=5)
        self.store.close()

    # --- sync ------------------------------------------------------------------------------------

    def start_sync(self) -> SyncWorker:
        """Start the background sync worker (idempotent). Without a server or an enrollment it stays
        idle and says so in its status; the kiosk works the same offline."""
        if self._sync is None:
            # Heartbeats carry the printer's state and the paper estimate to the central fleet view.
            self._sync = SyncWorker(self.config, store=self.store, printer_status=self._printer_heartbeat)
            self._sync.start()
        return self._sync

    def sync_status(self) -> SyncStatus:
        return self._sync.status if self._sync is not None else saved_status(self.store)

    def _stored(self) -> None:
        # A new record: have the worker send it now rather than at the end of its current wait.
        if self._sync is not None:
            self._sync.wake()

    # --- catalog ---------------------------------------------------------------------------------

    def load_catalog(self, path: Path | None = None) -> CatalogInfo:
        """Replace the catalog with a catalog file (the demo one by default)."""
        source = Path(path) if path else DEMO_CATALOG
        try:
            raw = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValidationError("The file {path} does not exist.", path=str(source)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError("The file {path} cannot be read: {reason}", path=str(source), reason=str(exc)) from None
        return catalog_store.replace_catalog(self.store.db, raw)

    def catalog_info(self) -> CatalogInfo:
        return catalog_store.catalog_info(self.store.db)

    def agencies(self) -> list[Agency]:
        return catalog_store.list_agencies(self.store.db)

    def agency(self, agency_id: str) -> Agency:
        found = catalog_store.get_agency(self.store.db, agency_id)
        if found is None:
            raise NotFound("No agency has the id {id}.", id=agency_id)
        return found

    def services(self, agency_id: str) -> list[Service]:
        self.agency(agency_id)
        return catalog_store.list_services(self.store.db, agency_id)

    def service(self, service_id: str) -> Service:
        found = catalog_store.get_service(self.store.db, service_id)
        if found is None:
            raise NotFound("No service has the id {id}.", id=service_id)
        return found

    def search(self, text: str, limit: int = 30) -> list[SearchHit]:
        """Services matching every typed word as a prefix; else close matches (``hit.close``) for typos."""
        return catalog_store.search_services(self.store.db, text, limit=limit)

    def prepare_search(self) -> None:
        """Get the typo-tolerant index ready (built once per catalog) before the citizen types."""
        catalog_store.prepare_search(self.store.db)

    # --- satisfaction ----------------------------------------------------------------------------

    def ikm(self, agency_id: str | None = None, service_id: str | None = None) -> ikm.IkmResult | None:
        """The IKM of the surveys stored at this kiosk, for a service, an agency or overall."""
        if agency_id is not None:
            self.agency(agency_id)
        if service_id is not None:
            self.service(service_id)
        sums = records.ikm_sums(self.store.db, service_id=service_id, agency_id=agency_id)
        return ikm.compute_from_sums(sums.respondents, sums.sums)

    def service_ikm(self, service_id: str) -> ikm.IkmResult | None:
        """The service's IKM across all kiosks as the server last aggregated it, plus this kiosk's answers
        that the aggregate cannot contain yet; only this kiosk's answers when the server sent none."""
        self.service(service_id)
        snapshot = catalog_store.service_ikm_snapshot(self.store.db, service_id)
        if snapshot is None:
            return self.ikm(service_id=service_id)
        respondents, sums, as_of = snapshot
        extra = records.ikm_sums_not_counted_by_server(self.store.db, service_id=service_id, as_of=as_of)
        total = {code: sums.get(code, 0) + extra.sums[code] for code in extra.sums}
        try:
            return ikm.compute_from_sums(respondents + extra.respondents, total)
        except ValidationError:
            return self.ikm(service_id=service_id)  # inconsistent aggregate from the server

    def add_survey(self, raw: dict[str, Any]) -> str:
        now = _utcnow()
        survey = validate_survey(raw, answered_at=now)
        service = self.service(survey.service_id)
        rid = str(uuidlib.uuid4())
        records.insert_rating(
            self.store.db,
            uuid=rid,
            created_at=_iso(now),
            kind="ikm",
            service_id=service.id,
            agency_id=service.agency_id,
            scores={code: score for code, _name, score in survey.answers},
            face=None,
            doc=survey_to_dict(survey),
        )
        self._stored()
        return rid

    def add_quick_rating(self, raw: dict[str, Any]) -> str:
        now = _utcnow()
        quick = validate_quick(raw, answered_at=now)
        agency_id = quick.agency_id
        if quick.service_id is not None:
            agency_id = self.service(quick.service_id).agency_id
        elif agency_id is not None:
            self.agency(agency_id)
        rid = str(uuidlib.uuid4())
        records.insert_rating(
            self.store.db,
            uuid=rid,
            created_at=_iso(now),
            kind="quick",
            service_id=quick.service_id,
            agency_id=agency_id,
            scores=None,
            face=quick.face,
            doc=quick_to_dict(quick),
        )
        self._stored()
        return rid

    def count_discarded_tap(self) -> None:
        """A quick-rating tap the repeated-tap filter dropped: counted for today (office time), never stored
        as a rating; the heartbeat reports the counts."""
        tap_discards.count_one(self.store.db, self._today())

    # --- complaints ------------------------------------------------------------------------------

    def file_complaint(self, raw: dict[str, Any], *, uuid: str | None = None) -> FiledComplaint:
        """Validate and store a complaint with its outbox row; the tracking code works at once.

        ``uuid`` is the idempotency key of one filing (the wizard makes it once): filing again with a
        uuid already stored returns that complaint, same code, and stores nothing new.
        """
        if uuid is not None:
            uuid = _key(uuid)
            stored = records.stored_complaint(self.store.db, uuid)
            if stored is not None:
                return _filed(stored)
        now = _utcnow()
        complaint = validate_complaint(raw, today=now.astimezone(self.config.tz).date(), now=now)
        if complaint.agency_id is not None:
            self._known_agency(complaint.agency_id)
        if complaint.service_id is not None:
            service = catalog_store.get_service(self.store.db, complaint.service_id)
            if service is None:
                raise ValidationError("This service is not in the catalog.", field="service_id")
            if complaint.agency_id is not None and service.agency_id != complaint.agency_id:
                raise ValidationError("This service belongs to another agency.", field="service_id")
        doc = complaint_to_dict(complaint)
        if complaint.service_id is not None and complaint.agency_id is None:
            doc["agency_id"] = service.agency_id
        code = tracking.generate()
        while records.tracking_code_taken(self.store.db, code):  # one in 2**49; cheap to rule out
            code = tracking.generate()
        stored = records.insert_complaint(
            self.store.db,
            uuid=uuid or str(uuidlib.uuid4()),
            tracking_code=code,
            created_at=_iso(now),
            status=Status.RECEIVED_AT_KIOSK.value,
            doc=sealing.seal_complaint(self.config, doc),  # the kiosk never stores an identity it can read
        )
        if stored.new:
            self._stored()
        return _filed(stored)

    def file_complaint_and_print(self, raw: dict[str, Any], lang: str = "id", *, uuid: str | None = None,
                                 wait_s: float | None = None) -> tuple[FiledComplaint, PrintOutcome]:
        """File a complaint, then print its receipt: what the Send button does.

        Errors before the complaint is stored reach the caller (nothing was saved; Send again is
        right). Once it is stored nothing may hide its code: any failure of the receipt (the printer,
        the print-job log, the paper counter, a full disk) becomes "could not print" beside the code.
        """
        filed = self.file_complaint(raw, uuid=uuid)
        try:
            outcome = self.print_receipt(filed.tracking_code, lang, wait_s=wait_s)
        except Exception as exc:  # noqa: BLE001 - the code is the citizen's receipt; it must be shown
            log.exception("receipt of a stored complaint failed")
            outcome = PrintOutcome(
                printed=False,
                status=PrinterStatus(PrinterState.ERROR, MSG_JOB_FAILED, {"reason": type(exc).__name__},
                                     backend=self.config.printer.backend, queue="", detail=str(exc)),
                message_id=MSG_RECEIPT_NOT_PRINTED,
                reference=filed.tracking_code,
                detail=str(exc),
            )
        return filed, outcome

    def _known_agency(self, agency_id: str) -> Agency:
        found = catalog_store.get_agency(self.store.db, agency_id)
        if found is None:
            raise ValidationError("This agency is not in the catalog.", field="agency_id")
        return found

    def _complaint(self, code_text: str) -> records.ComplaintRow:
        code = tracking.parse(code_text)  # ValidationError with a plain message on a typo
        row = records.complaint_by_code(self.store.db, code)
        if row is None:
            raise NotFound("No complaint with the code {code} was filed at this kiosk.", code=tracking.display(code))
        return row

    def receipt_info(self, code_text: str) -> ReceiptInfo:
        row = self._complaint(code_text)
        agency = catalog_store.get_agency(self.store.db, row.agency_id) if row.agency_id else None
        service = catalog_store.get_service(self.store.db, row.service_id) if row.service_id else None
        created = datetime.fromisoformat(row.created_at)
        code = tracking.display(row.tracking_code)
        return ReceiptInfo(
            office_name=self.config.office.name,
            kiosk_name=self.config.kiosk.name,
            filed_at=created.astimezone(self.config.tz),
            tracking_code=code,
            tracking_url=self.config.tracking_url(row.tracking_code),
            complaint_class=ComplaintClass(row.complaint_class),
            topic=Topic(row.topic),
            privacy=Privacy(row.privacy),
            agency_name=agency.name if agency else None,
            service_name=service.name if service else None,
            confirmed=row.status != Status.RECEIVED_AT_KIOSK.value,
            deadlines=tuple(
                (d.label, d.due) for d in expected_timeline(created.astimezone(self.config.tz).date(), self.calendar)
            ),
            demo=self.catalog_info().demo,
        )

    def receipt_pdf(self, code_text: str, lang: str = "id") -> bytes:
        return render_receipt(self.receipt_info(code_text), lang=lang, width_mm=self.config.printer.paper_width_mm)

    def track(self, code_text: str) -> TrackResult:
        row = self._complaint(code_text)
        status = Status(row.status)
        status_at = datetime.fromisoformat(row.status_at)
        next_due = next_deadline(status, status_at.astimezone(self.config.tz).date(), self.calendar)
        return TrackResult(
            tracking_code=tracking.display(row.tracking_code),
            complaint_class=ComplaintClass(row.complaint_class),
            topic=Topic(row.topic),
            agency=catalog_store.get_agency(self.store.db, row.agency_id) if row.agency_id else None,
            service=catalog_store.get_service(self.store.db, row.service_id) if row.service_id else None,
            status=status,
            status_at=status_at,
            events=tuple(TrackEvent(Status(e.status), datetime.fromisoformat(e.at)) for e in row.events),
            response=row.response,
            response_at=datetime.fromisoformat(row.response_at) if row.response_at else None,
            deadlines=((next_due.label, next_due.due),) if next_due else (),
        )

    # --- staff -----------------------------------------------------------------------------------

    def status(self) -> KioskStatus:
        stats = records.outbox_stats(self.store.db)
        data_dir = self.config.data_dir
        free = shutil.disk_usage(data_dir if data_dir.exists() else data_dir.parent).free
        return KioskStatus(
            version=__version__,
            kiosk_id=self.config.kiosk.id,
            catalog=self.catalog_info(),
            outbox_pending=stats.pending,
            outbox_failing=stats.failing,
            oldest_pending_at=stats.oldest_pending_at,
            last_sent_at=stats.last_sent_at,
            disk_free_mb=free // (1024 * 1024),
            data_dir=str(data_dir),
        )

    # --- printer and paper (issue 5) ---------------------------------------------------------------

    @property
    def printer(self) -> Printer:
        """The configured printer backend (cups, pdf or none), made once."""
        if self._printer is None:
            p = self.config.printer
            self._printer = print_backends.make_printer(p.backend, queue=p.queue, pdf_dir=self.config.pdf_dir)
        return self._printer

    def use_printer(self, printer: Printer) -> None:
        """Print through another backend from now on (tests, the admin screen after a change)."""
        self._printer = printer

    def paper_status(self) -> PaperEstimate:
        return estimate(printer_state.paper_counter(self.store.db), self.config.printer.roll_length_m)

    def printer_status(self) -> PrinterStatus:
        """The printer as the admin screen and the heartbeat show it: its own state, raised to
        paper_low when the roll estimate runs low. Never raises for a printer problem."""
        try:
            st = self.printer.status()
        except Exception as exc:  # noqa: BLE001 - a probe must never break the admin screen
            log.exception("printer status failed")
            st = PrinterStatus(PrinterState.ERROR, MSG_JOB_FAILED, {"reason": str(exc)}, backend=self.printer.backend,
                               queue=self.printer.queue, detail=str(exc))
        if st.backend == "none":
            return st
        try:
            return st.with_paper(self.paper_status())
        except StoreError:
            log.exception("paper counter unreadable")
            return st

    def _printer_heartbeat(self) -> dict[str, Any]:
        return self.printer_status().heartbeat()

    def paper_refilled(self, length_m: float | None = None) -> PaperEstimate:
        """Staff put in a new roll (of ``length_m`` metres; the configured length by default)."""
        length = self.config.printer.roll_length_m if length_m is None else length_m
        if isinstance(length, bool) or not isinstance(length, (int, float)) or not 1 <= length <= 1000:
            raise ValidationError(MSG_ROLL_LENGTH, field="length_m")
        printer_state.refill(self.store.db, at=_iso(_utcnow()), roll_length_mm=float(length) * 1000)
        return self.paper_status()

    def recent_print_jobs(self, limit: int = 20) -> list[printer_state.PrintJobRow]:
        return printer_state.recent_jobs(self.store.db, limit)

    def _print(self, pdf: bytes, *, kind: str, ref: str | None, title: str, wait_s: float | None,
               printed_msg: str, failed_msg: str, log_ref: str | None = None) -> PrintOutcome:
        """Send a document, log the job and count its paper; printer trouble becomes printed=False."""
        printer = self.printer
        try:
            result = printer.print_pdf(pdf, title=title, wait_s=wait_s or print_backends.DEFAULT_WAIT_S)
        except Exception as exc:  # noqa: BLE001 - never an exception to the screen for a printer problem
            log.exception("printing failed")
            st = PrinterStatus(PrinterState.ERROR, MSG_JOB_FAILED, {"reason": str(exc)}, backend=printer.backend,
                               queue=printer.queue, detail=str(exc))
            result = JobResult(False, st, detail=str(exc))
        length = length_used_mm(pdf) if printer.backend in ("cups", "pdf") else 0.0
        status = result.status
        try:
            printer_state.record_job(
                self.store.db, at=_iso(_utcnow()), kind=kind, ref=log_ref or ref, backend=printer.backend,
                queue=printer.queue,
                job_id=result.job_id, printed=result.printed, state=status.state.value,
                detail=result.detail or None, length_mm=length,
            )
            if printer.backend != "none":
                status = status.with_paper(self.paper_status())
        except StoreError:
            log.exception("could not log the print job")  # the paper came out (or not) all the same
        if not result.printed:
            log.warning("%s %s not printed: %s (%s)", kind, ref, status.text, result.detail)
        return PrintOutcome(
            printed=result.printed,
            status=status,
            message_id=printed_msg if result.printed else failed_msg,
            job_id=result.job_id,
            pdf_path=result.pdf_path,
            kind=kind,
            reference=ref,
            detail=result.detail,
        )

    def print_receipt(self, code_text: str, lang: str = "id", *, wait_s: float | None = None) -> PrintOutcome:
        """Print a filed complaint's receipt. The complaint is already stored: whatever the printer
        does, the code keeps working, and printed=False tells the screen to show the code and QR."""
        info = self.receipt_info(code_text)  # ValidationError / NotFound for a bad code, as elsewhere
        pdf = render_receipt(info, lang=lang, width_mm=self.config.printer.paper_width_mm)
        code = info.tracking_code.replace("-", "")
        return self._print(pdf, kind="receipt", ref=info.tracking_code, title=f"iplik-receipt-{code}", wait_s=wait_s,
                           printed_msg=MSG_RECEIPT_PRINTED, failed_msg=MSG_RECEIPT_NOT_PRINTED)

    def test_page_pdf(self, lang: str = "id") -> bytes:
        return render_test_page(
            office_name=self.config.office.name, kiosk_name=self.config.kiosk.name, kiosk_id=self.config.kiosk.id,
            now=_utcnow().astimezone(self.config.tz), lang=lang, width_mm=self.config.printer.paper_width_mm,
        )

    def print_test_receipt(self, lang: str = "id", *, wait_s: float | None = None) -> PrintOutcome:
        """The staff's test page: width ruler, QR, cut. Counts against the roll like a receipt."""
        return self._print(self.test_page_pdf(lang), kind="test", ref=None, title="iplik-test-page", wait_s=wait_s,
                           printed_msg=MSG_TEST_PRINTED, failed_msg=MSG_TEST_NOT_PRINTED)

    # --- application forms (issue 5) -----------------------------------------------------------------

    def _form_specs(self) -> dict[str, form_files.FormSpec]:
        if self._forms is None:
            # Not strict: one broken file is logged and left out, the other forms stay available.
            self._forms = form_files.load_forms(FORMS, strict=False)
        return self._forms

    def forms(self) -> list[form_files.FormSpec]:
        """Every application form, by Indonesian title."""
        return sorted(self._form_specs().values(), key=lambda f: f.title.id.casefold())

    def form(self, form_id: str) -> form_files.FormSpec:
        found = self._form_specs().get(form_id)
        if found is None:
            raise NotFound(MSG_NO_FORM, id=form_id)
        return found

    def form_for_service(self, service_id: str) -> form_files.FormSpec | None:
        """The form a service links to, or None (no form, or its file is missing: logged)."""
        service = self.service(service_id)
        if not service.form_id:
            return None
        found = self._form_specs().get(service.form_id)
        if found is None:
            log.warning("service %s links to form %s, which has no file in %s", service_id, service.form_id, FORMS)
        return found

    def form_services(self, form_id: str) -> list[Service]:
        """The catalog services that link to a form (for "Formulir" lists by agency)."""
        self.form(form_id)
        out = []
        for sid in forms_store.service_ids_for_form(self.store.db, form_id):
            svc = catalog_store.get_service(self.store.db, sid)
            if svc is not None:
                out.append(svc)
        return out

    def _today(self):
        return _utcnow().astimezone(self.config.tz).date()

    def validate_form_field(self, form_id: str, field_id: str, value: Any) -> Any:
        """One field as the citizen leaves it: its stored form, or ValidationError naming the field."""
        return self.form(form_id).field(field_id).validate(value, today=self._today())

    def validate_form_values(self, form_id: str, values: dict[str, Any] | None) -> dict[str, Any]:
        """All values at once; the first problem raises ValidationError naming its field."""
        return self.form(form_id).validate_values(values, today=self._today())

    def form_errors(self, form_id: str, values: dict[str, Any] | None) -> dict[str, ValidationError]:
        """Field id -> problem for every field at once (for a review page); empty when all is well."""
        return self.form(form_id).errors(values, today=self._today())

    def _form_context(self, spec: form_files.FormSpec, ref: str | None) -> formpdf.FormContext:
        agency = catalog_store.get_agency(self.store.db, spec.agency_id)
        info = self.catalog_info()
        province = info.province or "Provinsi Nusa Tenggara Barat"
        return formpdf.FormContext(
            agency_name=agency.name if agency else spec.agency_name,
            agency_address=agency.address if agency else "",
            agency_phone=agency.phone if agency else "",
            agency_email=agency.email if agency else "",
            government=province,
            kiosk_name=self.config.kiosk.name,
            printed_at=_utcnow().astimezone(self.config.tz),
            ref=ref,
            demo=info.demo,
        )

    def _form_pdf(self, form_id: str, values: dict[str, Any] | None, lang: str,
                  ref: str | None = None) -> tuple[bytes, str | None]:
        spec = self.form(form_id)
        clean = None if values is None else spec.validate_values(values, today=self._today())
        ref = None if clean is None else (ref or formpdf.new_reference())
        return formpdf.render(spec, clean, lang=lang, context=self._form_context(spec, ref)), ref

    @staticmethod
    def new_form_reference() -> str:
        """A reference for one filled form ("F-K7PM-Q2HX"). The screen makes it once and passes it to the
        preview and the print: made anew for each, the preview showed one reference and the paper another."""
        return formpdf.new_reference()

    def render_form(self, form_id: str, values: dict[str, Any] | None = None, lang: str = "id", *,
                    ref: str | None = None) -> bytes:
        """The A4 PDF, blank when ``values`` is None; values are validated first (ValidationError).
        A filled form carries ``ref``, or a new reference when None."""
        return self._form_pdf(form_id, values, lang, ref)[0]

    def form_preview_png(self, form_id: str, values: dict[str, Any] | None = None, lang: str = "id", *,
                         width_px: int = 900, ref: str | None = None) -> list[bytes]:
        """The form's pages as PNG images ``width_px`` wide, for the preview before printing. Rendered
        from the same PDF by poppler's pdftoppm through pipes (nothing written to disk); pass the ``ref``
        that :meth:`print_form` will print."""
        pdf = self.render_form(form_id, values, lang, ref=ref)
        pages = max(1, len(page_sizes_mm(pdf)))
        out = []
        for page in range(1, pages + 1):
            try:
                done = subprocess.run(
                    ["pdftoppm", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                     "-scale-to-x", str(int(width_px)), "-scale-to-y", "-1", "-"],
                    input=pdf, capture_output=True, timeout=30, check=False,
                )
            except FileNotFoundError:
                raise PrintError(MSG_PREVIEW_TOOL) from None
            except subprocess.TimeoutExpired:
                raise PrintError("pdftoppm did not finish in 30 seconds") from None
            if done.returncode != 0 or not done.stdout:
                raise PrintError(f"pdftoppm failed: {done.stderr.decode(errors='replace').strip()}")
            out.append(done.stdout)
        return out

    def print_form(self, form_id: str, values: dict[str, Any] | None = None, lang: str = "id", *,
                   wait_s: float | None = None, ref: str | None = None) -> PrintOutcome:
        """Print a form, blank (values None) or filled (validated first: ValidationError before anything
        is printed), with ``ref`` (the preview's) or a new reference. Nothing typed is stored; the job log
        names the form and its reference only."""
        pdf, ref = self._form_pdf(form_id, values, lang, ref)
        log_ref = f"{form_id} {ref}" if ref else f"{form_id} (blank)"
        return self._print(pdf, kind="form", ref=ref, log_ref=log_ref, title=f"iplik-form-{form_id}", wait_s=wait_s,
                           printed_msg=MSG_FORM_PRINTED, failed_msg=MSG_FORM_NOT_PRINTED)
