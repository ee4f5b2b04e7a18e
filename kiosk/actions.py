"""Every citizen and staff action of the kiosk, as plain methods on one object.

The touchscreen and the ``kiosk`` command line both call these, so a flow tested from the shell is the
flow a citizen gets (sqlite-utils' CLI is a thin layer over its library in the same way). Calls here do
I/O (SQLite, PDF rendering): the UI runs them on its worker thread, never on the UI thread.
"""

from __future__ import annotations

import json
import shutil
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config
from .domain import ikm, tracking
from .domain.catalog import Agency, Service
from .domain.complaint import ComplaintClass, Privacy, Topic, complaint_to_dict, validate_complaint
from .domain.errors import ValidationError
from .domain.rating import quick_to_dict, survey_to_dict, validate_quick, validate_survey
from .domain.workflow import Status, WorkCalendar, expected_timeline, next_deadline
from .errors import NotFound
from .paths import DEMO_CATALOG
from .printing.receipt import ReceiptInfo, render_receipt
from .store import catalog as catalog_store
from .store import records
from .store.catalog import CatalogInfo, SearchHit
from .store.db import Store
from .sync.worker import SyncStatus, SyncWorker, saved_status


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


class Kiosk:
    """One kiosk: its configuration and its store. Cheap to create; share one per process."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.calendar = WorkCalendar(config.holidays)
        self._sync: SyncWorker | None = None

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
            self._sync = SyncWorker(self.config, store=self.store)
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
        return catalog_store.search_services(self.store.db, text, limit=limit)

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

    # --- complaints ------------------------------------------------------------------------------

    def file_complaint(self, raw: dict[str, Any]) -> FiledComplaint:
        """Validate and store a complaint with its outbox row; the tracking code works at once."""
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
        rid = str(uuidlib.uuid4())
        records.insert_complaint(
            self.store.db,
            uuid=rid,
            tracking_code=code,
            created_at=_iso(now),
            status=Status.RECEIVED_AT_KIOSK.value,
            doc=doc,
        )
        self._stored()
        return FiledComplaint(rid, tracking.display(code), Status.RECEIVED_AT_KIOSK, now)

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
