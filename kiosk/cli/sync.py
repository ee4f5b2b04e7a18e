"""``kiosk enroll`` and ``kiosk sync``: join a central server, send and fetch, see what is stuck.

    kiosk enroll --server https://iplik.example --code 7KQ4-M2XT-9HBC
    kiosk sync --once        # push everything due, pull catalog and statuses, then exit
    kiosk sync --watch       # the worker in the foreground (Ctrl-C stops it)
    kiosk sync status        # what the worker last saw, and the outbox
    kiosk sync retry [UUID]  # send records again that the server refused (after fixing the cause)
    kiosk sync lookup CODE   # ask the server about any tracking code
"""

from __future__ import annotations

import argparse
import signal
import threading

from ..errors import SyncError
from ..i18n import both
from . import EXIT_FAILED, EXIT_OK, Context, number


def _staff_text(message: str, params: dict) -> str:
    try:
        return both(message, **params)
    except (KeyError, IndexError, ValueError):
        return message


def _status_text(st) -> str:
    lines = [
        f"Server: {st.server or '-'}   device: {st.device_id or '-'}   state: {st.state}",
        _staff_text(st.message, st.params) if st.message else "",
        f"Outbox: {st.pending} to send ({st.retrying} after failures), {st.failed} refused by the server, {st.sent} sent",
        f"Oldest waiting: {st.oldest_pending_at or '-'}   last success: {st.last_success_at or 'never'}"
        f"   next try: {st.next_attempt_at or '-'}",
        f"Catalog: {st.catalog_version or '-'} (cursor {st.catalog_cursor or '-'})   statuses cursor: {st.status_cursor or '-'}",
    ]
    if st.last_error:
        lines.append(f"Last error: {st.last_error}")
    for p in st.problems:
        what = f"refused {p['failure_code']}" if p["failed_at"] else f"{p['attempts']} attempts"
        lines.append(f"  {p['kind']:<9} {p['record_uuid']}  {what}: {p['last_error'] or '-'}")
    return "\n".join(line for line in lines if line)


def cmd_enroll(ctx: Context) -> int:
    from ..sync import device
    from ..sync.client import Client

    cfg = ctx.config
    client = Client(ctx.args.server, timeout=cfg.server.timeout_s, ca_bundle=device.ca_bundle(cfg))
    try:
        answer = client.enroll(ctx.args.code, name=ctx.args.name or cfg.kiosk.name, nonce=device.enroll_nonce(cfg))
    finally:
        client.close()
    enrollment = device.save(cfg, server=ctx.args.server, **answer)
    ctx.emit(
        {"device_id": enrollment.device_id, "server": enrollment.server, "office": enrollment.office,
         "agency_id": enrollment.agency_id, "file": str(device.path_for(cfg))},
        f"Enrolled as {enrollment.device_id} at {enrollment.server} ({enrollment.office}, {enrollment.agency_id}).\n"
        f"Token saved in {device.path_for(cfg)} (readable by this user only).",
    )
    return EXIT_OK


def _worker(ctx: Context, **kw):
    from ..actions import Kiosk
    from ..sync.worker import SyncWorker

    # Through the facade, so that heartbeats from the sync service carry the real printer and paper
    # state, exactly as when the app runs the worker.
    kiosk = Kiosk.open(ctx.config)
    return SyncWorker(ctx.config, store=kiosk.store, printer_status=lambda: kiosk.printer_status().heartbeat(), **kw)


def cmd_sync(ctx: Context) -> int:
    if ctx.args.sync_command is not None:
        return ctx.args.sub_handler(ctx)
    if ctx.args.watch:
        return _watch(ctx)
    worker = _worker(ctx, batch_size=ctx.args.batch_size)
    try:
        st = worker.run_once()
    finally:
        worker.stop()
    ctx.emit(st, lambda: _status_text(st))
    return EXIT_OK if st.state in ("idle", "disabled") else EXIT_FAILED


def _watch(ctx: Context) -> int:
    worker = _worker(ctx, batch_size=ctx.args.batch_size)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    worker.start()
    last = None
    try:
        while not done.wait(2.0):
            st = worker.status
            line = f"{st.state}: {st.pending} to send, {st.failed} refused, {st.sent} sent"
            if line != last and not ctx.as_json:
                print(line, flush=True)
                last = line
    finally:
        worker.stop(timeout=ctx.config.server.timeout_s + 5)
    return EXIT_OK


def cmd_status(ctx: Context) -> int:
    from ..errors import StoreDamaged
    from ..store.db import Store
    from ..sync.worker import UNREADABLE, saved_status

    store = Store(ctx.config.db_path)
    try:
        st = saved_status(store)
    finally:
        store.close()
    ctx.emit(st, lambda: _status_text(st))
    if st.catalog_version == UNREADABLE:
        # The outbox is shown (it is what staff need on a bad day), then the damage is said in words.
        raise StoreDamaged("the catalog cannot be read")
    return EXIT_OK


def cmd_retry(ctx: Context) -> int:
    from ..store import sync_ops
    from ..store.db import Store

    store = Store(ctx.config.db_path)
    try:
        n = sync_ops.requeue(store.db, ctx.args.uuid)
    finally:
        store.close()
    ctx.emit({"requeued": n}, f"{n} record(s) put back in the queue.")
    return EXIT_OK


def cmd_lookup(ctx: Context) -> int:
    from ..domain import tracking
    from ..errors import NotFound
    from ..sync import device
    from ..sync.client import Client

    cfg = ctx.config
    code = tracking.parse(ctx.args.code)
    enrollment = device.load(cfg)
    url = device.server_url(cfg, enrollment)
    if not url:
        raise SyncError("No central server is set in the configuration and the kiosk is not enrolled.")
    client = Client(url, enrollment.token if enrollment else None, timeout=cfg.server.timeout_s,
                    ca_bundle=device.ca_bundle(cfg))
    try:
        view = client.track(code)
    finally:
        client.close()
    if view is None:
        raise NotFound("No report with the code {code} is known to the central server.", code=tracking.display(code))
    ctx.emit(view, lambda: "\n".join(
        [f"{view['tracking_code']}: {view['status']} since {view['status_at']}"]
        + [f"  {e['at']}  {e['status']}" + (f"  ({e['note']})" if e.get("note") else "") for e in view["timeline"]]
        + ([f"Response: {view['response']}"] if view.get("response") else [])
    ))
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("enroll", parents=[common], help="enroll this kiosk with a central server")
    p.add_argument("--server", required=True, metavar="URL", help="the central server, e.g. https://iplik.example")
    p.add_argument("--code", required=True, help="the one-time code from `kiosk central enroll-code`")
    p.add_argument("--name", help="name shown in the fleet view (default: kiosk.name from the config)")
    p.set_defaults(handler=cmd_enroll)

    p = sub.add_parser("sync", parents=[common], help="send records to and fetch updates from the central server")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one full pass, then exit (the default)")
    mode.add_argument("--watch", action="store_true", help="keep syncing in the foreground until Ctrl-C")
    p.add_argument("--batch-size", type=number(int, low=1, high=500), default=200, help="records per request (default 200, at most 500)")
    p.set_defaults(handler=cmd_sync, sync_command=None)
    ss = p.add_subparsers(dest="sync_command", metavar="ACTION")
    q = ss.add_parser("status", parents=[common], help="the outbox and what the sync worker last saw")
    q.set_defaults(sub_handler=cmd_status)
    q = ss.add_parser("retry", parents=[common], help="queue again the records the server refused")
    q.add_argument("uuid", nargs="?", metavar="UUID", help="only this record (default: all refused records)")
    q.set_defaults(sub_handler=cmd_retry)
    q = ss.add_parser("lookup", parents=[common], help="ask the central server about a tracking code")
    q.add_argument("code", metavar="CODE")
    q.set_defaults(sub_handler=cmd_lookup)
