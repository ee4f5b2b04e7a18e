"""Every action the audit log holds can be found on the administrator's audit page.

Found by the end-to-end story: the citizen's rating row (and a refused identity view) were written
under action names the page did not know, so they showed as raw keys and `?action=citizen_rated`
was refused as "not in the list".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.central import audit, audit_view, citizen, inbox
from kiosk.central.db import open_database
from kiosk.central.settings import Settings
from kiosk.i18n import messages

from . import complaintrows as rows
from .serverkit import database_url

TZ = ZoneInfo("Asia/Makassar")


def written_actions() -> set[str]:
    return {v for k, v in vars(audit).items() if k.isupper() and isinstance(v, str)}


def test_every_action_name_has_a_label_in_both_languages():
    assert written_actions() == set(audit_view.ACTIONS)
    # The modules that write their own kinds of row use the names the page knows.
    assert citizen.CITIZEN_RATED in audit_view.ACTIONS and inbox.IDENTITY_DENIED in audit_view.ACTIONS
    indonesian = messages("id")
    assert [label for label in audit_view.ACTIONS.values() if not indonesian.get(label)] == []


@pytest.fixture
def engine(tmp_path):
    e = open_database(Settings(database_url=database_url("sqlite", tmp_path), timezone="Asia/Makassar"))
    yield e
    e.dispose()


def test_the_citizens_rating_can_be_filtered_on_the_audit_page(engine):
    settings = Settings(timezone="Asia/Makassar")
    answered = datetime.now(UTC) - timedelta(hours=2)
    _uid, code = rows.add(engine, settings, status="followed_up", status_at=answered, response="Sudah diperbaiki.",
                          response_at=answered)
    citizen.rate_answer(engine, code, 3, "Cukup membantu")
    filt, problems = audit_view.parse_filter({"action": audit.CITIZEN_RATED})
    assert problems == {}
    page = audit_view.search(engine, filt, tz=TZ)
    assert [(r.action, r.target, r.detail) for r in page.rows] == [
        (audit.CITIZEN_RATED, citizen.TARGET, {"face": 3, "comment": True})]
