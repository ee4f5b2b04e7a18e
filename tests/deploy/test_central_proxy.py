"""The proxy configurations as laid down, run for real in front of a stand-in upstream (only the ports,
the certificate and the log paths changed for a test): TLS answers with HSTS, plain http is sent to
https, the client's own X-Forwarded-For is replaced by the address the proxy saw (what the server's
trusted_proxies rule relies on), a 5 MB body passes (room above the app's own 4 MiB limit, which answers
with its message) and a 9 MB one is stopped with 413."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from central.serverkit import free_port

from .centralkit import CENTRAL

# The test's own self-signed certificate.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


class Upstream(BaseHTTPRequestHandler):
    """Stands where the server's workers listen: records what the proxy forwarded."""

    seen: ClassVar[list[dict]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Upstream.seen.append({"xff": self.headers.get_all("X-Forwarded-For"), "bytes": len(body),
                              "host": self.headers.get("Host")})
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def upstream():
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port
    server.shutdown()


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("cert")
    key, crt = tmp / "privkey.pem", tmp / "fullchain.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True, timeout=60)
    return crt, key


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, log.read_text() if log.exists() else "the proxy exited"
        try:
            requests.get(url, timeout=1, verify=False, allow_redirects=False)
            return
        except requests.RequestException:
            assert time.monotonic() < deadline, "the proxy did not start"
            time.sleep(0.1)


def check_the_proxy(https: str, upstream_port: int) -> None:
    Upstream.seen.clear()
    r = requests.get(https + "/api/v1/health", headers={"X-Forwarded-For": "6.6.6.6"}, verify=False, timeout=10)
    assert r.status_code == 200 and r.text == "ok"
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    # The client wrote 6.6.6.6; the server must see only the address the proxy saw (this test, 127.0.0.1).
    assert Upstream.seen[-1]["xff"] == ["127.0.0.1"], Upstream.seen
    five_mb = requests.post(https + "/staff/evidence", data=b"x" * 5_000_000, verify=False, timeout=30)
    assert five_mb.status_code == 200 and Upstream.seen[-1]["bytes"] == 5_000_000
    count = len(Upstream.seen)
    # 9 MB announced: refused from the headers, before a byte of the body is sent (a client that keeps
    # sending would only see the connection closed under it).
    host, port = https.removeprefix("https://").split(":")
    conn = http.client.HTTPSConnection(host, int(port), timeout=10, context=ssl._create_unverified_context())
    try:
        conn.putrequest("POST", "/staff/evidence")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", "9000000")
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    assert len(Upstream.seen) == count  # never reached the server


def test_nginx_in_front(upstream, cert, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx; deploy/dev-system-deps.sh does it)")
    crt, key = cert
    http_port, https_port = free_port(), free_port()
    site = (CENTRAL / "nginx-iplik-central.conf").read_text()
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.MULTILINE)  # no IPv6 needed here
    site = (site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream};")
            .replace("/etc/iplik-central/tls/fullchain.pem", str(crt))
            .replace("/etc/iplik-central/tls/privkey.pem", str(key))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    assert f"127.0.0.1:{upstream}" in site and str(crt) in site
    (tmp_path / "site.conf").write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers that may enter the test's temp folder
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                    "daemon off;\nevents {}\n"
                    f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
                    f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n")
    log = tmp_path / "error.log"
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        https = f"https://127.0.0.1:{https_port}"
        wait_for(https, proc, log)
        plain = requests.get(f"http://127.0.0.1:{http_port}/lacak/ABCD", timeout=5, allow_redirects=False)
        assert plain.status_code == 301 and plain.headers["Location"] == "https://127.0.0.1/lacak/ABCD"
        check_the_proxy(https, upstream)
    finally:
        proc.terminate()
        proc.wait(10)


def test_caddy_in_front(upstream, cert, tmp_path):
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (apt-get install caddy; deploy/dev-system-deps.sh does it)")
    crt, key = cert
    https_port = free_port()
    text = (CENTRAL / "Caddyfile").read_text()
    text = (text.replace("{\n\temail", f"{{\n\tadmin off\n\thttps_port {https_port}\n\tauto_https disable_redirects\n\temail", 1)
            .replace("{$IPLIK_DOMAIN:iplik.example.go.id}", f"https://localhost:{https_port}")
            .replace("#tls /etc/iplik-central/tls/fullchain.pem /etc/iplik-central/tls/privkey.pem", f"tls {crt} {key}")
            .replace("reverse_proxy 127.0.0.1:8080", f"reverse_proxy 127.0.0.1:{upstream}")
            .replace("/var/log/caddy/", f"{tmp_path}/"))
    assert "admin off" in text and f"tls {crt}" in text and f"127.0.0.1:{upstream}" in text
    conf = tmp_path / "Caddyfile"
    conf.write_text(text)
    log = tmp_path / "caddy.log"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(["caddy", "run", "--config", str(conf), "--adapter", "caddyfile"], env=env,
                                stdout=out, stderr=out)
    try:
        https = f"https://localhost:{https_port}"
        wait_for(https, proc, log)
        check_the_proxy(https, upstream)
    finally:
        proc.terminate()
        proc.wait(10)
