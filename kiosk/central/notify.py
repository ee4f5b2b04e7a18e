"""E-mails to citizens who left an address: queued with the change that causes them, sent by `tick`.

A message is queued in the same transaction as the status change (so a change is never without its
message, and a rolled-back change never sends one). The queue row holds no personal data: the address
is read from the complaint when the message is sent. Messages carry only the tracking code and a link
to the public tracking page, whatever the report's privacy mode.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from .db import complaints, notifications

FORWARDED = "forwarded"
ANSWERED = "answered"
KINDS = (FORWARDED, ANSWERED)


def enqueue(conn: sa.Connection, complaint_uuid: str, kind: str, at: datetime) -> bool:
    """Queue ``kind`` for the complaint if its reporter left an e-mail address; True when queued."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = conn.execute(
        sa.select(complaints.c.privacy, complaints.c.identity).where(complaints.c.uuid == complaint_uuid)
    ).first()
    if row is None or row.privacy == "anonim" or not row.identity:
        return False
    if not (json.loads(row.identity).get("email") or "").strip():
        return False
    conn.execute(
        notifications.insert().values(
            complaint_uuid=complaint_uuid, kind=kind, status="pending", attempts=0,
            next_attempt_at=at, created_at=at,
        )
    )
    return True
