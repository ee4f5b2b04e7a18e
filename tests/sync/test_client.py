"""The sync client against the real server behind a proxy that breaks answers: every failure is one of
our SyncError kinds, and only a JSON answer naming the UUID acknowledges a record."""

from __future__ import annotations

import pytest

from central.serverkit import complaint_record, enroll
from kiosk.errors import SyncError
from kiosk.sync import client as sc

from .faultproxy import FaultProxy


@pytest.fixture(scope="module")
def cred(server, engine):
    return enroll(server, engine)


EXPECTED = {
    "drop_before": sc.Offline,
    "drop_after": sc.Offline,
    "reset_mid": (sc.Offline, sc.BadResponse),
    "delay": sc.Timeout,
    "truncate": sc.BadResponse,
    "s500": sc.ServerFailed,
    "s500_after": sc.ServerFailed,
    "s503": sc.Throttled,
    "s429": sc.Throttled,
    "html": sc.BadResponse,
}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_each_fault_is_a_sync_error_of_its_kind(server, cred, mode):
    with FaultProxy(server.port, lambda n, head: mode, delay_s=1.5) as proxy:
        c = sc.Client(proxy.url, cred.token, timeout=0.8)
        with pytest.raises(SyncError) as exc:
            c.push([complaint_record()])
        c.close()
    assert isinstance(exc.value, EXPECTED[mode]), (mode, type(exc.value), exc.value)
    assert exc.value.kind and str(exc.value)


def test_pass_through_acknowledges_by_uuid(server, cred):
    with FaultProxy(server.port) as proxy:
        c = sc.Client(proxy.url, cred.token, timeout=5)
        recs = [complaint_record(), complaint_record()]
        out = c.push(recs)
        assert set(out) == {r["uuid"] for r in recs} and {v["status"] for v in out.values()} == {"stored"}


def test_unknown_and_missing_tokens(server, cred):
    with pytest.raises(sc.Unauthorized) as exc:
        sc.Client(server.url, "not-a-token", timeout=5).push([complaint_record()])
    assert exc.value.code == "401.2" and "Enroll" in str(exc.value)
    with pytest.raises(sc.NotEnrolled):
        sc.Client(server.url, None, timeout=5).push([])


def test_nothing_listens(server):
    from central.serverkit import free_port

    with pytest.raises(sc.Offline):
        sc.Client(f"http://127.0.0.1:{free_port()}", "t", timeout=2).catalog(None)


def test_answers_that_do_not_name_the_records_are_not_acknowledgements(server, cred, monkeypatch):
    c = sc.Client(server.url, cred.token, timeout=5)
    rec = complaint_record()
    real = c._request

    def fake(method, path, **kw):
        answer = real(method, path, **kw)
        answer["results"] = [{"uuid": "someone-else", "status": "stored"}, {"status": "stored"}, "junk"]
        return answer

    monkeypatch.setattr(c, "_request", fake)
    with pytest.raises(sc.BadResponse):
        c.push([rec])


def test_redirects_are_not_followed(server, cred):
    import http.server
    import threading

    class Portal(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://portal.example/login")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(sc.BadResponse) as exc:
            sc.Client(f"http://127.0.0.1:{httpd.server_address[1]}", "t", timeout=5).push([complaint_record()])
        assert "redirect" in str(exc.value)
    finally:
        httpd.shutdown()
