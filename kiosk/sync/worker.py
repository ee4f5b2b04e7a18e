"""The sync worker: a background thread that pushes the outbox and pulls the catalog and statuses.

* New records go out at once: the app calls :meth:`SyncWorker.wake` after storing one.
* Failures back off exponentially with full jitter, from ``base_s`` (0.5 s) up to ``cap_s`` (5 min),
  forever, but only while requests fail: every request the server answers (a batch, a pull page) is
  progress and resets the backoff, so an intermittent network slows sending down a little, never to a
  crawl. The first answer from the server releases every waiting row at once ("start as soon as the
  network returns").
* A 429 or 503 with ``Retry-After`` is the server asking for a pause, not a broken network: the worker
  holds every request until then (a ``wake()`` does not cut it short) and does not escalate the backoff.
* Pushing never depends on the catalog: a damaged catalog page makes the heartbeat say
  ``catalog_version: "unreadable"`` and the pull skip the catalog, while records still go out.
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
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .. import __version__
from ..config import Config
from ..domain.errors import ValidationError
from ..errors import ConfigError, StoreDamaged, StoreError
from ..i18n import fill
from ..store import catalog as catalog_store
from ..store import staff_pin, sync_ops, tap_discards
from ..store.db import Store
from . import device, evidence_fetch, wire
from .client import Client, Refused, SyncFailure, Throttled, Unauthorized
from .owner import OwnerLock

log = logging.getLogger("kiosk.sync")

MSG_IDLE = "Everything is sent."
MSG_SENDING = "Sending records to the central server."
MSG_DISABLED = "No central server is set: the kiosk works offline and keeps every record."
MSG_NOT_ENROLLED = "This kiosk is not enrolled with a central server. Run: kiosk enroll --server URL --code CODE"
MSG_RETRY = "{reason} Next try in {seconds} seconds."
MSG_CATALOG_INVALID = "The catalog from the central server is not valid and was not installed: {reason}"
MSG_LOCAL_MISSING = "The record is no longer on this kiosk."
MSG_STANDBY = "Another sync worker on this kiosk sends the records; this one waits and takes over if it stops."
MSG_THROTTLED = "The central server asked this kiosk to pause. Next try in {seconds} seconds."
MSG_CATALOG_UNREADABLE = "The catalog on this kiosk cannot be read (damaged database); records are still sent."
# What the heartbeat says for a field this kiosk cannot read (a damaged page): the fleet view shows it.
UNREADABLE = "unreadable"


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
    # True in a worker that found another one owning the database (kiosk.sync.owner): the fields
    # above are then that owner's saved status.
    standby: bool = False

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

    # A 0.5 s first ceiling: an isolated failure between successes costs a quarter of a second on
    # average. Ten failures in a row reach the cap; a server that wants fewer requests says Retry-After.
    def __init__(self, base_s: float = 0.5, cap_s: float = 300.0, rand: Callable[[], float] = random.random) -> None:
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
        poll_s: float = 1.0,
        standby_poll_s: float = 5.0,
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
        # How often a waiting owner looks for records stored by another process (the app, while the
        # service owns sync: its wake() cannot reach here), and how often a standby worker tries to
        # take over.
        self.poll_s = poll_s
        self.standby_poll_s = standby_poll_s
        self._owner = OwnerLock(self.store.path)
        self._data_version: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_pull = float("-inf")
        self._last_heartbeat = float("-inf")
        # The server asked for a pause (Retry-After) until this monotonic time: nothing is sent before.
        self._hold_until = float("-inf")
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
        try:
            while not self._stop.is_set():
                if not self._owner.acquire():
                    self._standby()
                    self._wait(self.standby_poll_s, watch_db=False)
                    continue
                if self._status.standby:
                    self._set(standby=False, message="", params={})  # took over from a stopped owner
                try:
                    delay = self.cycle()
                except Exception:  # noqa: BLE001 - the worker must outlive any bug; the log has it
                    log.exception("sync cycle failed")
                    delay = self.backoff.next_delay()
                self._wait(delay)
        finally:
            self._owner.release()

    def run_once(self) -> SyncStatus:
        """One full pass (push everything due, pull catalog and statuses): ``kiosk sync --once``.

        While another worker owns this database (the service), nothing is sent from here: the status
        returned is the owner's, marked ``standby``."""
        took = not self._owner.held
        if not self._owner.acquire():
            self._standby()
            return self.status
        try:
            self.cycle(force=True)
        finally:
            if took:
                self._owner.release()
        return self.status

    def _wait(self, delay: float, *, watch_db: bool = True) -> None:
        """Sleep up to ``delay`` s; a wake(), a stop() or (``watch_db``) a due record committed by
        another connection ends it early."""
        end = time.monotonic() + max(0.0, delay)
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                break
            if self._wake.wait(min(left, self.poll_s)):
                break
            if watch_db and self._stored_elsewhere():
                break
        self._wake.clear()

    def _stored_elsewhere(self) -> bool:
        db = self.store.db
        try:
            version = sync_ops.data_version(db)
            if version == self._data_version:
                return False
            first = self._data_version is None
            self._data_version = version
            if first:
                return False
            due = sync_ops.next_due_at(db)
        except (sqlite3.Error, StoreError):
            return False
        return due is not None and due <= sync_ops.utcnow()

    def _standby(self) -> None:
        try:
            st = saved_status(self.store)
        except Exception:  # a standby worker only reports; the owner does the work
            log.warning("standby: the owner's saved status cannot be read", exc_info=True)
            st = SyncStatus(state="never_run")
        st.standby = True
        st.message, st.params = MSG_STANDBY, {}
        with self._lock:
            self._status = st

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
        held = self._hold_until - time.monotonic()
        if held > 0 and not force:
            return held  # a wake() during the server's pause: keep waiting, do not spin
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

    def _progress(self) -> None:
        """The server answered a request: the network works, so the next failure starts the backoff anew."""
        self.backoff.reset()

    def _failed(self, exc: SyncFailure) -> float:
        message = MSG_RETRY
        params: dict[str, Any] = {"reason": str(exc)}
        if isinstance(exc, Unauthorized):
            # Retrying fast will not fix a revoked token; staff must re-enroll. Keep trying slowly.
            self.backoff.failures += 1
            delay = self.backoff.cap_s
            state = "unauthorized"
        elif isinstance(exc, Throttled) and exc.retry_after > 0:
            # The server answered and named its pause (a per-device quota, a busy server): honour it to
            # the second, before any request (wake() included), and do not count it as a failure of the
            # network. Without a usable Retry-After it is an ordinary failure and backs off below.
            delay = exc.retry_after
            self._hold_until = time.monotonic() + delay
            state = "throttled"
            message, params = MSG_THROTTLED, {}
        else:
            delay = self.backoff.next_delay()
            state = "offline" if exc.kind in ("offline", "timeout") else "error"
        params["seconds"] = max(1, round(delay))
        retry_at = sync_ops.utcnow() + timedelta(seconds=delay)
        if self._inflight:
            sync_ops.record_failure(self.store.db, self._inflight, f"{exc.kind}: {exc}", retry_at=retry_at)
            self._inflight = []
        self._set(
            state=state,
            message=message,
            params=params,
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
        # Each field on its own: a damaged page behind one of them must not stop the records going out.
        oldest_s: int | None = None
        try:
            s = sync_ops.summary(db, problems=0)
            pending, failed = s.pending, s.failed
            oldest_s = _age_s(s.oldest_pending_at)
        except (sqlite3.DatabaseError, StoreError):
            log.warning("heartbeat: the outbox counts cannot be read", exc_info=True)
            pending = failed = -1
        try:
            printer = self.printer_status()
        except Exception:  # noqa: BLE001 - a printer probe must not stop sync
            printer = {"state": "unknown"}
        printer = {str(k)[:40]: v for k, v in list(printer.items())[:20] if isinstance(v, (str, int, float, bool))}
        body = wire.heartbeat_body(
            at=sync_ops.iso(sync_ops.utcnow()),
            version=__version__,
            outbox_pending=pending,
            outbox_failed=failed,
            printer=printer,
            catalog_version=_catalog_version(db),
            disk_free_mb=_disk_free_mb(self.config.data_dir),
            discarded_taps=self._discarded_taps(),
            # For the fleet alerts (docs/fleet.md): records stuck, and why the last sync failed (a code).
            oldest_pending_s=oldest_s,
            sync_error=self.status.error_code,
        )
        return {"uuid": str(uuidlib.uuid4()), "kind": wire.HEARTBEAT, "body": body}

    def _discarded_taps(self) -> dict[str, int]:
        try:
            return tap_discards.recent(self.store.db, sync_ops.utcnow().astimezone(self.config.tz).date())
        except (sqlite3.DatabaseError, StoreError):
            log.warning("heartbeat: the discarded taps cannot be read", exc_info=True)
            return {}

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
                self._progress()  # refused, but answered: the network works
                self._refused(good, exc)
                if heartbeat is not None and not good:
                    self._last_heartbeat = time.monotonic()  # a refused heartbeat is not worth a loop
                continue
            self._inflight = []
            self._progress()
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
        try:
            self._pull_catalog(client, db)
        except (sqlite3.DatabaseError, StoreDamaged) as exc:
            # (The store turns SQLite's errors into its own when a statement runs; a damaged page met
            # while fetching rows still arrives as sqlite3's.)
            if isinstance(exc, sqlite3.OperationalError):
                raise  # locked, disk full: not damage; the cycle fails and retries as for any error
            # A damaged catalog page: the statuses below live in other tables and still come down.
            log.exception("catalog pull skipped: the local catalog cannot be read or written")
            self._set(last_error=MSG_CATALOG_UNREADABLE)
        since = sync_ops.get_state(db, sync_ops.STATUS_CURSOR)
        for _ in range(1000):  # pages; a bound so that a server bug cannot loop us forever
            page = client.updates(since)
            self._progress()
            sync_ops.apply_updates(db, page["updates"], page["cursor"])
            since = page["cursor"]
            if not page.get("more"):
                break

    def _pull_catalog(self, client: Client, db) -> None:
        data = client.catalog(catalog_store.catalog_cursor(db))
        self._progress()
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
        key = data.get("identity_public_key")
        if key:  # absent from older servers: the key from enrollment stays
            self._take_identity_key(key)
        evidence_fetch.refresh(client, self.config.data_dir, db)  # issue 15: the compliance photos it names
        if "settings" in data:  # absent from older servers: keep what the kiosk has (docs/kiosk-settings.md)
            self._take_settings(db, data["settings"])

    def _take_settings(self, db, sent: Any) -> None:
        from ..store import kiosk_settings as settings_store

        if sent is not None and not (isinstance(sent, dict) and isinstance(sent.get("values", {}), dict)):
            # Not settings at all: a broken answer, not a decision to clear them. Keep what the kiosk has.
            log.error("kiosk settings from the server refused: not an object; the kiosk keeps what it had")
            return
        accepted, refused = settings_store.accept(sent if sent is not None else {"values": {}})
        for key, why in refused.items():
            # A value this kiosk cannot use stays out (config.toml's applies); the others still do.
            log.error("kiosk setting %s from the server refused: %s", key, why)
        if settings_store.store(db, accepted):
            log.info("kiosk settings from the server: %s", ", ".join(sorted(accepted.values)) or "none")
        try:
            settings_store.write_screen_schedule(self.config.data_dir, accepted)
        except OSError as exc:
            log.error("screen schedule not written: %s", exc)

    def _take_identity_key(self, key: str) -> None:
        from ..domain import sealing  # PyNaCl: imported when a key arrives, not at start

        try:
            sealing.public_key(key)
        except ValidationError:
            log.error("sealing key from the server refused: not an X25519 public key")
            return
        try:
            if device.update_identity_key(self.config, key):
                log.info("the server's sealing key changed: new complaints are sealed with it")
        except (OSError, ConfigError) as exc:
            log.error("sealing key from the server not kept: %s", exc)  # the old key still opens on the server

    # --- status ----------------------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(self._status, k, v)

    def _refresh_counts(self) -> None:
        db = self.store.db
        s = sync_ops.summary(db)
        self._set(
            pending=s.pending,
            retrying=s.retrying,
            failed=s.failed,
            sent=s.sent,
            oldest_pending_at=s.oldest_pending_at,
            catalog_version=_catalog_version(db),
            catalog_cursor=_catalog_cursor(db),
            status_cursor=sync_ops.get_state(db, sync_ops.STATUS_CURSOR),
            problems=[asdict(p) for p in s.problems],
        )
        try:
            sync_ops.set_state(db, sync_ops.WORKER_STATUS, self.status.to_json())
        except Exception:  # noqa: BLE001 - the status copy is for other processes; never fail sync for it
            log.warning("could not save the sync status", exc_info=True)


def _catalog_version(db) -> str:
    try:
        return catalog_store.catalog_version(db)
    except (sqlite3.DatabaseError, StoreDamaged) as exc:
        # No traceback: the cause is known (a damaged page) and `kiosk doctor` tells the rest.
        log.warning("the catalog version cannot be read: %s", exc)
        return UNREADABLE


def _catalog_cursor(db) -> str | None:
    try:
        return catalog_store.catalog_cursor(db)
    except (sqlite3.DatabaseError, StoreDamaged):
        return None


def _disk_free_mb(path) -> int | None:
    try:
        return shutil.disk_usage(path).free // 2**20
    except OSError:
        return None


def _age_s(created_at: str | None) -> int | None:
    """Seconds since ``created_at`` (an outbox row's ISO time) by this kiosk's clock; None if unknown."""
    if not created_at:
        return None
    try:
        return max(0, int((sync_ops.utcnow() - datetime.fromisoformat(created_at)).total_seconds()))
    except (ValueError, TypeError):
        return None


def saved_status(store: Store) -> SyncStatus:
    """The status the last worker saved, with fresh outbox counts (for ``kiosk sync status``)."""
    db = store.db
    st = SyncStatus.from_json(sync_ops.get_state(db, sync_ops.WORKER_STATUS))
    s = sync_ops.summary(db)
    st.pending, st.retrying, st.failed, st.sent = s.pending, s.retrying, s.failed, s.sent
    st.oldest_pending_at = s.oldest_pending_at
    st.problems = [asdict(p) for p in s.problems]
    st.catalog_cursor = _catalog_cursor(db)
    st.catalog_version = _catalog_version(db)
    st.status_cursor = sync_ops.get_state(db, sync_ops.STATUS_CURSOR)
    return st
