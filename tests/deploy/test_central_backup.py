"""The issue's "done when" for backups: a backup made by the timer's own command (the ExecStart of
iplik-central-backup.service, with the unit's environment and the laid-down central.env) of a
PostgreSQL database full of demo data restores with restore.sh into a fresh PostgreSQL cluster with the
same rows in every table; the restore refuses a database that is not empty; a failed backup leaves no
file that looks like a good one; old backups go after the days kept, the newest never."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from central.serverkit import PgCluster, pg_missing_reason, postgres

from .centralkit import APP, fresh_source, install, set_env_value, unit_command

pytestmark = [pytest.mark.postgres]

BACKUPS = "var/lib/iplik-central/backups"


def _skip_without_tools() -> None:
    reason = pg_missing_reason()
    if reason:
        pytest.skip(reason)
    for tool in ("pg_dump", "pg_restore", "psql", "rsync"):
        if not any(os.access(Path(d) / tool, os.X_OK) for d in os.environ["PATH"].split(os.pathsep)):
            pytest.skip(f"{tool} is not installed (apt-get install postgresql-client rsync; dev-system-deps.sh does it)")


def table_counts(url: str) -> dict[str, int]:
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def site(tmp_path_factory, builder):
    """A server laid down by install.sh whose central.env names a PostgreSQL database filled by
    `kiosk central demo` (with the release's own kiosk command), and one evidence upload."""
    _skip_without_tools()
    tmp = tmp_path_factory.mktemp("central-backup")
    root = tmp / "root"
    run = install(root, fresh_source(tmp), builder, "--domain", "iplik.ntbprov.go.id")
    assert run.returncode == 0, run.stdout + run.stderr
    url = postgres().new_database()
    demo = subprocess.run([str(root / APP / ".venv/bin/kiosk"), "central", "demo", "--db", url],
                          check=False, capture_output=True, text=True, timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    set_env_value(root / "etc/iplik-central/central.env", "IPLIK_CENTRAL_DATABASE_URL", url)
    photo = root / "var/lib/iplik-central/evidence/bappenda/maklumat/foto-1.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return root, url


def run_timer_command(root: Path, **overrides: str) -> subprocess.CompletedProcess:
    cmd, env = unit_command(root, root / "etc/systemd/system/iplik-central-backup.service")
    return subprocess.run(cmd, env={**env, **overrides}, cwd=root, check=False, capture_output=True, text=True,
                          timeout=300)


def test_the_timers_backup_restores_into_a_fresh_cluster_with_the_same_rows(site, tmp_path):
    root, url = site
    backups = root / BACKUPS
    # Left from earlier nights: one older than the 14 days kept, one from yesterday.
    (backups / "central-20200101T013000Z.dump").write_bytes(b"old")
    (backups / "central-20200101T013000Z.evidence").mkdir()
    from datetime import UTC, datetime, timedelta

    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    (backups / f"central-{yesterday}.dump").write_bytes(b"recent")
    # And what a run killed mid-dump left: hidden, never taken for a backup, cleared by the next run.
    (backups / f".central-{yesterday}.dump.partial").write_bytes(b"PGDMP half")

    run = run_timer_command(root)
    assert run.returncode == 0, run.stdout + run.stderr
    latest = (backups / "LATEST").read_text().strip()
    dump = backups / f"{latest}.dump"
    assert dump.is_file() and dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    snapshot = backups / f"{latest}.evidence"
    assert (snapshot / "bappenda/maklumat/foto-1.jpg").read_bytes() == b"\xff\xd8\xff\xe0 not really a photo"
    names = sorted(p.name for p in backups.iterdir())
    assert names == sorted([".lock", "LATEST", f"central-{yesterday}.dump", f"{latest}.dump", f"{latest}.evidence"])
    assert "removed 2 older than 14 days" in run.stdout

    before = table_counts(url)
    assert before["complaints"] > 0 and before["staff_users"] > 0 and before["audit_log"] > 0
    fresh = PgCluster()
    try:
        target = fresh.new_database()
        evidence = tmp_path / "evidence"
        restore = subprocess.run(["bash", str(root / APP / "deploy/central/restore.sh"), "--db", target,
                                  "--evidence", str(snapshot), str(dump)],
                                 env={**os.environ, "IPLIK_CENTRAL_EVIDENCE_DIR": str(evidence)},
                                 check=False, capture_output=True, text=True, timeout=300)
        assert restore.returncode == 0, restore.stdout + restore.stderr
        after = table_counts(target)
        assert after == before
        assert (evidence / "bappenda/maklumat/foto-1.jpg").read_bytes() == b"\xff\xd8\xff\xe0 not really a photo"
        assert f"  complaints{' ' * (41 - len('complaints'))}{before['complaints']}" in restore.stdout

        # The same again into that database, now full: refused, and nothing in it changed.
        again = subprocess.run(["bash", str(root / APP / "deploy/central/restore.sh"), "--db", target, str(dump)],
                               check=False, capture_output=True, text=True, timeout=300)
        assert again.returncode == 1 and "is not empty" in again.stderr and "nothing was restored" in again.stderr
        assert table_counts(target) == before
        # --force replaces what the backup holds.
        import psycopg

        with psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DELETE FROM complaint_events")
        assert table_counts(target)["complaint_events"] == 0 < before["complaint_events"]
        forced = subprocess.run(["bash", str(root / APP / "deploy/central/restore.sh"), "--force", "--db", target,
                                 str(dump)], check=False, capture_output=True, text=True, timeout=300)
        assert forced.returncode == 0, forced.stdout + forced.stderr
        assert table_counts(target) == before
    finally:
        fresh.stop()


def test_a_failed_backup_leaves_nothing_that_looks_like_a_backup(site):
    root, url = site
    backups = root / BACKUPS
    before = sorted(p.name for p in backups.iterdir())
    latest = (backups / "LATEST").read_text() if (backups / "LATEST").exists() else None
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    run = run_timer_command(root, IPLIK_CENTRAL_DATABASE_URL=missing)
    assert run.returncode != 0
    assert "no_such_database" in run.stderr and "backup FAILED" in run.stderr
    assert sorted(p.name for p in backups.iterdir()) == before  # no partial file left, nothing deleted
    assert ((backups / "LATEST").read_text() if latest is not None else None) == latest


def test_the_backup_refuses_bad_settings_before_it_starts(site):
    root, _ = site
    for overrides, message in (({"IPLIK_BACKUP_KEEP_DAYS": "0"}, "IPLIK_BACKUP_KEEP_DAYS must be a whole number"),
                               ({"IPLIK_CENTRAL_DATABASE_URL": "sqlite:///x.db"}, "the database is SQLite"),
                               ({"IPLIK_CENTRAL_DATABASE_URL": "postgresql://u@h/db"}, "must start with postgresql+psycopg"),
                               ({"IPLIK_BACKUP_DIR": str(root / "nowhere")}, "does not exist")):
        run = run_timer_command(root, **overrides)
        assert run.returncode == 1 and message in run.stderr, (overrides, run.stderr)


def test_the_iplik_central_command_migrates_and_makes_the_first_administrator(site, tmp_path):
    """The guide's first steps on a new database through /usr/local/bin/iplik-central as laid down (the
    switch to the server's user is a stand-in `runuser` here: the user does not exist on this machine)."""
    root, _ = site
    url = postgres().new_database()
    env_file = tmp_path / "central.env"
    env_file.write_text((root / "etc/iplik-central/central.env").read_text())
    set_env_value(env_file, "IPLIK_CENTRAL_DATABASE_URL", url)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "runuser").write_text('#!/bin/sh\n[ "$1 $2 $3" = "-u iplik-central --" ] || exit 99\nshift 3\nexec "$@"\n')
    (bin_dir / "runuser").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "IPLIK_CENTRAL_APP": str(root / APP),
           "IPLIK_CENTRAL_ENV_FILE": str(env_file)}
    wrapper = str(root / "usr/local/bin/iplik-central")
    run = subprocess.run([wrapper, "migrate"], env=env, check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "the database is at the schema of this release" in run.stdout, run.stderr
    assert table_counts(url)["alembic_version"] == 1
    run = subprocess.run([wrapper, "user", "add", "--role", "admin", "--name", "Admin Satu", "admin"],
                         env={**env, "IPLIK_NEW_PASSWORD": "tR7#mVq9!zLp2@Xw-kiosk"}, check=False,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert table_counts(url)["staff_users"] == 1
    # A database it cannot reach: one line that says so, no traceback.
    set_env_value(env_file, "IPLIK_CENTRAL_DATABASE_URL", url.rsplit("/", 1)[0] + "/no_such_database")
    run = subprocess.run([wrapper, "migrate"], env=env, check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stderr.startswith("error: cannot reach the database") and "Traceback" not in run.stderr
