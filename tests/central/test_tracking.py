"""The public tracking page and JSON: bilingual, a timeline and the response, rate-limited per client."""

from __future__ import annotations

import pytest

from kiosk.domain import tracking

from .inboxkit import desk_act
from .serverkit import complaint_record


@pytest.fixture(scope="module")
def server_env():
    # Tight limits for this module's server: 8 lookups at once, 5 misses per 10 minutes.
    return {"IPLIK_CENTRAL_TRACK_BURST": "8", "IPLIK_CENTRAL_TRACK_PER_MINUTE": "0.5",
            "IPLIK_CENTRAL_TRACK_MISSES_PER_10MIN": "5",
            "IPLIK_CENTRAL_DEVICE_TRACK_BURST": "50"}


def test_page_shows_status_timeline_and_response_in_both_languages(http, server, engine, device):
    rec = complaint_record(privacy="anonim")
    http.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=10)
    code = rec["body"]["tracking_code"]
    desk_act(engine, code, "forward", agency_id="bappenda")
    desk_act(engine, code, "respond", text="Kami sudah menindaklanjuti <laporan> Anda.")
    # The way the QR code and a citizen may write it: grouped, lower case.
    r = http.get(server.url + "/lacak/" + tracking.display(code).lower(), timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert tracking.display(code) in page
    # Indonesian first (the default), English on request; the answer shown, escaped.
    assert "Ditindaklanjuti" in page and "Lacak laporan" in page and 'lang="id"' in page
    assert "&lt;laporan&gt;" in page and "<laporan>" not in page
    # The answer first (what the citizen came for), then the history in order.
    assert page.index("Kami sudah") < page.index("Tercatat di kiosk") < page.index("Diteruskan ke instansi")
    assert 'name="viewport"' in page and 'name="form_token"' in page  # the rating and reopen forms
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    english = http.get(server.url + f"/lacak/{tracking.display(code)}?lang=en", timeout=10).text
    assert "Followed up" in english and "Track a report" in english and 'lang="en"' in english
    data = http.get(server.url + f"/api/v1/track/{code}", timeout=10).json()
    assert [e["status"] for e in data["timeline"]] == ["received_at_kiosk", "sent", "verified", "forwarded", "followed_up"]
    assert data["response"].startswith("Kami sudah") and data["next_deadline"]["label"]


def test_lookups_are_rate_limited_per_client_and_misses_more(http, server, device):
    unknown = tracking.generate()
    statuses = [http.get(server.url + f"/api/v1/track/{unknown}", timeout=10).status_code for _ in range(8)]
    # Misses are limited harder than lookups: after 5 misses, 429 even though the burst allows 8.
    assert statuses[:5] == [404] * 5 and set(statuses[5:]) == {429}
    r = http.get(server.url + f"/lacak/{unknown}", timeout=10)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "text/html" in r.headers["content-type"]
    # An enrolled kiosk looks up with its own, larger budget.
    r = http.get(server.url + f"/api/v1/track/{unknown}", headers=device.headers, timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "404.2"


def test_typos_are_400_not_a_lookup(http, server, device):
    r = http.get(server.url + "/api/v1/track/ABCD", headers=device.headers, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "400.4"
    r = http.get(server.url + "/api/v1/track/" + "X" * 200, headers=device.headers, timeout=10)
    assert r.status_code == 400
