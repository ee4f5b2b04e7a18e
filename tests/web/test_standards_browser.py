"""The issue's story in Chromium: an officer edits a service's fees and sends the draft; the desk sees
both fees in the diff and publishes; an enrolled kiosk syncs with its real sync code and its service
screen (the Kivy app offscreen, in a child process) shows the new fee. axe on the edit and review pages;
an officer of another agency is refused on the same pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from central.serverkit import REPO, enroll
from central.staffkit import make_user

from kiosk.central import catalog
from kiosk.paths import DEMO_CATALOG

from .dashkit import sign_in

pytestmark = pytest.mark.browser

SERVICE = "bappenda-pkb-tahunan"
NEW_FEES = "Rp 35.000 biaya administrasi per kendaraan (tarif uji editor)."
OLD_FEES = "Gratis: tidak dipungut biaya pelayanan. PKB dibayar sesuai ketetapan"


@pytest.fixture(scope="module")
def demo(web_server):
    engine = web_server.engine()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    make_user(engine, "petugas-bapenda", "officer", agencies=("bappenda",))
    make_user(engine, "petugas-dinkes", "officer", agencies=("dinkes",))
    _, secret = make_user(engine, "desk-provinsi", "desk", totp=True)
    yield web_server, engine, secret
    engine.dispose()


def kiosk_sync(server, engine, data_dir: Path) -> Path:
    """A kiosk enrolled with the server, synced once by kiosk.sync.worker; returns its config file."""
    from kiosk.config import DEFAULT_CONFIG, load_config
    from kiosk.store.db import Store
    from kiosk.sync import device
    from kiosk.sync.worker import SyncWorker

    data_dir.mkdir(parents=True)
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace('data_dir = "var"', f'data_dir = "{data_dir}"')
    config_path = data_dir / "config.toml"
    config_path.write_text(text.replace("fullscreen = true", "fullscreen = false"), encoding="utf-8")
    cfg = load_config(config_path)
    cfg = cfg._replace(server=cfg.server._replace(url=server.url, timeout_s=10.0))
    cred = enroll(server, engine)
    device.save(cfg, server=server.url, device_id=cred.device_id, token=cred.token, office="Kantor Gubernur",
                agency_id="bappenda", identity_public_key=cred.identity_public_key)
    store = Store(cfg.db_path)
    worker = SyncWorker(cfg, store=store)
    status = worker.run_once()
    worker.stop()
    store.close()
    assert status.state == "idle", status
    return config_path


def test_an_officer_changes_a_fee_the_desk_publishes_and_the_kiosk_shows_it(demo, page, browser, axe_violations,
                                                                           tmp_path):
    server, engine, desk_secret = demo
    sign_in(page, server, "petugas-bapenda", next_path="/staff/standards")
    page.goto(f"{server.url}/staff/standards/bappenda")
    page.get_by_role("button", name="Mulai draf").click()
    page.wait_for_url(re.compile(r".*/staff/standards/bappenda\?done=started$"))
    page.goto(f"{server.url}/staff/standards/bappenda/services/{SERVICE}")
    assert page.input_value("#fee_idr") == "0"
    assert axe_violations(page) == []
    page.fill("#fees", NEW_FEES)
    page.fill("#fee_idr", "35.000")
    page.get_by_role("button", name="Simpan layanan").click()
    page.wait_for_url(re.compile(r".*done=saved$"))
    assert page.input_value("#fee_idr") == "35000"
    page.goto(f"{server.url}/staff/standards/bappenda")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    page.wait_for_url(re.compile(r".*done=submitted$"))
    assert page.console_errors == []

    desk_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    desk = desk_context.new_page()
    try:
        sign_in(desk, server, "desk-provinsi", secret=desk_secret, next_path="/staff/standards")
        desk.get_by_role("link", name=re.compile("Badan Pendapatan Daerah")).first.click()
        desk.goto(f"{server.url}/staff/standards/bappenda/review")
        body = desk.inner_text("main")
        assert OLD_FEES in body and NEW_FEES in body  # the old fee and the new one, side by side
        assert "35000" in body
        assert axe_violations(desk) == []
        desk.fill("#publish-note", "Tarif administrasi baru")
        desk.get_by_role("button", name="Terbitkan", exact=True).click()
        desk.wait_for_url(re.compile(r".*/staff/standards/history\?done=published$"))
        assert "Tarif administrasi baru" in desk.inner_text("main")
        assert axe_violations(desk) == []  # the history
        desk.goto(f"{server.url}/staff/standards/import")
        assert axe_violations(desk) == []
    finally:
        desk_context.close()

    config_path = kiosk_sync(server, engine, tmp_path / "kiosk")
    png = tmp_path / "kiosk-service.png"
    child = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("standards_kiosk_screen.py")), str(config_path), SERVICE, str(png), NEW_FEES],
        env={**os.environ, "KIVY_NO_ARGS": "1", "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=180,
        check=False)
    assert child.returncode == 0, child.stderr[-3000:]
    texts = json.loads(child.stdout.strip().splitlines()[-1])
    assert NEW_FEES in texts
    assert "Gratis" not in texts  # the free-of-charge badge is gone with the fee (it showed before the sync)
    assert not any(text.startswith(OLD_FEES) for text in texts)
    assert png.stat().st_size > 10_000


def test_an_officer_of_another_agency_is_refused(demo, page):
    server, _engine, _ = demo
    sign_in(page, server, "petugas-dinkes", next_path="/staff/standards")
    assert "Badan Pendapatan Daerah" not in page.inner_text("main")
    for path in ("/staff/standards/bappenda", f"/staff/standards/bappenda/services/{SERVICE}",
                 "/staff/standards/bappenda/review"):
        assert page.goto(server.url + path).status == 404, path
    # A forged POST with the officer's own valid token: still refused.
    page.goto(f"{server.url}/staff/standards/dinkes")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = requests.post(f"{server.url}/staff/standards/bappenda/draft", data={"csrf_token": token}, cookies=cookies,
                      allow_redirects=False, timeout=10)
    assert r.status_code == 404
