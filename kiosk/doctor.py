"""``kiosk doctor``: is this kiosk fit for service, and if not, what must a technician do?

Each check gives OK, WARN (works, but look at it), FAIL (needs a technician) or SKIP, with a message in
Indonesian and English and a hint. The checks read and never change anything: the database is opened
read-only, the server is asked two harmless questions (``/api/v1/health`` and one page of status
updates with the kiosk's token).

``--quick`` (what ``deploy/update.sh`` runs after a switch) checks only what needs no hardware and no
network: the config, the database, the disk. deploy/README.md lists every complaint and what to do.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from . import __version__, sealing
from .config import Config, load_config
from .errors import ConfigError
from .i18n import both

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
ORDER = {FAIL: 0, WARN: 1, OK: 2, SKIP: 3}


def _(msgid: str) -> str:
    """Marks an English msgid (translated in assets/locale/id/LC_MESSAGES/doctor.po) for tests/test_i18n.py."""
    return msgid


@dataclass
class Check:
    name: str
    status: str
    message: str  # English msgid with {named} params
    params: dict[str, Any] = field(default_factory=dict)
    hint: str = ""  # English msgid: what to do about it
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return _both(self.message, self.params)

    @property
    def hint_text(self) -> str:
        return _both(self.hint, self.params) if self.hint else ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.text, "hint": self.hint_text,
                "message_en": _format(self.message, self.params), "details": self.details}


def _format(msgid: str, params: dict[str, Any]) -> str:
    try:
        return msgid.format(**params)
    except (KeyError, IndexError, ValueError):
        return msgid


def _both(msgid: str, params: dict[str, Any]) -> str:
    try:
        return both(msgid, **params)
    except (KeyError, IndexError, ValueError):
        return _format(msgid, params)


@dataclass
class Report:
    checks: list[Check]
    version: str = __version__
    release: str = ""
    config: str = ""

    @property
    def needs_technician(self) -> bool:
        return any(c.status == FAIL for c in self.checks)

    def get(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": not self.needs_technician, "version": self.version, "release": self.release,
                "config": self.config, "checks": [c.to_dict() for c in self.checks]}

    def text(self) -> str:
        tag = {OK: "  OK ", WARN: " WARN", FAIL: " FAIL", SKIP: " SKIP"}
        lines = [f"iPLiK Kiosk {self.version}" + (f" (release {self.release})" if self.release else "")
                 + (f", {self.config}" if self.config else "")]
        for c in self.checks:
            lines.append(f"[{tag[c.status]}] {c.name:<9} {c.text}")
            if c.hint and c.status in (WARN, FAIL):
                lines.append(f"{'':18}-> {c.hint_text}")
        fails = sum(c.status == FAIL for c in self.checks)
        warns = sum(c.status == WARN for c in self.checks)
        if fails:
            lines.append(_both(_("{fails} problem(s) need a technician, {warns} warning(s)."),
                               {"fails": fails, "warns": warns}))
        else:
            lines.append(_both(_("Ready for service ({warns} warning(s))."), {"warns": warns}))
        return "\n".join(lines)


@dataclass(frozen=True)
class Options:
    quick: bool = False  # config, database, disk only
    hardware: bool = True  # display, touch, services (off on a developer's machine)
    network: bool = True  # server, token, clock
    sysroot: Path = Path("/")  # where /dev, /sys and /run are (tests point it at a fake tree)
    disk_warn_mb: int = 1024
    disk_fail_mb: int = 200
    skew_warn_s: float = 60.0
    skew_fail_s: float = 300.0
    pending_warn_h: float = 24.0
    skip: frozenset[str] = frozenset()


CHECKS = ("config", "disk", "database", "outbox", "display", "touch", "services", "printer", "paper",
          "server", "token", "clock", "sealing")


def diagnose(config_path: str | Path | None, *, data_dir: str | Path | None = None,
             options: Options = Options()) -> Report:
    """Run every check that applies and return the report (never raises for what it finds)."""
    checks: list[Check] = []
    cfg: Config | None = None
    try:
        cfg = load_config(config_path)
        if data_dir:
            cfg = cfg.with_data_dir(data_dir)
        checks.append(check_config(cfg))
    except ConfigError as exc:
        checks.append(Check("config", FAIL, _("The configuration is not valid: {reason}"), {"reason": str(exc)},
                            _("Fix the file (the message names the key), then run kiosk doctor again.")))
    report = Report(checks, release=release_name(), config=str(cfg.source) if cfg else str(config_path or ""))
    wanted = set(CHECKS) - set(options.skip)
    if options.quick:
        wanted &= {"config", "disk", "database"}
    if not options.hardware:
        wanted -= {"display", "touch", "services"}
    if not options.network:
        wanted -= {"server", "token", "clock"}

    def add(names: tuple[str, ...], fn: Callable[[], Check | list[Check]]) -> None:
        if not any(n in wanted for n in names):
            return
        if cfg is None and names[0] not in ("display", "touch", "services"):
            checks.extend(Check(n, SKIP, _("Not checked: the configuration is not valid.")) for n in names if n in wanted)
            return
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - a broken probe is a finding, not a crash of the doctor
            result = Check(names[0], FAIL, _("The check failed unexpectedly: {reason}"),
                           {"reason": f"{type(exc).__name__}: {exc}"})
        checks.extend(c for c in (result if isinstance(result, list) else [result]) if c.name in wanted)

    add(("disk",), lambda: check_disk(cfg, options))
    add(("database", "outbox"), lambda: check_database(cfg, options))
    add(("display",), lambda: check_display(options.sysroot))
    add(("touch",), lambda: check_touch(options.sysroot))
    add(("services",), lambda: check_services(options.sysroot))
    add(("printer", "paper"), lambda: check_printer(cfg))
    add(("server", "token", "clock"), lambda: check_server(cfg, options))
    add(("sealing",), lambda: sealing.doctor_check(cfg))
    return report


def release_name() -> str:
    """The release this code runs from (deploy/update.sh writes .iplik-release), or ''."""
    marker = Path(__file__).resolve().parent.parent / ".iplik-release"
    try:
        for line in marker.read_text(encoding="utf-8").splitlines():
            if line.startswith("version="):
                return line.split("=", 1)[1]
    except OSError:
        pass
    return ""


# --- config ----------------------------------------------------------------------------------------

DEMO_PIN_SALT = "6b696f736b2d64656d6f2d73616c74"  # the salt of the demo PIN in the repository's config.toml


def check_config(cfg: Config) -> Check:
    warnings = []
    if not cfg.admin.pin_hash:
        warnings.append("admin.pin_hash is empty")
    elif DEMO_PIN_SALT in cfg.admin.pin_hash:
        warnings.append("admin.pin_hash is the demo PIN")
    if not cfg.ui.fullscreen:
        warnings.append("ui.fullscreen is off")
    if cfg.printer.backend == "pdf":
        warnings.append("printer.backend is pdf (development)")
    if warnings:
        return Check("config", WARN, _("The configuration is valid, but: {reason}"), {"reason": "; ".join(warnings)},
                     _("Edit the configuration file; make a PIN hash with: kiosk admin hash-pin"),
                     {"file": str(cfg.source)})
    return Check("config", OK, _("The configuration {file} is valid."), {"file": str(cfg.source)})


# --- disk ------------------------------------------------------------------------------------------


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(cfg: Config, opts: Options) -> Check:
    usage = shutil.disk_usage(_existing(cfg.data_dir))
    free_mb = usage.free // (1024 * 1024)
    params = {"free_mb": free_mb, "path": str(cfg.data_dir), "limit_mb": opts.disk_fail_mb}
    details = {"free_mb": free_mb, "total_mb": usage.total // (1024 * 1024)}
    if free_mb < opts.disk_fail_mb:
        return Check("disk", FAIL, _("Only {free_mb} MB free for {path} (less than {limit_mb} MB)."), params,
                     _("Free space: journalctl --vacuum-size=50M, delete old releases (update.sh --keep 1) or replace the card."),
                     details)
    if free_mb < opts.disk_warn_mb:
        params["limit_mb"] = opts.disk_warn_mb
        return Check("disk", WARN, _("Only {free_mb} MB free for {path} (less than {limit_mb} MB)."), params,
                     _("Free space: journalctl --vacuum-size=50M, delete old releases (update.sh --keep 1) or replace the card."),
                     details)
    return Check("disk", OK, _("{free_mb} MB free for {path}."), params, details=details)


# --- database --------------------------------------------------------------------------------------


def _foreign_owner(path: Path) -> tuple[int, int] | None:
    """(uid, gid) of the database's owner when we are root and it is someone else's (the kiosk user's).

    Even a read-only SQLite connection creates the -wal and -shm files of a WAL database when they are
    missing; created by root they would lock the kiosk user out of its own database. So a technician's
    ``sudo kiosk doctor`` reads the database as its owner, in a child process.
    """
    if os.geteuid() != 0:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_uid, st.st_gid) if st.st_uid != 0 else None


def _as_owner(owner: tuple[int, int], fn: Callable[[], list[Check]]) -> list[Check]:
    """``fn()`` in a forked child that has become ``owner`` (fork, not exec: the interpreter may sit
    where the kiosk user cannot run it, and nothing has to be imported again)."""
    import json
    from dataclasses import asdict

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its result comes back through the pipe
        code = 0
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(owner[1])
            os.setuid(owner[0])
            out = json.dumps([asdict(c) for c in fn()], ensure_ascii=False, default=str)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out, code = json.dumps({"error": f"{type(exc).__name__}: {exc}"}), 1
        with os.fdopen(write_fd, "w", encoding="utf-8") as fh:
            fh.write(out)
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    result = json.loads(data or '{"error": "no answer"}')
    if isinstance(result, dict):
        raise RuntimeError(f"reading the database as uid {owner[0]}: {result['error']}")
    return [Check(**c) for c in result]


def check_database(cfg: Config, opts: Options) -> list[Check]:
    owner = _foreign_owner(cfg.db_path)
    if owner is not None:
        return _as_owner(owner, lambda: _check_database(cfg, opts))
    return _check_database(cfg, opts)


def _check_database(cfg: Config, opts: Options) -> list[Check]:
    path = cfg.db_path
    if not path.exists():
        return [Check("database", WARN, _("There is no database yet at {path}."), {"path": str(path)},
                      _("Create it: kiosk init (the app also creates it when it starts)."))]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as exc:
        return [_db_broken(path, exc)]
    try:
        pragma = "quick_check" if opts.quick else "integrity_check"
        try:
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
        except sqlite3.DatabaseError as exc:
            return [_db_damaged(conn, path, str(exc), pragma)]
        if rows != ["ok"]:
            return [_db_damaged(conn, path, "; ".join(" ".join(str(r).split()) for r in rows[:3]), pragma)]
        checks = [_schema(conn, path, pragma)]
        if not opts.quick:
            checks.append(_outbox(conn, opts))
        return checks
    finally:
        conn.close()


# Where the records not yet sent live. Damage elsewhere (the catalog, the print log) costs nothing
# that the server or the next refill cannot give back.
RECORD_TABLES = ("complaints", "ratings", "outbox")


def damaged_objects(conn: sqlite3.Connection) -> list[str] | None:
    """The tables (and indexes) a damaged database cannot read, or None when even its schema is unreadable.

    ``integrity_check(TABLE)`` checks one table with its indexes, so a table that fails it, or whose
    pages cannot even be walked, is one the technician must hear about by name; an index an error
    message names is added after its table.
    """
    try:
        schema = conn.execute("SELECT type, name, tbl_name FROM sqlite_schema WHERE rootpage > 0").fetchall()
    except sqlite3.DatabaseError:
        return None
    damaged: list[str] = []
    for kind, name, _table in schema:
        if kind != "table":
            continue
        try:
            rows = [r[0] for r in conn.execute("SELECT * FROM pragma_integrity_check(?)", (name,))]
        except sqlite3.DatabaseError:
            rows = ["unreadable"]
        if rows != ["ok"]:
            damaged.append(name)
            damaged += [idx for kind2, idx, table in schema
                        if kind2 == "index" and table == name and any(idx in str(r) for r in rows)]
    return damaged


def _db_damaged(conn: sqlite3.Connection, path: Path, reason: str, pragma: str) -> Check:
    names = damaged_objects(conn)
    params = {"path": str(path), "reason": reason, "names": ", ".join(names or []) or "?",
              "dir": str(path.parent), "file": path.name}
    details = {"check": pragma, "damaged": names, "errors": reason}
    hint = _("Recover what can be read: stop the kiosk (systemctl stop iplik-kiosk iplik-sync), then run "
             "kiosk doctor --recover: it keeps the damaged file aside in {dir}, copies every readable row into a "
             "new {file}, checks it and swaps it in. By hand, with a sqlite3 that has .recover: cp {file} "
             "{file}.damaged; sqlite3 {file} .recover | sqlite3 recovered.db; sqlite3 recovered.db "
             "'PRAGMA integrity_check' must say ok; rm {file}-wal {file}-shm; mv recovered.db {file}. "
             "Or restore the newest backup from /var/lib/iplik-kiosk/backups/.")
    if names is None:
        return Check("database", FAIL, _("The database {path} is damaged beyond its table list: {reason}"),
                     params, hint, details)
    if names and not set(names) & set(RECORD_TABLES):
        return Check("database", FAIL, _("The database {path} is damaged in: {names}. The complaints, ratings "
                                         "and outbox are intact."), params, hint, details)
    return Check("database", FAIL, _("The database {path} is damaged in: {names} ({reason})"), params, hint,
                 details)


def _db_broken(path: Path, exc: Exception) -> Check:
    return Check("database", FAIL, _("The database {path} is damaged: {reason}"), {"path": str(path), "reason": str(exc)},
                 _("Stop the kiosk, keep a copy of the file, restore the newest backup from /var/lib/iplik-kiosk/backups/ (or start empty: records not yet sent are lost)."))


def _schema(conn: sqlite3.Connection, path: Path, pragma: str) -> Check:
    from .store.schema import MIGRATIONS

    known = [m.name for m in MIGRATIONS._migrations]
    try:
        applied = [r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", [MIGRATIONS.name])]
    except sqlite3.OperationalError:
        applied = []
    pending = [m for m in known if m not in applied]
    newer = [m for m in applied if m not in known]
    details = {"check": pragma, "applied": len(applied), "pending": pending, "unknown": newer}
    if newer:
        return Check("database", WARN, _("The database was upgraded by a newer release ({names})."),
                     {"names": ", ".join(newer)},
                     _("Fine after a rollback; update the kiosk again when the new release is fixed."), details)
    if pending:
        return Check("database", OK, _("The database is intact; {count} upgrade step(s) will run when the app starts."),
                     {"count": len(pending)}, details=details)
    return Check("database", OK, _("The database {path} is intact."), {"path": str(path)}, details=details)


def _outbox(conn: sqlite3.Connection, opts: Options) -> Check:
    from sqlite_utils import Database

    from .store import sync_ops

    try:
        s = sync_ops.summary(Database(conn), problems=0)
    except sqlite3.OperationalError:
        return Check("outbox", SKIP, _("Not checked: the database has no outbox yet."))
    params = {"pending": s.pending, "failed": s.failed, "sent": s.sent, "oldest": s.oldest_pending_at or "-"}
    details = {"pending": s.pending, "retrying": s.retrying, "failed": s.failed, "sent": s.sent,
               "oldest_pending_at": s.oldest_pending_at, "last_sent_at": s.last_sent_at}
    if s.failed:
        return Check("outbox", WARN, _("{failed} record(s) were refused by the central server."), params,
                     _("See kiosk sync status; after fixing the cause: kiosk sync retry."), details)
    if s.oldest_pending_at:
        age_h = (datetime.now(UTC) - datetime.fromisoformat(s.oldest_pending_at)).total_seconds() / 3600
        if age_h > opts.pending_warn_h:
            params["hours"] = round(age_h)
            return Check("outbox", WARN, _("{pending} record(s) have waited {hours} hours to be sent."), params,
                         _("Check the network and the server checks below; see kiosk sync status."), details)
    return Check("outbox", OK, _("{pending} record(s) waiting to be sent, {sent} sent."), params, details=details)


# --- display, touch, services ----------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def check_display(sysroot: Path) -> list[Check] | Check:
    cards = sorted(p.name for p in (sysroot / "dev" / "dri").glob("card*"))
    if not cards:
        return Check("display", FAIL, _("No graphics device (/dev/dri/card*)."), {},
                     _("Check the GPU driver: on a Raspberry Pi, dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt."))
    connected = sorted(
        p.name.split("-", 1)[1] for p in (sysroot / "sys" / "class" / "drm").glob("card*-*")
        if _read(p / "status") == "connected"
    )
    if not connected:
        return Check("display", FAIL, _("No screen is connected to {cards}."), {"cards": ", ".join(cards)},
                     _("Check the screen's cable and power; then restart: systemctl restart iplik-kiosk."),
                     {"cards": cards})
    socket = _wayland_socket(sysroot)
    details = {"cards": cards, "connected": connected, "wayland": socket}
    if socket is None:
        return Check("display", WARN, _("Screen {outputs} connected, but the kiosk session is not running."),
                     {"outputs": ", ".join(connected)},
                     _("Start it: systemctl restart iplik-kiosk; see journalctl -u iplik-kiosk."), details)
    return Check("display", OK, _("Screen {outputs} connected; the kiosk session is running."),
                 {"outputs": ", ".join(connected)}, details=details)


def _wayland_socket(sysroot: Path) -> str | None:
    runtime, name = os.environ.get("XDG_RUNTIME_DIR"), os.environ.get("WAYLAND_DISPLAY")
    if runtime and name and sysroot == Path("/"):
        p = Path(name) if name.startswith("/") else Path(runtime) / name
        if p.exists():
            return str(p)
    for p in sorted((sysroot / "run" / "user").glob("*/wayland-*")):
        if not p.name.endswith(".lock"):
            return str(p)
    return None


INPUT_PROP_DIRECT = 0x02  # bit 1 of the device's properties: a touchscreen (input-event-codes.h)


def check_touch(sysroot: Path) -> Check:
    touch = []
    for ev in sorted((sysroot / "sys" / "class" / "input").glob("event*")):
        props = _read(ev / "device" / "properties").split()
        try:
            low = int(props[-1], 16) if props else 0
        except ValueError:
            low = 0
        if low & INPUT_PROP_DIRECT:
            touch.append(f"{_read(ev / 'device' / 'name') or ev.name} ({ev.name})")
    by_path = sorted(p.name for p in (sysroot / "dev" / "input" / "by-path").glob("*event*"))
    details = {"touchscreens": touch, "by_path": by_path}
    if not touch:
        return Check("touch", FAIL, _("No touchscreen found ({count} input devices)."), {"count": len(by_path)},
                     _("Check the touchscreen's USB cable (or ribbon); lsusb and libinput list-devices show what is there."),
                     details)
    return Check("touch", OK, _("Touchscreen: {names}."), {"names": "; ".join(touch)}, details=details)


def check_services(sysroot: Path) -> Check:
    if not (sysroot / "run" / "systemd" / "system").is_dir() or shutil.which("systemctl") is None:
        return Check("services", SKIP, _("Not checked: systemd is not running here."))
    states = {}
    for unit in ("iplik-kiosk.service", "iplik-sync.service"):
        out = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True, timeout=10)
        states[unit] = out.stdout.strip() or "unknown"
    down = [u for u, s in states.items() if s != "active"]
    if down:
        return Check("services", FAIL, _("Not running: {units}."), {"units": ", ".join(f"{u} ({states[u]})" for u in down)},
                     _("See journalctl -u iplik-kiosk -u iplik-sync -b; start with systemctl restart iplik-kiosk iplik-sync."),
                     states)
    return Check("services", OK, _("The kiosk app and the sync worker are running."), details=states)


# --- printer ---------------------------------------------------------------------------------------


def _printing_status(cfg: Config) -> Any | None:
    """The printing package's own status of the configured printer, or None when this build has none.

    ``kiosk.printing.backends`` answers through CUPS' IPP socket and knows every printer-state-reason;
    the lpstat reading below is the fallback for a release without it.
    """
    try:
        from .printing.backends import make_printer
    except ImportError:
        return None
    printer = make_printer(cfg.printer.backend, queue=cfg.printer.queue, pdf_dir=cfg.pdf_dir)
    return printer.status()


def check_printer(cfg: Config) -> list[Check]:
    backend = cfg.printer.backend
    if backend == "none":
        printer = Check("printer", WARN, _("No printer is set: receipts are shown on screen only."), {},
                        _("Connect the receipt printer and run provision.sh again with --printer-uri."))
    elif backend == "pdf":
        printer = Check("printer", WARN, _("Receipts are written as PDF files to {path} (development)."),
                        {"path": str(cfg.pdf_dir)}, _("Set printer.backend = \"cups\" on a kiosk."))
    else:
        st = _printing_status(cfg)
        printer = _printer_from_status(cfg, st) if st is not None else _printer_from_lpstat(cfg)
    return [printer, check_paper(cfg)]


def _printer_from_status(cfg: Config, st: Any) -> Check:
    state = str(getattr(st.state, "value", st.state))
    params = {"queue": cfg.printer.queue, "state": state, "reason": _both(st.message, dict(st.params))}
    details = {"state": state, "reasons": list(getattr(st, "reasons", ())), "detail": getattr(st, "detail", "")}
    if state == "ok":
        return Check("printer", OK, _("Printer {queue}: {state}."), params, details=details)
    if state == "paper_low":
        return Check("printer", WARN, _("Printer {queue}: {reason}"), params,
                     _("Have staff check the paper roll and the printer's light."), details)
    return Check("printer", FAIL, _("Printer {queue} cannot print: {reason}"), params,
                 _("Check power, cable and paper; then: cupsenable {queue}; lpstat -p {queue} -l shows why it stopped."),
                 details)


def check_paper(cfg: Config) -> Check:
    """The roll estimate the printing package keeps in the database (printed length since the refill)."""
    not_available = Check("paper", SKIP, _("Paper estimate: not available."))
    if cfg.printer.backend != "cups" or not cfg.db_path.exists():
        return not_available
    owner = _foreign_owner(cfg.db_path)
    if owner is not None:
        return _as_owner(owner, lambda: [_check_paper(cfg)])[0]
    return _check_paper(cfg)


def _check_paper(cfg: Config) -> Check:
    not_available = Check("paper", SKIP, _("Paper estimate: not available."))
    try:
        from sqlite_utils import Database

        from .printing.paper import estimate
        from .store.printer_state import paper_counter
    except ImportError:
        return not_available
    conn = sqlite3.connect(f"file:{cfg.db_path}?mode=ro", uri=True, timeout=10.0)
    try:
        est = estimate(paper_counter(Database(conn)), cfg.printer.roll_length_m)
    except sqlite3.Error:
        return not_available  # a database from before the paper counter (migrates at the app's start)
    finally:
        conn.close()
    params = {"metres": f"{est.remaining_mm / 1000:.1f}", "receipts": est.receipts_left,
              "pct": round(est.remaining_fraction * 100)}
    details = {"remaining_mm": est.remaining_mm, "receipts_left": est.receipts_left, "refilled_at": est.refilled_at}
    if est.low:
        return Check("paper", WARN, _("Paper is low: about {metres} m ({receipts} receipts) left."), params,
                     _("Put in a new roll, then tap Paper refilled on the admin screen."), details)
    return Check("paper", OK, _("Paper: about {metres} m ({receipts} receipts, {pct}%) left."), params, details=details)


def _printer_from_lpstat(cfg: Config) -> Check:
    queue = cfg.printer.queue
    if shutil.which("lpstat") is None:
        return Check("printer", FAIL, _("CUPS is not installed (no lpstat)."), {"queue": queue},
                     _("Install it: apt-get install cups cups-client; then run provision.sh with --printer-uri."))
    out = subprocess.run(["lpstat", "-p", queue, "-l"], capture_output=True, text=True, timeout=15)
    text = (out.stdout + out.stderr).strip()
    params = {"queue": queue, "reason": text.splitlines()[0] if text else f"lpstat exit {out.returncode}"}
    if out.returncode != 0 or not out.stdout.strip():
        if re.search(r"scheduler is not running|unable to connect", text, re.I):
            return Check("printer", FAIL, _("The print service (CUPS) is not running."), params,
                         _("Start it: systemctl restart cups."))
        return Check("printer", FAIL, _("The printer queue {queue} does not exist."), params,
                     _("Create it: provision.sh --printer-uri URI (lpinfo -v lists printers)."))
    first = out.stdout.splitlines()[0]
    alerts = " ".join(line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.strip().startswith("Alerts:"))
    details = {"lpstat": out.stdout.strip().splitlines()[:6], "alerts": alerts}
    if " disabled" in first:
        reason = next((ln.strip() for ln in out.stdout.splitlines()[1:] if ln.strip() and ":" not in ln), "stopped")
        params["reason"] = reason
        return Check("printer", FAIL, _("Printer {queue} cannot print: {reason}"), params,
                     _("Check power, cable and paper; then: cupsenable {queue}; lpstat -p {queue} -l shows why it stopped."),
                     details)
    if "media-empty" in alerts or "media-needed" in alerts:
        params["reason"] = "out of paper"
        return Check("printer", FAIL, _("Printer {queue} cannot print: {reason}"), params,
                     _("Check power, cable and paper; then: cupsenable {queue}; lpstat -p {queue} -l shows why it stopped."),
                     details)
    if "media-low" in alerts:
        params["reason"] = "paper low"
        return Check("printer", WARN, _("Printer {queue}: {reason}"), params,
                     _("Have staff check the paper roll and the printer's light."), details)
    state = "printing" if "printing" in first else "idle"
    params["state"] = state
    return Check("printer", OK, _("Printer {queue}: {state}."), params, details=details)


# --- server, token, clock --------------------------------------------------------------------------


def check_server(cfg: Config, opts: Options) -> list[Check]:
    import requests

    from .sync import device
    from .sync.client import Client, SyncFailure, Unauthorized
    from .sync.wire import API_PREFIX

    try:
        enrollment = device.load(cfg)
    except ConfigError as exc:
        return [Check("server", SKIP, _("Not checked: the enrollment file is damaged.")),
                Check("token", FAIL, _("The enrollment file is damaged: {reason}"), {"reason": str(exc)},
                      _("Revoke this kiosk on the server, delete device.json, enroll again with a new code."))]
    url = device.server_url(cfg, enrollment)
    if not url:
        return [Check("server", WARN, _("No central server is set: this kiosk works offline only."), {},
                      _("To join the fleet: kiosk enroll --server URL --code CODE.")),
                Check("token", SKIP, _("Not checked: no central server.")),
                Check("clock", SKIP, _("Not checked: no central server."))]
    params: dict[str, Any] = {"url": url}
    verify: Any = device.ca_bundle(cfg) or True
    timeout = min(cfg.server.timeout_s, 10.0)
    t0 = time.time()
    try:
        resp = requests.get(url + API_PREFIX + "/health", timeout=timeout, verify=verify, allow_redirects=False,
                            headers={"User-Agent": f"iplik-kiosk-doctor/{__version__}", "Accept": "application/json"})
        t1 = time.time()
    except requests.exceptions.SSLError as exc:
        return _server_down(Check("server", FAIL, _("The certificate of {url} could not be verified."), params,
                                  _("Check the clock (date) and server.ca_bundle; is a proxy in the way?"),
                                  {"error": str(exc)[:300]}))
    except requests.RequestException as exc:
        return _server_down(Check("server", FAIL, _("The central server {url} cannot be reached."), params,
                                  _("Check the network cable or Wi-Fi, and that the address is right (server.url)."),
                                  {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}))
    try:
        body = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else None
    except ValueError:
        body = None
    if resp.status_code != 200 or not isinstance(body, dict) or body.get("ok") is not True:
        params["status"] = resp.status_code
        return _server_down(Check("server", FAIL, _("{url} did not answer like the central server (HTTP {status})."),
                                  params, _("A login page of the network (hotspot) or a proxy may be in the way; check server.url.")))
    ms = round((t1 - t0) * 1000)
    checks = [Check("server", OK, _("The central server {url} answers ({ms} ms, version {version})."),
                    {**params, "ms": ms, "version": body.get("version", "?")}, details={"ms": ms})]
    checks.append(_clock(resp.headers.get("Date"), t0, t1, opts))
    if enrollment is None:
        checks.insert(1, Check("token", FAIL, _("This kiosk is not enrolled with the central server."), params,
                               _("Get a code (kiosk central enroll-code) and run: kiosk enroll --server URL --code CODE.")))
        return checks
    client = Client(url, enrollment.token, timeout=timeout, ca_bundle=device.ca_bundle(cfg))
    try:
        client.updates(None, limit=1)
        token = Check("token", OK, _("The kiosk's token is accepted (device {device})."), {"device": enrollment.device_id})
    except Unauthorized as exc:
        token = Check("token", FAIL, _("The server refuses this kiosk's token ({code}): {reason}"),
                      {"code": exc.code, "reason": exc.params.get("reason", "")},
                      _("The kiosk was revoked or the server was reset: revoke it on the server if needed, delete device.json, enroll again with a new code."))
    except SyncFailure as exc:
        token = Check("token", WARN, _("The token could not be checked: {reason}"), {"reason": str(exc)})
    finally:
        client.close()
    checks.insert(1, token)
    return checks


def _server_down(server: Check) -> list[Check]:
    return [server, Check("token", SKIP, _("Not checked: the server cannot be reached.")),
            Check("clock", SKIP, _("Not checked: the server cannot be reached."))]


def _clock(date_header: str | None, t0: float, t1: float, opts: Options) -> Check:
    if not date_header:
        return Check("clock", SKIP, _("Not checked: the server sent no Date header."))
    try:
        server_time = parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return Check("clock", SKIP, _("Not checked: the server sent no Date header."))
    # The server stamped its Date somewhere between our send and receive; its clock has 1 s steps.
    skew = server_time - (t0 + t1) / 2
    params = {"seconds": round(abs(skew))}
    details = {"skew_s": round(skew, 1)}
    message = (_("The kiosk's clock is {seconds} s behind the server's.") if skew > 0
               else _("The kiosk's clock is {seconds} s ahead of the server's."))
    hint = _("Turn on time sync: timedatectl set-ntp true; check that NTP (UDP 123) is allowed; on a Pi without a network, add an RTC.")
    if abs(skew) > opts.skew_fail_s:
        return Check("clock", FAIL, message, params, hint, details)
    if abs(skew) > max(opts.skew_warn_s, 2.0):
        return Check("clock", WARN, message, params, hint, details)
    return Check("clock", OK, _("The clock agrees with the server's (within {seconds} s)."), {"seconds": max(1, round(abs(skew)))},
                 details=details)

