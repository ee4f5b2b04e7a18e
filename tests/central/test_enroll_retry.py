"""Issue 12 item 6: an enrollment whose answer is lost can be retried (SQLite and PostgreSQL).

The real server in a subprocess, behind the project's fault proxy, which lets the server handle the
first enrollment and then drops its answer. The kiosk's retry (the same code and the nonce it kept)
gets the same device with a working token, and no orphan device is left behind.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sync.faultproxy import FaultProxy

from kiosk.central.db import devices, enroll_codes, now
from kiosk.central.devices import create_enroll_code, revoke
from kiosk.config import load_config
from kiosk.sync import device, wire
from kiosk.sync.client import BadResponse, Client, Offline, Refused, Unauthorized


def _drop_first_enroll():
    seen = {"n": 0}

    def plan(_n: int, head: bytes) -> str:
        if wire.ENROLL_PATH.encode() in head:
            seen["n"] += 1
            return "drop_after" if seen["n"] == 1 else "pass"
        return "pass"

    return plan


def _devices(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(devices.c.id)))


def _code(engine) -> str:
    return create_enroll_code(engine, office="Kantor Gubernur", agency_id="bappenda").code


def _post(server, http, code: str, nonce: str | None):
    body = {"code": code, "name": "lobi"} | ({"nonce": nonce} if nonce else {})
    return http.post(server.url + wire.ENROLL_PATH, json=body, timeout=10)


def test_a_lost_answer_is_retried_to_the_same_device_and_leaves_no_orphan(server, engine, tmp_path):
    cfg = load_config().with_data_dir(tmp_path)
    code = _code(engine)
    before = _devices(engine)
    with FaultProxy(server.port, _drop_first_enroll()) as proxy:
        client = Client(proxy.url, timeout=5)
        nonce = device.enroll_nonce(cfg)
        # The first try: the server enrolls, its answer never arrives (and the kiosk is switched off).
        with pytest.raises((Offline, BadResponse)):
            client.enroll(code, name="lobi", nonce=nonce, attempts=1)
        assert proxy.counts["drop_after"] == 1
        (first,) = _devices(engine) - before
        # Started again, the kiosk sends the nonce it kept: the server knows the retry.
        kept = device.enroll_nonce(load_config().with_data_dir(tmp_path))
        assert kept == nonce
        answer = client.enroll(code, name="lobi", nonce=kept, attempts=1)
        client.close()
    assert answer["device_id"] == first
    assert _devices(engine) - before == {first}  # no orphan
    saved = device.save(cfg, server=server.url, **answer)
    assert not (tmp_path / device.NONCE_FILENAME).exists()  # enrolled: a later code gets a new nonce
    assert saved.identity_public_key
    c = Client(server.url, saved.token, timeout=5)
    try:
        assert isinstance(c.updates(None)["updates"], list)
    finally:
        c.close()


def test_the_client_retries_a_lost_answer_by_itself(server, engine, tmp_path):
    code = _code(engine)
    before = _devices(engine)
    with FaultProxy(server.port, _drop_first_enroll()) as proxy:
        client = Client(proxy.url, timeout=5)
        answer = client.enroll(code, name="lobi", nonce=device.enroll_nonce(load_config().with_data_dir(tmp_path)))
        client.close()
    assert proxy.counts["drop_after"] == 1
    assert _devices(engine) - before == {answer["device_id"]}


def test_the_retry_replaces_the_token_whose_answer_was_lost(server, engine, http):
    code, nonce = _code(engine), secrets.token_urlsafe(32)
    first = _post(server, http, code, nonce).json()
    second = _post(server, http, code, nonce).json()
    assert second["device_id"] == first["device_id"] and second["token"] != first["token"]
    old, new = Client(server.url, first["token"], timeout=5), Client(server.url, second["token"], timeout=5)
    try:
        with pytest.raises(Unauthorized):
            old.updates(None)
        new.updates(None)
    finally:
        old.close()
        new.close()


def test_a_used_code_is_refused_to_another_nonce_to_none_after_expiry_and_after_revocation(server, engine, http):
    code, nonce = _code(engine), secrets.token_urlsafe(32)
    dev = _post(server, http, code, nonce).json()["device_id"]
    before = _devices(engine)
    for other in (secrets.token_urlsafe(32), None):
        r = _post(server, http, code, other)
        assert r.status_code == 403 and r.json()["code"] == "403.1", r.text
    # The code's lifetime bounds the retry.
    with engine.begin() as conn:
        conn.execute(enroll_codes.update().where(enroll_codes.c.device_id == dev)
                     .values(expires_at=now() - timedelta(seconds=1)))
    assert _post(server, http, code, nonce).status_code == 403
    # A revoked device is not brought back by its code and nonce.
    code2, nonce2 = _code(engine), secrets.token_urlsafe(32)
    dev2 = _post(server, http, code2, nonce2).json()["device_id"]
    assert revoke(engine, dev2)
    assert _post(server, http, code2, nonce2).status_code == 403
    assert _devices(engine) - before == {dev2}


def test_a_short_nonce_is_refused_as_bad_input(server, engine, http):
    r = _post(server, http, _code(engine), "short")
    assert r.status_code == 400 and r.json()["code"] == "400.2", r.text
    c = Client(server.url, timeout=5)
    try:
        with pytest.raises(Refused):
            c.enroll(_code(engine), nonce="short")
    finally:
        c.close()
