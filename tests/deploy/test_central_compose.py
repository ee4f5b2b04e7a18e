"""compose.yaml (no container engine here, so not run: parsed): PostgreSQL, the server, the tick, the
backup and the proxy with their volumes; only the proxy publishes ports; the server believes the proxy's
fixed address and no other; the commands are the host install's; the image's build steps name files
that exist."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess

import pytest

from .centralkit import CENTRAL
from .test_units import unit_values

REPO = CENTRAL.parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    # PyYAML is not a dependency of the project; Debian's python3-yaml is (deploy/dev-system-deps.sh).
    python = shutil.which("python3", path="/usr/bin")
    script = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)"
    if python is None or subprocess.run([python, "-c", "import yaml"], check=False, capture_output=True).returncode:
        pytest.skip("Debian's python3-yaml is not installed (apt-get install python3-yaml; dev-system-deps.sh does it)")
    run = subprocess.run([python, "-c", script, str(CENTRAL / "compose.yaml")], check=False, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_services_and_volumes(compose):
    services = compose["services"]
    assert set(services) == {"db", "central", "tick", "backup", "proxy"}
    assert set(compose["volumes"]) >= {"pgdata", "evidence", "backups", "caddy_data"}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "evidence:/var/lib/iplik-central/evidence" in services["central"]["volumes"]
    assert "backups:/var/lib/iplik-central/backups" in services["backup"]["volumes"]
    assert services["db"]["image"].startswith("docker.io/library/postgres:15")
    for name in ("central", "tick", "backup"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["build"]["dockerfile"] == "deploy/central/Containerfile"


def test_only_the_proxy_is_reachable_and_the_only_one_believed(compose):
    services = compose["services"]
    assert [s for s, v in services.items() if v.get("ports")] == ["proxy"]
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])
    proxy_ip = services["proxy"]["networks"]["backend"]["ipv4_address"]
    subnet = compose["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_ip) in ipaddress.ip_network(subnet)
    assert services["central"]["environment"]["IPLIK_CENTRAL_TRUSTED_PROXIES"] == proxy_ip
    # The proxy's Caddyfile is the host's, pointed at the server's service name.
    assert "./Caddyfile:/etc/iplik/Caddyfile:ro" in services["proxy"]["volumes"]
    assert "127.0.0.1:8080" in (CENTRAL / "Caddyfile").read_text()
    assert "s/127.0.0.1:8080/central:8080/" in " ".join(services["proxy"]["command"])


def test_the_settings_pass_the_servers_validation(compose):
    from kiosk.central.settings import from_env

    env = {k: re.sub(r"\$\{POSTGRES_PASSWORD[^}]*\}", "s3cret", v)
           for k, v in compose["services"]["central"]["environment"].items()}
    s = from_env({k: v for k, v in env.items() if k != "IPLIK_CENTRAL_EVIDENCE_DIR"})
    assert s.database_url == "postgresql+psycopg://iplik:s3cret@db:5432/iplik_central"


def test_the_commands_are_the_host_installs(compose):
    services = compose["services"]
    assert services["central"]["command"][:4] == ["python", "-m", "kiosk.central", "serve"]
    assert "kiosk central tick" in services["tick"]["command"][-1]
    backup_exec = unit_values(CENTRAL / "iplik-central-backup.service")["ExecStart"][0]
    assert backup_exec in services["backup"]["command"][-1]


def test_the_containerfile_copies_what_exists():
    text = (CENTRAL / "Containerfile").read_text()
    copies = re.findall(r"^COPY (.+) \S+$", text, flags=re.MULTILINE)
    sources = [src for line in copies for src in line.split()]
    assert sources and all((REPO / src).exists() for src in sources), sources
    assert '-e ".[server]"' in text and "USER iplik-central" in text
    assert "postgresql-client" in text and "rsync" in text  # the backup service's tools
