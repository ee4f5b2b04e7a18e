"""deploy/central/install.sh lays the central server down in a staging root: the files with the owners
and modes a Debian host gets, a second run changes nothing, central.env is never overwritten,
systemd-analyze verify accepts the five units as laid down, nginx -t and caddy validate accept the
proxy configurations as laid down, and the server unit's own command starts a server with several
workers that believes X-Forwarded-For from 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from central.serverkit import free_port

from .centralkit import APP, CENTRAL, UNITS, fresh_source, install, read_env_file, set_env_value, unit_command
from .conftest import read_manifest
from .test_units import unit_values

ENV = "etc/iplik-central/central.env"


@pytest.fixture(scope="module")
def nginx_root(tmp_path_factory, builder):
    tmp = tmp_path_factory.mktemp("central-nginx")
    root = tmp / "root"
    run = install(root, fresh_source(tmp), builder, "--domain", "iplik.ntbprov.go.id")
    assert run.returncode == 0, run.stdout + run.stderr
    return root


@pytest.fixture(scope="module")
def caddy_root(tmp_path_factory, builder):
    tmp = tmp_path_factory.mktemp("central-caddy")
    root = tmp / "root"
    run = install(root, fresh_source(tmp), builder, "--proxy", "caddy", "--domain", "iplik.ntbprov.go.id",
                  "--acme-email", "tik@ntbprov.go.id", "--local-db")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "would run: runuser -u postgres -- createdb -O iplik-central iplik_central" in run.stdout
    return root


def test_every_file_has_the_owner_and_mode_a_host_gets(nginx_root):
    m = read_manifest(nginx_root)
    expected = {
        "/etc/iplik-central": ("dir", "0750", "root", "iplik-central"),
        "/etc/iplik-central/central.env": ("file", "0640", "root", "iplik-central"),  # holds the SMTP password
        "/etc/iplik-central/tls/privkey.pem": ("file", "0600", "root", "root"),
        "/var/lib/iplik-central": ("dir", "0750", "iplik-central", "iplik-central"),
        "/var/lib/iplik-central/evidence": ("dir", "0750", "iplik-central", "iplik-central"),
        "/var/lib/iplik-central/backups": ("dir", "0750", "iplik-central", "iplik-central"),
        "/opt/iplik-central/releases/A": ("dir", "0755", "root", "root"),
        "/usr/local/bin/iplik-central": ("file", "0755", "root", "root"),
        "/etc/nginx/sites-available/iplik-central.conf": ("file", "0644", "root", "root"),
    }
    assert {p: m.get(p) for p in expected} == expected
    for unit in UNITS:
        assert m[f"/etc/systemd/system/{unit}"] == ("file", "0644", "root", "root")
        assert (nginx_root / "etc/systemd/system" / unit).read_bytes() == (CENTRAL / unit).read_bytes()
    assert os.readlink(nginx_root / "opt/iplik-central/current") == "releases/A"
    assert os.readlink(nginx_root / "etc/nginx/sites-enabled/iplik-central.conf") == "../sites-available/iplik-central.conf"
    env = read_env_file(nginx_root / ENV)
    assert env["IPLIK_CENTRAL_PUBLIC_URL"] == "https://iplik.ntbprov.go.id"
    site = (nginx_root / "etc/nginx/sites-available/iplik-central.conf").read_text()
    assert site.count("server_name iplik.ntbprov.go.id;") == 2 and "example" not in site


def test_a_second_run_changes_nothing_and_keeps_the_edited_settings(tmp_path, builder):
    root = tmp_path / "root"
    source = fresh_source(tmp_path)
    assert install(root, source, builder).returncode == 0
    set_env_value(root / ENV, "IPLIK_CENTRAL_SMTP_HOST", "mail.ntbprov.go.id")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink() and ".venv" not in p.parts}
    again = install(root, source, builder, "--domain", "other.ntbprov.go.id")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "central.env is kept as it is" in again.stdout
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink() and ".venv" not in p.parts}
    changed = sorted(str(p.relative_to(root)) for p in after if before.get(p) != after[p])
    # Only the proxy's server name follows the new --domain; the settings the technician edited stay.
    assert changed == ["etc/nginx/sites-available/iplik-central.conf"]
    assert read_env_file(root / ENV)["IPLIK_CENTRAL_SMTP_HOST"] == "mail.ntbprov.go.id"
    assert read_env_file(root / ENV)["IPLIK_CENTRAL_PUBLIC_URL"] == "https://iplik.example.go.id"


def test_dry_run_changes_nothing_and_bad_options_are_refused(tmp_path, builder):
    root = tmp_path / "root"
    run = install(root, fresh_source(tmp_path), builder, "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "would run: useradd --system" in run.stdout and "would write /etc/iplik-central/central.env" in run.stdout
    assert not root.exists() or not any(root.iterdir())
    for bad, message in ((["--proxy", "apache"], "--proxy must be nginx, caddy or none"),
                         (["--domain", "not a name"], "--domain must be a host name"),
                         (["--domain", "x.go.id;rm"], "--domain must be a host name")):
        run = install(root, tmp_path / "iplik-src", builder, *bad)
        assert run.returncode == 1 and message in run.stderr, run.stderr
    assert not root.exists() or not any(root.iterdir())


def _stand_ins(root: Path) -> None:
    """systemd-analyze verify --root resolves ExecStart inside the root. The release's venv python is a
    symlink to the Python that made it (on a host: /usr/bin/python3.11, there): a stand-in at that path."""
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True)
    path = root / APP / ".venv/bin/python"
    for _ in range(10):  # python -> python3.11 -> /usr/bin/python3.11, each link read as the root sees it
        if not path.is_symlink():
            break
        target = os.readlink(path)
        path = root / target.lstrip("/") if os.path.isabs(target) else path.parent / target
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)


def test_systemd_analyze_verify_accepts_the_laid_down_units(nginx_root):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd; deploy/dev-system-deps.sh does it)")
    _stand_ins(nginx_root)
    units = [str(nginx_root / "etc/systemd/system" / u) for u in UNITS]
    run = subprocess.run(["systemd-analyze", "verify", f"--root={nginx_root}", *units], check=False,
                         capture_output=True, text=True, timeout=60)
    # verify exits 0 on unknown keys and only warns: any output at all is a finding.
    assert run.returncode == 0 and run.stdout.strip() == "" and run.stderr.strip() == "", run.stdout + run.stderr


def test_the_units_as_designed():
    server = unit_values(CENTRAL / "iplik-central.service")
    expected = {"User": "iplik-central", "EnvironmentFile": "/etc/iplik-central/central.env", "NoNewPrivileges": "yes",
                "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
                "Restart": "on-failure", "WantedBy": "multi-user.target"}
    assert {k: server[k][-1] for k in expected} == expected
    assert server["ReadWritePaths"] == ["/var/lib/iplik-central"]  # evidence/ and backups/ are under it
    assert "--host 127.0.0.1 " in server["ExecStart"][0] and "--workers ${IPLIK_SERVE_WORKERS}" in server["ExecStart"][0]
    backup = unit_values(CENTRAL / "iplik-central-backup.service")
    assert backup["ExecStart"] == ["/opt/iplik-central/current/deploy/central/backup.sh"]
    assert backup["Type"] == ["oneshot"] and backup["User"] == ["iplik-central"] and "Restart" not in backup
    assert backup["ReadWritePaths"] == ["/var/lib/iplik-central/backups"]  # reads the evidence, writes only backups
    timer = unit_values(CENTRAL / "iplik-central-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 01:30:00"] and timer["Persistent"] == ["true"]
    if shutil.which("systemd-analyze"):
        run = subprocess.run(["systemd-analyze", "calendar", "--iterations=2", "*-*-* 01:30:00"],
                             check=False, capture_output=True, text=True, timeout=30)
        nights = [ln for ln in run.stdout.splitlines() if ("Next elapse" in ln or "Iter." in ln) and " 01:30:00 " in ln]
        assert run.returncode == 0 and len(nights) == 2, run.stdout


def test_the_server_units_command_serves_with_workers_and_trusts_only_the_proxy(nginx_root, tmp_path):
    """ExecStart with Environment= and central.env as systemd would give them (a SQLite file and a free
    port here): two uvicorn workers answer, and the address the proxy passes is the client's."""
    env_file = nginx_root / ENV
    original = env_file.read_text()
    port = free_port()
    set_env_value(env_file, "IPLIK_CENTRAL_DATABASE_URL", f"sqlite:///{tmp_path / 'central.db'}")
    set_env_value(env_file, "IPLIK_SERVE_PORT", str(port))
    set_env_value(env_file, "IPLIK_SERVE_WORKERS", "2")
    # One enrollment attempt per client address, refilled slowly: the second from one client gets 429.
    set_env_value(env_file, "IPLIK_CENTRAL_ENROLL_BURST", "1")
    set_env_value(env_file, "IPLIK_CENTRAL_ENROLL_PER_MINUTE", "0.01")
    try:
        cmd, env = unit_command(nginx_root, nginx_root / "etc/systemd/system/iplik-central.service")
    finally:
        env_file.write_text(original)
    assert cmd[1:] == ["-m", "kiosk.central", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                       "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) >= 2, children  # the two workers (uvicorn's supervisor is the unit's main process)

        # Requests come from 127.0.0.1, the proxy central.env trusts: the client is the address it passes,
        # and the limit, kept in the database, holds whichever worker answers.
        def enroll(client: str) -> int:
            return requests.post(url + "/api/v1/enroll", json={"code": "NOPE-NOPE-NOP"},
                                 headers={"X-Forwarded-For": client}, timeout=10).status_code

        first = enroll("203.0.113.7")
        assert first != 429 and 400 <= first < 500
        assert [enroll("203.0.113.7") for _ in range(3)] == [429, 429, 429]
        assert enroll("198.51.100.20") == first  # another client behind the proxy has its own allowance
    finally:
        proc.terminate()
        proc.wait(20)


def _nginx_prefix(root: Path, tmp: Path) -> Path:
    """A throwaway nginx.conf around the laid-down server block, its absolute paths in the root."""
    site = (root / "etc/nginx/sites-available/iplik-central.conf").read_text()
    site = site.replace("/etc/iplik-central/", f"{root}/etc/iplik-central/").replace("/var/log/nginx/", f"{tmp}/")
    (tmp / "site.conf").write_text(site)
    conf = tmp / "nginx.conf"
    conf.write_text(f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
                    f"http {{\n  access_log {tmp}/access.log;\n  client_body_temp_path {tmp}/body;\n"
                    f"  proxy_temp_path {tmp}/proxy;\n  include {tmp}/site.conf;\n}}\n")
    return conf


def test_nginx_accepts_the_laid_down_server_block(nginx_root, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx; deploy/dev-system-deps.sh does it)")
    conf = _nginx_prefix(nginx_root, tmp_path)
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                         check=False, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "test is successful" in run.stderr, run.stderr
    # A broken block is refused: the check can fail.
    (tmp_path / "site.conf").write_text((tmp_path / "site.conf").read_text().replace("proxy_pass", "proxy_passs"))
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                         check=False, capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "proxy_passs" in run.stderr


def _caddy(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    home = {"HOME": str(tmp), "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config")}
    return subprocess.run(["caddy", *args], check=False, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], **home})


def test_caddy_accepts_the_laid_down_caddyfile_with_automatic_or_given_tls(caddy_root, tmp_path):
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (apt-get install caddy; deploy/dev-system-deps.sh does it)")
    caddyfile = caddy_root / "etc/caddy/Caddyfile"
    text = caddyfile.read_text()
    assert "{$IPLIK_DOMAIN:iplik.ntbprov.go.id}" in text and "admin@example" not in text
    run = _caddy(["validate", "--config", str(caddyfile), "--adapter", "caddyfile"], tmp_path)
    assert run.returncode == 0 and "Valid configuration" in run.stdout, run.stdout + run.stderr
    # A certificate of the office's own: the commented `tls` line, with a self-signed pair.
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=iplik.ntbprov.go.id", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    own = tmp_path / "Caddyfile"
    own.write_text(text.replace("#tls /etc/iplik-central/tls/fullchain.pem /etc/iplik-central/tls/privkey.pem",
                                f"tls {cert} {key}"))
    assert own.read_text() != text
    run = _caddy(["validate", "--config", str(own), "--adapter", "caddyfile"], tmp_path)
    assert run.returncode == 0 and "Valid configuration" in run.stdout, run.stdout + run.stderr
    # A broken one is refused.
    own.write_text(text.replace("reverse_proxy", "reverse_proxyy"))
    assert _caddy(["validate", "--config", str(own), "--adapter", "caddyfile"], tmp_path).returncode != 0


def test_the_proxies_let_a_5_mb_upload_through_and_stop_far_bigger_ones():
    """The app's own limit is max_request_bytes (4 MiB by default: a push, or an evidence form); the
    issue allows uploads of 5 MB (5,000,000 bytes) plus a multipart envelope. Both proxies: 8 MiB, above
    both, so the app answers with its own message and the proxy stops only what is far too big."""
    from kiosk.central.settings import Settings

    nginx = (CENTRAL / "nginx-iplik-central.conf").read_text()
    caddy = (CENTRAL / "Caddyfile").read_text()
    assert "client_max_body_size 8m;" in nginx and "max_size 8MB" in caddy
    assert 8 * 1024 * 1024 > 5_000_000 + 64 * 1024 and 8 * 1024 * 1024 > Settings().max_request_bytes
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in nginx
    assert 'header Strict-Transport-Security "max-age=31536000"' in caddy
    # The client's address replaces whatever X-Forwarded-For the client sent (never appended to it).
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx and "$proxy_add_x_forwarded_for" not in nginx


def test_the_example_settings_are_what_the_server_reads():
    """Every IPLIK_CENTRAL_* line of central.env.example is a setting the server knows (the evidence
    folder is the evidence part's: allowed before it lands), and the file as systemd reads it passes the
    server's own validation: PostgreSQL through psycopg 3, https, Secure cookies, the proxy trusted."""
    from kiosk.central.settings import _FIELDS, ENV_PREFIX, from_env

    env = read_env_file(CENTRAL / "central.env.example")
    known = {ENV_PREFIX + name.upper() for name in _FIELDS} | {"IPLIK_CENTRAL_EVIDENCE_DIR"}
    assert sorted(k for k in env if k.startswith(ENV_PREFIX) and k not in known) == []
    s = from_env(env)
    assert s.database_url == "postgresql+psycopg://iplik-central@/iplik_central?host=/run/postgresql"
    assert s.public_url.startswith("https://") and s.cookie_secure is True
    assert s.trusted_proxies == ("127.0.0.1",) and s.smtp_from == "iPLiK <no-reply@example.go.id>"
    assert env["IPLIK_SERVE_WORKERS"] == "4" and env["IPLIK_CENTRAL_EVIDENCE_DIR"] == "/var/lib/iplik-central/evidence"


def test_shellcheck_is_clean_on_the_central_scripts():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck; deploy/dev-system-deps.sh does it)")
    scripts = sorted(map(str, CENTRAL.glob("*.sh"))) + [str(CENTRAL / "iplik-central")]
    assert len(scripts) == 5
    run = subprocess.run(["shellcheck", "-x", *scripts], check=False, capture_output=True, text=True, cwd=CENTRAL.parents[1])
    assert run.returncode == 0, run.stdout + run.stderr


def _pg_env(url: str) -> subprocess.CompletedProcess:
    script = f'. "{CENTRAL}/pgenv.sh"; pg_env "$1"; env | grep ^PG | LC_ALL=C sort'
    return subprocess.run(["bash", "-c", script, "pg_env", url], check=False, capture_output=True, text=True,
                          timeout=30, env={"PATH": os.environ["PATH"]})


def test_the_scripts_reach_the_database_the_server_names_with_no_password_in_their_arguments():
    """backup.sh and restore.sh turn the server's URL into libpq's PG* variables: pg_dump then runs with
    no password on its command line, where every user of the host could read it."""
    run = _pg_env("postgresql+psycopg://iplik-central@/iplik_central?host=/run/postgresql")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["PGDATABASE=iplik_central", "PGHOST=/run/postgresql", "PGUSER=iplik-central"]
    run = _pg_env("postgresql+psycopg://iplik:p%40ss%3Aw0rd@db.ntbprov.go.id:6432/iplik?sslmode=verify-full")
    assert run.stdout.splitlines() == ["PGDATABASE=iplik", "PGHOST=db.ntbprov.go.id", "PGPASSWORD=p@ss:w0rd",
                                       "PGPORT=6432", "PGSSLMODE=verify-full", "PGUSER=iplik"]
    for url, message in (("postgresql+psycopg://u@h/db?target_session_attrs=any", "do not know: target_session_attrs"),
                         ("postgresql+psycopg://u@h/", "names no database"),
                         ("sqlite:////var/lib/iplik-central/central.db", "the database is SQLite"),
                         ("", "no database: set IPLIK_CENTRAL_DATABASE_URL")):
        run = _pg_env(url)
        assert run.returncode == 1 and message in run.stderr and run.stdout == "", (url, run.stderr)


def test_an_upgrade_keeps_the_old_release_and_rollback_goes_back_to_it(tmp_path, builder):
    root = tmp_path / "root"
    source = fresh_source(tmp_path)
    assert install(root, source, builder, version="A").returncode == 0
    upgrade = install(root, source, builder, version="B")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    # The new release migrates the database before it becomes current.
    assert upgrade.stdout.index("iplik-central migrate") < upgrade.stdout.index("/opt/iplik-central/current -> releases/B")

    def links() -> tuple[str, str]:
        return os.readlink(root / "opt/iplik-central/current"), os.readlink(root / "opt/iplik-central/previous")

    assert links() == ("releases/B", "releases/A")
    back = install(root, source, builder, "--rollback")
    assert back.returncode == 0 and "would run: systemctl restart iplik-central.service" in back.stdout, back.stderr
    assert links() == ("releases/A", "releases/B")
    fresh = install(tmp_path / "other", source, builder, "--rollback")
    assert fresh.returncode == 1 and "no previous release" in fresh.stderr
