"""Citizen e-mails through a real SMTP server (aiosmtpd on a loopback port): what arrives, what never
does (personal data), the privacy modes, retries with backoff, and the failures the desk sees."""

from __future__ import annotations

import email
import email.policy
import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from kiosk.central import notify
from kiosk.central.db import audit_log, notifications, open_database
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

from . import complaintrows as rows
from .serverkit import database_url, free_port

WITA = ZoneInfo("Asia/Makassar")
T0 = datetime(2026, 12, 14, 10, 0, tzinfo=WITA)
PUBLIC = "https://lapor.ntbprov.example"
RESPONSE = "Sudah kami tindak lanjuti."


class Inbox:
    """An SMTP server's handler keeping what it receives; ``refuse`` answers RCPT with a 550."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def db_url(backend, tmp_path) -> str:
    return database_url(backend, tmp_path)


@pytest.fixture
def engine(db_url):
    e = open_database(Settings(database_url=db_url))
    rows.publish_agency(e, T0)
    yield e
    e.dispose()


def mail_settings(db_url: str, port: int, **kw) -> Settings:
    return Settings(database_url=db_url, timezone="Asia/Makassar", public_url=PUBLIC, smtp_host="127.0.0.1",
                    smtp_port=port, smtp_tls="none", smtp_from="iPLiK NTB <no-reply@ntbprov.example>", **kw)


def queued(engine, settings, *, status="forwarded", kind=notify.FORWARDED, **kw) -> tuple[str, str]:
    uid, code = rows.add(engine, settings, status=status, status_at=T0, **kw)
    with engine.begin() as conn:
        assert notify.enqueue(conn, uid, kind, T0)
    return uid, code


def body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def our_logs(caplog) -> str:
    """What the server's own loggers wrote (the test SMTP server logs the envelope; ours must not)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kiosk"))


def assert_no_personal_data(msg) -> None:
    # Headers and the decoded text (the wire form wraps long lines, which could hide a match).
    text = "\n".join(f"{k}: {v}" for k, v in msg.items() if k != "To") + "\n" + body(msg)
    for secret in (rows.NAME, "Siti", rows.NIK, rows.PHONE, "0812", "Petugas meminta biaya", RESPONSE):
        assert secret not in text
    # The address is on the envelope and in To:, nowhere in what the message says.
    assert rows.EMAIL not in body(msg) and rows.EMAIL not in str(msg["Subject"])


def test_the_forwarded_mail_arrives_with_the_code_the_link_and_the_agency_only(engine, db_url, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    settings = mail_settings(db_url, smtp.port)
    uid, code = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (1, 0)
    [(rcpt, msg)] = smtp.received
    assert rcpt == [rows.EMAIL] and msg["To"] == rows.EMAIL
    assert msg["From"] == "iPLiK NTB <no-reply@ntbprov.example>" and msg["Auto-Submitted"] == "auto-generated"
    assert code in msg["Subject"] and "Kabar baru aduan Anda" in msg["Subject"]
    text = body(msg)
    assert f"{PUBLIC}/lacak/{code}" in text
    assert f"diteruskan kepada {rows.AGENCY_NAME}" in text and f"forwarded to {rows.AGENCY_NAME_EN}" in text
    assert text.index("Halo,") < text.index("Hello,")  # Indonesian first
    assert_no_personal_data(msg)
    [row] = notify.for_complaint(engine, uid)
    assert (row.kind, row.status, row.attempts, row.last_error, row.sent_at, row.tracking_code) == (
        "forwarded", "sent", 1, None, T0, code)
    # Sent once: a second run finds nothing due.
    assert notify.send_due(engine, settings, T0 + timedelta(hours=1)) == (0, 0)
    assert len(smtp.received) == 1
    with engine.connect() as conn:
        detail = json.loads(conn.scalar(sa.select(audit_log.c.detail).where(audit_log.c.complaint_uuid == uid)))
    assert detail == {"change": "mail_sent", "kind": "forwarded", "attempts": 1}
    assert rows.EMAIL not in our_logs(caplog) and "notify: 1 sent" in our_logs(caplog)


def test_the_answered_mail_names_the_agency_but_never_quotes_the_answer(engine, db_url, smtp):
    settings = mail_settings(db_url, smtp.port)
    _, code = queued(engine, settings, status="followed_up", kind=notify.ANSWERED)
    notify.send_due(engine, settings, T0)
    [(_, msg)] = smtp.received
    text = body(msg)
    assert f"{rows.AGENCY_NAME} sudah menjawab aduan Anda {code}" in text
    assert "tell us whether the answer solved your problem" in text
    assert_no_personal_data(msg)


def test_a_rahasia_mail_says_only_that_there_is_news(engine, db_url, smtp):
    settings = mail_settings(db_url, smtp.port)
    _, code = queued(engine, settings, status="followed_up", kind=notify.ANSWERED, privacy="rahasia")
    assert notify.send_due(engine, settings, T0) == (1, 0)
    [(_, msg)] = smtp.received
    text = body(msg)
    assert f"Ada kabar baru tentang aduan Anda {code}" in text and f"{PUBLIC}/lacak/{code}" in text
    everything = str(msg["Subject"]) + body(msg)
    for hint in (rows.AGENCY_NAME, rows.AGENCY_NAME_EN, "answered", "dijawab", "diteruskan", "forwarded"):
        assert hint not in everything
    assert_no_personal_data(msg)


def test_anonim_reports_and_vanished_addresses_get_no_mail(engine, db_url, smtp):
    settings = mail_settings(db_url, smtp.port)
    anon, _ = rows.add(engine, settings, status="forwarded", status_at=T0, privacy="anonim")
    none, _ = rows.add(engine, settings, status="forwarded", status_at=T0, email=None)
    with engine.begin() as conn:
        assert not notify.enqueue(conn, anon, notify.FORWARDED, T0)
        assert not notify.enqueue(conn, none, notify.FORWARDED, T0)
    # Queued while the address was there, then the identity was erased (retention): skipped.
    uid, _ = queued(engine, settings)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE complaints SET identity = NULL WHERE uuid = :u"), {"u": uid})
    assert notify.send_due(engine, settings, T0) == (0, 0)
    assert smtp.received == []
    assert [r.status for r in notify.for_complaint(engine, uid)] == ["skipped"]


def test_a_refused_connection_is_retried_with_backoff_then_failed_and_shown_to_the_desk(engine, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    settings = mail_settings(db_url, free_port())  # nothing listens there
    uid, code = queued(engine, settings)
    at = T0
    waits = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
    for attempt, wait in enumerate(waits, start=1):
        assert notify.send_due(engine, settings, at) == (0, 1)
        [row] = notify.for_complaint(engine, uid)
        assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
            "pending", attempt, at + wait, "ConnectionRefusedError")
        # Not due before its time.
        assert notify.send_due(engine, settings, at + wait - timedelta(seconds=1)) == (0, 0)
        at += wait
    assert notify.send_due(engine, settings, at) == (0, 1)
    [row] = notify.for_complaint(engine, uid)
    assert (row.status, row.attempts, row.last_error) == ("failed", 5, "ConnectionRefusedError")
    [failure] = notify.recent_failures(engine)
    assert (failure.complaint_uuid, failure.tracking_code, failure.status) == (uid, code, "failed")
    assert notify.send_due(engine, settings, at + timedelta(days=3)) == (0, 0)  # failed is final
    assert rows.EMAIL not in our_logs(caplog) and "notify: 0 sent, 1 failed" in our_logs(caplog)


def test_a_permanent_refusal_fails_at_once_without_the_address_in_the_error(engine, db_url, smtp):
    smtp.refuse = True
    settings = mail_settings(db_url, smtp.port)
    uid, _ = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (0, 1)
    [row] = notify.for_complaint(engine, uid)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMTPRecipientsRefused 550")
    with engine.connect() as conn:
        stored = " ".join(str(v) for v in conn.execute(sa.select(notifications)).one())
        audit_text = " ".join(conn.scalars(sa.select(audit_log.c.detail)).all())
    assert rows.EMAIL not in stored and rows.EMAIL not in audit_text


def test_an_address_that_would_inject_headers_is_never_used(engine, db_url, smtp):
    settings = mail_settings(db_url, smtp.port)
    uid, _ = queued(engine, settings, email="siti@example.com\nBcc: everyone@example.com")
    assert notify.send_due(engine, settings, T0) == (0, 1)
    assert smtp.received == []
    assert [(r.status, r.last_error) for r in notify.for_complaint(engine, uid)] == [("failed", "invalid address")]


def test_without_an_smtp_server_set_messages_wait(engine, db_url):
    settings = mail_settings(db_url, 25).replace(smtp_host="")
    uid, _ = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (0, 0)
    assert [(r.status, r.attempts) for r in notify.for_complaint(engine, uid)] == [("pending", 0)]


def test_the_tick_sends_what_is_due(engine, db_url, smtp):
    settings = mail_settings(db_url, smtp.port)
    queued(engine, settings)
    queued(engine, settings, status="followed_up", kind=notify.ANSWERED)
    result = run_tick(engine, settings, now=T0 + timedelta(minutes=1))
    assert (result.mails_sent, result.mails_failed) == (2, 0)
    assert len(smtp.received) == 2
    assert run_tick(engine, settings, now=T0 + timedelta(minutes=6)).mails_sent == 0


# --- TLS and login -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (openssl, as on any server)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture
def tls_smtp(certificate):
    """An SMTP server that refuses mail before STARTTLS and wants a login (user "iplik", "s3cret")."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"iplik", b"s3cret")
        # The reply spelled out: aiosmtpd 1.4 sends none for a bare failure and the client times out.
        return AuthResult(success=ok, handled=False,
                          message=None if ok else "535 5.7.8 Authentication credentials invalid")

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_required=True)
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def test_starttls_with_a_trusted_certificate_and_a_login_delivers(engine, db_url, tls_smtp, certificate, monkeypatch):
    # The client verifies the server against the system's trust store; trust this test's certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    settings = mail_settings(db_url, tls_smtp.port).replace(smtp_tls="starttls", smtp_user="iplik",
                                                            smtp_password="s3cret")
    uid, code = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (1, 0)
    [(rcpt, msg)] = tls_smtp.received
    assert rcpt == [rows.EMAIL] and code in body(msg)


def test_an_untrusted_certificate_is_not_sent_to(engine, db_url, tls_smtp):
    settings = mail_settings(db_url, tls_smtp.port).replace(smtp_tls="starttls", smtp_user="iplik",
                                                            smtp_password="s3cret")
    uid, _ = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (0, 1)
    assert tls_smtp.received == []
    [row] = notify.for_complaint(engine, uid)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "SSLCertVerificationError")


def test_a_wrong_password_is_retried_later_not_given_up(engine, db_url, tls_smtp, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    settings = mail_settings(db_url, tls_smtp.port).replace(smtp_tls="starttls", smtp_user="iplik",
                                                            smtp_password="wrong")
    first, _ = queued(engine, settings)
    second, _ = queued(engine, settings)
    assert notify.send_due(engine, settings, T0) == (0, 2)
    assert tls_smtp.received == []
    for uid in (first, second):
        [row] = notify.for_complaint(engine, uid)
        assert (row.status, row.last_error) == ("pending", "SMTPAuthenticationError 535")


def test_implicit_tls_delivers_to_a_verified_server(engine, db_url, certificate, monkeypatch):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    controller.start()
    try:
        settings = mail_settings(db_url, controller.port).replace(smtp_tls="ssl")
        queued(engine, settings)
        # Untrusted first: nothing goes out in clear instead.
        assert notify.send_due(engine, settings, T0) == (0, 1)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert notify.send_due(engine, settings, T0 + timedelta(minutes=5)) == (1, 0)
        assert len(inbox.received) == 1
    finally:
        controller.stop()
