"""Real parts for the server and sync tests: a PostgreSQL cluster in a temp dir, the central server in
a uvicorn subprocess on a free loopback port, enrolled devices, valid records.

Shared by ``tests/central`` and ``tests/sync`` (both import it as ``central.serverkit``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

import requests

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("IPLIK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_missing_reason() -> str | None:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql; CI installs it)"
    return None


class PgCluster:
    """A throwaway cluster: initdb in a temp dir, listening on 127.0.0.1 only, fsync off (it is a test)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="iplik-pg-"))
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            # initdb refuses root; run the server as the postgres user (or nobody) instead.
            import pwd

            for name in ("postgres", "nobody"):
                try:
                    pwd.getpwnam(name)
                    self.user = name
                    break
                except KeyError:
                    continue
            shutil.chown(self.dir, self.user, None)
            os.chmod(self.dir, 0o700)
        self.data = self.dir / "data"
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "iplik", "--auth=trust", "-E", "UTF8",
                   "--no-locale", "--no-sync"])
        self._run([
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60", "start",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        ])
        self._n = 0

    def _run(self, cmd: list[str]) -> None:
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://iplik@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg

        self._n += 1
        name = f"t{os.getpid()}_{self._n}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=iplik dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


_PG: PgCluster | None = None


def postgres() -> PgCluster:
    """The one cluster of this test process, started on first use and stopped at exit."""
    global _PG
    if _PG is None:
        _PG = PgCluster()
        atexit.register(_PG.stop)
    return _PG


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'central.db'}"
    return postgres().new_database()


# --- the server ------------------------------------------------------------------------------------

FAST_LIMITS = {
    "IPLIK_CENTRAL_TRACK_BURST": "1000",
    "IPLIK_CENTRAL_TRACK_PER_MINUTE": "6000",
    "IPLIK_CENTRAL_TRACK_MISSES_PER_10MIN": "1000",
    "IPLIK_CENTRAL_ENROLL_BURST": "1000",
    "IPLIK_CENTRAL_ENROLL_PER_MINUTE": "6000",
    "IPLIK_CENTRAL_IKM_REFRESH_S": "0",
    # Benches push 50,000 records from one kiosk as fast as they can.
    "IPLIK_CENTRAL_PUSH_BURST": "1000000",
    "IPLIK_CENTRAL_PUSH_PER_MINUTE": "1000000",
}


@dataclass
class Server:
    db_url: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """What runs the server (a subclass may start it through another entry point)."""
        return [sys.executable, "-m", "kiosk.central", "serve", "--db", self.db_url, "--port", str(self.port)]

    python_path: ClassVar[tuple[Path, ...]] = (REPO,)  # on the subprocess's PYTHONPATH

    def start(self, timeout: float = 30.0) -> Server:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, self.python_path)), **FAST_LIMITS, **self.env}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(self.command(), env=env, cwd=REPO, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the central server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("the central server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush; what was committed must survive."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def engine(self):
        from kiosk.central.db import make_engine
        from kiosk.central.settings import Settings

        return make_engine(Settings(database_url=self.db_url))


def start_server(db_url: str, tmp: Path, **env: str) -> Server:
    return Server(db_url, env=env, log_path=tmp / "server.log").start()


# --- devices and records ---------------------------------------------------------------------------


@dataclass
class DeviceCred:
    device_id: str
    token: str
    identity_public_key: str = ""  # the key a kiosk enrolled with this answer seals identities with

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def enroll(server: Server, engine, *, office: str = "Kantor Gubernur", agency: str = "bappenda") -> DeviceCred:
    from kiosk.central.devices import create_enroll_code

    code = create_enroll_code(engine, office=office, agency_id=agency)
    r = requests.post(server.url + "/api/v1/enroll", json={"code": code.code, "name": "test kiosk"}, timeout=10)
    assert r.status_code == 200, r.text
    data = r.json()
    return DeviceCred(data["device_id"], data["token"], data.get("identity_public_key", ""))


NIK = "5271010101900003"


def complaint_doc(*, privacy: str = "biasa", description: str | None = None, agency_id: str | None = "bappenda",
                  service_id: str | None = None) -> dict:
    from kiosk.domain.complaint import complaint_to_dict, validate_complaint

    raw = {
        "class": "pengaduan",
        "topic": "pungli",
        "agency_id": agency_id,
        "service_id": service_id,
        "description": description or "Petugas loket meminta uang tambahan di luar tarif resmi.",
        "privacy": privacy,
        "identity": None
        if privacy == "anonim"
        else {"name": "Siti Rahmawati", "nik": NIK, "phone": "0812 3456 7890", "email": "siti.r@example.com"},
        "consent_version": "pdp-2026-11",
    }
    now = datetime.now(UTC)
    return complaint_to_dict(validate_complaint(raw, today=date.today(), now=now))


def complaint_record(**kw) -> dict:
    from kiosk.domain import tracking
    from kiosk.sync import wire

    return {
        "uuid": str(uuidlib.uuid4()),
        "kind": "complaint",
        "body": wire.complaint_body(tracking.generate(), datetime.now(UTC).isoformat(timespec="seconds"), complaint_doc(**kw)),
    }


def rating_record(*, service_id: str = "bappenda-pkb", score: int = 4) -> dict:
    from kiosk.domain.rating import survey_to_dict, validate_survey
    from kiosk.sync import wire

    survey = validate_survey(
        {"service_id": service_id, "answers": {f"U{i}": score for i in range(1, 10)}},
        answered_at=datetime.now(UTC),
    )
    return {
        "uuid": str(uuidlib.uuid4()),
        "kind": "rating",
        "body": wire.rating_body(datetime.now(UTC).isoformat(timespec="seconds"), "bappenda", survey_to_dict(survey)),
    }
