"""The sync worker: a background thread that pushes the outbox and pulls the catalog and statuses.

* New records go out at once: the app calls :meth:`SyncWorker.wake` after storing one.
* Failures back off exponentially with full jitter, from ``base_s`` (2 s) up to ``cap_s`` (5 min),
  forever; the first answer from the server releases every waiting row at once ("start as soon as the
  network returns").
* Each outbox row keeps its attempts, last error and last attempt time (``kiosk.store.sync_ops``); a
  row the server refused for good (409 conflict, 422 rejected) is set aside for staff.
* A request refused as a whole (400, 413) is split in halves until the one bad record is found.
* :attr:`SyncWorker.status` is what the admin screen and ``kiosk sync status`` show; it is also saved
  in ``sync_state`` so another process can read it.

Nothing here blocks a UI thread: the UI only calls ``wake()``, ``start()``, ``stop()`` and reads ``status``.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from .. import __version__
from ..config import Config
from ..domain.errors import ValidationError
from ..errors import ConfigError, StoreError
from ..i18n import fill
from ..store import catalog as catalog_store
from ..store import staff_pin, sync_ops
from ..store.db import Store
from . import device, wire
from .client import Client, Refused, SyncFailure, Throttled, Unauthorized

log = logging.getLogger("kiosk.sync")

MSG_IDLE = "Everything is sent."
MSG_SENDING = "Sending records to the central server."
MSG_DISABLED = "No central server is set: the kiosk works offline and keeps every record."
MSG_NOT_ENROLLED = "This kiosk is not enrolled with a central server. Run: kiosk enroll --server URL --code CODE"
MSG_RETRY = "{reason} Next try in {seconds} seconds."
MSG_CATALOG_INVALID = "The catalog from the central server is not valid and was not installed: {reason}"
MSG_LOCAL_MISSING = "The record is no longer on this kiosk."


@dataclass
class SyncStatus:
    state: str = "starting"  # disabled | not_enrolled | idle | sending | offline | unauthorized | error
    message: str = ""  # English msgid with {named} params (translated by the UI)
    params: dict[str, Any] = field(default_factory=dict)
    server: str = ""
    device_id: str | None = None
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    next_attempt_at: str | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    error_code: str | None = None
    # The last failure as an English msgid and its params, for the admin screen to translate.
    error_message: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)
    pending: int = 0
    retrying: int = 0
    failed: int = 0
    sent: int = 0
    oldest_pending_at: str | None = None
    catalog_version: str = ""
    catalog_cursor: str | None = None
    status_cursor: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return fill(self.message, self.params)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> SyncStatus:
        if not text:
            return cls(state="never_run")
        try:
            raw = json.loads(text)
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (ValueError, TypeError):
            return cls(state="never_run")


class Backoff:
    """Exponential backoff with full jitter: the n-th failure in a row waits uniform(0, min(cap, base*2^(n-1)))."""

    def __init__(self, base_s: float = 2.0, cap_s: float = 300.0, rand: Callable[[], float] = random.random) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.rand = rand
        self.failures = 0

    def ceiling(self, failures: int) -> float:
        return min(self.cap_s, self.base_s * 2 ** min(max(failures - 1, 0), 40))

    def next_delay(self) -> float:
        self.failures += 1
        # Never exactly 0: a broken network must not become a busy loop even on an unlucky draw.
        return max(self.base_s / 10, self.rand() * self.ceiling(self.failures))

    def delay_for(self, attempts: int) -> float:
        return max(self.base_s / 10, self.rand() * self.ceiling(attempts))

    def reset(self) -> None:
        self.failures = 0


def default_printer_status(config: Config) -> Callable[[], dict[str, Any]]:
    return lambda: {"backend": config.printer.backend}


class SyncWorker:
    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        client: Client | None = None,
        batch_size: int = 200,
        backoff: Backoff | None = None,
        pull_interval_s: float = 300.0,
        heartbeat_interval_s: float = 300.0,
        printer_status: Callable[[], dict[str, Any]] | None = None,
        lease_s: float | None = None,
    ) -> None:
        self.config = config
        self._own_store = store is None
        self.store = store or Store(config.db_path)
        self._client = client
        self._client_key: tuple[str, str] | None = None
        self.batch_size = max(1, min(batch_size, wire.MAX_BATCH_RECORDS))
        self._batch_limit = self.batch_size
        self.backoff = backoff or Backoff()
        self.pull_interval_s = pull_interval_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self.printer_status = printer_status or default_printer_status(config)
        # A claimed row is not claimed again for this long: longer than one request can take.
        self.lease_s = lease_s if lease_s is not None else max(60.0, 3 * config.server.timeout_s)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_pull = float("-inf")
        self._last_heartbeat = float("-inf")
        self._inflight: list[sync_ops.OutboxItem] = []
        self._status = SyncStatus()

    # --- control (any thread) ------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return SyncStatus(**asdict(self._status))

    def wake(self) -> None:
        """A record was stored: send it now rather than at the end of the current wait."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._client is not None and self._client_key is not None:
            self._client.close()
        if self._own_store:
            self.store.close()

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.cycle()
            except Exception:  # noqa: BLE001 - the worker must outlive any bug; the log has it
                log.exception("sync cycle failed")
                delay = self.backoff.next_delay()
            self._wake.wait(max(0.0, delay))
            self._wake.clear()

    def run_once(self) -> SyncStatus:
        """One full pass (push everything due, pull catalog and statuses): ``kiosk sync --once``."""
        self.cycle(force=True)
        return self.status

    # --- one cycle (worker thread) -------------------------------------------------------------------

    def cycle(self, *, force: bool = False) -> float:
        """Push, then pull when due. Returns the seconds to wait before the next cycle."""
        try:
            enrollment = device.load(self.config)
        except ConfigError as exc:
            self._set(state="error", message=str(exc), params={}, last_error=str(exc))
            return self.backoff.cap_s
        url = device.server_url(self.config, enrollment)
        if not url:
            self._set(state="disabled", message=MSG_DISABLED, params={}, server="")
            self._refresh_counts()
            return 3600.0
        if enrollment is None:
            self._set(state="not_enrolled", message=MSG_NOT_ENROLLED, params={}, server=url)
            self._refresh_counts()
            return 3600.0
        client = self._client_for(url, enrollment)
        self._set(server=url, device_id=enrollment.device_id, last_attempt_at=sync_ops.iso(sync_ops.utcnow()))
        try:
            self._push_all(client)
            now = time.monotonic()
            if force or now - self._last_pull >= self.pull_interval_s:
                self._pull(client)
                self._last_pull = time.monotonic()
        except SyncFailure as exc:
            return self._failed(exc)
        except StoreError as exc:
            log.error("sync store error: %s", exc)
            self._set(state="error", message=str(exc), params={}, last_error=str(exc))
            return self.backoff.next_delay()
        self.backoff.reset()
        self._set(state="idle", message=MSG_IDLE, params={}, consecutive_failures=0,
                  last_success_at=sync_ops.iso(sync_ops.utcnow()), last_error=None, error_code=None,
                  error_message=None, error_params={}, next_attempt_at=None)
        self._refresh_counts()
        return self._next_wait()

    def _client_for(self, url: str, enrollment: device.Enrollment) -> Client:
        key = (url, enrollment.token)
        if self._client is None or (self._client_key is not None and self._client_key != key):
            if self._client is not None:
                self._client.close()
            self._client = Client(url, enrollment.token, timeout=self.config.server.timeout_s,
                                  ca_bundle=device.ca_bundle(self.config))
            self._client_key = key
        return self._client

    def _next_wait(self) -> float:
        now = time.monotonic()
        waits = [
            self.pull_interval_s - (now - self._last_pull),
            self.heartbeat_interval_s - (now - self._last_heartbeat),
        ]
        due = sync_ops.next_due_at(self.store.db)
        if due is not None:
            waits.append((due - sync_ops.utcnow()).total_seconds())
        return max(0.0, min(waits))

    def _failed(self, exc: SyncFailure) -> float:
        if isinstance(exc, Unauthorized):
            # Retrying fast will not fix a revoked token; staff must re-enroll. Keep trying slowly.
            self.backoff.failures += 1
            delay = self.backoff.cap_s
            state = "unauthorized"
        else:
            delay = self.backoff.next_delay()
            if isinstance(exc, Throttled):
                delay = max(delay, exc.retry_after)
            state = "offline" if exc.kind in ("offline", "timeout") else "error"
        retry_at = sync_ops.utcnow() + timedelta(seconds=delay)
        if self._inflight:
            sync_ops.record_failure(self.store.db, self._inflight, f"{exc.kind}: {exc}", retry_at=retry_at)
            self._inflight = []
        self._set(
            state=state,
            message=MSG_RETRY,
            params={"reason": str(exc), "seconds": max(1, round(delay))},
            consecutive_failures=self.backoff.failures,
            last_error=str(exc),
            error_code=exc.code or exc.kind,
            error_message=exc.message,
            error_params={k: v for k, v in exc.params.items() if isinstance(v, (str, int, float))},
            next_attempt_at=sync_ops.iso(retry_at),
        )
        self._refresh_counts()
        log.info("sync failed (%s): %s; next try in %.1f s", exc.kind, exc, delay)
        return delay

    def _heartbeat(self) -> dict[str, Any] | None:
        if time.monotonic() - self._last_heartbeat < self.heartbeat_interval_s:
            return None
        db = self.store.db
        s = sync_ops.summary(db, problems=0)
        try:
            printer = self.printer_status()
        except Exception:  # noqa: BLE001 - a printer probe must not stop sync
            printer = {"state": "unknown"}
        printer = {str(k)[:40]: v for k, v in list(printer.items())[:20] if isinstance(v, (str, int, float, bool))}
        body = wire.heartbeat_body(
            at=sync_ops.iso(sync_ops.utcnow()),
            version=__version__,
            outbox_pending=s.pending,
            outbox_failed=s.failed,
            printer=printer,
            catalog_version=catalog_store.catalog_info(db).version,
            disk_free_mb=_disk_free_mb(self.config.data_dir),
        )
        return {"uuid": str(uuidlib.uuid4()), "kind": wire.HEARTBEAT, "body": body}

    def _push_all(self, client: Client) -> None:
        db = self.store.db
        had_failures = self.backoff.failures > 0
        while not self._stop.is_set():
            items = sync_ops.claim_due(db, limit=self._batch_limit, lease_s=self.lease_s)
            heartbeat = self._heartbeat()
            if not items and heartbeat is None:
                return
            missing = [i for i in items if i.body is None]
            if missing:
                sync_ops.fail_final(db, missing, "local.missing", MSG_LOCAL_MISSING)
            good = [i for i in items if i.body is not None]
            records = [{"uuid": i.record_uuid, "kind": i.kind, "body": i.body} for i in good]
            if heartbeat is not None:
                records.append(heartbeat)
            if not records:
                continue
            self._set(state="sending", message=MSG_SENDING, params={})
            self._inflight = good
            try:
                results = client.push(records)
            except Refused as exc:
                self._inflight = []
                self._refused(good, exc)
                if heartbeat is not None and not good:
                    self._last_heartbeat = time.monotonic()  # a refused heartbeat is not worth a loop
                continue
            self._inflight = []
            if heartbeat is not None and heartbeat["uuid"] in results:
                self._last_heartbeat = time.monotonic()
            now = sync_ops.utcnow()
            unacked_attempts = max((i.attempts for i in good if i.record_uuid not in results), default=1)
            retry_at = now + timedelta(seconds=self.backoff.delay_for(unacked_attempts))
            outcome = sync_ops.record_results(db, good, results, retry_at=retry_at, now=now)
            if had_failures:
                sync_ops.release_waiting(db)
                had_failures = False
            if self._batch_limit < self.batch_size:
                self._batch_limit = min(self.batch_size, self._batch_limit * 2)
            self._refresh_counts()
            if outcome.unacknowledged and not outcome.sent and not outcome.failed_final:
                return  # the server answers but names none of these: wait for their per-record backoff

    def _refused(self, items: list[sync_ops.OutboxItem], exc: Refused) -> None:
        """A 4xx for the whole request: halve the batch until the single bad record is isolated."""
        db = self.store.db
        if len(items) > 1:
            self._batch_limit = max(1, len(items) // 2)
            sync_ops.record_failure(db, items, f"{exc.kind}: {exc}", retry_at=sync_ops.utcnow())
        elif items:
            sync_ops.fail_final(db, items, exc.code or str(exc.status), str(exc))

    def _pull(self, client: Client) -> None:
        db = self.store.db
        data = client.catalog(catalog_store.catalog_cursor(db))
        if data["changed"]:
            try:
                catalog_store.replace_catalog(db, data["catalog"], cursor=data["cursor"])
            except ValidationError as exc:
                log.error("catalog from the server refused: %s", exc)
                self._set(last_error=MSG_CATALOG_INVALID.format(reason=exc.render()))
        try:
            holidays = wire.holidays_from_wire(data.get("holidays"))
        except ValueError as exc:
            # The old list (or the kiosk's own) keeps the deadlines going; the rest of the pull is fine.
            log.error("holidays from the server refused: %s", exc)
            holidays = None
        if holidays is not None and catalog_store.store_holidays(db, holidays):
            log.info("the server's calendar has %d non-working days", len(holidays))
        if "staff_pin" in data:  # absent from older servers: keep what the kiosk has
            try:
                if staff_pin.store_server_pin(db, data["staff_pin"]):
                    log.info("the staff PIN now comes from %s", "the server" if data["staff_pin"] else "config.toml")
            except ValueError as exc:
                log.error("staff PIN from the server refused: %s", exc)  # the PIN in use stays
        since = sync_ops.get_state(db, sync_ops.STATUS_CURSOR)
        for _ in range(1000):  # pages; a bound so that a server bug cannot loop us forever
            page = client.updates(since)
            sync_ops.apply_updates(db, page["updates"], page["cursor"])
            since = page["cursor"]
            if not page.get("more"):
                break

    # --- status ----------------------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(self._status, k, v)

    def _refresh_counts(self) -> None:
        db = self.store.db
        s = sync_ops.summary(db)
        info = catalog_store.catalog_info(db)
        self._set(
            pending=s.pending,
            retrying=s.retrying,
            failed=s.failed,
            sent=s.sent,
            oldest_pending_at=s.oldest_pending_at,
            catalog_version=info.version,
            catalog_cursor=catalog_store.catalog_cursor(db),
            status_cursor=sync_ops.get_state(db, sync_ops.STATUS_CURSOR),
            problems=[asdict(p) for p in s.problems],
        )
        try:
            sync_ops.set_state(db, sync_ops.WORKER_STATUS, self.status.to_json())
        except Exception:  # noqa: BLE001 - the status copy is for other processes; never fail sync for it
            log.warning("could not save the sync status", exc_info=True)


def _disk_free_mb(path) -> int | None:
    try:
        return shutil.disk_usage(path).free // 2**20
    except OSError:
        return None


def saved_status(store: Store) -> SyncStatus:
    """The status the last worker saved, with fresh outbox counts (for ``kiosk sync status``)."""
    db = store.db
    st = SyncStatus.from_json(sync_ops.get_state(db, sync_ops.WORKER_STATUS))
    s = sync_ops.summary(db)
    st.pending, st.retrying, st.failed, st.sent = s.pending, s.retrying, s.failed, s.sent
    st.oldest_pending_at = s.oldest_pending_at
    st.problems = [asdict(p) for p in s.problems]
    st.catalog_cursor = catalog_store.catalog_cursor(db)
    st.catalog_version = catalog_store.catalog_info(db).version
    st.status_cursor = sync_ops.get_state(db, sync_ops.STATUS_CURSOR)
    return st
