"""Citizen e-mail over SMTP (the standard library's smtplib): composing and sending, nothing stored.

A message says only that there is news on a report, with its tracking code and the link to the public
tracking page: never a name, a phone number, an address or the answer's text (an answer may quote the
citizen). For ``rahasia`` reports it does not even name the agency. Indonesian first, then English, in
one message, since the citizen chose no language at the kiosk that the server knows of.

Errors never carry the recipient: an SMTP server's reply often quotes the address, so a failure is
described by the exception's class and the SMTP code alone.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from ..i18n import translator
from .settings import Settings

SMTP_TIMEOUT_S = 30.0

# msgids (assets/locale/*/LC_MESSAGES/notify.po)
SUBJECT = "News on your report {code}"
GREETING = "Hello,"
FORWARDED_TO = "Your report {code} has been checked and forwarded to {agency}, which must answer it."
FORWARDED = "Your report {code} has been checked and forwarded to the agency that must answer it."
ANSWERED_BY = "{agency} has answered your report {code}."
ANSWERED = "Your report {code} has been answered."
NEWS = "There is news on your report {code}."
READ_AT = "Read it, and tell us whether the answer solved your problem, on the tracking page:"
FOLLOW_AT = "Follow your report on the tracking page:"
FOOTER = ("This message was sent automatically because you left this e-mail address with your report. "
          "Do not reply to it.")

# An address we will put in a To: header: one mailbox, no display name, no line breaks.
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")


class SendError(Exception):
    """A message that did not go out. ``reason`` is safe to store and show: no address in it."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


def valid_address(address: str) -> bool:
    return len(address) <= 254 and bool(_ADDRESS.match(address))


def tracking_link(settings: Settings, code_display: str) -> str:
    return f"{settings.public_url}/lacak/{code_display}"


def body_lines(lang: str, *, kind: str, code: str, agency: str | None, link: str) -> list[str]:
    """The text of one language. ``agency`` is None when it must not be named (rahasia) or is unknown."""
    _ = translator(lang)
    if kind == "forwarded":
        news = _(FORWARDED_TO).format(code=code, agency=agency) if agency else _(FORWARDED).format(code=code)
        follow = _(FOLLOW_AT)
    elif kind == "answered":
        news = _(ANSWERED_BY).format(code=code, agency=agency) if agency else _(ANSWERED).format(code=code)
        follow = _(READ_AT)
    else:
        news, follow = _(NEWS).format(code=code), _(FOLLOW_AT)
    return [_(GREETING), "", news, "", follow, link, "", _(FOOTER)]


def compose(settings: Settings, *, to: str, kind: str, code: str, privacy: str, agency: tuple[str, str] | None,
            at: datetime) -> EmailMessage:
    """The message for ``kind`` ("forwarded", "answered"). ``agency``: (Indonesian, English) name or None."""
    link = tracking_link(settings, code)
    named = agency if privacy == "biasa" and agency else None
    if privacy == "rahasia":
        # Not even which step it was: the tracking page, behind the code, tells the rest.
        kind = "news"
    ind = body_lines("id", kind=kind, code=code, agency=named[0] if named else None, link=link)
    eng = body_lines("en", kind=kind, code=code, agency=(named[1] or named[0]) if named else None, link=link)
    subjects = (translator("id")(SUBJECT).format(code=code), translator("en")(SUBJECT).format(code=code))
    return bilingual(settings, to=to, subjects=subjects, bodies=(ind, eng), at=at, tag="iplik")


def bilingual(settings: Settings, *, to: str, subjects: tuple[str, str], bodies: tuple[list[str], list[str]],
              at: datetime, tag: str, headers: dict[str, str] | None = None) -> EmailMessage:
    """Every mail the server sends: Indonesian first, then English, one Subject (both when they differ),
    marked automatic. ``tag`` starts the Message-ID (which mail it is); ``headers`` adds any others."""
    msg = EmailMessage()
    subject_id, subject_en = subjects
    msg["Subject"] = subject_id if subject_id == subject_en else f"{subject_id} / {subject_en}"
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Date"] = format_datetime(at)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(tag, domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies back to us
    msg["Content-Language"] = "id, en"
    for name, value in (headers or {}).items():
        msg[name] = value
    body_id, body_en = bodies
    msg.set_content("\n".join([*body_id, "", "-" * 40, "", *body_en]) + "\n")
    return msg


@dataclass
class Mailer:
    """One SMTP connection for a batch of messages, opened at the first send."""

    settings: Settings
    timeout: float = SMTP_TIMEOUT_S
    _smtp: smtplib.SMTP | None = None
    _broken: SendError | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        try:
            if s.smtp_tls == "starttls":
                smtp.ehlo()
                smtp.starttls(context=context)  # verifies the certificate and the host name
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        # Once the connection has failed, the rest of the batch fails the same way without trying
        # again (a dead relay must not cost a timeout per message).
        if self._broken is not None:
            raise self._broken
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            codes = sorted({code for code, _msg in e.recipients.values()})
            raise SendError(f"SMTPRecipientsRefused {','.join(map(str, codes))}",
                            permanent=all(500 <= c < 600 for c in codes)) from None
        except smtplib.SMTPResponseException as e:
            err = SendError(f"{type(e).__name__} {e.smtp_code}", permanent=500 <= e.smtp_code < 600
                            and not isinstance(e, smtplib.SMTPAuthenticationError))
            if isinstance(e, (smtplib.SMTPAuthenticationError, smtplib.SMTPConnectError)):
                self._broken = err
            raise err from None
        except (smtplib.SMTPException, OSError) as e:
            # Connection refused, timeout, TLS failure, server gone: worth another try later.
            err = SendError(type(e).__name__, permanent=False)
            self._broken = err
            self._drop()
            raise err from None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None
